#include "io/gguf_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace sinan {
namespace {

class FileSink {
 public:
  explicit FileSink(std::FILE* f) : f_(f) {}
  template <typename T>
  void put(const T& v) {
    write(&v, sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    write(s.data(), s.size());
  }
  void write(const void* data, size_t n) {
    if (n != 0 && std::fwrite(data, 1, n, f_) != n) ok_ = false;
    offset_ += n;
  }
  void pad_to(size_t alignment) {
    static const uint8_t zeros[64] = {};
    while (offset_ % alignment != 0) write(zeros, std::min<size_t>(alignment - offset_ % alignment, sizeof zeros));
  }
  bool ok() const { return ok_; }

 private:
  std::FILE* f_;
  size_t offset_ = 0;
  bool ok_ = true;
};

void put_value(FileSink& out, const GgufValue& v);

void put_array(FileSink& out, const GgufArray& a) {
  out.put<uint32_t>(static_cast<uint32_t>(a.element_type));
  out.put<uint64_t>(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    GgufValue element;
    element.type = a.element_type;
    switch (a.element_type) {
      case GgufType::kString: element.s = a.strings[i]; break;
      case GgufType::kArray: element = a.arrays[i]; break;
      case GgufType::kF32: case GgufType::kF64: element.f = a.floats[i]; break;
      case GgufType::kBool: element.b = a.ints[i] != 0; break;
      default: element.i = a.ints[i]; element.u = static_cast<uint64_t>(a.ints[i]); break;
    }
    put_value(out, element);
  }
}

void put_value(FileSink& out, const GgufValue& v) {
  switch (v.type) {
    case GgufType::kU8: out.put<uint8_t>(static_cast<uint8_t>(v.u)); break;
    case GgufType::kI8: out.put<int8_t>(static_cast<int8_t>(v.i)); break;
    case GgufType::kU16: out.put<uint16_t>(static_cast<uint16_t>(v.u)); break;
    case GgufType::kI16: out.put<int16_t>(static_cast<int16_t>(v.i)); break;
    case GgufType::kU32: out.put<uint32_t>(static_cast<uint32_t>(v.u)); break;
    case GgufType::kI32: out.put<int32_t>(static_cast<int32_t>(v.i)); break;
    case GgufType::kU64: out.put<uint64_t>(v.u); break;
    case GgufType::kI64: out.put<int64_t>(v.i); break;
    case GgufType::kF32: out.put<float>(static_cast<float>(v.f)); break;
    case GgufType::kF64: out.put<double>(v.f); break;
    case GgufType::kBool: out.put<uint8_t>(v.b ? 1 : 0); break;
    case GgufType::kString: out.put_string(v.s); break;
    case GgufType::kArray: put_array(out, *v.array); break;
  }
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue value) {
  if (key == "general.alignment") {
    if (auto a = value.as_int()) alignment_ = static_cast<size_t>(*a);
  }
  for (auto& [k, v] : metadata_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(key, std::move(value));
}

void GgufWriter::set_u32(const std::string& key, uint32_t v) {
  GgufValue value;
  value.type = GgufType::kU32;
  value.u = v;
  value.i = v;
  set(key, value);
}
void GgufWriter::set_i32(const std::string& key, int32_t v) {
  GgufValue value;
  value.type = GgufType::kI32;
  value.i = v;
  value.u = static_cast<uint64_t>(v);
  set(key, value);
}
void GgufWriter::set_u64(const std::string& key, uint64_t v) {
  GgufValue value;
  value.type = GgufType::kU64;
  value.u = v;
  value.i = static_cast<int64_t>(v);
  set(key, value);
}
void GgufWriter::set_f32(const std::string& key, float v) {
  GgufValue value;
  value.type = GgufType::kF32;
  value.f = v;
  set(key, value);
}
void GgufWriter::set_bool(const std::string& key, bool v) {
  GgufValue value;
  value.type = GgufType::kBool;
  value.b = v;
  value.i = v;
  set(key, value);
}
void GgufWriter::set_string(const std::string& key, const std::string& v) {
  GgufValue value;
  value.type = GgufType::kString;
  value.s = v;
  set(key, value);
}
void GgufWriter::set_string_array(const std::string& key, const std::vector<std::string>& v) {
  auto array = std::make_shared<GgufArray>();
  array->element_type = GgufType::kString;
  array->strings = v;
  GgufValue value;
  value.type = GgufType::kArray;
  value.array = std::move(array);
  set(key, value);
}
void GgufWriter::set_i32_array(const std::string& key, const std::vector<int32_t>& v) {
  auto array = std::make_shared<GgufArray>();
  array->element_type = GgufType::kI32;
  array->ints.assign(v.begin(), v.end());
  GgufValue value;
  value.type = GgufType::kArray;
  value.array = std::move(array);
  set(key, value);
}
void GgufWriter::set_f32_array(const std::string& key, const std::vector<float>& v) {
  auto array = std::make_shared<GgufArray>();
  array->element_type = GgufType::kF32;
  array->floats.assign(v.begin(), v.end());
  GgufValue value;
  value.type = GgufType::kArray;
  value.array = std::move(array);
  set(key, value);
}

void GgufWriter::remove(const std::string& key) {
  for (auto it = metadata_.begin(); it != metadata_.end(); ++it) {
    if (it->first == key) {
      metadata_.erase(it);
      return;
    }
  }
}

void GgufWriter::copy_metadata(const GgufFile& file) {
  for (const auto& [key, value] : file.metadata()) set(key, value);
}

Status GgufWriter::add_tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                              const void* data, size_t nbytes) {
  const auto& info = dtype_info(dtype);
  if (info.ggml_id < 0) return Status::errorf("tensor '{}': type {} has no GGUF id", name, info.name);
  if (shape.empty() || shape.size() > 4) return Status::errorf("tensor '{}': GGUF tensors have 1 to 4 dimensions", name);
  int64_t numel = 0;
  if (!checked_numel(shape, &numel)) return Status::errorf("tensor '{}': bad shape", name);
  const auto row_bytes = dtype_row_bytes(dtype, shape.back());
  if (!row_bytes || *row_bytes * static_cast<size_t>(numel / shape.back()) != nbytes) {
    return Status::errorf("tensor '{}': {} bytes do not match {} {}", name, nbytes, info.name, shape_string(shape));
  }
  for (const auto& t : tensors_) {
    if (t.name == name) return Status::errorf("tensor '{}' added twice", name);
  }
  const auto* bytes = static_cast<const uint8_t*>(data);
  tensors_.push_back(Tensor{name, dtype, shape, std::vector<uint8_t>(bytes, bytes + nbytes)});
  return Status();
}

Status GgufWriter::write(const std::string& path) const {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!file) return Status::errorf("{}: cannot create: {}", path, std::strerror(errno));
  FileSink out(file.get());
  out.write("GGUF", 4);
  out.put<uint32_t>(3);
  out.put<uint64_t>(tensors_.size());
  out.put<uint64_t>(metadata_.size());
  for (const auto& [key, value] : metadata_) {
    out.put_string(key);
    out.put<uint32_t>(static_cast<uint32_t>(value.type));
    put_value(out, value);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    out.put_string(t.name);
    out.put<uint32_t>(static_cast<uint32_t>(t.shape.size()));
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) out.put<uint64_t>(static_cast<uint64_t>(*it));
    out.put<uint32_t>(static_cast<uint32_t>(dtype_info(t.dtype).ggml_id));
    out.put<uint64_t>(offset);
    offset += (t.data.size() + alignment_ - 1) / alignment_ * alignment_;
  }
  out.pad_to(alignment_);
  for (const auto& t : tensors_) {
    out.write(t.data.data(), t.data.size());
    out.pad_to(alignment_);
  }
  if (!out.ok()) return Status::errorf("{}: write failed: {}", path, std::strerror(errno));
  if (std::fclose(file.release()) != 0) return Status::errorf("{}: write failed: {}", path, std::strerror(errno));
  return Status();
}

}  // namespace sinan
