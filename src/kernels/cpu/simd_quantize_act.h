// The activation quantizer (q8_0's rule per 32 values) into ActChunks, bit-identical to
// quantize_act_chunk_reference.
#pragma once

#include "kernels/cpu/simd_common.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA (the tier's namespace) before including simd_quantize_act.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

// ---- activations: q8_0's rule per 32 values, bit-identical to quantize_act_chunk_reference.

inline int sum_of_8(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
  return _mm_cvtsi128_si32(s);
}

// round(v) with ties away from zero, clamped to [-limit, limit], NaN -> 0, as int32.
inline __m256i round_away_clamped(__m256 v, float limit) {
  const __m256 truncated = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 sign = _mm256_and_ps(v, _mm256_set1_ps(-0.0f));
  const __m256 fraction = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(v, truncated));
  const __m256 up = _mm256_and_ps(_mm256_cmp_ps(fraction, _mm256_set1_ps(0.5f), _CMP_GE_OQ),
                                  _mm256_or_ps(sign, _mm256_set1_ps(1.0f)));
  __m256 r = _mm256_add_ps(truncated, up);
  r = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-limit)), _mm256_set1_ps(limit));
  r = _mm256_and_ps(r, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
  return _mm256_cvttps_epi32(r);
}

// 32 values at x -> levels round(x / d) in [-limit, limit] (int32, value order); returns d = amax / limit.
inline float quantize_levels_32(const float* x, float limit, __m256i (&levels)[4]) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 v[4];
  __m256 amax = _mm256_setzero_ps();
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm256_loadu_ps(x + 8 * i);
    amax = _mm256_max_ps(_mm256_and_ps(v[i], abs_mask), amax);  // a NaN value is skipped, as std::max does
  }
  const float d = max_of_8(amax) / limit;
  float inverse = d != 0.0f ? 1.0f / d : 0.0f;
  if (!(inverse <= 3.4028235e38f)) inverse = 0.0f;
  for (int i = 0; i < 4; ++i) levels[i] = round_away_clamped(_mm256_mul_ps(v[i], _mm256_set1_ps(inverse)), limit);
  return d;
}

inline void quantize_block32(const float* x, int8_t* q, float* group_scale, float* group_sum, float* block_sum) {
  __m256i levels[4];
  const float d = quantize_levels_32(x, 127.0f, levels);
  const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(levels[0], levels[1]),
                                            _mm256_packs_epi32(levels[2], levels[3]));
  _mm256_store_si256(reinterpret_cast<__m256i*>(q),
                     _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  group_scale[0] = group_scale[1] = d;
  const int first = sum_of_8(_mm256_add_epi32(levels[0], levels[1])), second = sum_of_8(_mm256_add_epi32(levels[2], levels[3]));
  group_sum[0] = d * static_cast<float>(first);
  group_sum[1] = d * static_cast<float>(second);
  *block_sum = d * static_cast<float>(first + second);
}

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__)
// A chunk in 512-bit vectors: the 8 blocks' maxima and the 16 groups' level sums each come out of one
// reduction tree instead of a horizontal reduction per block, and the levels round by one add and a
// truncation. The same values as quantize_block32 (above) bit for bit: the maxima and the integer sums are
// exact in any order, d = amax / 127 and 1 / d are single divisions as there, and for |y| < 2^23
// trunc(y + copysign(0.5 - 2^-25, y)) is y rounded half away from zero (the add rounds up to the next
// integer exactly when the fraction is at least one half); larger |y| are integers, which the add keeps.
// Lane i of the returned vector reduces v[j] where i = 4 (j % 4) + j / 4 (j < 16; for 8 vectors, j < 8 in
// lanes 4 (j % 4) + j / 4 and the other lanes repeat them).
template <int kCount, typename Op>
__attribute__((always_inline)) inline __m512 reduce_tree(const __m512 (&v)[kCount], Op op) {
  static_assert(kCount == 8 || kCount == 16);
  __m512 half[kCount / 2];  // lanes of v[2k] reduced to 8 (its 256-bit half), then of v[2k + 1]
  for (int k = 0; k < kCount / 2; ++k) {
    half[k] = op(_mm512_shuffle_f32x4(v[2 * k], v[2 * k + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                 _mm512_shuffle_f32x4(v[2 * k], v[2 * k + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  }
  __m512 quarter[4];  // 128-bit lane k of quarter[m]: v[4m + k] reduced to 4 lanes
  for (int m = 0; m < kCount / 4; ++m) {
    quarter[m] = op(_mm512_shuffle_f32x4(half[2 * m], half[2 * m + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                    _mm512_shuffle_f32x4(half[2 * m], half[2 * m + 1], _MM_SHUFFLE(3, 1, 3, 1)));
  }
  if constexpr (kCount == 8) quarter[2] = quarter[0], quarter[3] = quarter[1];
  __m512 eighth[2];  // 128-bit lane k of eighth[n]: v[8n + k], v[8n + 4 + k] reduced to 2 lanes each
  for (int n = 0; n < 2; ++n) {
    eighth[n] = op(_mm512_shuffle_ps(quarter[2 * n], quarter[2 * n + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                   _mm512_shuffle_ps(quarter[2 * n], quarter[2 * n + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  }
  return op(_mm512_shuffle_ps(eighth[0], eighth[1], _MM_SHUFFLE(2, 0, 2, 0)),
            _mm512_shuffle_ps(eighth[0], eighth[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

// The chunk's first `count` values (at most kChunk), zeros past them: a zero block quantizes to zero levels
// with d = 0, which is what quantize_act_chunk_reference writes for blocks past the row's end.
__attribute__((always_inline)) inline void quantize_chunk_512(const float* x, int64_t count, ActChunk& a) {
  const __m512 abs_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
  __m512 v[16], block_max[8];
  for (int j = 0; j < 16; ++j) {  // nothing at or past x + count is read
    const int64_t left = count - 16 * j;
    v[j] = left >= 16
               ? _mm512_loadu_ps(x + 16 * j)
               : _mm512_maskz_loadu_ps(left > 0 ? static_cast<__mmask16>((1u << left) - 1) : 0, x + 16 * j);
  }
  for (int b = 0; b < 8; ++b) {
    // max_ps returns its second operand where either is NaN: a NaN value is skipped, as std::max does.
    block_max[b] = _mm512_max_ps(_mm512_and_ps(v[2 * b], abs_mask), _mm512_setzero_ps());
    block_max[b] = _mm512_max_ps(_mm512_and_ps(v[2 * b + 1], abs_mask), block_max[b]);
  }
  const __m512 amax = reduce_tree(block_max, [](__m512 p, __m512 q) { return _mm512_max_ps(p, q); });
  const __m512 d = _mm512_div_ps(amax, _mm512_set1_ps(127.0f));  // block b's in lane 4 (b % 4) + b / 4
  __m512 inverse = _mm512_div_ps(_mm512_set1_ps(1.0f), d);
  // d = 0 gives 1 / d = inf and a subnormal d may overflow it: both mean no scale, as quantize_levels_32.
  inverse =
      _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(inverse, _mm512_set1_ps(3.4028235e38f), _CMP_LE_OQ), inverse);
  const __m512 sign_mask = _mm512_set1_ps(-0.0f), almost_half = _mm512_set1_ps(0.49999997f);
  __m512i levels[16];
  __m512 level_floats[16];
  for (int b = 0; b < 8; ++b) {
    const __m512 block_inverse = _mm512_permutexvar_ps(_mm512_set1_epi32(4 * (b % 4) + b / 4), inverse);
    for (int h = 0; h < 2; ++h) {
      const __m512 y = _mm512_mul_ps(v[2 * b + h], block_inverse);
      const __m512 nudge =
          _mm512_or_ps(_mm512_and_ps(y, sign_mask), almost_half);  // copysign(0.5 - 2^-25, y)
      const __m512 clamped = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(y, nudge), _mm512_set1_ps(-127.0f)),
                                           _mm512_set1_ps(127.0f));
      const __mmask16 ordered = _mm512_cmp_ps_mask(y, y, _CMP_ORD_Q);  // NaN -> 0
      levels[2 * b + h] = _mm512_maskz_cvttps_epi32(ordered, clamped);
      level_floats[2 * b + h] = _mm512_cvtepi32_ps(levels[2 * b + h]);
    }
  }
  // Dword i of the result takes dword 4 (i % 4) + i / 4: the 4 x 4 transpose both the packed bytes and the
  // tree's group sums need.
  const __m512i transpose_4x4 = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  for (int j = 0; j < 4; ++j) {  // 64 levels to bytes in value order
    const __m512i words = _mm512_packs_epi32(levels[4 * j], levels[4 * j + 1]);
    const __m512i words_2 = _mm512_packs_epi32(levels[4 * j + 2], levels[4 * j + 3]);
    // 128-bit lane k: 4 levels of each of levels[4 j .. 4 j + 3] in turn
    const __m512i bytes = _mm512_packs_epi16(words, words_2);
    _mm512_store_si512(a.q + 64 * j, _mm512_permutexvar_epi32(transpose_4x4, bytes));
  }
  // Group g's sum (exact: at most 16 * 127 in magnitude) lands in lane 4 (g % 4) + g / 4; back to g order.
  const __m512 tree_sums = reduce_tree(level_floats, [](__m512 p, __m512 q) { return _mm512_add_ps(p, q); });
  const __m512 group_sums = _mm512_permutexvar_ps(transpose_4x4, tree_sums);
  const __m512i block_of_group = _mm512_setr_epi32(0, 0, 4, 4, 8, 8, 12, 12, 1, 1, 5, 5, 9, 9, 13, 13);
  const __m512 group_scale = _mm512_permutexvar_ps(block_of_group, d);
  _mm512_store_ps(a.group_scale, group_scale);
  _mm512_store_ps(a.group_sum, _mm512_mul_ps(group_scale, group_sums));
  // Block b: its two groups' sums added (exact) and scaled once, as quantize_block32.
  const __m512 pair_sums = _mm512_add_ps(
      group_sums, _mm512_castsi512_ps(_mm512_bsrli_epi128(_mm512_castps_si512(group_sums), 4)));  // lane 2b
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
  const __m512 block_sums =
      _mm512_mul_ps(_mm512_permutexvar_ps(even, group_scale), _mm512_permutexvar_ps(even, pair_sums));
  _mm256_storeu_ps(a.block_sum, _mm512_castps512_ps256(block_sums));
}
#endif

// Chunks [chunk_begin, chunk_begin + n_chunks) of one activation row of `cols` values.
inline void quantize_act_chunks(const float* x, int64_t cols, int64_t chunk_begin, int64_t n_chunks, ActChunk* out) {
  for (int64_t c = 0; c < n_chunks; ++c) {
    ActChunk& a = out[c];
    const int64_t begin = (chunk_begin + c) * kChunk;
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__)
    quantize_chunk_512(x + begin, std::min<int64_t>(kChunk, cols - begin), a);
#else
    for (int b = 0; b < 8; ++b) {
      const int64_t start = begin + 32 * b;
      if (start + 32 <= cols) {
        quantize_block32(x + start, a.q + 32 * b, a.group_scale + 2 * b, a.group_sum + 2 * b, a.block_sum + b);
      } else if (start < cols) {
        alignas(32) float padded[32] = {};
        std::memcpy(padded, x + start, sizeof(float) * static_cast<size_t>(cols - start));
        quantize_block32(padded, a.q + 32 * b, a.group_scale + 2 * b, a.group_sum + 2 * b, a.block_sum + b);
      } else {
        std::memset(a.q + 32 * b, 0, 32);
        a.group_scale[2 * b] = a.group_scale[2 * b + 1] = 0.0f;
        a.group_sum[2 * b] = a.group_sum[2 * b + 1] = a.block_sum[b] = 0.0f;
      }
    }
#endif
  }
}

}  // namespace sinan::cpu::SINAN_CPU_ISA
