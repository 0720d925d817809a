// AVX-512 tiles: R weight rows x T tokens of dot products held in zmm accumulators.
//  - int: 64 values per step; vpdpbusd sums 4 (unsigned level x int8 activation) products per int32 lane,
//    the lanes are converted and scaled by (weight group scale x activation block scale, each spread to
//    its lanes by one permute); the offsets and mins come off once per chunk as a 16-wide product with
//    the activations' group sums.
//  - float: 16 values per step, one FMA per (row, token); the ragged end uses masked loads. For a few
//    tokens (decode) the weights are converted in registers as they stream (Loader16), without a panel.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/panels.h"
#include "kernels/matrix.h"
#include "quant/block_layouts.h"

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
  // Lane l of 64-value vector v holds values 64 v + 4 l .. + 3: group 4 v + l / 4.
  const __m512i spread[4] = {
      _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3),
      _mm512_setr_epi32(4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7),
      _mm512_setr_epi32(8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11),
      _mm512_setr_epi32(12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15)};
  // ... and activation block 2 v + l / 8.
  const __m512i spread_blocks[4] = {
      _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
      _mm512_setr_epi32(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3),
      _mm512_setr_epi32(4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5),
      _mm512_setr_epi32(6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7)};
  for (int64_t c = 0; c < n_chunks; ++c) {
    __m512 group_scales[R];
    for (int r = 0; r < R; ++r) group_scales[r] = _mm512_load_ps(w[r * w_stride + c].group_scale);
    for (int v = 0; v < 4; ++v) {
      __m512i wq[R];
      __m512 ws[R];
      for (int r = 0; r < R; ++r) {
        wq[r] = _mm512_load_si512(w[r * w_stride + c].q + 64 * v);
        ws[r] = _mm512_permutexvar_ps(spread[v], group_scales[r]);
      }
      for (int t = 0; t < T; ++t) {
        const ActChunk& ac = a[t * a_stride + c];
        const __m512i aq = _mm512_load_si512(ac.q + 64 * v);
        const __m512 as =
            _mm512_permutexvar_ps(spread_blocks[v], _mm512_castps256_ps512(_mm256_load_ps(ac.block_scale)));
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

// ---- fused float tiles: 16 weights of a row converted to float32 in registers, bit-identical to the
// reference decoders (FP8's block scale times 256, a power of two, is one exact multiplier).

constexpr int kFusedFloatTokens = 4;  // up to this many tokens the float types skip the panel

template <DType kType>
struct Loader16 {
  static constexpr bool kAvailable = false;
};

template <>
struct Loader16<DType::kF32> {
  static constexpr bool kAvailable = true;
  const uint8_t* row = nullptr;
  static bool supports(const Matrix& w) { return w.block_scales == nullptr; }
  static Loader16 make(const Matrix& w, int64_t r) { return {w.row(r)}; }
  __m512 load(int64_t col) const { return _mm512_loadu_ps(row + 4 * col); }
  __m512 load_part(int64_t col, __mmask16 m) const { return _mm512_maskz_loadu_ps(m, row + 4 * col); }
  void load32(int64_t col, __m512* out) const {
    out[0] = load(col);
    out[1] = load(col + 16);
  }
};

template <>
struct Loader16<DType::kBF16> {
  static constexpr bool kAvailable = true;
  const uint8_t* row = nullptr;
  static bool supports(const Matrix& w) { return w.block_scales == nullptr; }
  static Loader16 make(const Matrix& w, int64_t r) { return {w.row(r)}; }
  static __m512 widen(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
  __m512 load(int64_t col) const { return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * col))); }
  __m512 load_part(int64_t col, __mmask16 m) const { return widen(_mm256_maskz_loadu_epi16(m, row + 2 * col)); }
  void load32(int64_t col, __m512* out) const {
    out[0] = load(col);
    out[1] = load(col + 16);
  }
};

template <>
struct Loader16<DType::kF16> {
  static constexpr bool kAvailable = true;
  const uint8_t* row = nullptr;
  static bool supports(const Matrix& w) { return w.block_scales == nullptr; }
  static Loader16 make(const Matrix& w, int64_t r) { return {w.row(r)}; }
  __m512 load(int64_t col) const {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * col)));
  }
  __m512 load_part(int64_t col, __mmask16 m) const { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, row + 2 * col)); }
  void load32(int64_t col, __m512* out) const {
    out[0] = load(col);
    out[1] = load(col + 16);
  }
};

template <>
struct Loader16<DType::kF8E4M3> {
  static constexpr bool kAvailable = true;
  const uint8_t* row = nullptr;
  const float* scale_row = nullptr;  // null: no block scales
  int shift = 0;                     // log2 of the scale block width
  static bool supports(const Matrix& w) {
    const int64_t b = w.scale_block_cols;
    return w.block_scales == nullptr || (w.scale_block_rows > 0 && b >= 32 && (b & (b - 1)) == 0);
  }
  static Loader16 make(const Matrix& w, int64_t r) {
    Loader16 l{w.row(r)};
    if (w.block_scales != nullptr) {
      l.scale_row = w.block_scales + ((r + w.scale_row_offset) / w.scale_block_rows) * w.scale_cols;
      l.shift = __builtin_ctzll(static_cast<unsigned long long>(w.scale_block_cols));
    }
    return l;
  }
  // e4m3 -> a half of the value * 2^-8 (exponent bias 15 vs 7), exact including subnormals: the byte
  // sign-extended and shifted left by 7 has the magnitude bits in place and the sign in bits 15 and 14;
  // clearing bit 14 leaves the half.
  static __m512 widen(__m128i bytes, __m512 scale) {
    const __m256i half = _mm256_and_si256(_mm256_slli_epi16(_mm256_cvtepi8_epi16(bytes), 7), _mm256_set1_epi16(-16385));
    return _mm512_mul_ps(_mm512_cvtph_ps(half), scale);
  }
  __m512 scale_at(int64_t col) const {  // block scale times 256 (exact), constant over 32 columns
    return _mm512_set1_ps(scale_row != nullptr ? scale_row[col >> shift] * 256.0f : 256.0f);
  }
  void load32(int64_t col, __m512* out) const {
    const __m512 scale = scale_at(col);
    out[0] = widen(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + col)), scale);
    out[1] = widen(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + col + 16)), scale);
  }
  __m512 load_part(int64_t col, __mmask16 m) const { return widen(_mm_maskz_loadu_epi8(m, row + col), scale_at(col)); }
};

template <>
struct Loader16<DType::kQ8_0> {
  static constexpr bool kAvailable = true;
  const uint8_t* row = nullptr;
  static bool supports(const Matrix& w) { return w.block_scales == nullptr; }
  static Loader16 make(const Matrix& w, int64_t r) { return {w.row(r)}; }
  void load32(int64_t col, __m512* out) const {  // one whole block: col is a multiple of 32
    const auto* block = reinterpret_cast<const BlockQ8_0*>(row) + (col >> 5);
    const __m512 d = _mm512_set1_ps(_cvtsh_ss(block->d));
    const __m128i* q = reinterpret_cast<const __m128i*>(block->qs);
    out[0] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(q))));
    out[1] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(q + 1))));
  }
  __m512 load_part(int64_t col, __mmask16) const {  // never a partial vector: rows are whole blocks
    const auto* block = reinterpret_cast<const BlockQ8_0*>(row) + (col >> 5);
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block->qs + (col & 31)));
    return _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(block->d)), _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)));
  }
};

template <int R, int T, DType kType>
inline void fused_float_tile(const Matrix& w, int64_t r0, const float* const* x, int64_t col0, int64_t count,
                             float (&out)[R][T]) {
  Loader16<kType> rows[R];
  for (int r = 0; r < R; ++r) rows[r] = Loader16<kType>::make(w, r0 + r);
  __m512 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 32 <= count; i += 32) {  // 32 values: one q8_0 block, a 32nd of an FP8 scale block
    __m512 wv[R][2];
    for (int r = 0; r < R; ++r) rows[r].load32(col0 + i, wv[r]);
    for (int h = 0; h < 2; ++h) {
      for (int t = 0; t < T; ++t) {
        const __m512 xv = _mm512_loadu_ps(x[t] + i + 16 * h);
        for (int r = 0; r < R; ++r) acc[r][t] = _mm512_fmadd_ps(wv[r][h], xv, acc[r][t]);
      }
    }
  }
  for (; i < count; i += 16) {
    const __mmask16 mask = count - i >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (count - i)) - 1);
    __m512 wv[R];
    for (int r = 0; r < R; ++r) wv[r] = rows[r].load_part(col0 + i, mask);
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
