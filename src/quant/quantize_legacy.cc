// Quantizers for the legacy 32-value formats and the q8_0 / q8_1 activation formats. Without importance
// each follows ggml's reference quantizer (quantize_row_q4_0_ref etc.: the scale from the extreme value,
// then rounding); with importance, ggml's imatrix path (quantize_row_q4_0_impl etc.: a weighted scale
// search, weights = importance * sqrt(sigma^2 + x^2) with sigma^2 the row's mean square).
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "quant/block_layouts.h"
#include "quant/block_pack.h"
#include "quant/quantize_internal.h"
#include "quant/quantize_search.h"
#include "quant/scalar_convert.h"

namespace sinan::quant_detail {
namespace {

float mean_square(const float* x, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += x[i] * x[i];
  return sum / static_cast<float>(n);
}

// ggml's importance weighting for the legacy formats.
void importance_weights(const float* x, const float* importance, float sigma2, float* weights) {
  for (int j = 0; j < 32; ++j) weights[j] = importance[j] * std::sqrt(sigma2 + x[j] * x[j]);
}

// The f16 fields of one legacy block. (Helpers return them rather than write through pointers into the
// packed block structs, whose 16-bit members may sit at odd addresses.)
struct ScaleBits {
  uint16_t d = 0;
  uint16_t m = 0;
};

// Symmetric formats (q4_0: 16 levels, q5_0: 32): d maps the extreme value to level 0 (value -nmax * d),
// so the other side reaches nmax - 1. Levels are trunc(x / d + nmax + 0.5), clamped.
ScaleBits quantize_symmetric_block(const float* x, int nmax, uint8_t* levels) {
  const float d = signed_abs_max(x, 32) / static_cast<float>(-nmax);
  const float id = inverse_or_zero(d);
  for (int j = 0; j < 32; ++j) {
    levels[j] =
        static_cast<uint8_t>(truncate_to_level(x[j] * id + (static_cast<float>(nmax) + 0.5f), 2 * nmax - 1));
  }
  return {f32_to_f16(d), 0};
}

// Asymmetric formats (q4_1, q5_1): the block's min and max span levels 0..nmax.
ScaleBits quantize_min_max_block(const float* x, int nmax, uint8_t* levels) {
  float min = FLT_MAX, max = -FLT_MAX;
  for (int j = 0; j < 32; ++j) {
    min = std::min(min, x[j]);
    max = std::max(max, x[j]);
  }
  const float d = (max - min) / static_cast<float>(nmax);
  const float id = inverse_or_zero(d);
  for (int j = 0; j < 32; ++j)
    levels[j] = static_cast<uint8_t>(truncate_to_level((x[j] - min) * id + 0.5f, nmax));
  return {f32_to_f16(d), f32_to_f16(min)};
}

// With importance: symmetric search (make_qx_quants) for q4_0 / q5_0.
ScaleBits search_symmetric_block(const float* x, const float* importance, float sigma2, int nmax,
                                 uint8_t* levels) {
  float weights[32];
  importance_weights(x, importance, sigma2, weights);
  int8_t signed_levels[32];
  const float d = search_symmetric_scale(32, nmax, x, weights, signed_levels);
  for (int j = 0; j < 32; ++j) levels[j] = static_cast<uint8_t>(signed_levels[j]);
  return {f32_to_f16(d), 0};
}

// With importance: scale-and-min search (make_qkx3_quants) for q4_1 / q5_1.
ScaleBits search_min_max_block(const float* x, const float* importance, float sigma2, int nmax,
                               uint8_t* levels) {
  float weights[32];
  importance_weights(x, importance, sigma2, weights);
  float min;
  const float d = search_scale_and_min(32, nmax, x, weights, levels, &min, -0.9f, 0.05f, 36, false);
  return {f32_to_f16(d), f32_to_f16(-min)};
}

}  // namespace

void quantize_q4_0(const float* src, void* dst, int64_t n, const float* importance) {
  auto* blocks = static_cast<BlockQ4_0*>(dst);
  const float sigma2 = importance ? mean_square(src, n) : 0.0f;
  for (int64_t b = 0; b < n / kQK4_0; ++b) {
    const float* x = src + b * kQK4_0;
    uint8_t levels[kQK4_0];
    const ScaleBits bits = importance ? search_symmetric_block(x, importance + b * kQK4_0, sigma2, 8, levels)
                                      : quantize_symmetric_block(x, 8, levels);
    blocks[b].d = bits.d;
    pack_nibbles(levels, 16, blocks[b].qs);
  }
}

void quantize_q4_1(const float* src, void* dst, int64_t n, const float* importance) {
  auto* blocks = static_cast<BlockQ4_1*>(dst);
  const float sigma2 = importance ? mean_square(src, n) : 0.0f;
  for (int64_t b = 0; b < n / kQK4_1; ++b) {
    const float* x = src + b * kQK4_1;
    uint8_t levels[kQK4_1];
    const ScaleBits bits = importance ? search_min_max_block(x, importance + b * kQK4_1, sigma2, 15, levels)
                                      : quantize_min_max_block(x, 15, levels);
    blocks[b].d = bits.d;
    blocks[b].m = bits.m;
    pack_nibbles(levels, 16, blocks[b].qs);
  }
}

void quantize_q5_0(const float* src, void* dst, int64_t n, const float* importance) {
  auto* blocks = static_cast<BlockQ5_0*>(dst);
  const float sigma2 = importance ? mean_square(src, n) : 0.0f;
  for (int64_t b = 0; b < n / kQK5_0; ++b) {
    const float* x = src + b * kQK5_0;
    uint8_t levels[kQK5_0];
    const ScaleBits bits = importance ? search_symmetric_block(x, importance + b * kQK5_0, sigma2, 16, levels)
                                      : quantize_symmetric_block(x, 16, levels);
    blocks[b].d = bits.d;
    pack_5bit_32(levels, blocks[b].qs, blocks[b].qh);
  }
}

void quantize_q5_1(const float* src, void* dst, int64_t n, const float* importance) {
  auto* blocks = static_cast<BlockQ5_1*>(dst);
  const float sigma2 = importance ? mean_square(src, n) : 0.0f;
  for (int64_t b = 0; b < n / kQK5_1; ++b) {
    const float* x = src + b * kQK5_1;
    uint8_t levels[kQK5_1];
    const ScaleBits bits = importance ? search_min_max_block(x, importance + b * kQK5_1, sigma2, 31, levels)
                                      : quantize_min_max_block(x, 31, levels);
    blocks[b].d = bits.d;
    blocks[b].m = bits.m;
    pack_5bit_32(levels, blocks[b].qs, blocks[b].qh);
  }
}

// d = amax / 127, q = round(x / d) with ties away from zero (quantize_row_q8_0_ref).
void quantize_q8_0(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* blocks = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float* x = src + b * kQK8_0;
    float amax = 0.0f;
    for (int j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = inverse_or_zero(d);
    blocks[b].d = f32_to_f16(d);
    for (int j = 0; j < kQK8_0; ++j)
      blocks[b].qs[j] = static_cast<int8_t>(round_away_clamped(x[j] * id, -127, 127));
  }
}

// As q8_0, plus s = d * sum(q) so a dot product with q4_1 / q5_1 can apply their offsets
// (quantize_row_q8_1_ref).
void quantize_q8_1(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* blocks = static_cast<BlockQ8_1*>(dst);
  for (int64_t b = 0; b < n / kQK8_1; ++b) {
    const float* x = src + b * kQK8_1;
    float amax = 0.0f;
    for (int j = 0; j < kQK8_1; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = inverse_or_zero(d);
    blocks[b].d = f32_to_f16(d);
    int sum = 0;
    for (int j = 0; j < kQK8_1; ++j) {
      blocks[b].qs[j] = static_cast<int8_t>(round_away_clamped(x[j] * id, -127, 127));
      sum += blocks[b].qs[j];
    }
    blocks[b].s = f32_to_f16(static_cast<float>(sum) * d);
  }
}

}  // namespace sinan::quant_detail
