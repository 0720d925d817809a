// Table-valued 4-bit formats (iq4_nl, iq4_xs, mxfp4): each nibble indexes a fixed table of levels, scaled
// per block. Float operations follow ggml's dequantize_row_iq4_nl / iq4_xs / mxfp4, so results are
// bit-identical.
#include "quant/block_layouts.h"
#include "quant/block_unpack.h"
#include "quant/dequantize_internal.h"
#include "quant/scalar_convert.h"

namespace sinan::quant_detail {

void dequantize_iq4_nl(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockIQ4_NL*>(src);
  for (int64_t b = 0; b < n / kQK4_NL; ++b) {
    const float d = f16_to_f32(blocks[b].d);
    uint8_t index[kQK4_NL];
    unpack_nibbles(blocks[b].qs, kQK4_NL / 2, index);
    for (int i = 0; i < kQK4_NL; ++i) dst[b * kQK4_NL + i] = d * static_cast<float>(kIq4nlValues[index[i]]);
  }
}

void dequantize_iq4_xs(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockIQ4_XS*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const BlockIQ4_XS& block = blocks[b];
    const float d = f16_to_f32(block.d);
    int8_t q[kQK_K];
    unpack_iq4_xs(block, q);
    float* out = dst + b * kQK_K;
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      const float scale = d * static_cast<float>(iq4_xs_scale(block, ib));
      for (int j = 0; j < 32; ++j) out[32 * ib + j] = scale * static_cast<float>(q[32 * ib + j]);
    }
  }
}

void dequantize_mxfp4(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockMXFP4*>(src);
  for (int64_t b = 0; b < n / kQKMxfp4; ++b) {
    const float d = e8m0_to_f32_half(blocks[b].e);
    uint8_t index[kQKMxfp4];
    unpack_nibbles(blocks[b].qs, kQKMxfp4 / 2, index);
    for (int i = 0; i < kQKMxfp4; ++i) dst[b * kQKMxfp4 + i] = static_cast<float>(kMxfp4Values[index[i]]) * d;
  }
}

}  // namespace sinan::quant_detail
