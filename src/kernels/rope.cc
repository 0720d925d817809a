#include "kernels/rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/check.h"

namespace sinan {

double yarn_mscale(double factor, double mscale) {
  if (factor <= 1.0) return 1.0;
  return 0.1 * mscale * std::log(factor) + 1.0;
}

namespace {

// Dimension (in rotated values) at which a frequency completes `rotations` turns over the context.
double yarn_correction_dim(double rotations, int dim, double theta, int context) {
  return dim * std::log(context / (rotations * 2.0 * std::numbers::pi)) / (2.0 * std::log(theta));
}

}  // namespace

std::vector<float> rope_inverse_frequencies(const RopeParams& p) {
  SINAN_CHECK(p.dim > 0 && p.dim % 2 == 0);
  const int half = p.dim / 2;
  std::vector<double> base(half);
  for (int i = 0; i < half; ++i) base[i] = 1.0 / std::pow(p.theta, (2.0 * i) / p.dim);

  std::vector<float> inv_freq(half);
  if (!p.freq_factors.empty()) {
    SINAN_CHECK(static_cast<int>(p.freq_factors.size()) == half);
    for (int i = 0; i < half; ++i) inv_freq[i] = static_cast<float>(base[i] / p.freq_factors[i]);
    return inv_freq;
  }
  switch (p.scaling) {
    case RopeScaling::kNone:
      for (int i = 0; i < half; ++i) inv_freq[i] = static_cast<float>(base[i]);
      break;
    case RopeScaling::kLinear:
      for (int i = 0; i < half; ++i) inv_freq[i] = static_cast<float>(base[i] / p.factor);
      break;
    case RopeScaling::kLlama3: {
      // Low frequencies are divided by `factor`, high ones kept, the band between blended smoothly.
      const double low_freq_wavelen = p.original_context / p.low_freq_factor;
      const double high_freq_wavelen = p.original_context / p.high_freq_factor;
      for (int i = 0; i < half; ++i) {
        const double wavelen = 2.0 * std::numbers::pi / base[i];
        double f = base[i];
        if (wavelen > low_freq_wavelen) {
          f = base[i] / p.factor;
        } else if (wavelen >= high_freq_wavelen) {
          const double smooth =
              (p.original_context / wavelen - p.low_freq_factor) / (p.high_freq_factor - p.low_freq_factor);
          f = (1.0 - smooth) * base[i] / p.factor + smooth * base[i];
        }
        inv_freq[i] = static_cast<float>(f);
      }
      break;
    }
    case RopeScaling::kYarn: {
      // Interpolate the low frequencies, extrapolate the high ones, ramp linearly between.
      double low = yarn_correction_dim(p.beta_fast, p.dim, p.theta, p.original_context);
      double high = yarn_correction_dim(p.beta_slow, p.dim, p.theta, p.original_context);
      if (p.yarn_truncate) {
        low = std::floor(low);
        high = std::ceil(high);
      }
      low = std::max(low, 0.0);
      high = std::min(high, static_cast<double>(p.dim - 1));
      if (low == high) high += 0.001;
      for (int i = 0; i < half; ++i) {
        const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
        const double extrapolation_weight = 1.0 - ramp;
        const double interpolated = base[i] / p.factor;
        inv_freq[i] = static_cast<float>(interpolated * (1.0 - extrapolation_weight) + base[i] * extrapolation_weight);
      }
      break;
    }
  }
  return inv_freq;
}

void rope_cos_sin(const std::vector<float>& inv_freq, float attention_factor, int64_t position,
                  float* cos_sin) {
  const auto half = static_cast<int64_t>(inv_freq.size());
  const auto pos = static_cast<float>(position);
  for (int64_t i = 0; i < half; ++i) {
    const float angle = pos * inv_freq[i];  // float32, as transformers computes it
    cos_sin[i] = static_cast<float>(std::cos(static_cast<double>(angle)) * attention_factor);
    cos_sin[half + i] = static_cast<float>(std::sin(static_cast<double>(angle)) * attention_factor);
  }
}

void apply_rope_cos_sin(float* x, int64_t n_heads, int64_t head_stride, int64_t offset, int64_t half,
                        RopeLayout layout, const float* cos_sin) {
  for (int64_t h = 0; h < n_heads; ++h) {
    float* v = x + h * head_stride + offset;
    for (int64_t i = 0; i < half; ++i) {
      const float c = cos_sin[i], s = cos_sin[half + i];
      const int64_t a = layout == RopeLayout::kNeox ? i : 2 * i;
      const int64_t b = layout == RopeLayout::kNeox ? i + half : 2 * i + 1;
      const float x0 = v[a], x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x1 * c + x0 * s;
    }
  }
}

void apply_rope(float* x, int64_t n_heads, int64_t head_stride, int64_t offset,
                const std::vector<float>& inv_freq, RopeLayout layout, float attention_factor,
                int64_t position) {
  std::vector<float> cos_sin(2 * inv_freq.size());
  rope_cos_sin(inv_freq, attention_factor, position, cos_sin.data());
  apply_rope_cos_sin(x, n_heads, head_stride, offset, static_cast<int64_t>(inv_freq.size()), layout,
                     cos_sin.data());
}

}  // namespace sinan
