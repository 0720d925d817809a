// Hugging Face config.json parsing on arbitrary text.
#include <cstdint>
#include <string>

#include "model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = sinan::parse_hf_config(text, "fuzz/config.json");
  (void)config;
  return 0;
}
