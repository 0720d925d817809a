// Quantizers for the k-quants with a min (q2_K, q4_K, q5_K): per sub-block a scale and a min found by
// search_scale_and_min, then both quantized against super-block maxima. Without importance this is
// ggml's quantize_row_q2_K_ref / q4_K_ref / q5_K_ref; with importance ggml's quantize_row_q*_K_impl
// (importance-scaled weights, and make_qp_quants for the sub-block scales and mins).
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

float sum_of_squares(const float* x, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += x[i] * x[i];
  return sum;
}

float sum_of(const float* x, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += x[i];
  return sum;
}

// Quantizes a non-negative sub-block scale against the super-block factor inv_max (level = round(v *
// inv_max), at most max_level).
uint8_t scale_level(float value, float inv_max, int max_level) {
  return static_cast<uint8_t>(std::clamp(nearest_int(inv_max * value), 0, max_level));
}

// Final levels for one sub-block once its scale d and min dm are fixed: round((x + dm) / d).
void requantize_with_min(const float* x, int n, float d, float dm, int nmax, uint8_t* levels) {
  for (int i = 0; i < n; ++i)
    levels[i] = static_cast<uint8_t>(std::clamp(nearest_int((x[i] + dm) / d), 0, nmax));
}

// ---- q2_K: 16 sub-blocks of 16, 2-bit levels, 4-bit scales and mins.

void q2_K_block(const float* x, const float* importance, BlockQ2_K* block) {
  uint8_t levels[kQK_K];
  float scales[kQK_K / 16], mins[kQK_K / 16];
  float weights[16];
  if (!importance) {
    // Weights |x|, absolute-error scoring (use_mad), then scales and mins to 4 bits of their maxima.
    float max_scale = 0.0f, max_min = 0.0f;
    for (int j = 0; j < kQK_K / 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] =
          search_scale_and_min(16, 3, x + 16 * j, weights, levels + 16 * j, &mins[j], -0.5f, 0.1f, 15, true);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    std::memset(block->scales, 0, sizeof(block->scales));
    if (max_scale > 0.0f) {
      const float inv = 15.0f / max_scale;
      for (int j = 0; j < kQK_K / 16; ++j) block->scales[j] = scale_level(scales[j], inv, 15);
      block->d = f32_to_f16(max_scale / 15.0f);
    } else {
      block->d = f32_to_f16(0.0f);
    }
    if (max_min > 0.0f) {
      const float inv = 15.0f / max_min;
      for (int j = 0; j < kQK_K / 16; ++j)
        block->scales[j] |= static_cast<uint8_t>(scale_level(mins[j], inv, 15) << 4);
      block->dmin = f32_to_f16(max_min / 15.0f);
    } else {
      block->dmin = f32_to_f16(0.0f);
    }
  } else {
    const float sigma2 = sum_of_squares(x, kQK_K) / static_cast<float>(kQK_K);
    float sub_weight[kQK_K / 16];
    for (int j = 0; j < kQK_K / 16; ++j) {
      for (int l = 0; l < 16; ++l) {
        weights[l] = importance[16 * j + l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
      }
      sub_weight[j] = sum_of(weights, 16);
      scales[j] = search_scale_and_min(16, 3, x + 16 * j, weights, levels + 16 * j, &mins[j], -0.9f, 0.05f,
                                       36, false);
    }
    uint8_t scale_levels[kQK_K / 16], min_levels[kQK_K / 16];
    const float d = search_positive_scale(kQK_K / 16, 15, scales, sub_weight, scale_levels);
    const float dmin = search_positive_scale(kQK_K / 16, 15, mins, sub_weight, min_levels);
    block->d = f32_to_f16(d);
    block->dmin = f32_to_f16(dmin);
    for (int j = 0; j < kQK_K / 16; ++j)
      block->scales[j] = static_cast<uint8_t>(scale_levels[j] | (min_levels[j] << 4));
  }
  // Requantize against the stored (rounded) scales; sub-blocks whose scale rounded to 0 keep their levels.
  const float d = f16_to_f32(block->d), dmin = f16_to_f32(block->dmin);
  for (int j = 0; j < kQK_K / 16; ++j) {
    const float scale = d * static_cast<float>(block->scales[j] & 0x0f);
    if (scale == 0.0f) continue;
    const float min = dmin * static_cast<float>(block->scales[j] >> 4);
    requantize_with_min(x + 16 * j, 16, scale, min, 3, levels + 16 * j);
  }
  pack_2bit_groups(levels, block->qs);
}

// ---- q4_K / q5_K: 8 sub-blocks of 32, 6-bit scales and mins.

struct ScaleMinSearch {
  int nmax;    // 15 for q4_K, 31 for q5_K
  float rmin;  // reference search: candidate inverse scales (nmax + rmin + rdelta * i) / range
  float rdelta;
  int nstep;
};

// The f16 super-block scale and min (returned, not written through pointers into a packed struct).
struct SuperScaleBits {
  uint16_t d = 0;
  uint16_t dmin = 0;
};

// Fills levels[256] and the packed scales of one q4_K or q5_K super-block; returns d and dmin.
SuperScaleBits scale_min_superblock(const float* x, const float* importance, const ScaleMinSearch& search,
                                    uint8_t* levels, uint8_t* packed_scales) {
  SuperScaleBits bits;
  float scales[kQK_K / 32], mins[kQK_K / 32];
  float weights[32];
  uint8_t scale_levels[kQK_K / 32], min_levels[kQK_K / 32];
  if (!importance) {
    // Weights: the sub-block's rms plus |x|.
    float max_scale = 0.0f, max_min = 0.0f;
    for (int j = 0; j < kQK_K / 32; ++j) {
      const float* xs = x + 32 * j;
      const float rms = std::sqrt(sum_of_squares(xs, 32) / 32.0f);
      for (int l = 0; l < 32; ++l) weights[l] = rms + std::fabs(xs[l]);
      scales[j] = search_scale_and_min(32, search.nmax, xs, weights, levels + 32 * j, &mins[j], search.rmin,
                                       search.rdelta, search.nstep, false);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
    for (int j = 0; j < kQK_K / 32; ++j) {
      scale_levels[j] = scale_level(scales[j], inv_scale, 63);
      min_levels[j] = scale_level(mins[j], inv_min, 63);
    }
    bits = {f32_to_f16(max_scale / 63.0f), f32_to_f16(max_min / 63.0f)};
  } else {
    const float sigma2 = 2.0f * sum_of_squares(x, kQK_K) / static_cast<float>(kQK_K);
    float sub_weight[kQK_K / 32];
    for (int j = 0; j < kQK_K / 32; ++j) {
      const float* xs = x + 32 * j;
      for (int l = 0; l < 32; ++l) weights[l] = importance[32 * j + l] * std::sqrt(sigma2 + xs[l] * xs[l]);
      sub_weight[j] = sum_of(weights, 32);
      scales[j] = search_scale_and_min(32, search.nmax, xs, weights, levels + 32 * j, &mins[j], -0.9f, 0.05f,
                                       36, false);
    }
    bits.d = f32_to_f16(search_positive_scale(kQK_K / 32, 63, scales, sub_weight, scale_levels));
    bits.dmin = f32_to_f16(search_positive_scale(kQK_K / 32, 63, mins, sub_weight, min_levels));
  }
  std::memset(packed_scales, 0, kKScaleBytes);
  for (int j = 0; j < kQK_K / 32; ++j) pack_k4_scale_min(j, scale_levels[j], min_levels[j], packed_scales);

  const float d = f16_to_f32(bits.d), dmin = f16_to_f32(bits.dmin);
  for (int j = 0; j < kQK_K / 32; ++j) {
    uint8_t sc, m;
    k4_scale_min(j, packed_scales, &sc, &m);
    const float scale = d * static_cast<float>(sc);
    if (scale == 0.0f) continue;
    const float min = dmin * static_cast<float>(m);
    requantize_with_min(x + 32 * j, 32, scale, min, search.nmax, levels + 32 * j);
  }
  return bits;
}

}  // namespace

void quantize_q2_K(const float* src, void* dst, int64_t n, const float* importance) {
  auto* blocks = static_cast<BlockQ2_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    q2_K_block(src + b * kQK_K, importance ? importance + b * kQK_K : nullptr, &blocks[b]);
  }
}

void quantize_q4_K(const float* src, void* dst, int64_t n, const float* importance) {
  constexpr ScaleMinSearch kSearch{15, -1.0f, 0.1f, 20};
  auto* blocks = static_cast<BlockQ4_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    uint8_t levels[kQK_K];
    const SuperScaleBits bits = scale_min_superblock(
        src + b * kQK_K, importance ? importance + b * kQK_K : nullptr, kSearch, levels, blocks[b].scales);
    blocks[b].d = bits.d;
    blocks[b].dmin = bits.dmin;
    pack_q4_K_levels(levels, blocks[b].qs);
  }
}

void quantize_q5_K(const float* src, void* dst, int64_t n, const float* importance) {
  constexpr ScaleMinSearch kSearch{31, -0.5f, 0.1f, 15};
  auto* blocks = static_cast<BlockQ5_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    uint8_t levels[kQK_K];
    const SuperScaleBits bits = scale_min_superblock(
        src + b * kQK_K, importance ? importance + b * kQK_K : nullptr, kSearch, levels, blocks[b].scales);
    blocks[b].d = bits.d;
    blocks[b].dmin = bits.dmin;
    pack_q5_K_levels(levels, &blocks[b]);
  }
}

}  // namespace sinan::quant_detail
