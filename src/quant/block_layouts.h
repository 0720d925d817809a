// Byte layouts of llama.cpp's quantized blocks, as ggml-common.h defines them. Blocks are packed with
// no padding; half-precision scales are stored as raw uint16 bits.
#pragma once

#include <cstdint>

namespace sinan {

constexpr int kQK8_0 = 32;
struct BlockQ8_0 {
  uint16_t d;  // f16 scale
  int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34);

}  // namespace sinan
