#include "kernels/elementwise.h"

#include <algorithm>
#include <cmath>

namespace sinan {

void rms_norm(const float* x, int64_t x_stride, const float* weight, float eps, int64_t n_rows, int64_t n, float* y,
              int64_t y_stride) {
  for (int64_t row = 0; row < n_rows; ++row) {
    const float* xr = x + row * x_stride;
    float* yr = y + row * y_stride;
    double sum_squares = 0;
    for (int64_t i = 0; i < n; ++i) sum_squares += static_cast<double>(xr[i]) * xr[i];
    const float inv_rms = static_cast<float>(1.0 / std::sqrt(sum_squares / static_cast<double>(n) + eps));
    for (int64_t i = 0; i < n; ++i) yr[i] = weight[i] * (xr[i] * inv_rms);
  }
}

void silu_mul(const float* gate, const float* up, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  const float max_value = *std::max_element(x, x + n);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max_value);
    sum += x[i];
  }
  const auto inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void add_scaled(const float* x, float a, int64_t n, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

}  // namespace sinan
