// Row-wise and element-wise ops on float32 activations.
#pragma once

#include <cstdint>

namespace sinan {

// y = x / sqrt(mean(x^2) + eps) * weight, for each of n_rows rows of n values (x and y may alias).
void rms_norm(const float* x, int64_t x_stride, const float* weight, float eps, int64_t n_rows, int64_t n, float* y,
              int64_t y_stride);

// out[i] = silu(gate[i]) * up[i], silu(v) = v / (1 + exp(-v)). out may alias gate or up.
void silu_mul(const float* gate, const float* up, int64_t n, float* out);

// In-place softmax over n values, max-subtracted.
void softmax(float* x, int64_t n);

// y[i] += a * x[i]
void add_scaled(const float* x, float a, int64_t n, float* y);

}  // namespace sinan
