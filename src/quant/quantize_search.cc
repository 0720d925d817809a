#include "quant/quantize_search.h"

#include <algorithm>
#include <cstring>

namespace sinan::quant_detail {
namespace {

int clamp_level(int l, int lo, int hi) {
  return std::max(lo, std::min(hi, l));
}

// Weighted sums of x * l and l * l for the symmetric levels at one inverse scale.
struct SymmetricFit {
  float sum_xl = 0.0f;
  float sum_l2 = 0.0f;
};

SymmetricFit fit_symmetric(int n, int nmax, const float* x, const float* weights, float inv_scale) {
  SymmetricFit fit;
  for (int i = 0; i < n; ++i) {
    const int l = clamp_level(nearest_int(inv_scale * x[i]), -nmax, nmax - 1);
    fit.sum_xl += weights[i] * x[i] * static_cast<float>(l);
    fit.sum_l2 += weights[i] * static_cast<float>(l) * static_cast<float>(l);
  }
  return fit;
}

void store_symmetric_levels(int n, int nmax, const float* x, float inv_scale, int8_t* levels) {
  for (int i = 0; i < n; ++i) {
    levels[i] = static_cast<int8_t>(nmax + clamp_level(nearest_int(inv_scale * x[i]), -nmax, nmax - 1));
  }
}

}  // namespace

float search_symmetric_scale(int n, int nmax, const float* x, const float* weights, int8_t* levels) {
  const float max = signed_abs_max(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    std::memset(levels, 0, static_cast<size_t>(n));
    return 0.0f;
  }
  // The sign is chosen so the largest magnitude lands on -nmax, the level with no positive twin.
  float inv_scale = static_cast<float>(-nmax) / max;
  store_symmetric_levels(n, nmax, x, inv_scale, levels);
  SymmetricFit fit = fit_symmetric(n, nmax, x, weights, inv_scale);
  float scale = fit.sum_l2 != 0.0f ? fit.sum_xl / fit.sum_l2 : 0.0f;
  // Error = const - sum_xl^2 / sum_l2, so maximise sum_xl^2 / sum_l2 (kept as best = scale * sum_xl).
  float best = scale * fit.sum_xl;
  for (int step = -9; step <= 9; ++step) {
    if (step == 0) continue;
    inv_scale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(step)) / max;
    fit = fit_symmetric(n, nmax, x, weights, inv_scale);
    if (fit.sum_l2 > 0.0f && fit.sum_xl * fit.sum_xl > best * fit.sum_l2) {
      store_symmetric_levels(n, nmax, x, inv_scale, levels);
      scale = fit.sum_xl / fit.sum_l2;
      best = scale * fit.sum_xl;
    }
  }
  return scale;
}

float search_symmetric_scale_iterative(int n, int nmax, const float* x, int8_t* levels) {
  const float max = signed_abs_max(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    std::memset(levels, 0, static_cast<size_t>(n));
    return 0.0f;
  }
  const float inv_scale = static_cast<float>(-nmax) / max;
  float sum_xl = 0.0f, sum_l2 = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int l = clamp_level(nearest_int(inv_scale * x[i]), -nmax, nmax - 1);
    levels[i] = static_cast<int8_t>(l);
    const float w = x[i] * x[i];
    sum_xl += w * x[i] * static_cast<float>(l);
    sum_l2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  // Coordinate descent: re-pick each level as the best one for the scale fitted without it, keep the
  // change when the overall sum_xl^2 / sum_l2 grows.
  for (int sweep = 0; sweep < 5; ++sweep) {
    int changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      const float old_l = static_cast<float>(levels[i]);
      float sum_xl_without = sum_xl - w * x[i] * old_l;
      if (sum_xl_without > 0.0f) {
        float sum_l2_without = sum_l2 - w * old_l * old_l;
        const int new_l = clamp_level(nearest_int(x[i] * sum_l2_without / sum_xl_without), -nmax, nmax - 1);
        if (new_l != levels[i]) {
          sum_xl_without += w * x[i] * static_cast<float>(new_l);
          sum_l2_without += w * static_cast<float>(new_l) * static_cast<float>(new_l);
          if (sum_l2_without > 0.0f &&
              sum_xl_without * sum_xl_without * sum_l2 > sum_xl * sum_xl * sum_l2_without) {
            levels[i] = static_cast<int8_t>(new_l);
            sum_xl = sum_xl_without;
            sum_l2 = sum_l2_without;
            ++changed;
          }
        }
      }
    }
    if (changed == 0) break;
  }
  for (int i = 0; i < n; ++i) levels[i] = static_cast<int8_t>(levels[i] + nmax);
  return sum_l2 > 0.0f ? sum_xl / sum_l2 : 0.0f;
}

float search_scale_and_min(int n, int nmax, const float* x, const float* weights, uint8_t* levels,
                           float* min_out, float rmin, float rdelta, int nstep, bool use_mad) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    min = std::min(min, x[i]);
    max = std::max(max, x[i]);
    sum_w += weights[i];
    sum_x += weights[i] * x[i];
  }
  if (min > 0.0f) min = 0.0f;  // the min is an offset subtracted in dequantization, never added
  if (max <= min) {
    std::memset(levels, 0, static_cast<size_t>(n));
    *min_out = -min;
    return 0.0f;
  }
  auto error_of = [&](float scale, float offset, const uint8_t* ls) {
    float error = 0.0f;
    for (int i = 0; i < n; ++i) {
      float diff = scale * static_cast<float>(ls[i]) + offset - x[i];
      diff = use_mad ? std::fabs(diff) : diff * diff;
      error += weights[i] * diff;
    }
    return error;
  };

  float inv_scale = static_cast<float>(nmax) / (max - min);
  float scale = 1.0f / inv_scale;
  for (int i = 0; i < n; ++i) {
    levels[i] = static_cast<uint8_t>(clamp_level(nearest_int(inv_scale * (x[i] - min)), 0, nmax));
  }
  float best_error = error_of(scale, min, levels);
  if (nstep < 1) {
    *min_out = -min;
    return scale;
  }
  uint8_t candidate[256];
  for (int step = 0; step <= nstep; ++step) {
    inv_scale = (rmin + rdelta * static_cast<float>(step) + static_cast<float>(nmax)) / (max - min);
    float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = clamp_level(nearest_int(inv_scale * (x[i] - min)), 0, nmax);
      candidate[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      sum_l += w * static_cast<float>(l);
      sum_l2 += w * static_cast<float>(l) * static_cast<float>(l);
      sum_xl += w * static_cast<float>(l) * x[i];
    }
    // Weighted least squares for x ~ scale * l + offset; an offset above 0 is not representable.
    const float det = sum_w * sum_l2 - sum_l * sum_l;
    if (det > 0.0f) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
      if (this_min > 0.0f) {
        this_min = 0.0f;
        this_scale = sum_xl / sum_l2;
      }
      const float error = error_of(this_scale, this_min, candidate);
      if (error < best_error) {
        std::memcpy(levels, candidate, static_cast<size_t>(n));
        best_error = error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *min_out = -min;
  return scale;
}

float search_positive_scale(int n, int nmax, const float* x, const float* weights, uint8_t* levels) {
  float max = 0.0f;
  for (int i = 0; i < n; ++i) max = std::max(max, x[i]);
  if (max < kGroupMaxEps) {
    std::memset(levels, 0, static_cast<size_t>(n));
    return 0.0f;
  }
  auto weighted_error = [&](float inv_scale) {
    const float scale = 1.0f / inv_scale;
    float error = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = std::min(nmax, nearest_int(inv_scale * x[i]));
      const float diff = x[i] - scale * static_cast<float>(l);
      error += weights[i] * diff * diff;
    }
    return error;
  };
  // Pick the best of nine inverse scales around nmax / max ...
  float inv_scale = static_cast<float>(nmax) / max;
  float best_error = 0.0f;
  {
    const float scale = 1.0f / inv_scale;
    for (int i = 0; i < n; ++i) {
      const float diff = x[i] - scale * static_cast<float>(nearest_int(inv_scale * x[i]));
      best_error += weights[i] * diff * diff;
    }
  }
  for (int step = -4; step <= 4; ++step) {
    if (step == 0) continue;
    const float candidate = (0.1f * static_cast<float>(step) + static_cast<float>(nmax)) / max;
    const float error = weighted_error(candidate);
    if (error < best_error) {
      best_error = error;
      inv_scale = candidate;
    }
  }
  // ... then refine single levels as in search_symmetric_scale_iterative.
  float sum_xl = 0.0f, sum_l2 = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int l = std::min(nmax, nearest_int(inv_scale * x[i]));
    levels[i] = static_cast<uint8_t>(l);
    sum_xl += weights[i] * x[i] * static_cast<float>(l);
    sum_l2 += weights[i] * static_cast<float>(l) * static_cast<float>(l);
  }
  for (int sweep = 0; sweep < 5; ++sweep) {
    int changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = weights[i];
      const float old_l = static_cast<float>(levels[i]);
      float sum_xl_without = sum_xl - w * x[i] * old_l;
      float sum_l2_without = sum_l2 - w * old_l * old_l;
      if (sum_xl_without > 0.0f && sum_l2_without > 0.0f) {
        const int new_l = std::min(nmax, nearest_int(x[i] * sum_l2_without / sum_xl_without));
        if (new_l != levels[i]) {
          sum_xl_without += w * x[i] * static_cast<float>(new_l);
          sum_l2_without += w * static_cast<float>(new_l) * static_cast<float>(new_l);
          if (sum_xl_without * sum_xl_without * sum_l2 > sum_xl * sum_xl * sum_l2_without) {
            levels[i] = static_cast<uint8_t>(new_l);
            sum_xl = sum_xl_without;
            sum_l2 = sum_l2_without;
            ++changed;
          }
        }
      }
    }
    if (changed == 0) break;
  }
  return sum_l2 > 0.0f ? sum_xl / sum_l2 : 0.0f;
}

int nearest_table_index(int n, const int8_t* values, float x) {
  if (x <= values[0]) return 0;
  if (x >= values[n - 1]) return n - 1;
  int lo = 0, hi = n - 1;  // values[lo] <= x < values[hi]
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (x < values[mid]) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return x - values[hi - 1] < values[hi] - x ? hi - 1 : hi;
}

}  // namespace sinan::quant_detail
