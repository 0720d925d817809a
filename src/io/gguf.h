// GGUF (v2 and v3, little-endian) as llama.cpp writes it: typed metadata, tensor infos and tensor data
// read in place. Every count, length and offset is checked against the bytes present before use.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/mapped_file.h"
#include "io/tensor_info.h"

namespace sinan {

enum class GgufType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
const char* gguf_type_name(GgufType type);

struct GgufArray;

// One metadata value. Integers are held widened (signed in i, unsigned in u), floats in f.
struct GgufValue {
  GgufType type = GgufType::kU8;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  bool b = false;
  std::string s;
  std::shared_ptr<const GgufArray> array;

  bool is_integer() const;
  bool is_float() const { return type == GgufType::kF32 || type == GgufType::kF64; }
  std::optional<int64_t> as_int() const;    // any integer type (u64 beyond int64 -> nullopt)
  std::optional<double> as_double() const;  // any integer or float type
};

// Arrays keep elements by kind so a 150k-entry vocabulary stays compact.
struct GgufArray {
  GgufType element_type = GgufType::kU8;
  std::vector<int64_t> ints;         // integer and bool elements
  std::vector<double> floats;        // f32 / f64 elements
  std::vector<std::string> strings;  // string elements
  std::vector<GgufValue> arrays;     // nested arrays
  size_t size() const;
};

class GgufFile {
 public:
  // Parses the header of `bytes` (normally a mapped file). Tensor data pointers point into `bytes`,
  // which must outlive the result. `label` names the file in messages.
  static Result<GgufFile> parse(std::span<const uint8_t> bytes, const std::string& label);
  // Maps and parses a file; the map is owned by the result.
  static Result<GgufFile> open(const std::string& path);

  uint32_t version() const { return version_; }
  size_t alignment() const { return alignment_; }
  const std::string& label() const { return label_; }

  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* find(const std::string& key) const;
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(const std::string& name) const;

  // Typed getters: nullopt when the key is absent, an error when present with the wrong type.
  Result<std::optional<int64_t>> get_int(const std::string& key) const;
  Result<std::optional<double>> get_float(const std::string& key) const;
  Result<std::optional<bool>> get_bool(const std::string& key) const;
  Result<std::optional<std::string>> get_string(const std::string& key) const;
  const GgufArray* get_array(const std::string& key) const;

 private:
  std::shared_ptr<MappedFile> mapping_;
  std::string label_;
  uint32_t version_ = 0;
  size_t alignment_ = 32;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::map<std::string, size_t> metadata_index_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

}  // namespace sinan
