// Row-wise and element-wise ops on float32 activations.
#pragma once

#include <cstdint>

#include "core/thread_pool.h"

namespace sinan {

// y = x / sqrt(mean(x^2) + eps) * weight, for each of n_rows rows of n values (x and y may alias).
void rms_norm(const float* x, int64_t x_stride, const float* weight, float eps, int64_t n_rows, int64_t n, float* y,
              int64_t y_stride);

// out[i] = silu(gate[i]) * up[i], silu(v) = v / (1 + exp(-v)), with a 16-lane exp (kernels/lanes16.h) that
// rounds alike on every CPU. out may alias gate or up. The second form splits the work over the pool.
void silu_mul(const float* gate, const float* up, int64_t n, float* out);
void silu_mul(const float* gate, const float* up, int64_t n, float* out, ThreadPool& pool);

// In-place softmax over n values, max-subtracted.
void softmax(float* x, int64_t n);

// y[i] += a * x[i]
void add_scaled(const float* x, float a, int64_t n, float* y);

}  // namespace sinan
