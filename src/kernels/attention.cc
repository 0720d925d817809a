#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/cpu/attention_avx2.h"
#include "kernels/cpu/cpu_tier.h"
#include "kernels/lanes16.h"

namespace sinan {
namespace {

using lanes::exp16;
using lanes::Lanes16;
using lanes::load16;
using lanes::splat;
using lanes::store16;

constexpr int64_t kBlock = 16;  // positions scored, exponentiated and accumulated together
constexpr int64_t kMaxHeadsPerPass = 128;  // DeepSeek-V3's head count: one pass over the rows for all of them

// Lane k of the result = the sum of acc[k]'s 16 lanes, for 16 vectors at once: a transpose-and-add tree
// in a fixed order. Each level adds the two halves of a pair's partial sums: [a16], [b16] -> [a8 b8] ->
// [a4 b4 c4 d4] -> [a2 .. h2] -> [a .. p].
__attribute__((always_inline)) inline Lanes16 sum_each(const Lanes16 (&acc)[kBlock]) {
  Lanes16 halves[8], quarters[4], eighths[2];
  for (int k = 0; k < 8; ++k) {
    const Lanes16 x = acc[2 * k], y = acc[2 * k + 1];
    halves[k] = __builtin_shufflevector(x, y, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
                __builtin_shufflevector(x, y, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  }
  for (int k = 0; k < 4; ++k) {
    const Lanes16 x = halves[2 * k], y = halves[2 * k + 1];
    quarters[k] = __builtin_shufflevector(x, y, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27) +
                  __builtin_shufflevector(x, y, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
  }
  for (int k = 0; k < 2; ++k) {
    const Lanes16 x = quarters[2 * k], y = quarters[2 * k + 1];
    eighths[k] = __builtin_shufflevector(x, y, 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29) +
                 __builtin_shufflevector(x, y, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
  }
  const Lanes16 x = eighths[0], y = eighths[1];
  return __builtin_shufflevector(x, y, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +
         __builtin_shufflevector(x, y, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

// Lane k of the result: q . key_k over n values (rows[k] + offset), for a block of 16 keys.
__attribute__((always_inline)) inline Lanes16 block_dots(const float* q, const float* const (&rows)[kBlock],
                                                         int64_t offset, int64_t n) {
  Lanes16 acc[kBlock] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const Lanes16 qv = load16(q + i);
    for (int64_t k = 0; k < kBlock; ++k) acc[k] += qv * load16(rows[k] + offset + i);
  }
  Lanes16 dots = sum_each(acc);
  for (; i < n; ++i) {
    for (int64_t k = 0; k < kBlock; ++k) dots[k] += q[i] * rows[k][offset + i];
  }
  return dots;
}

// Folds one block of `count` <= 16 positions into the online softmax: the output accumulated so far, the
// running maximum and the running sum of weights.
__attribute__((always_inline)) inline void attend_block(const float* q, const float* const (&block_rows)[kBlock],
                                                        int64_t count, int64_t key_offset, int64_t key_len,
                                                        int64_t value_offset, int64_t value_len, float scale,
                                                        float& running_max, float& weight_sum, float* out) {
  const Lanes16 scores = block_dots(q, block_rows, key_offset, key_len) * scale;
  float block_max = scores[0];
  for (int64_t k = 1; k < count; ++k) block_max = std::max(block_max, scores[k]);
  float correction = 1.0f;
  if (block_max > running_max) {
    correction = std::exp(running_max - block_max);  // rescales what was accumulated under the old maximum
    running_max = block_max;
  }
  const Lanes16 weights = exp16(scores - running_max);  // lanes past count are unused
  float block_sum = 0.0f;
  for (int64_t k = 0; k < count; ++k) block_sum += weights[k];
  weight_sum = weight_sum * correction + block_sum;
  int64_t v = 0;
  for (; v + 16 <= value_len; v += 16) {
    Lanes16 o = load16(out + v) * correction;
    for (int64_t k = 0; k < count; ++k) o += splat(weights[k]) * load16(block_rows[k] + value_offset + v);
    store16(out + v, o);
  }
  for (; v < value_len; ++v) {
    float o = out[v] * correction;
    for (int64_t k = 0; k < count; ++k) o += weights[k] * block_rows[k][value_offset + v];
    out[v] = o;
  }
}

}  // namespace

// Positions go in blocks of 16 (attend_block). Vector values pass only between the always-inlined helpers,
// which take the target of the clone they are inlined into (clang rejects a 64-byte vector argument or
// return value in a call from an AVX2 clone).
// Each block: its scores in one vector, one maximum and one rescale of the output per
// block, and one pass over the output per block for the 16 weighted values. Every head of a pass folds in a
// block while its rows are in L1, so the rows stream once per pass instead of once per head; a head's
// operations are the same as if it were alone (its own maximum, sum and output).
__attribute__((target_clones("avx512f", "avx2", "default"))) void attend_heads_portable(
    const float* q, int64_t q_stride, int64_t n_heads, int64_t key_offset, int64_t key_len, int64_t value_offset,
    int64_t value_len, const KvRows& rows, int64_t n_positions, float scale, float* out, int64_t out_stride) {
  for (int64_t pass = 0; pass < n_heads; pass += kMaxHeadsPerPass) {
    const int64_t heads = std::min(kMaxHeadsPerPass, n_heads - pass);
    float running_max[kMaxHeadsPerPass], weight_sum[kMaxHeadsPerPass];
    for (int64_t h = 0; h < heads; ++h) {
      running_max[h] = -std::numeric_limits<float>::infinity();
      weight_sum[h] = 0.0f;
      float* o = out + (pass + h) * out_stride;
      for (int64_t i = 0; i < value_len; ++i) o[i] = 0.0f;
    }
    for (int64_t p0 = 0; p0 < n_positions; p0 += kBlock) {
      const int64_t count = std::min(kBlock, n_positions - p0);
      const float* block_rows[kBlock];
      for (int64_t k = 0; k < kBlock; ++k) block_rows[k] = rows.row(p0 + std::min(k, count - 1));  // pad: a real row
      for (int64_t h = 0; h < heads; ++h) {
        attend_block(q + (pass + h) * q_stride, block_rows, count, key_offset, key_len, value_offset, value_len, scale,
                     running_max[h], weight_sum[h], out + (pass + h) * out_stride);
      }
    }
    for (int64_t h = 0; h < heads; ++h) {
      if (weight_sum[h] > 0) {
        const float inv = 1.0f / weight_sum[h];
        float* o = out + (pass + h) * out_stride;
        for (int64_t v = 0; v < value_len; ++v) o[v] *= inv;
      }
    }
  }
}

void attend_heads(const float* q, int64_t q_stride, int64_t n_heads, int64_t key_offset, int64_t key_len,
                  int64_t value_offset, int64_t value_len, const KvRows& rows, int64_t n_positions, float scale,
                  float* out, int64_t out_stride) {
#if SINAN_CPU_X86_TIERS
  if (cpu::active_cpu_tier() >= cpu::CpuTier::kAvx2) {
    cpu::avx2::attend_heads(q, q_stride, n_heads, key_offset, key_len, value_offset, value_len, rows, n_positions,
                            scale, out, out_stride);
    return;
  }
#endif
  attend_heads_portable(q, q_stride, n_heads, key_offset, key_len, value_offset, value_len, rows, n_positions, scale,
                        out, out_stride);
}

void attend(const float* q, int64_t key_offset, int64_t key_len, int64_t value_offset, int64_t value_len,
            const KvRows& rows, int64_t n_positions, float scale, float* out) {
  attend_heads(q, 0, 1, key_offset, key_len, value_offset, value_len, rows, n_positions, scale, out, 0);
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
