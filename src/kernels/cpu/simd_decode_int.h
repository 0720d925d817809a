// SIMD decoders of the block formats into IntChunks (panels.h), bit-identical to decode_int_chunk_reference
// (tests/kernels/decode_test.cc). AVX2 intrinsics for both SIMD tiers, with 512-bit versions where the
// AVX-512 tier's flags allow (__AVX512BW__).
#pragma once

#include <cstddef>

#include "kernels/cpu/simd_common.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA (the tier's namespace) before including simd_decode_int.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

// ---- 32-value formats

template <DType kType, LevelForm kForm>
inline void decode_block32_narrow(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  int count;
  if constexpr (kType == DType::kQ4_0) {
    const auto* x = chunk_blocks<BlockQ4_0>(w, row, chunk, &count);
    for (int b = 0; b < count; ++b) {
      store_q32(out, b, nibbles_32(x[b].qs));
      const float d = half_to_float(x[b].d);
      set_block32_scales(out, b, d, 8.0f * d);
    }
  } else if constexpr (kType == DType::kQ4_1) {
    const auto* x = chunk_blocks<BlockQ4_1>(w, row, chunk, &count);
    for (int b = 0; b < count; ++b) {
      store_q32(out, b, nibbles_32(x[b].qs));
      set_block32_scales(out, b, half_to_float(x[b].d), -half_to_float(x[b].m));
    }
  } else if constexpr (kType == DType::kQ5_0) {
    const auto* x = chunk_blocks<BlockQ5_0>(w, row, chunk, &count);
    for (int b = 0; b < count; ++b) {
      const __m256i high = _mm256_and_si256(bits_to_bytes_32(load_u32(x[b].qh)), _mm256_set1_epi8(0x10));
      store_q32(out, b, _mm256_or_si256(nibbles_32(x[b].qs), high));
      const float d = half_to_float(x[b].d);
      set_block32_scales(out, b, d, 16.0f * d);
    }
  } else if constexpr (kType == DType::kQ5_1) {
    const auto* x = chunk_blocks<BlockQ5_1>(w, row, chunk, &count);
    for (int b = 0; b < count; ++b) {
      const __m256i high = _mm256_and_si256(bits_to_bytes_32(load_u32(x[b].qh)), _mm256_set1_epi8(0x10));
      store_q32(out, b, _mm256_or_si256(nibbles_32(x[b].qs), high));
      set_block32_scales(out, b, half_to_float(x[b].d), -half_to_float(x[b].m));
    }
  } else if constexpr (kType == DType::kQ8_0) {
    const auto* x = chunk_blocks<BlockQ8_0>(w, row, chunk, &count);
    for (int b = 0; b < count; ++b) {
      __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs));
      const float d = half_to_float(x[b].d);
      if constexpr (kForm == LevelForm::kOffset) {
        q = _mm256_xor_si256(q, _mm256_set1_epi8(static_cast<char>(0x80)));  // q + 128
        set_block32_scales(out, b, d, 128.0f * d);
      } else {
        set_block32_scales(out, b, d, 0.0f);
      }
      store_q32(out, b, q);
    }
  } else if constexpr (kType == DType::kIQ4_NL) {
    const auto* x = chunk_blocks<BlockIQ4_NL>(w, row, chunk, &count);
    const __m256i table = iq4_table<kForm>();
    for (int b = 0; b < count; ++b) {
      store_q32(out, b, _mm256_shuffle_epi8(table, nibbles_32(x[b].qs)));
      const float d = half_to_float(x[b].d);
      set_block32_scales(out, b, d, kForm == LevelForm::kOffset ? 128.0f * d : 0.0f);
    }
  }
  clear_blocks_from(out, count);
}

#if defined(__AVX512BW__)
// Four 64-value vectors of a chunk in value order -> the group-major lane order (panels.h): dword g of
// output vector v is value dword 4 g + v.
__attribute__((always_inline)) inline void to_group_major(const __m512i (&a)[4], __m512i (&out)[4]) {
  const __m512i base = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 0, 4, 8, 12, 16, 20, 24, 28);
  for (int v = 0; v < 4; ++v) {
    const __m512i index = _mm512_add_epi32(base, _mm512_set1_epi32(v));
    const __m512i groups_0_7 = _mm512_permutex2var_epi32(a[0], index, a[1]);   // lanes 0..7 right
    const __m512i groups_8_15 = _mm512_permutex2var_epi32(a[2], index, a[3]);  // lanes 8..15 right
    out[v] = _mm512_mask_blend_epi32(0xff00, groups_0_7, groups_8_15);
  }
}

inline void store_group_major(uint8_t* q, __m512i a0, __m512i a1, __m512i a2, __m512i a3) {
  const __m512i in[4] = {a0, a1, a2, a3};
  __m512i out[4];
  to_group_major(in, out);
  for (int v = 0; v < 4; ++v) _mm512_store_si512(q + 64 * v, out[v]);
}
#endif

#if defined(__AVX512BW__)
// The 32-value nibble formats' block type and the offset their levels carry (microkernels_avx512.h).
template <DType kType>
struct Block32Layout;
template <>
struct Block32Layout<DType::kQ4_0> {
  using Block = BlockQ4_0;
  static constexpr float kOffset = 8.0f;
};
template <>
struct Block32Layout<DType::kQ4_1> {
  using Block = BlockQ4_1;
  static constexpr float kOffset = 0.0f;  // a min per block instead
};
template <>
struct Block32Layout<DType::kQ5_0> {
  using Block = BlockQ5_0;
  static constexpr float kOffset = 16.0f;
};
template <>
struct Block32Layout<DType::kQ5_1> {
  using Block = BlockQ5_1;
  static constexpr float kOffset = 0.0f;
};
template <>
struct Block32Layout<DType::kIQ4_NL> {
  using Block = BlockIQ4_NL;
  static constexpr float kOffset = 128.0f;  // table levels shifted into 1..241
};
#endif

#if !defined(__AVX512F__)
// One weight row's chunk in AVX2 registers, as an IntChunk holds it: the 256 levels and the 16 group
// scales and mins (groups 0..7 in lo, 8..15 in hi). The decoders here fill it in value order (vector v:
// values 32 v .. + 31); the AVX2 tier's decode_regs (microkernels_avx2.h) hands it on in its
// group-major-8 lane order, to the fused tile or, through store_chunk_regs, to a panel.
struct ChunkRegs {
  __m256i q[8];
  __m256 scale_lo, scale_hi, min_lo, min_hi;
};

inline void store_chunk_regs(const ChunkRegs& regs, IntChunk* out) {
  for (int v = 0; v < 8; ++v) store_q32(out, v, regs.q[v]);
  set_group16_scales(out, regs.scale_lo, regs.scale_hi, regs.min_lo, regs.min_hi);
}
#endif

// ---- k-quant super-blocks (one per chunk)

// q3_K's sixteen 6-bit scales minus 32, as int8: low nibbles in bytes 0..7 (scales 0..7 low, 8..15 high
// nibble), high 2 bits of scale j at bits 2 (j / 4) of byte 8 + j % 4.
inline __m128i q3_K_scales(const uint8_t* packed) {
  uint64_t low_bytes;
  std::memcpy(&low_bytes, packed, 8);
  const __m128i lv = _mm_cvtsi64_si128(static_cast<int64_t>(low_bytes));
  const __m128i nibble = _mm_set1_epi8(0x0f);
  const __m128i low = _mm_unpacklo_epi64(_mm_and_si128(lv, nibble), _mm_and_si128(_mm_srli_epi16(lv, 4), nibble));
  __m128i high = _mm_srlv_epi32(_mm_set1_epi32(static_cast<int>(load_u32(packed + 8))), _mm_setr_epi32(0, 2, 4, 6));
  high = _mm_and_si128(high, _mm_set1_epi8(3));
  return _mm_sub_epi8(_mm_or_si128(low, _mm_slli_epi16(high, 4)), _mm_set1_epi8(32));
}

#if defined(__AVX512BW__)
// q2_K / q3_K low bits: byte l of 128-value group g holds values 128 g + 32 s + l at bits 2 s. Returns
// the four 64-value vectors of the chunk (runs j = 0..7 in pairs).
inline void low_2bit_runs(const uint8_t* qs, __m512i* runs) {
  const __m512i v = _mm512_loadu_si512(qs);  // group 0 in bytes 0..31, group 1 in 32..63
  const __m512i mask = _mm512_set1_epi8(3);
  __m512i shifted[4];
  for (int s = 0; s < 4; ++s) shifted[s] = _mm512_and_si512(_mm512_srli_epi16(v, 2 * s), mask);  // runs s | 4 + s
  runs[0] = _mm512_shuffle_i64x2(shifted[0], shifted[1], _MM_SHUFFLE(1, 0, 1, 0));  // runs 0, 1
  runs[1] = _mm512_shuffle_i64x2(shifted[2], shifted[3], _MM_SHUFFLE(1, 0, 1, 0));  // runs 2, 3
  runs[2] = _mm512_shuffle_i64x2(shifted[0], shifted[1], _MM_SHUFFLE(3, 2, 3, 2));  // runs 4, 5
  runs[3] = _mm512_shuffle_i64x2(shifted[2], shifted[3], _MM_SHUFFLE(3, 2, 3, 2));  // runs 6, 7
}

inline void decode_q2_K(const BlockQ2_K& x, IntChunk* out) {
  __m512i runs[4];
  low_2bit_runs(x.qs, runs);
  for (int i = 0; i < 4; ++i) _mm512_store_si512(out->q + 64 * i, runs[i]);
  const __m128i sc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x.scales));
  const __m128i low = _mm_and_si128(sc, _mm_set1_epi8(0x0f));
  const __m128i high = _mm_and_si128(_mm_srli_epi16(sc, 4), _mm_set1_epi8(0x0f));
  _mm512_store_ps(out->group_scale, _mm512_mul_ps(_mm512_set1_ps(half_to_float(x.d)),
                                                  _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(low))));
  _mm512_store_ps(out->group_min, _mm512_mul_ps(_mm512_set1_ps(half_to_float(x.dmin)),
                                                _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(high))));
}

inline void decode_q3_K(const BlockQ3_K& x, IntChunk* out) {
  __m512i runs[4];
  low_2bit_runs(x.qs, runs);
  // Run j's high bits are bit j of hmask[l]; a set bit adds 4 (level + 4 in 0..7).
  const __m512i hmask = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.hmask)));
  const __m512i four = _mm512_set1_epi8(4);
  for (int i = 0; i < 4; ++i) {
    const __m512i bits = _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(1 << (2 * i))),
                                            _mm256_set1_epi8(static_cast<char>(1 << (2 * i + 1))), 1);
    _mm512_store_si512(out->q + 64 * i,
                       _mm512_mask_add_epi8(runs[i], _mm512_test_epi8_mask(hmask, bits), runs[i], four));
  }
  const __m512 scales = _mm512_mul_ps(_mm512_set1_ps(half_to_float(x.d)),
                                      _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q3_K_scales(x.scales))));
  _mm512_store_ps(out->group_scale, scales);
  _mm512_store_ps(out->group_min, _mm512_mul_ps(_mm512_set1_ps(4.0f), scales));
}
#else
inline void decode_q2_K(const BlockQ2_K& x, IntChunk* out) {
  const __m256i mask = _mm256_set1_epi8(3);
  for (int g = 0; g < 2; ++g) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs + 32 * g));
    for (int s = 0; s < 4; ++s) store_q32(out, 4 * g + s, _mm256_and_si256(_mm256_srli_epi16(v, 2 * s), mask));
  }
  const __m128i sc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x.scales));
  const __m128i low = _mm_and_si128(sc, _mm_set1_epi8(0x0f));
  const __m128i high = _mm_and_si128(_mm_srli_epi16(sc, 4), _mm_set1_epi8(0x0f));
  const __m256 d = _mm256_set1_ps(half_to_float(x.d)), dmin = _mm256_set1_ps(half_to_float(x.dmin));
  set_group16_scales(out, _mm256_mul_ps(d, u8_to_float(low)), _mm256_mul_ps(d, u8_to_float(_mm_srli_si128(low, 8))),
                     _mm256_mul_ps(dmin, u8_to_float(high)), _mm256_mul_ps(dmin, u8_to_float(_mm_srli_si128(high, 8))));
}

inline void decode_q3_K(const BlockQ3_K& x, IntChunk* out) {
  const __m256i mask = _mm256_set1_epi8(3);
  const __m256i hmask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.hmask));
  for (int g = 0; g < 2; ++g) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs + 32 * g));
    for (int s = 0; s < 4; ++s) {
      const int j = 4 * g + s;  // 32-value run: its high bits are bit j of hmask
      const __m256i low = _mm256_and_si256(_mm256_srli_epi16(v, 2 * s), mask);
      store_q32(out, j, _mm256_or_si256(low, select_bit(hmask, static_cast<uint8_t>(1u << j), 4)));
    }
  }
  const __m128i scales = q3_K_scales(x.scales);
  const __m256 d = _mm256_set1_ps(half_to_float(x.d));
  const __m256 s_lo = _mm256_mul_ps(d, i8_to_float(scales));
  const __m256 s_hi = _mm256_mul_ps(d, i8_to_float(_mm_srli_si128(scales, 8)));
  const __m256 four = _mm256_set1_ps(4.0f);
  set_group16_scales(out, s_lo, s_hi, _mm256_mul_ps(four, s_lo), _mm256_mul_ps(four, s_hi));
}
#endif

// k4_scales_mins (below) on a 128- or 256-bit vector: the 16 bytes it reads in each 128-bit lane.
template <class Vec>
__attribute__((always_inline)) inline Vec k4_unpack_scales_mins(Vec v) {
  if constexpr (sizeof(Vec) == 16) {
    const __m128i low = _mm_and_si128(_mm_srlv_epi32(_mm_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0)),
                                                     _mm_setr_epi32(0, 0, 0, 4)),  // u0 u2 u1 u2>>4
                                      _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
    const __m128i top =
        _mm_and_si128(_mm_srli_epi32(_mm_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0)), 2),  // u0 u0 u1 u1
                      _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
    return _mm_or_si128(low, top);
  } else {
    const __m256i low = _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0)),
                                                           _mm256_setr_epi32(0, 0, 0, 4, 0, 0, 0, 4)),
                                         _mm256_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f,
                                                           0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
    const __m256i top =
        _mm256_and_si256(_mm256_srli_epi32(_mm256_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0)), 2),
                         _mm256_setr_epi32(0, 0x30303030, 0, 0x30303030, 0, 0x30303030, 0, 0x30303030));
    return _mm256_or_si256(low, top);
  }
}

// The eight 6-bit scales and mins of q4_K / q5_K (get_scale_min_k4's layout) as bytes: scales in 0..7,
// mins in 8..15. Reads 16 bytes from `packed`: the 12 of the scales and the 4 after them in the block.
// Dwords u0, u1, u2: scales 0..3 = u0 & 63, mins 0..3 = u1 & 63; scales 4..7 = low nibbles of u2 with the
// top 2 bits of u0's bytes above them, mins 4..7 = high nibbles of u2 with the top 2 bits of u1's bytes.
__attribute__((always_inline)) inline __m128i k4_scales_mins(const uint8_t* packed) {
  return k4_unpack_scales_mins(_mm_loadu_si128(reinterpret_cast<const __m128i*>(packed)));
}

// k4_scales_mins of two blocks at once (each block's in its 128-bit lane): the same instructions on a ymm,
// half the work per block where a row's blocks are decoded two at a time.
__attribute__((always_inline)) inline __m256i k4_scales_mins_pair(const uint8_t* first_packed,
                                                                  const uint8_t* second_packed) {
  return k4_unpack_scales_mins(_mm256_inserti128_si256(
      _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(first_packed))),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(second_packed)), 1));
}

#if defined(__AVX512F__)
// d x 8 then dmin x 8: the multipliers of a block whose d and dmin are lanes 2 k and 2 k + 1 of d_dmin.
__attribute__((always_inline)) inline __m512 k4_multipliers(__m128 d_dmin, int k) {
  const __m512i index = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  return _mm512_permutexvar_ps(_mm512_add_epi32(index, _mm512_set1_epi32(2 * k)),
                               _mm512_castps128_ps512(d_dmin));
}

// Scales (bytes 0..7) times d and mins (bytes 8..15) times dmin (multipliers: k4_multipliers), each to the
// two groups of its sub-block, as 16 group lanes: all 16 products from one multiply, then spread.
__attribute__((always_inline)) inline void k4_scale_vectors(__m128i scales_mins, __m512 multipliers,
                                                            __m512* scale, __m512* min) {
  const __m512 products = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(scales_mins)), multipliers);
  *scale = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7), products);
  *min = _mm512_permutexvar_ps(_mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15), products);
}

// The same from the block's d and dmin (its first two halves, read as one dword).
__attribute__((always_inline)) inline void k4_scale_vectors(__m128i scales_mins, uint32_t d_dmin,
                                                            __m512* scale, __m512* min) {
  const __m128 d_dmin_floats = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(d_dmin)));  // d dmin 0 0
  k4_scale_vectors(scales_mins, k4_multipliers(d_dmin_floats, 0), scale, min);
}
#endif

// A k-quant block's d and dmin, adjacent halves at its start, as one dword (d in the low half).
template <typename Block>
inline uint32_t k4_d_dmin(const Block& x) {
  static_assert(offsetof(Block, dmin) == offsetof(Block, d) + 2);
  return load_u32(reinterpret_cast<const uint8_t*>(&x) + offsetof(Block, d));
}

#if !defined(__AVX512F__)
// A k-quant block's d and dmin (k4_d_dmin's dword), each broadcast, from one conversion.
__attribute__((always_inline)) inline void k4_d_dmin_vectors(uint32_t d_dmin, __m256* d, __m256* dmin) {
  const __m128 d_dmin_floats = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(d_dmin)));  // d dmin 0 0
  *d = _mm256_broadcastss_ps(d_dmin_floats);
  *dmin = _mm256_broadcastss_ps(_mm_movehdup_ps(d_dmin_floats));
}

// Scales (bytes 0..7) times d and mins (bytes 8..15) times dmin, each to the two groups of its sub-block,
// into regs' scale and min vectors. d and dmin come from one conversion of their dword. One in-lane byte
// shuffle per vector widens and spreads the bytes (unpack, shift and a lane-crossing widen before: in-cache
// q4_K GEMV 13.1 -> 12.2 us, 1.5B Q4_K_M tg +4%, same bits).
__attribute__((always_inline)) inline void k4_scale_regs(__m128i scales_mins, uint32_t d_dmin, ChunkRegs* regs) {
  const __m256i both = _mm256_broadcastsi128_si256(scales_mins);  // the 16 bytes in each 128-bit lane
  // Byte j of a sub-block to the two int32 lanes of its groups (the other bytes zero).
  const auto spread = [&](int first) {
    const char z = static_cast<char>(0x80);
    const auto b = [&](int k) { return static_cast<char>(first + k); };
    return _mm256_cvtepi32_ps(_mm256_shuffle_epi8(
        both, _mm256_setr_epi8(b(0), z, z, z, b(0), z, z, z, b(1), z, z, z, b(1), z, z, z,
                               b(2), z, z, z, b(2), z, z, z, b(3), z, z, z, b(3), z, z, z)));
  };
  __m256 d, dmin;
  k4_d_dmin_vectors(d_dmin, &d, &dmin);
  regs->scale_lo = _mm256_mul_ps(d, spread(0));
  regs->scale_hi = _mm256_mul_ps(d, spread(4));
  regs->min_lo = _mm256_mul_ps(dmin, spread(8));
  regs->min_hi = _mm256_mul_ps(dmin, spread(12));
}
#endif

// Scales (bytes 0..7) times d and mins (bytes 8..15) times dmin, each to the two groups of its sub-block.
inline void set_k4_scales(IntChunk* out, __m128i scales_mins, uint32_t d_dmin) {
#if defined(__AVX512F__)
  __m512 scale, min;
  k4_scale_vectors(scales_mins, d_dmin, &scale, &min);
  _mm512_store_ps(out->group_scale, scale);
  _mm512_store_ps(out->group_min, min);
#else
  ChunkRegs regs;
  k4_scale_regs(scales_mins, d_dmin, &regs);
  set_group16_scales(out, regs.scale_lo, regs.scale_hi, regs.min_lo, regs.min_hi);
#endif
}

#if defined(__AVX512BW__)
// Bytes [0, 32) = a, [32, 64) = b.
inline __m512i bytes_2x32(uint8_t a, uint8_t b) {
  return _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(a)), _mm256_set1_epi8(static_cast<char>(b)), 1);
}

// q4_K / q5_K, 128 values per step: 64 bytes of nibbles hold groups 2h (bytes 0..31) and 2h + 1; a group's
// low nibbles are its first 32 values, its high nibbles the next 32.
template <bool kFifthBit, typename Block>
inline void decode_k4(const Block& x, IntChunk* out) {
  const __m512i mask = _mm512_set1_epi8(0x0f);
  __m512i qh = _mm512_setzero_si512();
  if constexpr (kFifthBit) qh = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qh)));
  for (int h = 0; h < 2; ++h) {
    const __m512i v = _mm512_loadu_si512(x.qs + 64 * h);
    const __m512i low = _mm512_and_si512(v, mask);
    const __m512i high = _mm512_and_si512(_mm512_srli_epi16(v, 4), mask);
    __m512i first = _mm512_shuffle_i64x2(low, high, _MM_SHUFFLE(1, 0, 1, 0));  // values 128 h + [0, 64)
    __m512i second = _mm512_shuffle_i64x2(low, high, _MM_SHUFFLE(3, 2, 3, 2));
    if constexpr (kFifthBit) {  // value 64 g + 32 k + l takes bit 2 g + k of qh[l]
      const __m512i sixteen = _mm512_set1_epi8(16);
      const int g = 2 * h;
      first = _mm512_mask_add_epi8(first, _mm512_test_epi8_mask(qh, bytes_2x32(1 << (2 * g), 1 << (2 * g + 1))), first,
                                   sixteen);
      second = _mm512_mask_add_epi8(
          second, _mm512_test_epi8_mask(qh, bytes_2x32(1 << (2 * g + 2), 1 << (2 * g + 3))), second, sixteen);
    }
    _mm512_store_si512(out->q + 128 * h, first);
    _mm512_store_si512(out->q + 128 * h + 64, second);
  }
  set_k4_scales(out, k4_scales_mins(x.scales), k4_d_dmin(x));
}
#else
// q4_K / q5_K levels into registers, value order: 32 bytes of nibbles hold values 64 g .. + 31 (low) and
// 64 g + 32 .. + 31 (high).
template <bool kFifthBit, typename Block>
__attribute__((always_inline)) inline void k4_levels(const Block& x, __m256i (&levels)[8]) {
  const __m256i mask = _mm256_set1_epi8(0x0f);
  __m256i qh = _mm256_setzero_si256();
  if constexpr (kFifthBit) qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qh));
  for (int g = 0; g < 4; ++g) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs + 32 * g));
    __m256i low = _mm256_and_si256(v, mask);
    __m256i high = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
    if constexpr (kFifthBit) {
      low = _mm256_or_si256(low, select_bit(qh, static_cast<uint8_t>(1u << (2 * g)), 0x10));
      high = _mm256_or_si256(high, select_bit(qh, static_cast<uint8_t>(1u << (2 * g + 1)), 0x10));
    }
    levels[2 * g] = low;
    levels[2 * g + 1] = high;
  }
}

template <bool kFifthBit, typename Block>
__attribute__((always_inline)) inline void k4_regs(const Block& x, ChunkRegs* regs) {
  k4_levels<kFifthBit>(x, regs->q);
  k4_scale_regs(k4_scales_mins(x.scales), k4_d_dmin(x), regs);
}

template <bool kFifthBit, typename Block>
inline void decode_k4(const Block& x, IntChunk* out) {
  ChunkRegs regs;
  k4_regs<kFifthBit>(x, &regs);
  store_chunk_regs(regs, out);
}
#endif

#if defined(__AVX512BW__)
// q6_K's 16 group scales (d x the int8 scale) and the offsets' mins (32 x scale). The AVX-512 tier decodes
// the levels straight into its group-major lane order (microkernels_avx512.h, q6_K_levels_grouped).
__attribute__((always_inline)) inline void q6_K_scales(const BlockQ6_K& x, __m512* scale, __m512* min) {
  *scale = _mm512_mul_ps(_mm512_set1_ps(half_to_float(x.d)),
                         _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x.scales)))));
  *min = _mm512_mul_ps(_mm512_set1_ps(32.0f), *scale);
}
#else
// q6_K's 16 group scales (d x the int8 scale) and the offsets' mins (32 x scale), into regs.
__attribute__((always_inline)) inline void q6_K_scale_regs(const BlockQ6_K& x, ChunkRegs* regs) {
  const __m128i sc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x.scales));
  const __m256 d = _mm256_set1_ps(half_to_float(x.d));
  regs->scale_lo = _mm256_mul_ps(d, i8_to_float(sc));
  regs->scale_hi = _mm256_mul_ps(d, i8_to_float(_mm_srli_si128(sc, 8)));
  const __m256 offset = _mm256_set1_ps(32.0f);
  regs->min_lo = _mm256_mul_ps(offset, regs->scale_lo);
  regs->min_hi = _mm256_mul_ps(offset, regs->scale_hi);
}

// q6_K into registers: levels 0..63 (the stored value, i.e. level + 32), the offset in the mins.
__attribute__((always_inline)) inline void q6_K_regs(const BlockQ6_K& x, ChunkRegs* regs) {
  const __m256i low4 = _mm256_set1_epi8(0x0f), high2 = _mm256_set1_epi8(0x30);
  for (int h = 0; h < 2; ++h) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.ql + 64 * h));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.ql + 64 * h + 32));
    const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qh + 32 * h));
    regs->q[4 * h + 0] = _mm256_or_si256(_mm256_and_si256(a, low4), _mm256_and_si256(_mm256_slli_epi16(hb, 4), high2));
    regs->q[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(b, low4), _mm256_and_si256(_mm256_slli_epi16(hb, 2), high2));
    regs->q[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), low4), _mm256_and_si256(hb, high2));
    regs->q[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), low4),
                                         _mm256_and_si256(_mm256_srli_epi16(hb, 2), high2));
  }
  q6_K_scale_regs(x, regs);
}

inline void decode_q6_K(const BlockQ6_K& x, IntChunk* out) {
  ChunkRegs regs;
  q6_K_regs(x, &regs);
  store_chunk_regs(regs, out);
}
#endif

// iq4_xs's eight 6-bit sub-block scales minus 32, times d: low nibbles in scales_l (two per byte), high
// 2 bits in scales_h (two per sub-block).
inline __m256 iq4_xs_scales(const BlockIQ4_XS& x) {
  const __m256i low = _mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(load_u32(x.scales_l))),
                                        _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28));
  const __m256i high = _mm256_srlv_epi32(_mm256_set1_epi32(x.scales_h), _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14));
  const __m256i scale = _mm256_or_si256(_mm256_and_si256(low, _mm256_set1_epi32(0x0f)),
                                        _mm256_slli_epi32(_mm256_and_si256(high, _mm256_set1_epi32(3)), 4));
  return _mm256_mul_ps(_mm256_set1_ps(half_to_float(x.d)),
                       _mm256_cvtepi32_ps(_mm256_sub_epi32(scale, _mm256_set1_epi32(32))));
}

#if defined(__AVX512BW__)
// iq4_xs, 128 values per step: four 16-byte runs of nibbles (low nibbles are a run's first 16 values)
// through the level table.
template <LevelForm kForm>
inline void decode_iq4_xs(const BlockIQ4_XS& x, IntChunk* out) {
  const __m512i table = _mm512_broadcast_i32x4(_mm256_castsi256_si128(iq4_table<kForm>()));
  const __m512i mask = _mm512_set1_epi8(0x0f);
  const __m512i first = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), second = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  for (int h = 0; h < 2; ++h) {
    const __m512i v = _mm512_loadu_si512(x.qs + 64 * h);
    const __m512i low = _mm512_and_si512(v, mask), high = _mm512_and_si512(_mm512_srli_epi16(v, 4), mask);
    _mm512_store_si512(out->q + 128 * h, _mm512_shuffle_epi8(table, _mm512_permutex2var_epi64(low, first, high)));
    _mm512_store_si512(out->q + 128 * h + 64, _mm512_shuffle_epi8(table, _mm512_permutex2var_epi64(low, second, high)));
  }
  const __m256 scales = iq4_xs_scales(x);
  const __m256 mins = kForm == LevelForm::kOffset ? _mm256_mul_ps(_mm256_set1_ps(128.0f), scales) : _mm256_setzero_ps();
  set_sub32_scales(out, scales, mins);
}
#else
template <LevelForm kForm>
inline void decode_iq4_xs(const BlockIQ4_XS& x, IntChunk* out) {
  const __m256i table = iq4_table<kForm>();
  for (int b = 0; b < 8; ++b) store_q32(out, b, _mm256_shuffle_epi8(table, nibbles_32(x.qs + 16 * b)));
  const __m256 scales = iq4_xs_scales(x);
  const __m256 mins = kForm == LevelForm::kOffset ? _mm256_mul_ps(_mm256_set1_ps(128.0f), scales) : _mm256_setzero_ps();
  set_sub32_scales(out, scales, mins);
}
#endif

template <DType kType, LevelForm kForm>
inline void decode_int(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  if constexpr (kType == DType::kQ2_K) {
    decode_q2_K(reinterpret_cast<const BlockQ2_K*>(w.row(row))[chunk], out);
  } else if constexpr (kType == DType::kQ3_K) {
    decode_q3_K(reinterpret_cast<const BlockQ3_K*>(w.row(row))[chunk], out);
  } else if constexpr (kType == DType::kQ4_K) {
    decode_k4<false>(reinterpret_cast<const BlockQ4_K*>(w.row(row))[chunk], out);
  } else if constexpr (kType == DType::kQ5_K) {
    decode_k4<true>(reinterpret_cast<const BlockQ5_K*>(w.row(row))[chunk], out);
  } else if constexpr (kType == DType::kQ6_K) {
#if defined(__AVX512BW__)
    static_assert(kType != DType::kQ6_K, "AVX-512 decodes q6_K in group-major order only (decode_int_grouped)");
#else
    decode_q6_K(reinterpret_cast<const BlockQ6_K*>(w.row(row))[chunk], out);
#endif
  } else if constexpr (kType == DType::kIQ4_XS) {
    decode_iq4_xs<kForm>(reinterpret_cast<const BlockIQ4_XS*>(w.row(row))[chunk], out);
  } else {
    // The AVX-512 tier decodes the 32-value nibble formats straight into its lane order
    // (microkernels_avx512.h, block32_grouped_regs); q8_0 and the AVX2 tier come here.
    decode_block32_narrow<kType, kForm>(w, row, chunk, out);
  }
}

}  // namespace sinan::cpu::SINAN_CPU_ISA
