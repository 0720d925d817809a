// Quantizers for the symmetric k-quants (q3_K, q6_K) and the q8_K activation format. Per sub-block of 16 a
// signed scale is searched, the scales are quantized against their largest magnitude, and the values are
// requantized against the stored scales. Without importance this is ggml's quantize_row_q3_K_ref /
// q6_K_ref; with importance its quantize_row_q3_K_impl / q6_K_impl.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/block_layouts.h"
#include "quant/block_pack.h"
#include "quant/block_unpack.h"
#include "quant/quantize_internal.h"
#include "quant/quantize_search.h"
#include "quant/scalar_convert.h"

namespace sinan::quant_detail {
namespace {

// Final levels of one sub-block once its scale d is fixed: round(x / d) in [-nmax, nmax - 1], stored + nmax.
void requantize_symmetric(const float* x, int n, float d, int nmax, uint8_t* levels) {
  for (int i = 0; i < n; ++i) {
    levels[i] = static_cast<uint8_t>(nmax + std::clamp(nearest_int(x[i] / d), -nmax, nmax - 1));
  }
}

// ---- q3_K: 16 sub-blocks of 16, levels -4..3, 6-bit signed scales.

void q3_K_block(const float* x, const float* importance, BlockQ3_K* block) {
  int8_t signed_levels[kQK_K];
  float scales[kQK_K / 16];
  std::memset(block->scales, 0, sizeof(block->scales));
  if (!importance) {
    for (int j = 0; j < kQK_K / 16; ++j) {
      scales[j] = search_symmetric_scale_iterative(16, 4, x + 16 * j, signed_levels + 16 * j);
    }
    // The largest-magnitude scale maps to -32 so the others fit in [-32, 31].
    const float max_scale = signed_abs_max(scales, kQK_K / 16);
    if (max_scale != 0.0f) {
      const float inv = -32.0f / max_scale;
      for (int j = 0; j < kQK_K / 16; ++j) {
        pack_q3_K_scale(j, std::clamp(nearest_int(inv * scales[j]), -32, 31) + 32, block->scales);
      }
      block->d = f32_to_f16(1.0f / inv);
    } else {
      block->d = f32_to_f16(0.0f);
    }
  } else {
    float weights[16], sub_weight[kQK_K / 16];
    float sum_x2 = 0.0f;
    for (int i = 0; i < kQK_K; ++i) sum_x2 += x[i] * x[i];
    const float sigma2 = 2.0f * sum_x2 / static_cast<float>(kQK_K);
    for (int j = 0; j < kQK_K / 16; ++j) {
      float sum_w = 0.0f;
      for (int l = 0; l < 16; ++l) {
        weights[l] = importance[16 * j + l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
        sum_w += weights[l];
      }
      sub_weight[j] = sum_w;
      scales[j] = search_symmetric_scale(16, 4, x + 16 * j, weights, signed_levels + 16 * j);
    }
    int8_t scale_levels[kQK_K / 16];
    const float d = search_symmetric_scale(kQK_K / 16, 32, scales, sub_weight, scale_levels);
    for (int j = 0; j < kQK_K / 16; ++j) pack_q3_K_scale(j, scale_levels[j], block->scales);
    block->d = f32_to_f16(d);
  }
  uint8_t levels[kQK_K];
  for (int i = 0; i < kQK_K; ++i) levels[i] = static_cast<uint8_t>(signed_levels[i]);
  const float d = f16_to_f32(block->d);
  for (int j = 0; j < kQK_K / 16; ++j) {
    const float scale = d * static_cast<float>(q3_K_scale(block->scales, j));
    if (scale == 0.0f) continue;  // keeps the searched levels, as ggml does
    requantize_symmetric(x + 16 * j, 16, scale, 4, levels + 16 * j);
  }
  pack_q3_K_levels(levels, block);
}

// ---- q6_K: 16 sub-blocks of 16, levels -32..31, 8-bit signed scales.

void q6_K_block(const float* x, const float* importance, BlockQ6_K* block) {
  int8_t signed_levels[kQK_K];
  float scales[kQK_K / 16];
  float weights[16];
  for (int j = 0; j < kQK_K / 16; ++j) {
    const float* xs = x + 16 * j;
    // ggml weights by x^2 without importance and by the raw importance with it (no sigma term here).
    for (int l = 0; l < 16; ++l) weights[l] = importance ? importance[16 * j + l] : xs[l] * xs[l];
    scales[j] = search_symmetric_scale(16, 32, xs, weights, signed_levels + 16 * j);
  }
  const float max_scale = signed_abs_max(scales, kQK_K / 16);
  if (std::fabs(max_scale) < kGroupMaxEps) {
    std::memset(block, 0, sizeof(*block));
    return;
  }
  const float inv = -128.0f / max_scale;
  block->d = f32_to_f16(1.0f / inv);
  for (int j = 0; j < kQK_K / 16; ++j) {
    block->scales[j] = static_cast<int8_t>(std::clamp(nearest_int(inv * scales[j]), -128, 127));
  }
  uint8_t levels[kQK_K];
  for (int i = 0; i < kQK_K; ++i) levels[i] = static_cast<uint8_t>(signed_levels[i]);
  const float d = f16_to_f32(block->d);
  for (int j = 0; j < kQK_K / 16; ++j) {
    const float scale = d * static_cast<float>(block->scales[j]);
    if (scale == 0.0f) continue;
    requantize_symmetric(x + 16 * j, 16, scale, 32, levels + 16 * j);
  }
  pack_q6_K_levels(levels, block);
}

}  // namespace

void quantize_q3_K(const float* src, void* dst, int64_t n, const float* importance) {
  auto* blocks = static_cast<BlockQ3_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    q3_K_block(src + b * kQK_K, importance ? importance + b * kQK_K : nullptr, &blocks[b]);
  }
}

void quantize_q6_K(const float* src, void* dst, int64_t n, const float* importance) {
  auto* blocks = static_cast<BlockQ6_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    q6_K_block(src + b * kQK_K, importance ? importance + b * kQK_K : nullptr, &blocks[b]);
  }
}

// One float scale per 256 values, q = round(-127 * x / max) so the extreme value maps to -127, plus the
// sums of each 16 quants for the k-quant dot products' min terms (quantize_row_q8_K_ref).
void quantize_q8_K(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* blocks = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float* x = src + b * kQK_K;
    BlockQ8_K& block = blocks[b];
    const float max = signed_abs_max(x, kQK_K);
    const float inv = max != 0.0f ? -127.0f / max : 0.0f;
    if (max == 0.0f || !std::isfinite(inv)) {  // all zero, or so small that the inverse overflows
      std::memset(&block, 0, sizeof(block));
      continue;
    }
    for (int i = 0; i < kQK_K; ++i)
      block.qs[i] = static_cast<int8_t>(std::clamp(nearest_int(inv * x[i]), -128, 127));
    for (int j = 0; j < kQK_K / 16; ++j) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += block.qs[16 * j + l];
      block.bsums[j] = static_cast<int16_t>(sum);
    }
    block.d = 1.0f / inv;
  }
}

}  // namespace sinan::quant_detail
