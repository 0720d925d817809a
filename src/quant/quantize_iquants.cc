// Quantizers for the table-valued 4-bit formats. iq4_nl and iq4_xs follow ggml's
// quantize_row_iq4_nl_impl with ntry = 7 (the path ggml's quantize_iq4_nl / quantize_iq4_xs take):
// per 32-value block, try 15 scales around max / -127, keep the one with the best weighted fit; iq4_xs
// then quantizes the block scales to 6 bits against the super-block's largest. mxfp4 follows
// quantize_row_mxfp4_ref: a power-of-two scale from the block max, then the nearest table entry.
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

constexpr int kIq4Tries = 7;

// Weighted fit of the table levels at inverse scale inv: sum w * q * x and sum w * q^2.
struct TableFit {
  float sum_qx = 0.0f;
  float sum_q2 = 0.0f;
};

TableFit fit_table(const float* x, const float* weights, float inv) {
  TableFit fit;
  for (int j = 0; j < 32; ++j) {
    const float q = kIq4nlValues[nearest_table_index(16, kIq4nlValues, inv * x[j])];
    fit.sum_qx += weights[j] * q * x[j];
    fit.sum_q2 += weights[j] * q * q;
  }
  return fit;
}

// The best scale for one 32-value block (0 for an all-zero block). Callers derive the levels from it.
float iq4_block_scale(const float* x, const float* weights) {
  const float max = signed_abs_max(x, 32);
  if (std::fabs(max) < kGroupMaxEps) return 0.0f;
  // The table is asymmetric (-127 .. 113). The first guess maps the extreme value to +127 (so it lands on
  // the top level, 113); the 15 candidates after it map it near the bottom level, -127 + step.
  const float d0 = -max / static_cast<float>(kIq4nlValues[0]);
  TableFit fit = fit_table(x, weights, 1.0f / d0);
  float d = fit.sum_q2 > 0.0f ? fit.sum_qx / fit.sum_q2 : 0.0f;
  float best = d * fit.sum_qx;
  for (int step = -kIq4Tries; step <= kIq4Tries; ++step) {
    const float inv = (static_cast<float>(step) + static_cast<float>(kIq4nlValues[0])) / max;
    fit = fit_table(x, weights, inv);
    if (fit.sum_q2 > 0.0f && fit.sum_qx * fit.sum_qx > best * fit.sum_q2) {
      d = fit.sum_qx / fit.sum_q2;
      best = d * fit.sum_qx;
    }
  }
  return d;
}

// Weights: x^2 without importance; importance * sqrt(sigma^2 + x^2) with it, sigma^2 = 2 * mean square of
// the super-block (of the 32-value block for iq4_nl).
void iq4_weights(const float* x, const float* importance, float sigma2, float* weights) {
  for (int j = 0; j < 32; ++j) {
    weights[j] = importance ? importance[j] * std::sqrt(sigma2 + x[j] * x[j]) : x[j] * x[j];
  }
}

float iq4_sigma2(const float* x, int n) {
  float sum = 0.0f;
  for (int j = 0; j < n; ++j) sum += x[j] * x[j];
  return sum * (2.0f / static_cast<float>(n));
}

void iq4_levels(const float* x, float inv, uint8_t* indices) {
  for (int j = 0; j < 32; ++j)
    indices[j] = static_cast<uint8_t>(nearest_table_index(16, kIq4nlValues, inv * x[j]));
}

}  // namespace

void quantize_iq4_nl(const float* src, void* dst, int64_t n, const float* importance) {
  auto* blocks = static_cast<BlockIQ4_NL*>(dst);
  for (int64_t b = 0; b < n / kQK4_NL; ++b) {
    const float* x = src + b * kQK4_NL;
    float weights[kQK4_NL];
    iq4_weights(x, importance ? importance + b * kQK4_NL : nullptr, iq4_sigma2(x, kQK4_NL), weights);
    uint8_t indices[kQK4_NL];
    const float d = iq4_block_scale(x, weights);
    blocks[b].d = f32_to_f16(d);
    iq4_levels(x, inverse_or_zero(d), indices);
    pack_nibbles(indices, 16, blocks[b].qs);
  }
}

void quantize_iq4_xs(const float* src, void* dst, int64_t n, const float* importance) {
  auto* blocks = static_cast<BlockIQ4_XS*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float* x = src + b * kQK_K;
    const float* imp = importance ? importance + b * kQK_K : nullptr;
    BlockIQ4_XS& block = blocks[b];
    const float sigma2 = iq4_sigma2(x, kQK_K);
    float scales[kQK_K / 32];
    uint8_t indices[kQK_K];
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      float weights[32];
      iq4_weights(x + 32 * ib, imp ? imp + 32 * ib : nullptr, sigma2, weights);
      scales[ib] = iq4_block_scale(x + 32 * ib, weights);
    }
    const float max_scale = signed_abs_max(scales, kQK_K / 32);
    // The block scales become 6-bit multiples of d; the largest magnitude maps to -32.
    const float d = -max_scale / 32.0f;
    block.d = f32_to_f16(d);
    block.scales_h = 0;
    std::memset(block.scales_l, 0, sizeof(block.scales_l));
    const float inv_d = inverse_or_zero(d);
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      const int l = std::clamp(nearest_int(inv_d * scales[ib]), -32, 31);
      // ggml requantizes against the float d here, not the stored f16 one.
      iq4_levels(x + 32 * ib, inverse_or_zero(d * static_cast<float>(l)), indices + 32 * ib);
      pack_iq4_xs_scale(ib, l + 32, &block);
    }
    for (int ib = 0; ib < kQK_K / 32; ++ib) pack_nibbles(indices + 32 * ib, 16, block.qs + 16 * ib);
  }
}

// Shared exponent e = floor(log2(amax)) - 2 + 127, so amax / 2^(e-127) lies in [4, 8), around the top
// e2m1 level 6 (larger values clamp to it); each value then takes the nearest table level (first on
// ties). The exponent is clamped to the representable 0..254 (ggml's cast is undefined outside it).
void quantize_mxfp4(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* blocks = static_cast<BlockMXFP4*>(dst);
  for (int64_t b = 0; b < n / kQKMxfp4; ++b) {
    const float* x = src + b * kQKMxfp4;
    float amax = 0.0f;
    for (int j = 0; j < kQKMxfp4; ++j) amax = std::max(amax, std::fabs(x[j]));
    int exponent = 0;
    if (amax > 0.0f) exponent = std::clamp(static_cast<int>(std::floor(std::log2(amax))) - 2 + 127, 0, 254);
    blocks[b].e = static_cast<uint8_t>(exponent);
    const float d = e8m0_to_f32_half(blocks[b].e);
    uint8_t indices[kQKMxfp4];
    for (int j = 0; j < kQKMxfp4; ++j) {
      int best = 0;
      float best_err = std::fabs(static_cast<float>(kMxfp4Values[0]) * d - x[j]);
      for (int k = 1; k < 16; ++k) {
        const float err = std::fabs(static_cast<float>(kMxfp4Values[k]) * d - x[j]);
        if (err < best_err) {
          best = k;
          best_err = err;
        }
      }
      indices[j] = static_cast<uint8_t>(best);
    }
    pack_nibbles(indices, 16, blocks[b].qs);
  }
}

}  // namespace sinan::quant_detail
