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

// Chunks [chunk_begin, chunk_begin + n_chunks) of one activation row of `cols` values.
inline void quantize_act_chunks(const float* x, int64_t cols, int64_t chunk_begin, int64_t n_chunks, ActChunk* out) {
  for (int64_t c = 0; c < n_chunks; ++c) {
    ActChunk& a = out[c];
    const int64_t begin = (chunk_begin + c) * kChunk;
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
  }
}

}  // namespace sinan::cpu::SINAN_CPU_ISA
