// safetensors header parsing on arbitrary bytes.
#include <cstdint>
#include <vector>

#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> copy(data, data + size);
  auto tensors = sinan::parse_safetensors({copy.data(), copy.size()}, "fuzz.safetensors");
  if (!tensors.ok()) return 0;
  uint64_t checksum = 0;
  for (const auto& t : *tensors) {
    if (t.nbytes > 0) checksum += t.data[0] + t.data[t.nbytes - 1];
  }
  return static_cast<int>(checksum & 0);
}
