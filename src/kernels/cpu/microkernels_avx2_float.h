// AVX2 float tiles (microkernels_avx2.h includes this at its end): the panel tile on decoded float rows,
// and for a few tokens the fused tiles, which convert the float types' weights to float32 in registers as
// they stream (Loader8), without a panel.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#ifndef SINAN_CPU_ISA
#error "include microkernels_avx2.h, not microkernels_avx2_float.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

// ---- the loop every float tile shares: R rows (anything with load / load_part of 8 floats at a column)
// x T tokens over `count` columns from col0; the ragged end is read under a mask.

template <int R, int T, class Row>
__attribute__((always_inline)) inline void float_rows_tile(const Row (&rows)[R], const float* const* x,
                                                           int64_t col0, int64_t count, float (&out)[R][T]) {
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 wv[R];
    for (int r = 0; r < R; ++r) wv[r] = rows[r].load(col0 + i);
    for (int t = 0; t < T; ++t) {
      const __m256 xv = _mm256_loadu_ps(x[t] + i);
      for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
  if (i < count) {
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count - i)),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 wv[R];
    for (int r = 0; r < R; ++r) wv[r] = rows[r].load_part(col0 + i, count - i, mask);
    for (int t = 0; t < T; ++t) {
      const __m256 xv = _mm256_maskload_ps(x[t] + i, mask);
      for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
}

// ---- the panel tile: R decoded float rows x T tokens.

struct DecodedFloatRow {
  const float* values;
  __m256 load(int64_t col) const { return _mm256_loadu_ps(values + col); }
  __m256 load_part(int64_t col, int64_t, __m256i mask) const { return _mm256_maskload_ps(values + col, mask); }
};

template <int R, int T>
inline void float_tile(const float* const* w, const float* const* x, int64_t count, float (&out)[R][T]) {
  DecodedFloatRow rows[R];
  for (int r = 0; r < R; ++r) rows[r] = {w[r]};
  float_rows_tile<R, T>(rows, x, 0, count, out);
}

// ---- fused float tiles: 8 weights of a row converted to float32 in registers, bit-identical to the
// reference decoders. The ragged end of 16- and 8-bit rows goes through a zero-padded copy.

constexpr int kFusedFloatTokens = 4;  // up to this many tokens the float types skip the panel

template <DType kType>
struct Loader8 {
  static constexpr bool kAvailable = false;
};

template <int kBytes>
inline __m128i load_tail(const uint8_t* p, int64_t n) {  // n values of kBytes bytes, zero-padded to 16 bytes
  alignas(16) uint8_t buffer[16] = {};
  std::memcpy(buffer, p, static_cast<size_t>(n * kBytes));
  return _mm_load_si128(reinterpret_cast<const __m128i*>(buffer));
}

template <>
struct Loader8<DType::kF32> {
  static constexpr bool kAvailable = true;
  const uint8_t* row = nullptr;
  static bool supports(const Matrix& w) { return w.block_scales == nullptr; }
  static Loader8 make(const Matrix& w, int64_t r) { return {w.row(r)}; }
  __m256 load(int64_t col) const { return _mm256_loadu_ps(reinterpret_cast<const float*>(row + 4 * col)); }
  __m256 load_part(int64_t col, int64_t n, __m256i mask) const {
    return _mm256_maskload_ps(reinterpret_cast<const float*>(row + 4 * col), mask);
  }
};

template <>
struct Loader8<DType::kBF16> {
  static constexpr bool kAvailable = true;
  const uint8_t* row = nullptr;
  static bool supports(const Matrix& w) { return w.block_scales == nullptr; }
  static Loader8 make(const Matrix& w, int64_t r) { return {w.row(r)}; }
  static __m256 widen(__m128i h) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)); }
  __m256 load(int64_t col) const { return widen(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * col))); }
  __m256 load_part(int64_t col, int64_t n, __m256i) const { return widen(load_tail<2>(row + 2 * col, n)); }
};

template <>
struct Loader8<DType::kF16> {
  static constexpr bool kAvailable = true;
  const uint8_t* row = nullptr;
  static bool supports(const Matrix& w) { return w.block_scales == nullptr; }
  static Loader8 make(const Matrix& w, int64_t r) { return {w.row(r)}; }
  __m256 load(int64_t col) const { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * col))); }
  __m256 load_part(int64_t col, int64_t n, __m256i) const { return _mm256_cvtph_ps(load_tail<2>(row + 2 * col, n)); }
};

template <>
struct Loader8<DType::kF8E4M3> {
  static constexpr bool kAvailable = true;
  const uint8_t* row = nullptr;
  const float* scale_row = nullptr;  // null: no block scales
  int shift = 0;                     // log2 of the scale block width
  static bool supports(const Matrix& w) {
    const int64_t b = w.scale_block_cols;
    return w.block_scales == nullptr || (w.scale_block_rows > 0 && b >= 8 && (b & (b - 1)) == 0);
  }
  static Loader8 make(const Matrix& w, int64_t r) {
    Loader8 l{w.row(r)};
    if (w.block_scales != nullptr) {
      l.scale_row = w.block_scales + ((r + w.scale_row_offset) / w.scale_block_rows) * w.scale_cols;
      l.shift = __builtin_ctzll(static_cast<unsigned long long>(w.scale_block_cols));
    }
    return l;
  }
  __m256 scaled(__m256 v, int64_t col) const {
    return scale_row != nullptr ? _mm256_mul_ps(v, _mm256_set1_ps(scale_row[col >> shift])) : v;
  }
  __m256 load(int64_t col) const { return scaled(fp8_to_float(row + col), col); }
  __m256 load_part(int64_t col, int64_t n, __m256i) const {
    alignas(16) uint8_t buffer[8] = {};
    std::memcpy(buffer, row + col, static_cast<size_t>(n));
    return scaled(fp8_to_float(buffer), col);
  }
};

template <int R, int T, DType kType>
inline void fused_float_tile(const Matrix& w, int64_t r0, const float* const* x, int64_t col0, int64_t count,
                             float (&out)[R][T]) {
  Loader8<kType> rows[R];
  for (int r = 0; r < R; ++r) rows[r] = Loader8<kType>::make(w, r0 + r);
  float_rows_tile<R, T>(rows, x, col0, count, out);
}

template <DType kType>
using Loader16 = Loader8<kType>;  // the driver's name for "the tier's loader"

}  // namespace sinan::cpu::SINAN_CPU_ISA
