#include "io/gguf_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "io/gguf_encode.h"

namespace sinan {

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

const GgufValue* GgufWriter::find(const std::string& key) const {
  for (const auto& [k, v] : metadata_) {
    if (k == key) return &v;
  }
  return nullptr;
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
  gguf_encode::FileSink out(file.get());
  std::vector<gguf_encode::HeaderTensor> infos;
  infos.reserve(tensors_.size());
  for (const auto& t : tensors_) infos.push_back({&t.name, t.dtype, &t.shape, t.data.size()});
  gguf_encode::put_header(out, metadata_, infos, alignment_);
  for (const auto& t : tensors_) {
    out.write(t.data.data(), t.data.size());
    out.pad_to(alignment_);
  }
  if (!out.ok()) return Status::errorf("{}: write failed: {}", path, std::strerror(errno));
  if (std::fclose(file.release()) != 0) return Status::errorf("{}: write failed: {}", path, std::strerror(errno));
  return Status();
}

}  // namespace sinan
