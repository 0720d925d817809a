// Per-family row decoders, one translation unit per family; dequantize.cc dispatches to them.
#pragma once

#include <cstdint>

namespace sinan::quant_detail {

// Legacy 32-value blocks (formats_legacy.cc).
void dequantize_q8_0(const void* src, float* dst, int64_t n);

}  // namespace sinan::quant_detail
