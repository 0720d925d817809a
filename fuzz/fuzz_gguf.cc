// GGUF header parsing, then reading a model config from its metadata, on arbitrary bytes.
#include <cstdint>
#include <vector>

#include "io/gguf.h"
#include "model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> copy(data, data + size);  // exact-size heap copy: ASan catches over-reads
  auto file = sinan::GgufFile::parse({copy.data(), copy.size()}, "fuzz.gguf");
  if (!file.ok()) return 0;
  uint64_t checksum = 0;
  for (const auto& t : file->tensors()) {
    if (t.nbytes > 0) checksum += t.data[0] + t.data[t.nbytes - 1];  // every tensor lies inside the input
  }
  auto config = sinan::read_gguf_config(*file);
  (void)config;
  return static_cast<int>(checksum & 0);
}
