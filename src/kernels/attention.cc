#include "kernels/attention.h"

#include <cmath>
#include <limits>
#include <vector>

namespace sinan {

void attend(const float* q, int64_t key_offset, int64_t key_len, int64_t value_offset, int64_t value_len,
            const KvRows& rows, int64_t n_positions, float scale, float* out) {
  for (int64_t i = 0; i < value_len; ++i) out[i] = 0.0f;
  float running_max = -std::numeric_limits<float>::infinity();
  float weight_sum = 0.0f;
  for (int64_t p = 0; p < n_positions; ++p) {
    const float* row = rows.row(p);
    const float* key = row + key_offset;
    float s0 = 0, s1 = 0;
    int64_t i = 0;
    for (; i + 2 <= key_len; i += 2) {
      s0 += q[i] * key[i];
      s1 += q[i + 1] * key[i + 1];
    }
    if (i < key_len) s0 += q[i] * key[i];
    const float score = (s0 + s1) * scale;
    if (score > running_max) {
      // Rescale what was accumulated under the old maximum.
      const float correction = std::exp(running_max - score);
      for (int64_t v = 0; v < value_len; ++v) out[v] *= correction;
      weight_sum *= correction;
      running_max = score;
    }
    const float weight = std::exp(score - running_max);
    weight_sum += weight;
    const float* value = row + value_offset;
    for (int64_t v = 0; v < value_len; ++v) out[v] += weight * value[v];
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
