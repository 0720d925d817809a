#include "kernels/attention.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

// The 16-lane helpers below are always inlined into each clone of attend(), so no vector ever crosses a
// call boundary: GCC's warning that such a return would change the ABI does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace sinan {
namespace {

// 16 float lanes; GCC lowers them to one AVX-512 register, two AVX2 or four SSE registers. Without FMA
// contraction (ISO C++ mode) every clone rounds identically, so results do not depend on the CPU.
using Lanes16 = float __attribute__((vector_size(64)));

__attribute__((always_inline)) inline Lanes16 load16(const float* p) {
  Lanes16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) inline void store16(float* p, Lanes16 v) { std::memcpy(p, &v, sizeof v); }

__attribute__((always_inline)) inline float horizontal_sum(Lanes16 v) {
  float s = 0;
  for (int i = 0; i < 16; ++i) s += v[i];
  return s;
}

// q . key in a fixed order: 16 lane sums over whole groups, then the tail.
__attribute__((always_inline)) inline float dot(const float* q, const float* key, int64_t n) {
  Lanes16 acc = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) acc += load16(q + i) * load16(key + i);
  float tail = 0;
  for (; i < n; ++i) tail += q[i] * key[i];
  return horizontal_sum(acc) + tail;
}

// out = out * a + value * b over n values.
__attribute__((always_inline)) inline void scale_add(float* out, float a, const float* value, float b, int64_t n) {
  int64_t i = 0;
  const Lanes16 va = Lanes16{} + a, vb = Lanes16{} + b;
  for (; i + 16 <= n; i += 16) store16(out + i, load16(out + i) * va + load16(value + i) * vb);
  for (; i < n; ++i) out[i] = out[i] * a + value[i] * b;
}

}  // namespace

__attribute__((target_clones("avx512f", "avx2", "default"))) void attend(const float* q, int64_t key_offset,
                                                                          int64_t key_len, int64_t value_offset,
                                                                          int64_t value_len, const KvRows& rows,
                                                                          int64_t n_positions, float scale,
                                                                          float* out) {
  for (int64_t i = 0; i < value_len; ++i) out[i] = 0.0f;
  float running_max = -std::numeric_limits<float>::infinity();
  float weight_sum = 0.0f;
  for (int64_t p = 0; p < n_positions; ++p) {
    const float* row = rows.row(p);
    const float score = dot(q, row + key_offset, key_len) * scale;
    float correction = 1.0f;
    if (score > running_max) {
      // Rescale what was accumulated under the old maximum.
      correction = std::exp(running_max - score);
      weight_sum *= correction;
      running_max = score;
    }
    const float weight = std::exp(score - running_max);
    weight_sum += weight;
    scale_add(out, correction, row + value_offset, weight, value_len);
  }
  if (weight_sum > 0) {
    const float inv = 1.0f / weight_sum;
    for (int64_t v = 0; v < value_len; ++v) out[v] *= inv;
  }
}

void attend_reference(const float* q, int64_t key_offset, int64_t key_len, int64_t value_offset, int64_t value_len,
                      const KvRows& rows, int64_t n_positions, float scale, float* out) {
  std::vector<double> scores(static_cast<size_t>(n_positions));
  double max_score = -std::numeric_limits<double>::infinity();
  for (int64_t p = 0; p < n_positions; ++p) {
    double s = 0;
    for (int64_t i = 0; i < key_len; ++i) s += static_cast<double>(q[i]) * rows.row(p)[key_offset + i];
    scores[p] = s * scale;
    max_score = std::max(max_score, scores[p]);
  }
  double sum = 0;
  for (auto& s : scores) sum += (s = std::exp(s - max_score));
  for (int64_t v = 0; v < value_len; ++v) {
    double acc = 0;
    for (int64_t p = 0; p < n_positions; ++p) acc += scores[p] / sum * rows.row(p)[value_offset + v];
    out[v] = static_cast<float>(acc);
  }
}

}  // namespace sinan
