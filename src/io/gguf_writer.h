// Writes GGUF v3 files as llama.cpp reads them: ordered metadata, tensor infos, aligned tensor data.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "io/gguf.h"

namespace sinan {

class GgufWriter {
 public:
  // Metadata keeps insertion order; setting an existing key replaces its value in place.
  void set(const std::string& key, GgufValue value);
  void set_u32(const std::string& key, uint32_t v);
  void set_i32(const std::string& key, int32_t v);
  void set_u64(const std::string& key, uint64_t v);
  void set_f32(const std::string& key, float v);
  void set_bool(const std::string& key, bool v);
  void set_string(const std::string& key, const std::string& v);
  void set_string_array(const std::string& key, const std::vector<std::string>& v);
  void set_i32_array(const std::string& key, const std::vector<int32_t>& v);
  void set_f32_array(const std::string& key, const std::vector<float>& v);
  void remove(const std::string& key);
  // Copies every metadata entry of another file.
  void copy_metadata(const GgufFile& file);
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* find(const std::string& key) const;
  size_t alignment() const { return alignment_; }

  // `shape` is outermost first (torch order). The data is copied.
  Status add_tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape, const void* data,
                    size_t nbytes);

  Status write(const std::string& path) const;

 private:
  struct Tensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;
  };
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<Tensor> tensors_;
  size_t alignment_ = 32;
};

}  // namespace sinan
