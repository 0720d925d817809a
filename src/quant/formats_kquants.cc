// k-quant super-blocks of 256 values (q2_K, q3_K, q4_K, q5_K, q6_K, q8_K): an f16 super-block scale (and
// min) times small per-sub-block integer scales. Each decoder forms the sub-block factors and the products
// in the order ggml's dequantize_row_q*_K does, so the results are bit-identical.
#include "quant/block_layouts.h"
#include "quant/block_unpack.h"
#include "quant/dequantize_internal.h"
#include "quant/scalar_convert.h"

namespace sinan::quant_detail {

void dequantize_q2_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ2_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const BlockQ2_K& block = blocks[b];
    const float d = f16_to_f32(block.d);
    const float dmin = f16_to_f32(block.dmin);
    int8_t q[kQK_K];
    unpack_q2_K(block, q);
    float* out = dst + b * kQK_K;
    for (int j = 0; j < kQK_K / 16; ++j) {
      // Sub-block j's scale and min share one byte: scale in the low nibble, min in the high one.
      const float scale = d * static_cast<float>(block.scales[j] & 0x0f);
      const float min = dmin * static_cast<float>(block.scales[j] >> 4);
      for (int l = 0; l < 16; ++l) out[16 * j + l] = scale * static_cast<float>(q[16 * j + l]) - min;
    }
  }
}

void dequantize_q3_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ3_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const BlockQ3_K& block = blocks[b];
    const float d = f16_to_f32(block.d);
    int8_t q[kQK_K];
    unpack_q3_K(block, q);
    float* out = dst + b * kQK_K;
    for (int j = 0; j < kQK_K / 16; ++j) {
      const float scale = d * static_cast<float>(q3_K_scale(block.scales, j));
      for (int l = 0; l < 16; ++l) out[16 * j + l] = scale * static_cast<float>(q[16 * j + l]);
    }
  }
}

void dequantize_q4_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const BlockQ4_K& block = blocks[b];
    const float d = f16_to_f32(block.d);
    const float dmin = f16_to_f32(block.dmin);
    int8_t q[kQK_K];
    unpack_q4_K(block, q);
    float* out = dst + b * kQK_K;
    for (int j = 0; j < kQK_K / 32; ++j) {
      uint8_t sc, m;
      k4_scale_min(j, block.scales, &sc, &m);
      const float scale = d * static_cast<float>(sc);
      const float min = dmin * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) out[32 * j + l] = scale * static_cast<float>(q[32 * j + l]) - min;
    }
  }
}

void dequantize_q5_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ5_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const BlockQ5_K& block = blocks[b];
    const float d = f16_to_f32(block.d);
    const float dmin = f16_to_f32(block.dmin);
    int8_t q[kQK_K];
    unpack_q5_K(block, q);
    float* out = dst + b * kQK_K;
    for (int j = 0; j < kQK_K / 32; ++j) {
      uint8_t sc, m;
      k4_scale_min(j, block.scales, &sc, &m);
      const float scale = d * static_cast<float>(sc);
      const float min = dmin * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) out[32 * j + l] = scale * static_cast<float>(q[32 * j + l]) - min;
    }
  }
}

void dequantize_q6_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ6_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const BlockQ6_K& block = blocks[b];
    const float d = f16_to_f32(block.d);
    int8_t q[kQK_K];
    unpack_q6_K(block, q);
    float* out = dst + b * kQK_K;
    for (int j = 0; j < kQK_K / 16; ++j) {
      const float scale = d * static_cast<float>(block.scales[j]);
      for (int l = 0; l < 16; ++l) out[16 * j + l] = scale * static_cast<float>(q[16 * j + l]);
    }
  }
}

void dequantize_q8_K(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    for (int i = 0; i < kQK_K; ++i) dst[b * kQK_K + i] = blocks[b].d * static_cast<float>(blocks[b].qs[i]);
  }
}

}  // namespace sinan::quant_detail
