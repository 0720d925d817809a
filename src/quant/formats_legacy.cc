// Legacy 32-value block formats: value = d * q (q8_0).
#include "quant/block_layouts.h"
#include "quant/dequantize_internal.h"
#include "quant/scalar_convert.h"

namespace sinan::quant_detail {

void dequantize_q8_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(src);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = f16_to_f32(blocks[b].d);
    for (int i = 0; i < kQK8_0; ++i) dst[b * kQK8_0 + i] = d * static_cast<float>(blocks[b].qs[i]);
  }
}

}  // namespace sinan::quant_detail
