// AVX-512 tiles: R weight rows x T tokens of dot products held in zmm accumulators.
//  - int: 64 values per step; vpdpbusd sums 4 (unsigned level x int8 activation) products per int32 lane,
//    the lanes are converted and scaled by (weight lane scale x activation lane scale); the offsets and
//    mins come off once per chunk as a 16-wide product with the activations' group sums.
//  - float: 16 values per step, one FMA per (row, token); the ragged end uses masked loads.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/panels.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA before including microkernels_avx512.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

constexpr int kIntRows = 4;
constexpr int kIntTokens = 4;
constexpr int kFloatRows = 4;
constexpr bool kPrefersSignedLevels = false;
constexpr int kFloatTokens = 6;

// Horizontal sum (GCC 12's _mm512_reduce_add_ps warns about an undefined register it uses).
inline float sum_of(__m512 v) {
  const __m512 halves = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  const __m256 s8 = _mm512_castps512_ps256(halves);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Offset levels only (the signed form is AVX2's); kSigned is accepted for a uniform driver.
template <int R, int T, bool kSigned>
inline void int_tile(const IntChunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride, int64_t n_chunks,
                     float (&out)[R][T]) {
  static_assert(!kSigned, "the AVX-512 tier decodes offset levels");
  __m512 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
    for (int v = 0; v < 4; ++v) {
      __m512i wq[R];
      __m512 ws[R];
      for (int r = 0; r < R; ++r) {
        const IntChunk& wc = w[r * w_stride + c];
        wq[r] = _mm512_load_si512(wc.q + 64 * v);
        ws[r] = _mm512_load_ps(wc.lane_scale + 16 * v);
      }
      for (int t = 0; t < T; ++t) {
        const ActChunk& ac = a[t * a_stride + c];
        const __m512i aq = _mm512_load_si512(ac.q + 64 * v);
        const __m512 as = _mm512_load_ps(ac.lane_scale + 16 * v);
        for (int r = 0; r < R; ++r) {
          const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wq[r], aq);
          acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(ws[r], as), acc[r][t]);
        }
      }
    }
    for (int r = 0; r < R; ++r) {
      const __m512 mins = _mm512_load_ps(w[r * w_stride + c].group_min);
      for (int t = 0; t < T; ++t) {
        acc[r][t] = _mm512_fnmadd_ps(mins, _mm512_load_ps(a[t * a_stride + c].group_sum), acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
}

template <int R, int T>
inline void float_tile(const float* const* w, const float* const* x, int64_t count, float (&out)[R][T]) {
  __m512 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    __m512 wv[R];
    for (int r = 0; r < R; ++r) wv[r] = _mm512_loadu_ps(w[r] + i);
    for (int t = 0; t < T; ++t) {
      const __m512 xv = _mm512_loadu_ps(x[t] + i);
      for (int r = 0; r < R; ++r) acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
  if (i < count) {
    const __mmask16 mask = static_cast<__mmask16>((1u << (count - i)) - 1);
    __m512 wv[R];
    for (int r = 0; r < R; ++r) wv[r] = _mm512_maskz_loadu_ps(mask, w[r] + i);
    for (int t = 0; t < T; ++t) {
      const __m512 xv = _mm512_maskz_loadu_ps(mask, x[t] + i);
      for (int r = 0; r < R; ++r) acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
}

}  // namespace sinan::cpu::SINAN_CPU_ISA
