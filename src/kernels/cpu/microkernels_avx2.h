// AVX2 tiles: R weight rows x T tokens of dot products held in ymm accumulators.
//  - int: 32 values per step; maddubs multiplies unsigned levels by int8 activations into int16 pairs
//    (no saturation: levels <= 63) and madd sums them into 8 int32 lanes of 4 values. Signed levels
//    (q8_0, iq4) use |w| x sign(a, w), as maddubs needs one unsigned operand.
//  - float: 8 values per step, one FMA per (row, token); the ragged end uses masked loads.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/panels.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA before including microkernels_avx2.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

constexpr int kIntRows = 2;
constexpr int kIntTokens = 4;
constexpr int kFloatRows = 3;
constexpr bool kPrefersSignedLevels = true;
constexpr int kFloatTokens = 4;

inline float sum_of(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int R, int T, bool kSigned>
inline void int_tile(const IntChunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride, int64_t n_chunks,
                     float (&out)[R][T]) {
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t c = 0; c < n_chunks; ++c) {
    for (int v = 0; v < 8; ++v) {
      __m256i wq[R], wabs[R];
      __m256 ws[R];
      for (int r = 0; r < R; ++r) {
        const IntChunk& wc = w[r * w_stride + c];
        wq[r] = _mm256_load_si256(reinterpret_cast<const __m256i*>(wc.q + 32 * v));
        if constexpr (kSigned) wabs[r] = _mm256_abs_epi8(wq[r]);
        ws[r] = _mm256_load_ps(wc.lane_scale + 8 * v);
      }
      for (int t = 0; t < T; ++t) {
        const ActChunk& ac = a[t * a_stride + c];
        const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(ac.q + 32 * v));
        const __m256 as = _mm256_load_ps(ac.lane_scale + 8 * v);
        for (int r = 0; r < R; ++r) {
          __m256i pairs;
          if constexpr (kSigned) {
            pairs = _mm256_maddubs_epi16(wabs[r], _mm256_sign_epi8(aq, wq[r]));
          } else {
            pairs = _mm256_maddubs_epi16(wq[r], aq);
          }
          const __m256i dot = _mm256_madd_epi16(pairs, ones);
          acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(ws[r], as), acc[r][t]);
        }
      }
    }
    if constexpr (!kSigned) {
      for (int r = 0; r < R; ++r) {
        const IntChunk& wc = w[r * w_stride + c];
        const __m256 m0 = _mm256_load_ps(wc.group_min), m1 = _mm256_load_ps(wc.group_min + 8);
        for (int t = 0; t < T; ++t) {
          const ActChunk& ac = a[t * a_stride + c];
          acc[r][t] = _mm256_fnmadd_ps(m0, _mm256_load_ps(ac.group_sum), acc[r][t]);
          acc[r][t] = _mm256_fnmadd_ps(m1, _mm256_load_ps(ac.group_sum + 8), acc[r][t]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
}

template <int R, int T>
inline void float_tile(const float* const* w, const float* const* x, int64_t count, float (&out)[R][T]) {
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 wv[R];
    for (int r = 0; r < R; ++r) wv[r] = _mm256_loadu_ps(w[r] + i);
    for (int t = 0; t < T; ++t) {
      const __m256 xv = _mm256_loadu_ps(x[t] + i);
      for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
  if (i < count) {
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count - i)),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 wv[R];
    for (int r = 0; r < R; ++r) wv[r] = _mm256_maskload_ps(w[r] + i, mask);
    for (int t = 0; t < T; ++t) {
      const __m256 xv = _mm256_maskload_ps(x[t] + i, mask);
      for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
}

}  // namespace sinan::cpu::SINAN_CPU_ISA
