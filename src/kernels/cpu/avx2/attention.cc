// avx2 tier: attention of the query heads that share cached rows, one online-softmax pass over blocks of 16
// positions. Scores of 8 keys accumulate in 8 registers (one query load feeds 8 FMAs) and reduce by a
// horizontal-add tree; the weighted values accumulate 64 outputs at a time in 8 registers (one broadcast
// weight feeds 8 FMAs). Everything stays in registers: no spills, no cross-lane shuffles in the inner loops.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/attention_avx2.h"
#define SINAN_CPU_ISA avx2
#include "kernels/cpu/simd_common.h"

namespace sinan::cpu::avx2 {
namespace {

constexpr int64_t kBlock = 16;             // positions per online-softmax step: two registers of scores
constexpr int64_t kMaxHeadsPerPass = 128;  // DeepSeek-V3's head count

// e^x per lane, x clamped to [-87, 88]: 2^n e^r with n = round(x / ln 2), r = x - n ln 2 in two parts, e^r
// by Cephes' degree-7 expansion (lanes16.h's exp16, with FMA). Within 2 ulp of e^x on the clamped range.
inline __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i two_n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(two_n));
}

// Lane k: q . rows[k][offset, offset + n), for 8 rows.
inline __m256 dots8(const float* q, const float* const* rows, int64_t offset, int64_t n) {
  __m256 acc[8];
  for (auto& a : acc) a = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 qv = _mm256_loadu_ps(q + i);
    for (int k = 0; k < 8; ++k) acc[k] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(rows[k] + offset + i), acc[k]);
  }
  // hadd pairs lanes within each 128-bit half: u0 = [a0..a3 low-half sums | a0..a3 high-half sums].
  const __m256 u0 = _mm256_hadd_ps(_mm256_hadd_ps(acc[0], acc[1]), _mm256_hadd_ps(acc[2], acc[3]));
  const __m256 u1 = _mm256_hadd_ps(_mm256_hadd_ps(acc[4], acc[5]), _mm256_hadd_ps(acc[6], acc[7]));
  __m256 dots = _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
  if (i < n) {  // a key length that is not a multiple of 8 (no real model's)
    alignas(32) float d[8];
    _mm256_store_ps(d, dots);
    for (int k = 0; k < 8; ++k) {
      for (int64_t j = i; j < n; ++j) d[k] += q[j] * rows[k][offset + j];
    }
    dots = _mm256_load_ps(d);
  }
  return dots;
}

// out[0, n) = out * correction + sum over k < count of weights[k] * rows[k][offset, offset + n).
inline void accumulate_values(const float* weights, const float* const* rows, int64_t count, int64_t offset,
                              int64_t n, float correction, float* out) {
  const __m256 c = _mm256_set1_ps(correction);
  int64_t v = 0;
  for (; v + 64 <= n; v += 64) {
    __m256 o[8];
    for (int j = 0; j < 8; ++j) o[j] = _mm256_mul_ps(_mm256_loadu_ps(out + v + 8 * j), c);
    for (int64_t k = 0; k < count; ++k) {
      const __m256 w = _mm256_broadcast_ss(weights + k);
      const float* row = rows[k] + offset + v;
      for (int j = 0; j < 8; ++j) o[j] = _mm256_fmadd_ps(w, _mm256_loadu_ps(row + 8 * j), o[j]);
    }
    for (int j = 0; j < 8; ++j) _mm256_storeu_ps(out + v + 8 * j, o[j]);
  }
  for (; v + 8 <= n; v += 8) {
    __m256 o = _mm256_mul_ps(_mm256_loadu_ps(out + v), c);
    for (int64_t k = 0; k < count; ++k) {
      o = _mm256_fmadd_ps(_mm256_broadcast_ss(weights + k), _mm256_loadu_ps(rows[k] + offset + v), o);
    }
    _mm256_storeu_ps(out + v, o);
  }
  for (; v < n; ++v) {
    float o = out[v] * correction;
    for (int64_t k = 0; k < count; ++k) o = std::fma(weights[k], rows[k][offset + v], o);
    out[v] = o;
  }
}

}  // namespace

void attend_heads(const float* q, int64_t q_stride, int64_t n_heads, int64_t key_offset, int64_t key_len,
                  int64_t value_offset, int64_t value_len, const KvRows& rows, int64_t n_positions, float scale,
                  float* out, int64_t out_stride) {
  const __m256 lane = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256 minus_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  const __m256 scale_v = _mm256_set1_ps(scale);
  alignas(32) float weights[kBlock];
  for (int64_t pass = 0; pass < n_heads; pass += kMaxHeadsPerPass) {
    const int64_t heads = std::min(kMaxHeadsPerPass, n_heads - pass);
    float running_max[kMaxHeadsPerPass], weight_sum[kMaxHeadsPerPass];
    for (int64_t h = 0; h < heads; ++h) {
      running_max[h] = -std::numeric_limits<float>::infinity();
      weight_sum[h] = 0.0f;
      std::fill(out + (pass + h) * out_stride, out + (pass + h) * out_stride + value_len, 0.0f);
    }
    for (int64_t p0 = 0; p0 < n_positions; p0 += kBlock) {
      const int64_t count = std::min(kBlock, n_positions - p0);
      const float* block_rows[kBlock];
      for (int64_t k = 0; k < kBlock; ++k) block_rows[k] = rows.row(p0 + std::min(k, count - 1));  // pad: a real row
      const __m256 n_valid = _mm256_set1_ps(static_cast<float>(count));
      const __m256 valid_lo = _mm256_cmp_ps(lane, n_valid, _CMP_LT_OQ);
      const __m256 valid_hi = _mm256_cmp_ps(_mm256_add_ps(lane, _mm256_set1_ps(8.0f)), n_valid, _CMP_LT_OQ);
      for (int64_t h = 0; h < heads; ++h) {
        const float* qh = q + (pass + h) * q_stride;
        const __m256 s_lo =
            _mm256_blendv_ps(minus_inf, _mm256_mul_ps(dots8(qh, block_rows, key_offset, key_len), scale_v), valid_lo);
        const __m256 s_hi =
            count > 8 ? _mm256_blendv_ps(minus_inf, _mm256_mul_ps(dots8(qh, block_rows + 8, key_offset, key_len), scale_v),
                                         valid_hi)
                      : minus_inf;
        const float block_max = max_of_8(_mm256_max_ps(s_lo, s_hi));
        float correction = 1.0f;
        if (block_max > running_max[h]) {
          correction = std::exp(running_max[h] - block_max);  // rescales what was accumulated under the old maximum
          running_max[h] = block_max;
        }
        const __m256 m = _mm256_set1_ps(running_max[h]);
        const __m256 w_lo = _mm256_and_ps(exp8(_mm256_sub_ps(s_lo, m)), valid_lo);
        const __m256 w_hi = _mm256_and_ps(exp8(_mm256_sub_ps(s_hi, m)), valid_hi);
        _mm256_store_ps(weights, w_lo);
        _mm256_store_ps(weights + 8, w_hi);
        weight_sum[h] = weight_sum[h] * correction + sum_of(_mm256_add_ps(w_lo, w_hi));
        accumulate_values(weights, block_rows, count, value_offset, value_len, correction,
                          out + (pass + h) * out_stride);
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

}  // namespace sinan::cpu::avx2
