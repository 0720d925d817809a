// Writes a GGUF v3 file whose tensor data arrives one tensor at a time, so a model larger than memory can
// be converted: the header (metadata, every tensor's name, type and shape) goes first, then each tensor's
// bytes in the declared order. The file is written as PATH.part and renamed to PATH by finish(), so an
// interrupted conversion never leaves a file that looks complete.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/gguf_encode.h"
#include "io/gguf_writer.h"

namespace sinan {

struct GgufTensorDecl {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;  // outermost first (torch order)
};

class GgufStreamWriter {
 public:
  // Checks every declaration (GGUF type, 1-4 dims, whole blocks per row, unique names) and writes the
  // header. `metadata` supplies the key/value pairs and the alignment.
  static Result<std::unique_ptr<GgufStreamWriter>> create(const std::string& path, const GgufWriter& metadata,
                                                          std::vector<GgufTensorDecl> tensors);
  ~GgufStreamWriter();  // removes PATH.part unless finish() succeeded
  GgufStreamWriter(const GgufStreamWriter&) = delete;
  GgufStreamWriter& operator=(const GgufStreamWriter&) = delete;

  // Bytes of tensor i's data (its declared type and shape).
  uint64_t tensor_bytes(size_t i) const { return sizes_[i]; }
  uint64_t total_data_bytes() const;
  const std::vector<GgufTensorDecl>& tensors() const { return tensors_; }

  // Appends bytes of the current tensor (the first not yet completed), in order.
  Status write(const void* data, size_t n);
  // Closes the current tensor: its byte count must equal tensor_bytes(); pads to the alignment.
  Status end_tensor();
  // After every tensor: flushes, closes and renames PATH.part to PATH.
  Status finish();

 private:
  GgufStreamWriter() = default;

  std::string path_, part_path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<gguf_encode::FileSink> sink_;
  std::vector<GgufTensorDecl> tensors_;
  std::vector<uint64_t> sizes_;
  size_t alignment_ = 32;
  size_t current_ = 0;          // index of the tensor being written
  uint64_t current_bytes_ = 0;  // bytes of it written so far
  bool finished_ = false;
};

}  // namespace sinan
