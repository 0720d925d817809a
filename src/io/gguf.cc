#include "io/gguf.h"

#include <cstring>
#include <limits>

namespace sinan {
namespace {

constexpr int kMaxArrayDepth = 4;
constexpr uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

// Bounds-checked little-endian cursor over the header bytes.
class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, const std::string& label) : bytes_(bytes), label_(label) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }

  template <typename T>
  Status read(T* out, const char* what) {
    if (remaining() < sizeof(T)) return truncated(what);
    std::memcpy(out, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    return Status();
  }

  Status read_string(std::string* out, const char* what) {
    uint64_t length = 0;
    SINAN_RETURN_IF_ERROR(read(&length, what));
    if (length > remaining()) {
      return Status::errorf("{}: {} at byte {} claims {} bytes but only {} remain (truncated or corrupt file)",
                            label_, what, offset_ - 8, length, remaining());
    }
    out->assign(reinterpret_cast<const char*>(bytes_.data() + offset_), length);
    offset_ += length;
    return Status();
  }

  Status truncated(const char* what) const {
    return Status::errorf("{}: file ends inside {} at byte {} (truncated file?)", label_, what, offset_);
  }

 private:
  std::span<const uint8_t> bytes_;
  const std::string& label_;
  size_t offset_ = 0;
};

size_t min_encoded_size(GgufType type) {
  switch (type) {
    case GgufType::kU8: case GgufType::kI8: case GgufType::kBool: return 1;
    case GgufType::kU16: case GgufType::kI16: return 2;
    case GgufType::kU32: case GgufType::kI32: case GgufType::kF32: return 4;
    case GgufType::kU64: case GgufType::kI64: case GgufType::kF64: return 8;
    case GgufType::kString: return 8;
    case GgufType::kArray: return 12;
  }
  return 1;
}

bool valid_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::kF64); }

Status read_value_impl(Reader& r, GgufType type, const std::string& key, int depth, GgufValue* out,
                       const std::string& label);

template <typename T>
Status read_scalar_into(Reader& r, GgufValue* out, const char* what) {
  T v{};
  SINAN_RETURN_IF_ERROR(r.read(&v, what));
  if constexpr (std::is_floating_point_v<T>) {
    out->f = static_cast<double>(v);
  } else if constexpr (std::is_unsigned_v<T>) {
    out->u = static_cast<uint64_t>(v);
    out->i = static_cast<int64_t>(v);
  } else {
    out->i = static_cast<int64_t>(v);
    out->u = static_cast<uint64_t>(v);
  }
  return Status();
}

Status read_array(Reader& r, const std::string& key, int depth, GgufValue* out, const std::string& label) {
  if (depth >= kMaxArrayDepth) return Status::errorf("{}: metadata '{}' nests arrays too deeply", label, key);
  uint32_t element_type = 0;
  uint64_t count = 0;
  SINAN_RETURN_IF_ERROR(r.read(&element_type, "array element type"));
  SINAN_RETURN_IF_ERROR(r.read(&count, "array length"));
  if (!valid_type(element_type)) {
    return Status::errorf("{}: metadata '{}' is an array of unknown type {}", label, key, element_type);
  }
  const auto etype = static_cast<GgufType>(element_type);
  if (count > r.remaining() / min_encoded_size(etype)) {
    return Status::errorf("{}: metadata '{}' claims {} elements, more than the file holds (truncated or corrupt)",
                          label, key, count);
  }
  auto array = std::make_shared<GgufArray>();
  array->element_type = etype;
  const auto n = static_cast<size_t>(count);
  if (etype == GgufType::kString) {
    array->strings.resize(n);
    for (size_t k = 0; k < n; ++k) SINAN_RETURN_IF_ERROR(r.read_string(&array->strings[k], "array string"));
  } else if (etype == GgufType::kArray) {
    array->arrays.resize(n);
    for (size_t k = 0; k < n; ++k) {
      array->arrays[k].type = GgufType::kArray;
      SINAN_RETURN_IF_ERROR(read_array(r, key, depth + 1, &array->arrays[k], label));
    }
  } else {
    const bool is_float = etype == GgufType::kF32 || etype == GgufType::kF64;
    (is_float ? array->floats.reserve(n) : array->ints.reserve(n));
    for (size_t k = 0; k < n; ++k) {
      GgufValue element;
      element.type = etype;
      SINAN_RETURN_IF_ERROR(read_value_impl(r, etype, key, depth + 1, &element, label));
      if (is_float) {
        array->floats.push_back(element.f);
      } else if (etype == GgufType::kBool) {
        array->ints.push_back(element.b ? 1 : 0);
      } else {
        array->ints.push_back(element.i);
      }
    }
  }
  out->array = std::move(array);
  return Status();
}

Status read_value_impl(Reader& r, GgufType type, const std::string& key, int depth, GgufValue* out,
                       const std::string& label) {
  out->type = type;
  switch (type) {
    case GgufType::kU8: return read_scalar_into<uint8_t>(r, out, "u8 value");
    case GgufType::kI8: return read_scalar_into<int8_t>(r, out, "i8 value");
    case GgufType::kU16: return read_scalar_into<uint16_t>(r, out, "u16 value");
    case GgufType::kI16: return read_scalar_into<int16_t>(r, out, "i16 value");
    case GgufType::kU32: return read_scalar_into<uint32_t>(r, out, "u32 value");
    case GgufType::kI32: return read_scalar_into<int32_t>(r, out, "i32 value");
    case GgufType::kU64: return read_scalar_into<uint64_t>(r, out, "u64 value");
    case GgufType::kI64: return read_scalar_into<int64_t>(r, out, "i64 value");
    case GgufType::kF32: return read_scalar_into<float>(r, out, "f32 value");
    case GgufType::kF64: return read_scalar_into<double>(r, out, "f64 value");
    case GgufType::kBool: {
      uint8_t v = 0;
      SINAN_RETURN_IF_ERROR(r.read(&v, "bool value"));
      if (v > 1) return Status::errorf("{}: metadata '{}' has bool value {}", label, key, v);
      out->b = v != 0;
      out->i = out->b;
      return Status();
    }
    case GgufType::kString: return r.read_string(&out->s, "string value");
    case GgufType::kArray: return read_array(r, key, depth, out, label);
  }
  return Status::errorf("{}: metadata '{}' has unknown type {}", label, key, static_cast<uint32_t>(type));
}

}  // namespace

const char* gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::kU8: return "u8";
    case GgufType::kI8: return "i8";
    case GgufType::kU16: return "u16";
    case GgufType::kI16: return "i16";
    case GgufType::kU32: return "u32";
    case GgufType::kI32: return "i32";
    case GgufType::kF32: return "f32";
    case GgufType::kBool: return "bool";
    case GgufType::kString: return "string";
    case GgufType::kArray: return "array";
    case GgufType::kU64: return "u64";
    case GgufType::kI64: return "i64";
    case GgufType::kF64: return "f64";
  }
  return "unknown";
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufType::kU8: case GgufType::kI8: case GgufType::kU16: case GgufType::kI16:
    case GgufType::kU32: case GgufType::kI32: case GgufType::kU64: case GgufType::kI64: return true;
    default: return false;
  }
}

std::optional<int64_t> GgufValue::as_int() const {
  if (!is_integer()) return std::nullopt;
  if (type == GgufType::kU64 && u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return i;
}

std::optional<double> GgufValue::as_double() const {
  if (is_float()) return f;
  if (type == GgufType::kU64) return static_cast<double>(u);
  if (is_integer()) return static_cast<double>(i);
  return std::nullopt;
}

size_t GgufArray::size() const {
  switch (element_type) {
    case GgufType::kString: return strings.size();
    case GgufType::kArray: return arrays.size();
    case GgufType::kF32: case GgufType::kF64: return floats.size();
    default: return ints.size();
  }
}

Result<GgufFile> GgufFile::parse(std::span<const uint8_t> bytes, const std::string& label) {
  GgufFile file;
  file.label_ = label;
  Reader r(bytes, label);

  char magic[4] = {};
  if (bytes.size() < 4) return Status::errorf("{}: too short to be a GGUF file ({} bytes)", label, bytes.size());
  std::memcpy(magic, bytes.data(), 4);
  if (std::memcmp(magic, "GGUF", 4) != 0) {
    return Status::errorf("{}: not a GGUF file (magic bytes {:02x} {:02x} {:02x} {:02x}, expected 'GGUF')", label,
                          static_cast<uint8_t>(magic[0]), static_cast<uint8_t>(magic[1]),
                          static_cast<uint8_t>(magic[2]), static_cast<uint8_t>(magic[3]));
  }
  uint32_t skip_magic = 0;
  SINAN_RETURN_IF_ERROR(r.read(&skip_magic, "magic"));
  SINAN_RETURN_IF_ERROR(r.read(&file.version_, "version"));
  if (file.version_ == 1) return Status::errorf("{}: GGUF version 1 is obsolete; re-convert the model", label);
  if ((file.version_ & 0xffff) == 0 && file.version_ != 0) {
    return Status::errorf("{}: big-endian GGUF files are not supported", label);
  }
  if (file.version_ != 2 && file.version_ != 3) {
    return Status::errorf("{}: unsupported GGUF version {} (sinan reads versions 2 and 3)", label, file.version_);
  }

  uint64_t n_tensors = 0, n_kv = 0;
  SINAN_RETURN_IF_ERROR(r.read(&n_tensors, "tensor count"));
  SINAN_RETURN_IF_ERROR(r.read(&n_kv, "metadata count"));
  // Each metadata entry takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at least 8+4+4+8.
  if (n_kv > r.remaining() / 13) {
    return Status::errorf("{}: header claims {} metadata entries, more than the file can hold", label, n_kv);
  }
  if (n_tensors > r.remaining() / 24) {
    return Status::errorf("{}: header claims {} tensors, more than the file can hold", label, n_tensors);
  }

  file.metadata_.reserve(static_cast<size_t>(n_kv));
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key;
    SINAN_RETURN_IF_ERROR(r.read_string(&key, "metadata key"));
    uint32_t type = 0;
    SINAN_RETURN_IF_ERROR(r.read(&type, "metadata type"));
    if (!valid_type(type)) return Status::errorf("{}: metadata '{}' has unknown type {}", label, key, type);
    GgufValue value;
    SINAN_RETURN_IF_ERROR(read_value_impl(r, static_cast<GgufType>(type), key, 0, &value, label));
    if (file.metadata_index_.count(key) != 0) return Status::errorf("{}: metadata key '{}' appears twice", label, key);
    file.metadata_index_[key] = file.metadata_.size();
    file.metadata_.emplace_back(std::move(key), std::move(value));
  }

  if (const GgufValue* alignment = file.find("general.alignment")) {
    const auto a = alignment->as_int();
    if (!a || *a <= 0 || (*a & (*a - 1)) != 0 || *a > (1 << 20)) {
      return Status::errorf("{}: general.alignment must be a power of two, got {}", label,
                            a ? std::to_string(*a) : std::string(gguf_type_name(alignment->type)));
    }
    file.alignment_ = static_cast<size_t>(*a);
  }

  struct RawTensor {
    std::vector<int64_t> shape;
    DType dtype;
    uint64_t offset;
    size_t nbytes;
  };
  std::vector<RawTensor> raw(static_cast<size_t>(n_tensors));
  std::vector<std::string> names(static_cast<size_t>(n_tensors));
  for (uint64_t t = 0; t < n_tensors; ++t) {
    std::string& name = names[t];
    SINAN_RETURN_IF_ERROR(r.read_string(&name, "tensor name"));
    uint32_t n_dims = 0;
    SINAN_RETURN_IF_ERROR(r.read(&n_dims, "tensor dimension count"));
    if (n_dims == 0 || n_dims > kMaxDims) {
      return Status::errorf("{}: tensor '{}' has {} dimensions (1 to {} allowed)", label, name, n_dims, kMaxDims);
    }
    std::vector<int64_t> ne(n_dims);
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim = 0;
      SINAN_RETURN_IF_ERROR(r.read(&dim, "tensor dimension"));
      if (dim == 0 || dim > (uint64_t{1} << 40)) {
        return Status::errorf("{}: tensor '{}' has dimension {} = {}", label, name, d, dim);
      }
      ne[d] = static_cast<int64_t>(dim);
    }
    uint32_t type_id = 0;
    SINAN_RETURN_IF_ERROR(r.read(&type_id, "tensor type"));
    const auto dtype = dtype_from_ggml_id(type_id);
    if (!dtype) return Status::errorf("{}: tensor '{}' has unknown ggml type {}", label, name, type_id);
    uint64_t offset = 0;
    SINAN_RETURN_IF_ERROR(r.read(&offset, "tensor offset"));

    // ggml lists dims innermost first; sinan uses torch order (outermost first).
    std::vector<int64_t> shape(ne.rbegin(), ne.rend());
    int64_t numel = 0;
    if (!checked_numel(shape, &numel)) return Status::errorf("{}: tensor '{}' is absurdly large", label, name);
    const auto row_bytes = dtype_row_bytes(*dtype, ne[0]);
    if (!row_bytes) {
      return Status::errorf("{}: tensor '{}' rows of {} values are not whole {} blocks of {}", label, name, ne[0],
                            dtype_name(*dtype), dtype_info(*dtype).block_elems);
    }
    const int64_t n_rows = numel / ne[0];
    if (*row_bytes != 0 && static_cast<uint64_t>(n_rows) > std::numeric_limits<uint64_t>::max() / *row_bytes) {
      return Status::errorf("{}: tensor '{}' is absurdly large", label, name);
    }
    if (file.tensor_index_.count(name) != 0) return Status::errorf("{}: tensor '{}' appears twice", label, name);
    file.tensor_index_[name] = t;
    raw[t] = RawTensor{std::move(shape), *dtype, offset, *row_bytes * static_cast<size_t>(n_rows)};
  }

  const size_t header_end = r.offset();
  const size_t data_start = (header_end + file.alignment_ - 1) / file.alignment_ * file.alignment_;
  if (n_tensors > 0 && data_start > bytes.size()) {
    return Status::errorf("{}: file ends before the tensor data section (truncated file?)", label);
  }
  const size_t data_size = bytes.size() > data_start ? bytes.size() - data_start : 0;
  file.tensors_.reserve(raw.size());
  for (size_t t = 0; t < raw.size(); ++t) {
    const RawTensor& rt = raw[t];
    if (rt.offset % file.alignment_ != 0) {
      return Status::errorf("{}: tensor '{}' data offset {} is not aligned to {}", label, names[t], rt.offset,
                            file.alignment_);
    }
    if (rt.offset > data_size || rt.nbytes > data_size - rt.offset) {
      return Status::errorf(
          "{}: tensor '{}' needs bytes {}..{} of the data section, but the file holds only {} (truncated file?)", label,
          names[t], rt.offset, rt.offset + rt.nbytes, data_size);
    }
    TensorInfo info;
    info.name = std::move(names[t]);
    info.dtype = rt.dtype;
    info.shape = rt.shape;
    info.data = bytes.data() + data_start + rt.offset;
    info.nbytes = rt.nbytes;
    info.file = label;
    file.tensors_.push_back(std::move(info));
  }
  return file;
}

Result<GgufFile> GgufFile::open(const std::string& path) {
  SINAN_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> mapped, MappedFile::open(path));
  std::shared_ptr<MappedFile> shared = std::move(mapped);
  SINAN_ASSIGN_OR_RETURN(GgufFile file, parse(shared->bytes(), path));
  file.mapping_ = std::move(shared);
  return file;
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

const TensorInfo* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Result<std::optional<int64_t>> GgufFile::get_int(const std::string& key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::optional<int64_t>();
  auto i = v->as_int();
  if (!i) return Status::errorf("{}: metadata '{}' should be an integer but is {}", label_, key, gguf_type_name(v->type));
  return std::optional<int64_t>(*i);
}

Result<std::optional<double>> GgufFile::get_float(const std::string& key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::optional<double>();
  auto d = v->as_double();
  if (!d) return Status::errorf("{}: metadata '{}' should be a number but is {}", label_, key, gguf_type_name(v->type));
  return std::optional<double>(*d);
}

Result<std::optional<bool>> GgufFile::get_bool(const std::string& key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::optional<bool>();
  if (v->type != GgufType::kBool) {
    return Status::errorf("{}: metadata '{}' should be a bool but is {}", label_, key, gguf_type_name(v->type));
  }
  return std::optional<bool>(v->b);
}

Result<std::optional<std::string>> GgufFile::get_string(const std::string& key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (v->type != GgufType::kString) {
    return Status::errorf("{}: metadata '{}' should be a string but is {}", label_, key, gguf_type_name(v->type));
  }
  return std::optional<std::string>(v->s);
}

const GgufArray* GgufFile::get_array(const std::string& key) const {
  const GgufValue* v = find(key);
  if (v == nullptr || v->type != GgufType::kArray) return nullptr;
  return v->array.get();
}

}  // namespace sinan
