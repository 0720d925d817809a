// Helpers shared by the SIMD decoders and kernels (AVX2 + F16C intrinsics, compiled into both SIMD tiers):
// half conversion, 8-float sums and maxima, nibble and bit unpacking, and the scale stores of an IntChunk.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/cpu/decode_reference.h"
#include "kernels/cpu/panels.h"
#include "kernels/matrix.h"
#include "quant/block_layouts.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA (the tier's namespace) before including simd_common.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

// The sum and the maximum of a register's 8 floats.
inline float sum_of(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float max_of_8(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// 16 bytes of nibbles -> 32 levels: low nibbles are values 0..15, high nibbles 16..31.
inline __m256i nibbles_32(const uint8_t* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i mask = _mm_set1_epi8(0x0f);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), mask), _mm_and_si128(v, mask));
}

// Bit j of `bits` -> byte j all ones or zero.
inline __m256i bits_to_bytes_32(uint32_t bits) {
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int>(bits)),
      _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
  const __m256i select = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  return _mm256_cmpeq_epi8(_mm256_and_si256(spread, select), select);
}

// Bytes of v with bit `mask` set -> `value`, others 0.
inline __m256i select_bit(__m256i v, uint8_t mask, uint8_t value) {
  const __m256i m = _mm256_set1_epi8(static_cast<char>(mask));
  return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(v, m), m), _mm256_set1_epi8(static_cast<char>(value)));
}

inline void store_q32(IntChunk* out, int block, __m256i levels) {
  _mm256_store_si256(reinterpret_cast<__m256i*>(out->q + 32 * block), levels);
}

// One scale and min for 32 values (two groups).
inline void set_block32_scales(IntChunk* out, int block, float scale, float min) {
  out->group_scale[2 * block] = out->group_scale[2 * block + 1] = scale;
  out->group_min[2 * block] = out->group_min[2 * block + 1] = min;
}

// Eight 32-value sub-block scales and mins (k-quants with 32-value sub-blocks), each to its two groups.
inline void set_sub32_scales(IntChunk* out, __m256 scales, __m256 mins) {
  const __m256i low = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3), high = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
  _mm256_store_ps(out->group_scale, _mm256_permutevar8x32_ps(scales, low));
  _mm256_store_ps(out->group_scale + 8, _mm256_permutevar8x32_ps(scales, high));
  _mm256_store_ps(out->group_min, _mm256_permutevar8x32_ps(mins, low));
  _mm256_store_ps(out->group_min + 8, _mm256_permutevar8x32_ps(mins, high));
}

// Sixteen 16-value group scales and mins.
inline void set_group16_scales(IntChunk* out, __m256 scales_lo, __m256 scales_hi, __m256 mins_lo, __m256 mins_hi) {
  _mm256_store_ps(out->group_scale, scales_lo);
  _mm256_store_ps(out->group_scale + 8, scales_hi);
  _mm256_store_ps(out->group_min, mins_lo);
  _mm256_store_ps(out->group_min + 8, mins_hi);
}

// int8 x 8 (low 8 bytes of v) -> float x 8.
inline __m256 i8_to_float(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v)); }
inline __m256 u8_to_float(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)); }

// Zeroes blocks [count, 8) of a chunk of 32-value blocks (the last chunk of a row).
inline void clear_blocks_from(IntChunk* out, int count) {
  if (count >= 8) return;
  std::memset(out->q + 32 * count, 0, static_cast<size_t>(32 * (8 - count)));
  std::memset(out->group_scale + 2 * count, 0, sizeof(float) * static_cast<size_t>(2 * (8 - count)));
  std::memset(out->group_min + 2 * count, 0, sizeof(float) * static_cast<size_t>(2 * (8 - count)));
}

template <typename Block>
inline const Block* chunk_blocks(const Matrix& w, int64_t row, int64_t chunk, int* count) {
  const int64_t total = w.cols / 32;
  const int64_t left = total - 8 * chunk;
  *count = static_cast<int>(left < 8 ? left : 8);
  return reinterpret_cast<const Block*>(w.row(row)) + 8 * chunk;
}

// iq4 level table as 16 bytes in both 128-bit lanes (shifted by 128 in the offset form).
template <LevelForm kForm>
inline __m256i iq4_table() {
  __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4nlValues));
  if constexpr (kForm == LevelForm::kOffset) t = _mm_xor_si128(t, _mm_set1_epi8(static_cast<char>(0x80)));
  return _mm256_broadcastsi128_si256(t);
}

}  // namespace sinan::cpu::SINAN_CPU_ISA
