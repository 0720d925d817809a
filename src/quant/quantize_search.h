// Scale searches shared by the quantizers: given a group of values (and a weight per value) they choose
// a scale (and a min) plus integer levels that minimise the weighted squared error. These follow ggml's
// searches (make_qx_quants, make_q3_quants, make_qkx2_quants / make_qkx3_quants, make_qp_quants,
// best_index_int8) step for step, in the same float order, so sinan writes the same blocks ggml does.
#pragma once

#include <cmath>
#include <cstdint>

namespace sinan::quant_detail {

// Groups whose largest magnitude is below this quantize to all-zero levels (GROUP_MAX_EPS).
constexpr float kGroupMaxEps = 1e-15f;

// Round half to even, as ggml's nearest_int does for |x| < 2^22. Out-of-range values saturate and NaN
// gives 0, so callers clamping the result never see garbage (ggml leaves those cases undefined).
inline int nearest_int(float x) {
  if (!(x == x)) return 0;
  if (x > 4194303.0f) return 4194303;
  if (x < -4194303.0f) return -4194303;
  return static_cast<int>(std::nearbyint(x));
}

// The value of largest magnitude, with its sign; the first one on ties, 0 for an empty or all-zero group.
inline float signed_abs_max(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  return max;
}

// 1 / d, or 0 when d is 0 or so small (a subnormal) that the inverse overflows.
inline float inverse_or_zero(float d) {
  const float inv = d != 0.0f ? 1.0f / d : 0.0f;
  return std::isfinite(inv) ? inv : 0.0f;
}

// Truncates v toward zero into [0, max_level], treating NaN as 0 (ggml's (int8_t) casts of x + 8.5f and
// friends, made safe for the inf / NaN that subnormal scales can produce).
inline int truncate_to_level(float v, int max_level) {
  if (!(v > 0.0f)) return 0;
  if (v >= static_cast<float>(max_level)) return max_level;
  return static_cast<int>(v);
}

// round(v) with ties away from zero (roundf), clamped to [lo, hi]; NaN gives 0.
inline int round_away_clamped(float v, int lo, int hi) {
  if (!(v == v)) return 0;
  const float r = std::round(v);
  if (r <= static_cast<float>(lo)) return lo;
  if (r >= static_cast<float>(hi)) return hi;
  return static_cast<int>(r);
}

// Symmetric levels in [-nmax, nmax - 1] (stored as level + nmax in levels[]) and the scale minimising
// sum w * (x - scale * level)^2; tries 19 candidate inverse scales around -nmax / max (make_qx_quants,
// rmse_type 1). Returns the scale; a group with max |x| < kGroupMaxEps gets scale 0 and levels 0.
float search_symmetric_scale(int n, int nmax, const float* x, const float* weights, int8_t* levels);

// Symmetric levels for q3_K without importance: start from -nmax / max, then move single levels while
// the x^2-weighted error drops, up to 5 sweeps (make_q3_quants with do_rmse). Levels stored + nmax.
float search_symmetric_scale_iterative(int n, int nmax, const float* x, int8_t* levels);

// Asymmetric levels in [0, nmax] with value = scale * level - min_out (min_out >= 0): scans nstep + 1
// candidate inverse scales (nmax + rmin + rdelta * i) / (max - min) and fits scale and min by weighted
// least squares for each (make_qkx2_quants / make_qkx3_quants). use_mad scores by absolute error.
float search_scale_and_min(int n, int nmax, const float* x, const float* weights, uint8_t* levels,
                           float* min_out, float rmin, float rdelta, int nstep, bool use_mad);

// Levels in [0, nmax] for non-negative values (the sub-block scales and mins of the importance-weighted
// k-quants), value = scale * level (make_qp_quants).
float search_positive_scale(int n, int nmax, const float* x, const float* weights, uint8_t* levels);

// Index of the entry of the sorted table values[0..n) nearest to x; ties go to the upper entry
// (best_index_int8).
int nearest_table_index(int n, const int8_t* values, float x);

}  // namespace sinan::quant_detail
