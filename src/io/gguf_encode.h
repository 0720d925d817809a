// GGUF's byte encoding, shared by the two writers (GgufWriter: tensors in memory; GgufStreamWriter:
// tensors produced one at a time): typed metadata values and the header with every tensor's info.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "io/gguf.h"

namespace sinan::gguf_encode {

// Writes to a FILE*, remembering whether every write succeeded and how many bytes went out.
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
  void write(const void* data, size_t n);
  void pad_to(size_t alignment);
  bool ok() const { return ok_; }
  uint64_t offset() const { return offset_; }

 private:
  std::FILE* f_;
  uint64_t offset_ = 0;
  bool ok_ = true;
};

void put_value(FileSink& out, const GgufValue& v);

// One tensor as the header describes it; `shape` is outermost first (torch order).
struct HeaderTensor {
  const std::string* name;
  DType dtype;
  const std::vector<int64_t>* shape;
  uint64_t nbytes;
};

// Bytes a tensor occupies in the data section, padding included.
inline uint64_t padded_size(uint64_t nbytes, size_t alignment) {
  return (nbytes + alignment - 1) / alignment * alignment;
}

// Magic, version 3, counts, metadata, tensor infos (offsets packed in order, each padded to `alignment`),
// then padding up to the start of the data section.
void put_header(FileSink& out, const std::vector<std::pair<std::string, GgufValue>>& metadata,
                const std::vector<HeaderTensor>& tensors, size_t alignment);

}  // namespace sinan::gguf_encode
