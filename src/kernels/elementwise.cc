#include "kernels/elementwise.h"

#include <algorithm>
#include <cmath>

#include "kernels/lanes16.h"

namespace sinan {

namespace {

// sum of x[i]^2 in double, in 8 interleaved partial sums added in a fixed order: the same value from every
// clone (each square is exact in double, so a fused multiply-add rounds as the add alone), and no chain of
// dependent adds (one add per value in sequence took ~1 us per 1536-value row, 0.45% of a 1.5B decode token).
__attribute__((target_clones("avx512f", "avx2", "default"))) double sum_of_squares(const float* x,
                                                                                   int64_t n) {
  double partial[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) partial[j] += static_cast<double>(x[i + j]) * x[i + j];
  }
  for (int j = 0; i + j < n; ++j) partial[j] += static_cast<double>(x[i + j]) * x[i + j];
  return ((partial[0] + partial[4]) + (partial[1] + partial[5])) +
         ((partial[2] + partial[6]) + (partial[3] + partial[7]));
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void scale_by_weight(const float* x,
                                                                                  const float* weight,
                                                                                  float inv_rms, int64_t n,
                                                                                  float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = weight[i] * (x[i] * inv_rms);
}

}  // namespace

void rms_norm(const float* x, int64_t x_stride, const float* weight, float eps, int64_t n_rows, int64_t n, float* y,
              int64_t y_stride) {
  for (int64_t row = 0; row < n_rows; ++row) {
    const double sum_squares = sum_of_squares(x + row * x_stride, n);
    const auto inv_rms = static_cast<float>(1.0 / std::sqrt(sum_squares / static_cast<double>(n) + eps));
    scale_by_weight(x + row * x_stride, weight, inv_rms, n, y + row * y_stride);
  }
}

namespace {

// out[0, 16) from gate[0, 16) and up[0, 16). Vector values pass only between these always-inlined helpers,
// which take the target of the clone they are inlined into (clang rejects a 64-byte vector argument or
// return value in a call from an AVX2 clone).
__attribute__((always_inline)) inline void silu_mul_16(const float* gate, const float* up, float* out) {
  using namespace lanes;
  const Lanes16 g = load16(gate);
  store16(out, g / (1.0f + exp16(-g)) * load16(up));
}

// One clone per SIMD tier (not overloaded: clang multiversions only a function with a single signature).
__attribute__((target_clones("avx512f", "avx2", "default"))) void silu_mul_lanes(const float* gate, const float* up,
                                                                                  int64_t n, float* out) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) silu_mul_16(gate + i, up + i, out + i);
  if (i < n) {  // the tail through the same lanes, so every element rounds alike
    float gate_tail[16] = {}, up_tail[16] = {}, out_tail[16];
    std::copy(gate + i, gate + n, gate_tail);
    std::copy(up + i, up + n, up_tail);
    silu_mul_16(gate_tail, up_tail, out_tail);
    std::copy(out_tail, out_tail + (n - i), out + i);
  }
}

}  // namespace

void silu_mul(const float* gate, const float* up, int64_t n, float* out) { silu_mul_lanes(gate, up, n, out); }

void silu_mul(const float* gate, const float* up, int64_t n, float* out, ThreadPool& pool) {
  constexpr int64_t kUnit = 1024;  // elements per unit: whole cache lines, enough work per hand-off
  pool.parallel_for((n + kUnit - 1) / kUnit, [&](int64_t begin, int64_t end) {
    const int64_t first = begin * kUnit, last = std::min(end * kUnit, n);
    silu_mul_lanes(gate + first, up + first, last - first, out + first);
  });
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
