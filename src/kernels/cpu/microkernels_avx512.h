// AVX-512 tiles: R weight rows x T tokens of dot products held in zmm accumulators.
//  - int: levels in group-major lane order (panels.h); vpdpbusd adds 4 (unsigned level x int8 activation)
//    products per int32 lane, all 256 values of a chunk into one lane per group; once per chunk the lanes
//    are converted and scaled by (weight group scale x activation block scale) and the offsets and mins
//    come off as a 16-wide product with the activations' group sums.
//  - float: 16 values per step, one FMA per (row, token); the ragged end uses masked loads. For a few
//    tokens (decode) the weights are converted in registers as they stream (Loader16), without a panel.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/cpu/panels.h"
#include "kernels/cpu/prefetch_ahead.h"
#include "kernels/matrix.h"
#include "quant/block_layouts.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA before including microkernels_avx512.h"
#endif

#include "kernels/cpu/no_packed_layout.h"  // no load-time layout on this tier

namespace sinan::cpu::SINAN_CPU_ISA {

constexpr int kIntRows = 4;
constexpr int kIntTokens = 3;  // 4 x 3 int32 sums and 4 x 3 float accumulators fill the 32 zmm registers
constexpr LaneOrder kLaneOrder = LaneOrder::kGroupMajor16;  // panels.h
constexpr int kFloatRows = 4;
constexpr int kWideRows = 4;
constexpr int kWideTokens = 3;  // as the int tile: 12 int32 sums and 12 float accumulators
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

// The horizontal sums of n <= 16 vectors at once, each bit-identical to sum_of (the same pairs are added
// in the same order: lanes i + (i + 8), then + (i + 4), then + (i + 2), then + (i + 1)), but transposed, so
// that 16 vectors take 45 instructions instead of 16 x 8. The sum of v[k] lands in lane 4 (k % 4) + k / 4.
// n is a constant wherever this is inlined, so the tests on it fold away.
__attribute__((always_inline)) inline __m512 sums_of(const __m512* v, int n) {
  const __m512 zero = _mm512_setzero_ps();
  const int pairs = (n + 1) / 2, quads = (pairs + 1) / 2, octets = (quads + 1) / 2;
  __m512 half[8];  // vectors 2i and 2i + 1, lanes i + (i + 8) of each, in 256-bit halves
  for (int i = 0; i < pairs; ++i) {
    const __m512 a = v[2 * i], b = 2 * i + 1 < n ? v[2 * i + 1] : zero;
    half[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)), _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
  }
  __m512 quarter[4];  // + (i + 4): vector 4j + k in 128-bit block k
  for (int j = 0; j < quads; ++j) {
    const __m512 a = half[2 * j], b = 2 * j + 1 < pairs ? half[2 * j + 1] : zero;
    quarter[j] = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
  }
  __m512 eighth[2];  // + (i + 2): block k holds two lanes of vector 8m + k, then two of 8m + 4 + k
  for (int m = 0; m < octets; ++m) {
    const __m512d a = _mm512_castps_pd(quarter[2 * m]);
    const __m512d b = _mm512_castps_pd(2 * m + 1 < quads ? quarter[2 * m + 1] : zero);
    eighth[m] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)), _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
  }
  const __m512 a = eighth[0], b = octets > 1 ? eighth[1] : zero;  // + (i + 1)
  return _mm512_add_ps(_mm512_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
}

// out[r][t] = sum_of(acc[r][t]), 16 at a time (the int tiles; the float tiles, whose calls are longer,
// measured no gain from it).
template <int R, int T>
inline void store_sums(const __m512 (&acc)[R][T], float (&out)[R][T]) {
  if constexpr (R * T == 1) {  // a one-row decode tile: sum_of is the same sum in 7 instructions, not 12
    out[0][0] = sum_of(acc[0][0]);
    return;
  }
  const __m512* flat = &acc[0][0];
  alignas(64) float lanes[16];
  for (int base = 0; base < R * T; base += 16) {
    const int n = R * T - base < 16 ? R * T - base : 16;
    _mm512_store_ps(lanes, sums_of(flat + base, n));
    for (int k = 0; k < n; ++k) out[(base + k) / T][(base + k) % T] = lanes[4 * (k % 4) + k / 4];
  }
}

// Value order -> group-major lane order (panels.h), in place.
inline void to_lane_order(uint8_t* q) {
  store_group_major(q, _mm512_load_si512(q), _mm512_load_si512(q + 64),
                    _mm512_load_si512(q + 128), _mm512_load_si512(q + 192));
}

// One weight row's chunk decoded into registers, as an IntChunk holds it: levels in group-major lane order,
// group scales and mins in lanes 0..15. The fused tile reads its types through it, without a panel.
struct GroupedChunk {
  __m512i q[4];
  __m512 scale;
  __m512 min;
};

#if defined(__GFNI__)
// GF(2) affine maps on each byte (vgf2p8affineqb, one matrix per qword): bit i of the result is the parity
// of (byte 7 - i of the matrix) & the input byte. kLowNibble keeps bits 0..3, kHighNibble moves 4..7 down.
constexpr long long kLowNibble = 0x0102040800000000ll, kHighNibble = 0x1020408000000000ll;
#endif

// q4_K straight into group-major order. Group g (values 16 g .. + 15) is the low (g / 2 even) or high
// nibbles of the 16-byte block 2 (g / 4) + g % 2 of qs, so 128-bit lane k of output vector v holds
// (dword v of block 2 k, the same of block 2 k + 1) twice, low nibbles in its first qword and high in its
// second: one two-source dword permute and a per-qword nibble pick per vector (GFNI's affine map, else a
// shift and a mask).
__attribute__((always_inline)) inline void q4_K_levels_grouped(const BlockQ4_K& x, __m512i (&q)[4]) {
  const __m512i blocks_0_3 = _mm512_loadu_si512(x.qs), blocks_4_7 = _mm512_loadu_si512(x.qs + 64);
  const __m512i index = _mm512_setr_epi32(0, 4, 0, 4, 8, 12, 8, 12, 16, 20, 16, 20, 24, 28, 24, 28);
  for (int v = 0; v < 4; ++v) {
    const __m512i dwords = _mm512_permutex2var_epi32(blocks_0_3, _mm512_add_epi32(index, _mm512_set1_epi32(v)), blocks_4_7);
#if defined(__GFNI__)
    const __m512i pick = _mm512_setr_epi64(kLowNibble, kHighNibble, kLowNibble, kHighNibble, kLowNibble,
                                           kHighNibble, kLowNibble, kHighNibble);
    q[v] = _mm512_gf2p8affine_epi64_epi8(dwords, pick, 0);
#else
    const __m512i nibble_shift = _mm512_setr_epi64(0, 4, 0, 4, 0, 4, 0, 4);
    q[v] = _mm512_and_si512(_mm512_srlv_epi64(dwords, nibble_shift), _mm512_set1_epi8(0x0f));
#endif
  }
}

__attribute__((always_inline)) inline void decode_q4_K_regs(const BlockQ4_K& x, GroupedChunk* out) {
  q4_K_levels_grouped(x, out->q);
  k4_scale_vectors(k4_scales_mins(x.scales), k4_d_dmin(x), &out->scale, &out->min);
}

// Two consecutive q4_K blocks (a row's chunks c and c + 1): the levels as decode_q4_K_regs, the scales and
// mins of both unpacked and both (d, dmin) converted by one set of instructions. The same values, so the
// same bits.
__attribute__((always_inline)) inline void decode_q4_K_pair_regs(const BlockQ4_K* x, GroupedChunk (&out)[2]) {
  const __m256i scales_mins = k4_scales_mins_pair(x[0].scales, x[1].scales);
  const __m128i d_dmin_pair = _mm_insert_epi32(_mm_cvtsi32_si128(static_cast<int>(k4_d_dmin(x[0]))),
                                               static_cast<int>(k4_d_dmin(x[1])), 1);
  const __m128 d_dmin = _mm_cvtph_ps(d_dmin_pair);  // d0 dmin0 d1 dmin1
  k4_scale_vectors(_mm256_castsi256_si128(scales_mins), k4_multipliers(d_dmin, 0), &out[0].scale,
                   &out[0].min);
  k4_scale_vectors(_mm256_extracti128_si256(scales_mins, 1), k4_multipliers(d_dmin, 1), &out[1].scale,
                   &out[1].min);
  q4_K_levels_grouped(x[0], out[0].q);
  q4_K_levels_grouped(x[1], out[1].q);
}

// q6_K straight into group-major order. Lane g (half h = g / 8, p = g % 8) of vector v holds values
// 16 p + 4 v .. + 3 of half h: their low 4 bits are nibble p / 4 of ql dword 16 h + 4 (p % 4) + v, their
// top 2 bits bits 2 (p / 2) .. + 1 of each byte of qh dword 8 h + 4 (p % 2) + v. One permute per source and
// vector, a per-lane shift for the nibble and a per-lane rotate that brings the bit pair to bits 4..5.
__attribute__((always_inline)) inline void q6_K_levels_grouped(const BlockQ6_K& x, __m512i (&q)[4]) {
  const __m512i ql_0 = _mm512_loadu_si512(x.ql), ql_1 = _mm512_loadu_si512(x.ql + 64);
  const __m512i qh = _mm512_loadu_si512(x.qh);
  const __m512i low_index = _mm512_setr_epi32(0, 4, 8, 12, 0, 4, 8, 12, 16, 20, 24, 28, 16, 20, 24, 28);
  const __m512i high_index = _mm512_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4, 8, 12, 8, 12, 8, 12, 8, 12);
#if defined(__GFNI__)
  // The nibble and the bit pair as affine maps, one per qword (both dwords of a qword take the same):
  // low nibbles (kLowNibble) or high (kHighNibble); bits 2 j, 2 j + 1 to bits 4, 5 (matrix bytes 3 and 2).
  const auto bit_pair = [](int j) {
    return static_cast<long long>((1ull << (2 * j)) << 24 | (2ull << (2 * j)) << 16);
  };
  const __m512i low_pick = _mm512_setr_epi64(kLowNibble, kLowNibble, kHighNibble, kHighNibble, kLowNibble,
                                             kLowNibble, kHighNibble, kHighNibble);
  const __m512i high_pick = _mm512_setr_epi64(bit_pair(0), bit_pair(1), bit_pair(2), bit_pair(3), bit_pair(0),
                                              bit_pair(1), bit_pair(2), bit_pair(3));
#else
  const __m512i nibble_shift = _mm512_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4, 0, 0, 0, 0, 4, 4, 4, 4);
  // Rotate left by 4 - 2 (p / 2), mod 32: bits 2 (p / 2) .. + 1 of every byte land on bits 4..5 of it.
  const __m512i pair_rotate = _mm512_setr_epi32(4, 4, 2, 2, 0, 0, 30, 30, 4, 4, 2, 2, 0, 0, 30, 30);
  const __m512i low4 = _mm512_set1_epi8(0x0f), high2 = _mm512_set1_epi8(0x30);
#endif
  for (int v = 0; v < 4; ++v) {
    const __m512i step = _mm512_set1_epi32(v);
    const __m512i low_dwords = _mm512_permutex2var_epi32(ql_0, _mm512_add_epi32(low_index, step), ql_1);
    const __m512i high_dwords = _mm512_permutexvar_epi32(_mm512_add_epi32(high_index, step), qh);
#if defined(__GFNI__)
    q[v] = _mm512_or_si512(_mm512_gf2p8affine_epi64_epi8(low_dwords, low_pick, 0),
                           _mm512_gf2p8affine_epi64_epi8(high_dwords, high_pick, 0));
#else
    const __m512i low = _mm512_srlv_epi32(low_dwords, nibble_shift);
    const __m512i high = _mm512_and_si512(_mm512_rolv_epi32(high_dwords, pair_rotate), high2);
    q[v] = _mm512_ternarylogic_epi32(low, high, low4, 0xEC);  // (low & low4) | high
#endif
  }
}

__attribute__((always_inline)) inline void decode_q6_K_regs(const BlockQ6_K& x, GroupedChunk* out) {
  q6_K_levels_grouped(x, out->q);
  q6_K_scales(x, &out->scale, &out->min);
}

// Words of a chunk of eight 32-value blocks gathered into one vector: output word w is the chunk's word
// at byte offset bytes[w]. Offsets below 128 come from the chunk's first two 64-byte loads (a two-source
// word permute), the rest from its last 64 bytes (a masked one-source permute), so nothing past the chunk
// is read.
struct ChunkWordGather {
  alignas(64) uint16_t first[32] = {};
  alignas(64) uint16_t last[32] = {};
  uint32_t from_last = 0;
};

template <int kChunkBytes>
constexpr ChunkWordGather chunk_word_gather(const int (&bytes)[32]) {
  static_assert(kChunkBytes >= 128 && kChunkBytes <= 192);
  ChunkWordGather g;
  for (int w = 0; w < 32; ++w) {
    if (bytes[w] < 128) {
      g.first[w] = static_cast<uint16_t>(bytes[w] / 2);
    } else {
      g.last[w] = static_cast<uint16_t>((bytes[w] - (kChunkBytes - 64)) / 2);
      g.from_last |= 1u << w;
    }
  }
  return g;
}

struct ChunkLoads {
  __m512i first, second, last;  // bytes [0, 64), [64, 128), [kChunkBytes - 64, kChunkBytes)
};

// The mask of a 64-byte load's first k bytes (none for k <= 0, all for k >= 64).
inline __mmask64 bytes_below(int k) {
  return k <= 0 ? __mmask64{0} : k >= 64 ? ~__mmask64{0} : (__mmask64{1} << k) - 1;
}

__attribute__((always_inline)) inline __m512i gather_words(const ChunkLoads& c, const ChunkWordGather& g) {
  const __m512i low = _mm512_permutex2var_epi16(c.first, _mm512_load_si512(g.first), c.second);
  if (g.from_last == 0) return low;
  return _mm512_mask_permutexvar_epi16(low, g.from_last, _mm512_load_si512(g.last), c.last);
}

// The word gathers of one 32-value block type: its head (d in words 0..7, m in 8..15, the qh dwords of
// blocks 0..7 in dwords 8..15) and, for each output vector v, qs dword v of block g / 2 in dword g.
template <DType kType>
struct Block32Gathers {
  using Block = typename Block32Layout<kType>::Block;
  static constexpr int kBytes = sizeof(Block), kChunkBytes = 8 * kBytes;
  static constexpr bool kFifthBit = kType == DType::kQ5_0 || kType == DType::kQ5_1;
  static constexpr bool kMin = kType == DType::kQ4_1 || kType == DType::kQ5_1;

  static constexpr ChunkWordGather head_gather() {
    int bytes[32] = {};
    for (int b = 0; b < 8; ++b) {
      bytes[b] = kBytes * b + static_cast<int>(offsetof(Block, d));
      if constexpr (kMin) bytes[8 + b] = kBytes * b + static_cast<int>(offsetof(Block, m));
      if constexpr (kFifthBit) {
        for (int k = 0; k < 2; ++k) bytes[16 + 2 * b + k] = kBytes * b + static_cast<int>(offsetof(Block, qh)) + 2 * k;
      }
    }
    return chunk_word_gather<kChunkBytes>(bytes);
  }
  static constexpr ChunkWordGather qs_gather(int v) {
    int bytes[32] = {};
    for (int word = 0; word < 32; ++word) {
      bytes[word] = kBytes * (word / 4) + static_cast<int>(offsetof(Block, qs)) + 4 * v + 2 * (word % 2);
    }
    return chunk_word_gather<kChunkBytes>(bytes);
  }
  static constexpr ChunkWordGather kHead = head_gather();
  static constexpr ChunkWordGather kQs[4] = {qs_gather(0), qs_gather(1), qs_gather(2), qs_gather(3)};
};

// A whole chunk (8 blocks) of the 32-value nibble formats straight into group-major order. Group g is
// half g % 2 of block g / 2: the low nibbles of its 16 qs bytes (values 0..15) or the high ones, so lane
// g of vector v is qs dword v of block g / 2, shifted by 4 for odd g. The fifth bit of value
// 16 h + 4 v + i is bit 4 (v % 2) + i of qh byte 2 h + v / 2: a byte shuffle puts that byte under every
// level and a test against the bit makes the mask of levels that get 16. A row's short last chunk (count
// < 8 blocks, kWhole false) is read with masked loads, which neither read nor fault past its last block;
// the zero bytes give its missing groups zero scales and mins, and their levels are cleared.
template <DType kType, bool kWhole>
__attribute__((always_inline)) inline void block32_loads_grouped(const ChunkLoads& loads, int count,
                                                                 GroupedChunk* out) {
  using Gathers = Block32Gathers<kType>;
  const __m512i head = gather_words(loads, Gathers::kHead);
  const __m512i mask = _mm512_set1_epi8(0x0f);
  const __m512i nibble_shift = _mm512_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4);
#if defined(__AVX512VBMI__)
  __m512i qh_blocks = _mm512_setzero_si512();  // qword b: qh of block b (twice)
  if constexpr (Gathers::kFifthBit) {
    qh_blocks = _mm512_permutexvar_epi32(
        _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15), head);
  }
#else
  __m512i qh_pairs = _mm512_setzero_si512();  // 128-bit lane k: qh of blocks 2 k, 2 k + 1 in dwords 0, 1
  if constexpr (Gathers::kFifthBit) {
    qh_pairs = _mm512_permutexvar_epi32(_mm512_setr_epi32(8, 9, 8, 9, 10, 11, 10, 11, 12, 13, 12, 13, 14, 15, 14, 15), head);
  }
#endif
  for (int v = 0; v < 4; ++v) {
    __m512i q = _mm512_and_si512(_mm512_srlv_epi32(gather_words(loads, Gathers::kQs[v]), nibble_shift), mask);
#if defined(__AVX512VBMI__)
    if constexpr (Gathers::kFifthBit) {
      // Byte i of dword h of qword b (value 16 h + 4 v + i of block b): the 8 bits of qh_b from bit
      // 16 h + 4 v + i - 4 (mod 64, a rotation), so the value's fifth bit lands on bit 4.
      uint64_t windows = 0;
      for (int p = 0; p < 8; ++p)
        windows |= static_cast<uint64_t>((16 * (p / 4) + 4 * v + p % 4 - 4) & 63) << (8 * p);
      const __m512i shifted =
          _mm512_multishift_epi64_epi8(_mm512_set1_epi64(static_cast<long long>(windows)), qh_blocks);
      q = _mm512_ternarylogic_epi32(q, shifted, _mm512_set1_epi8(0x10), 0xF8);  // q | (shifted & 0x10)
    }
#else
    if constexpr (Gathers::kFifthBit) {
      // Lane-local dword j (block j / 2, half j % 2), byte i: qh byte 4 (j / 2) + 2 (j % 2) + v / 2.
      const char a = static_cast<char>(v / 2), b = static_cast<char>(2 + v / 2);
      const char c = static_cast<char>(4 + v / 2), d = static_cast<char>(6 + v / 2);
      const __m512i under = _mm512_shuffle_epi8(qh_pairs, _mm512_broadcast_i32x4(_mm_setr_epi8(a, a, a, a, b, b, b, b, c, c, c, c, d, d, d, d)));
      const int bit = 4 * (v % 2);
      const __m512i bits = _mm512_set1_epi32(static_cast<int>((1u << bit) | (2u << bit) << 8 | (4u << bit) << 16 | (8u << bit) << 24));
      q = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(under, bits), q, _mm512_set1_epi8(16));
    }
#endif
    if constexpr (kType == DType::kIQ4_NL) {
      q = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(_mm256_castsi256_si128(iq4_table<LevelForm::kOffset>())), q);
    }
    if constexpr (!kWhole) q = _mm512_maskz_mov_epi32(static_cast<__mmask16>((1u << (2 * count)) - 1), q);
    out->q[v] = q;
  }
  const __m512 halves = _mm512_cvtph_ps(_mm512_castsi512_si256(head));  // d of blocks 0..7, then their m
  out->scale = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7), halves);
  if constexpr (Gathers::kMin) {
    const __m512 m = _mm512_permutexvar_ps(_mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15), halves);
    out->min = _mm512_sub_ps(_mm512_setzero_ps(), m);
  } else {
    out->min = _mm512_mul_ps(_mm512_set1_ps(Block32Layout<kType>::kOffset), out->scale);
  }
}

// One chunk of a row (count blocks; fewer than 8 only if kWhole is false) read and decoded as above.
template <DType kType, bool kWhole>
__attribute__((always_inline)) inline void block32_grouped_regs(const typename Block32Layout<kType>::Block* x,
                                                                int count, GroupedChunk* out) {
  using Gathers = Block32Gathers<kType>;
  const auto* bytes = reinterpret_cast<const uint8_t*>(x);
  ChunkLoads loads;
  if constexpr (kWhole) {
    loads = {_mm512_loadu_si512(bytes), _mm512_loadu_si512(bytes + 64),
             _mm512_loadu_si512(bytes + Gathers::kChunkBytes - 64)};
  } else {
    const int n = count * Gathers::kBytes;  // bytes present
    loads = {_mm512_maskz_loadu_epi8(bytes_below(n), bytes),
             _mm512_maskz_loadu_epi8(bytes_below(n - 64), bytes + 64),
             _mm512_maskz_loadu_epi8(bytes_below(n - (Gathers::kChunkBytes - 64)),
                                     bytes + Gathers::kChunkBytes - 64)};
  }
  block32_loads_grouped<kType, kWhole>(loads, count, out);
}

// The first 4 blocks of `first` and of `second` (two rows' half last chunks) as one whole chunk: the
// loads a chunk of 8 contiguous blocks gives, put together from the two (4 blocks are 72..96 bytes).
template <DType kType>
__attribute__((always_inline)) inline void block32_two_halves_regs(
    const typename Block32Layout<kType>::Block* first, const typename Block32Layout<kType>::Block* second,
    GroupedChunk* out) {
  using Gathers = Block32Gathers<kType>;
  constexpr int kHalf = 4 * Gathers::kBytes;
  static_assert(kHalf >= 64 && kHalf <= 128);
  const auto* a = reinterpret_cast<const uint8_t*>(first);
  const auto* b = reinterpret_cast<const uint8_t*>(second);
  // Bytes [64, 128) of the pair: first's [64, kHalf), then second's [0, 128 - kHalf) (a masked load whose
  // address starts below `second` reads nothing there).
  const __m512i middle = _mm512_mask_loadu_epi8(_mm512_maskz_loadu_epi8(bytes_below(kHalf - 64), a + 64),
                                                ~bytes_below(kHalf - 64), b - (kHalf - 64));
  const ChunkLoads loads = {_mm512_loadu_si512(a), middle, _mm512_loadu_si512(b + kHalf - 64)};
  block32_loads_grouped<kType, true>(loads, 8, out);
}

__attribute__((always_inline)) inline void store_grouped(const GroupedChunk& chunk, IntChunk* out) {
  for (int v = 0; v < 4; ++v) _mm512_store_si512(out->q + 64 * v, chunk.q[v]);
  _mm512_store_ps(out->group_scale, chunk.scale);
  _mm512_store_ps(out->group_min, chunk.min);
}

template <DType kType>
inline constexpr bool kFoldedK4 = false;  // the k4 types' folded form (microkernels_avx2.h): AVX2 only
// The types with a register decoder (the fused int tile's types).
template <DType kType>
inline constexpr bool kFusedIntAvailable = kType == DType::kQ4_K || kType == DType::kQ6_K || kType == DType::kQ4_0 ||
                                           kType == DType::kQ4_1 || kType == DType::kQ5_0 || kType == DType::kQ5_1 ||
                                           kType == DType::kIQ4_NL;

// A chunk of a type with a register decoder. kWhole: the chunk holds 256 values (every chunk of the
// 256-value types; all but a row's short last chunk of the 32-value ones), so no test for a short one.
template <DType kType, bool kWhole>
__attribute__((always_inline)) inline void decode_regs(const Matrix& w, int64_t row, int64_t chunk, GroupedChunk* out) {
  if constexpr (kType == DType::kQ4_K) {
    decode_q4_K_regs(reinterpret_cast<const BlockQ4_K*>(w.row(row))[chunk], out);
  } else if constexpr (kType == DType::kQ6_K) {
    decode_q6_K_regs(reinterpret_cast<const BlockQ6_K*>(w.row(row))[chunk], out);
  } else {
    int count;
    const auto* x = chunk_blocks<typename Block32Layout<kType>::Block>(w, row, chunk, &count);
    block32_grouped_regs<kType, kWhole>(x, count, out);  // the caller knows whether the chunk is whole
  }
}

// decode_int in this tier's lane order: the register decoder where the type has one, else value order
// transposed.
template <DType kType, LevelForm kForm>
inline void decode_int_grouped(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  if constexpr (kFusedIntAvailable<kType>) {
    GroupedChunk chunk_regs;
    if ((chunk + 1) * kChunk <= w.cols) {
      decode_regs<kType, true>(w, row, chunk, &chunk_regs);
    } else {  // a row's short last chunk
      decode_regs<kType, false>(w, row, chunk, &chunk_regs);
    }
    store_grouped(chunk_regs, out);
  } else {
    decode_int<kType, kForm>(w, row, chunk, out);
    to_lane_order(out->q);
  }
}

// Levels in group-major lane order (panels.h): lane g of all four 64-value vectors of a chunk belongs to
// group g, so the four vpdpbusd add into one int32 lane per group (exact: |sum| < 2^20) and the float
// work -- convert, scale by (weight group scale x activation block scale), subtract the group's offsets
// and mins -- runs once per chunk and (row, token), not once per 64 values.
template <int R, int T, bool kSigned>
inline void int_tile(const IntChunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride, int64_t n_chunks,
                     float (&out)[R][T]) {
  static_assert(!kSigned, "the AVX-512 tier decodes offset levels");
  __m512 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
    __m512i dots[R][T];
    for (int r = 0; r < R; ++r) {
      for (int t = 0; t < T; ++t) dots[r][t] = _mm512_setzero_si512();
    }
    for (int v = 0; v < 4; ++v) {
      __m512i wq[R];
      for (int r = 0; r < R; ++r) wq[r] = _mm512_load_si512(w[r * w_stride + c].q + 64 * v);
      for (int t = 0; t < T; ++t) {
        const __m512i aq = _mm512_load_si512(a[t * a_stride + c].q + 64 * v);
        for (int r = 0; r < R; ++r) dots[r][t] = _mm512_dpbusd_epi32(dots[r][t], wq[r], aq);
      }
    }
    for (int t = 0; t < T; ++t) {
      const ActChunk& ac = a[t * a_stride + c];
      const __m512 as = _mm512_load_ps(ac.group_scale);
      const __m512 sums = _mm512_load_ps(ac.group_sum);
      for (int r = 0; r < R; ++r) {
        const IntChunk& wc = w[r * w_stride + c];
        const __m512 scale = _mm512_mul_ps(_mm512_load_ps(wc.group_scale), as);
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[r][t]), scale, acc[r][t]);
        acc[r][t] = _mm512_fnmadd_ps(_mm512_load_ps(wc.group_min), sums, acc[r][t]);
      }
    }
  }
  store_sums(acc, out);
}

// The int tile for a few tokens (decode): each weight chunk is decoded into registers and used at once,
// instead of being stored to a panel and loaded back. The per-lane integer sums and the float steps on
// them are int_tile's, so a row's result is the same bit for bit whichever of the two a batch takes.
constexpr int kFusedIntTokens = kIntTokens;
// One token takes one-row tiles (matmul_driver.h's fused_rows): one forward stream per tile, inlined into
// the row loop. decode_stream_bench on Zen 5, two runs, the two switched per case: q4_K +3-22%, q6_K down
// +11-16%, q8_0 +0-9%, q6_K output -1% and -5% against the 4-row tiles. `sinan bench` tg64, the two switched
// per repetition: 1.5B Q4_K_M faster in 9 of 9 (+2-20%), V2-Lite Q4_K_M 4 of 4 (+1-11%), 1.5B Q8_0 4 of 4.
// Two tokens keep the 4-row tiles: one-row tiles took q8_0's down projection from 36-40 to 26 GB/s.
constexpr int kOneRowFusedTokens = 1;

// One decoded weight chunk times T tokens' activations (a: the chunk's; as, sums: their group scales and
// sums), added into one row's accumulators.
template <int T>
__attribute__((always_inline)) inline void add_int_chunk(const GroupedChunk& wc, const ActChunk* a,
                                                         int64_t a_stride, const __m512 (&as)[T],
                                                         const __m512 (&sums)[T], __m512 (&acc)[T]) {
  __m512i dots[T];
  for (int t = 0; t < T; ++t) dots[t] = _mm512_setzero_si512();
  for (int v = 0; v < 4; ++v) {
    for (int t = 0; t < T; ++t)
      dots[t] = _mm512_dpbusd_epi32(dots[t], wc.q[v], _mm512_load_si512(a[t * a_stride].q + 64 * v));
  }
  for (int t = 0; t < T; ++t) {
    const __m512 scale = _mm512_mul_ps(wc.scale, as[t]);
    acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[t]), scale, acc[t]);
    acc[t] = _mm512_fnmadd_ps(wc.min, sums[t], acc[t]);
  }
}

// One chunk of fused_int_tile: a points at the chunk's activations. kPrefetch: each row's inline prefetch
// (prefetch_ahead.h).
template <int R, int T, DType kType, bool kWhole, bool kPrefetch = false>
__attribute__((always_inline)) inline void fused_int_step(const Matrix& w, int64_t r0, int64_t chunk,
                                                          const ActChunk* a, int64_t a_stride,
                                                          __m512 (&acc)[R][T]) {
  if constexpr (kPrefetch) {
    for (int r = 0; r < R; ++r) prefetch_chunks_ahead<kType>(w, r0 + r, chunk);
  }
  __m512 as[T], sums[T];
  for (int t = 0; t < T; ++t) {
    as[t] = _mm512_load_ps(a[t * a_stride].group_scale);
    sums[t] = _mm512_load_ps(a[t * a_stride].group_sum);
  }
  for (int r = 0; r < R; ++r) {
    GroupedChunk wc;
    decode_regs<kType, kWhole>(w, r0 + r, chunk, &wc);
    add_int_chunk<T>(wc, a, a_stride, as, sums, acc[r]);
  }
}

// q4_K, one row and one token (decode): whole chunks two at a time, their scales unpacked together
// (decode_q4_K_pair_regs); each chunk's arithmetic as fused_int_step's. Returns the chunks done (even).
// Zen 5, 1.5B Q4_K_M tg, per-token alternation in one run (2026-12-07): 2-4% less time per token on top of
// the GFNI levels.
template <bool kPrefetch>
__attribute__((always_inline)) inline int64_t fused_q4_K_pairs(const Matrix& w, int64_t r, int64_t chunk0,
                                                               const ActChunk* a, int64_t n_whole,
                                                               __m512 (&acc)[1]) {
  const auto* x = reinterpret_cast<const BlockQ4_K*>(w.row(r)) + chunk0;
  int64_t c = 0;
  for (; c + 2 <= n_whole; c += 2) {
    if constexpr (kPrefetch) prefetch_ahead<2 * kChunkBytes<DType::kQ4_K>>(x + c);  // both chunks
    GroupedChunk wc[2];
    decode_q4_K_pair_regs(x + c, wc);
    for (int k = 0; k < 2; ++k) {
      const __m512 as[1] = {_mm512_load_ps(a[c + k].group_scale)},
                   sums[1] = {_mm512_load_ps(a[c + k].group_sum)};
      add_int_chunk<1>(wc[k], a + c + k, 0, as, sums, acc);
    }
  }
  return c;
}

// The whole chunks run a body without the short-chunk test, so its loops unroll and the accumulators
// stay in registers; a row's short last chunk, if the range reaches it, runs once after them.
// kPrefetch: the inline prefetch (prefetch_ahead.h), for the one-row tiles.
template <int R, int T, DType kType, bool kPrefetch = false>
inline void fused_int_tile(const Matrix& w, int64_t r0, int64_t chunk0, const ActChunk* a, int64_t a_stride,
                           int64_t n_chunks, float (&out)[R][T]) {
  static_assert(kFusedIntAvailable<kType>);
  __m512 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  const int64_t whole = w.cols / kChunk - chunk0 < n_chunks ? w.cols / kChunk - chunk0 : n_chunks;
  int64_t c = 0;
  if constexpr (kType == DType::kQ4_K && R == 1 && T == 1)
    c = fused_q4_K_pairs<kPrefetch>(w, r0, chunk0, a, whole, acc[0]);
  for (; c < whole; ++c)
    fused_int_step<R, T, kType, true, kPrefetch>(w, r0, chunk0 + c, a + c, a_stride, acc);
  if (whole < n_chunks) {
    fused_int_step<R, T, kType, false, kPrefetch>(w, r0, chunk0 + whole, a + whole, a_stride, acc);
  }
  store_sums(acc, out);
}

// Rows of half a chunk (128 columns, 4 blocks of the 32-value formats: MLA's per-head W_UK) cost a whole
// chunk step each, half of it on zeros, plus a reduction. Two consecutive such rows are one whole chunk's 8
// blocks, contiguous in memory, so one step takes both against the activations repeated in both halves:
// lanes 0..7 are row r's groups, 8..15 row r + 1's, each the value a one-row tile's short step gives that
// lane (same bytes, same instructions). half_sums adds each half in sum_of's order, which on a one-row
// tile's accumulator (upper half zero) adds the same pairs: the same bits as the one-row tiles. Zen 5, one
// thread, in cache: a V2-Lite W_UK head (q5_0, 512 x 128) 5.7 -> 1.6 us. No software prefetch: a head is
// 45 KB read as one forward stream. fused_tail_pair (below) takes these rows too, as its whole = 0 case,
// but measured 3.1 / 3.9 us against 1.2 / 1.7 (q4_0 / q5_0 head, 2026-12-07): here the activations are
// repeated once per call instead of per pair, the two rows are one plain chunk load, and half_sums is one
// reduction for both.
template <DType kType>
inline constexpr bool kHalfRowPairsAvailable =
    kFusedIntAvailable<kType> && kType != DType::kQ4_K && kType != DType::kQ6_K;

// sum_of of lanes 0..7 and of lanes 8..15 of v, in lanes 0 and 8: i + (i + 4), then + (i + 2), then + (i + 1).
__attribute__((always_inline)) inline __m512 half_sums(__m512 v) {
  const __m512 fours = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  const __m512 twos = _mm512_add_ps(fours, _mm512_permute_ps(fours, _MM_SHUFFLE(1, 0, 3, 2)));
  return _mm512_add_ps(twos, _mm512_permute_ps(twos, _MM_SHUFFLE(2, 3, 0, 1)));
}

// y[r] for rows [row_begin, row_end) of a 128-column matrix, one token (`a`: its one activation chunk), two
// rows per step; an odd last row is left to the caller. Returns the first row not done.
template <DType kType>
inline int64_t fused_half_row_pairs(const Matrix& w, const ActChunk& a, float* y, int64_t row_begin,
                                    int64_t row_end) {
  static_assert(kHalfRowPairsAvailable<kType>);
  const auto repeat = [](__m512i v) { return _mm512_shuffle_i64x2(v, v, _MM_SHUFFLE(1, 0, 1, 0)); };
  ActChunk pair;  // a's groups 0..7 in lanes 0..7 and again in 8..15
  for (int v = 0; v < 4; ++v) _mm512_store_si512(pair.q + 64 * v, repeat(_mm512_load_si512(a.q + 64 * v)));
  const auto repeat_floats = [&](const float* v) { return _mm512_castsi512_ps(repeat(_mm512_load_si512(v))); };
  _mm512_store_ps(pair.group_sum, repeat_floats(a.group_sum));
  _mm512_store_ps(pair.group_scale, repeat_floats(a.group_scale));
  int64_t r = row_begin;
  for (; r + 2 <= row_end; r += 2) {
    __m512 acc[1][1] = {{_mm512_setzero_ps()}};
    fused_int_step<1, 1, kType, true>(w, r, 0, &pair, 0, acc);  // the 8 blocks from row r's first
    const __m512 sums = half_sums(acc[0][0]);
    y[r] = _mm512_cvtss_f32(sums);
    y[r + 1] = _mm_cvtss_f32(_mm512_extractf32x4_ps(sums, 2));
  }
  return r;
}

// Rows whose last chunk is half (256 k + 128 columns, k >= 1: V2-Lite's expert down projections, 1408
// columns) end in a step half on zeros, which costs like a whole one (Zen 5, one thread, in cache: 1.1 whole
// chunks for q5_0). Two rows' half chunks make one whole step against the activations repeated in both
// halves: lanes 0..7 are row r's groups and 8..15 row r + 1's, each the value a one-row tile's short step
// gives that lane (same bytes, same instructions), added into the lanes 0..7 of the row's accumulator with
// masked multiply-adds; its lanes 8..15, which the short step adds exact zeros to, are left as they are.
// So each row's sum has the one-row tile's bits (a -0.0 lane aside, which the zero makes +0.0).
// out[i]: the sum over chunks [chunk0, chunk0 + n_chunks) of row r + i, the last of them the half one.
// Every step prefetches inline (prefetch_ahead.h), as the one-row tiles around it do.
template <DType kType>
inline void fused_tail_pair(const Matrix& w, int64_t r, int64_t chunk0, const ActChunk* a, int64_t n_chunks,
                            float (&out)[2]) {
  static_assert(kHalfRowPairsAvailable<kType>);
  using Block = typename Block32Layout<kType>::Block;
  const int64_t whole = n_chunks - 1;
  __m512 acc[2];
  for (int i = 0; i < 2; ++i) {  // each row's whole chunks, as its one-row tile takes them
    __m512 row_acc[1][1] = {{_mm512_setzero_ps()}};
    for (int64_t c = 0; c < whole; ++c) {
      fused_int_step<1, 1, kType, true, true>(w, r + i, chunk0 + c, a + c, 0, row_acc);
    }
    acc[i] = row_acc[0][0];
  }
  const int64_t tail = chunk0 + whole;
  for (int i = 0; i < 2; ++i)
    prefetch_ahead<kChunkBytes<kType> / 2>(w.row(r + i) + tail * kChunkBytes<kType>);
  GroupedChunk wc;
  block32_two_halves_regs<kType>(reinterpret_cast<const Block*>(w.row(r)) + 8 * tail,
                                 reinterpret_cast<const Block*>(w.row(r + 1)) + 8 * tail, &wc);
  const ActChunk& at = a[whole];
  const auto repeat = [](__m512 v) { return _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 1, 0)); };
  __m512i dots = _mm512_setzero_si512();
  for (int v = 0; v < 4; ++v) {
    const __m512i aq = _mm512_load_si512(at.q + 64 * v);
    dots = _mm512_dpbusd_epi32(dots, wc.q[v], _mm512_shuffle_i64x2(aq, aq, _MM_SHUFFLE(1, 0, 1, 0)));
  }
  const __m512 sums = repeat(_mm512_load_ps(at.group_sum));
  const __m512 products = _mm512_cvtepi32_ps(dots);
  const __m512 scale = _mm512_mul_ps(wc.scale, repeat(_mm512_load_ps(at.group_scale)));
  constexpr __mmask16 kLow = 0x00ff;
  acc[0] = _mm512_mask3_fmadd_ps(products, scale, acc[0], kLow);
  acc[0] = _mm512_mask3_fnmadd_ps(wc.min, sums, acc[0], kLow);
  // Lanes 8..15 to 0..7.
  const auto down = [](__m512 v) { return _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(3, 2, 3, 2)); };
  acc[1] = _mm512_mask3_fmadd_ps(down(products), down(scale), acc[1], kLow);
  acc[1] = _mm512_mask3_fnmadd_ps(down(wc.min), sums, acc[1], kLow);
  out[0] = sum_of(acc[0]);
  out[1] = sum_of(acc[1]);
}

// q8_0's int16 path (panels.h, wide lane order): 8 vpdpwssd per (row, token) and chunk add the 16 products
// of lane g, all from block g / 2, exactly; the lanes are scaled once per chunk.
template <int R, int T>
inline void wide_tile(const WideChunk* w, int64_t w_stride, const WideChunk* a, int64_t a_stride, int64_t n_chunks,
                      float (&out)[R][T]) {
  __m512 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
    __m512i dots[R][T];
    for (int r = 0; r < R; ++r) {
      for (int t = 0; t < T; ++t) dots[r][t] = _mm512_setzero_si512();
    }
    for (int v = 0; v < 8; ++v) {
      __m512i wq[R];
      for (int r = 0; r < R; ++r) wq[r] = _mm512_load_si512(w[r * w_stride + c].q + 32 * v);
      for (int t = 0; t < T; ++t) {
        const __m512i aq = _mm512_load_si512(a[t * a_stride + c].q + 32 * v);
        for (int r = 0; r < R; ++r) dots[r][t] = _mm512_dpwssd_epi32(dots[r][t], wq[r], aq);
      }
    }
    for (int t = 0; t < T; ++t) {
      const __m512 as = _mm512_load_ps(a[t * a_stride + c].group_scale);
      for (int r = 0; r < R; ++r) {
        const __m512 scale = _mm512_mul_ps(_mm512_load_ps(w[r * w_stride + c].group_scale), as);
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[r][t]), scale, acc[r][t]);
      }
    }
  }
  store_sums(acc, out);
}

// q8_0 in registers, as decode_wide stores it (panels.h, wide lane order): int8 vector v is dword v of
// every block in block order (an 8 x 8 transpose of dwords), widened; lane g's scale is block g / 2's d.
struct WideRegs {
  __m512i q[8];
  __m512 scale;
};

// Blocks 0..3 are lo[0..3] and blocks 4..7 hi[0..3]: a chunk is lo = x, hi = x + 4; two rows' half last
// chunks are lo and hi from the two rows.
__attribute__((always_inline)) inline void decode_q8_0_wide_regs(const BlockQ8_0* lo, const BlockQ8_0* hi,
                                                                 WideRegs* out) {
  const auto x = [&](int b) -> const BlockQ8_0& { return b < 4 ? lo[b] : hi[b - 4]; };
  __m512i pair[4];  // blocks 2i (dwords 0..7) and 2i + 1 (dwords 8..15)
  for (int i = 0; i < 4; ++i) {
    pair[i] = _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x(2 * i).qs))),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x(2 * i + 1).qs)), 1);
  }
  // Dword 8 h + b of int8 vectors 2k (h = 0) and 2k + 1 (h = 1) is dword 2k + h of block b: dword
  // 16 ((b % 4) / 2) + 8 (b % 2) + 2k + h of the pair sources (0, 1) for b < 4, (2, 3) for b >= 4.
  const __m512i base = _mm512_setr_epi32(0, 8, 16, 24, 0, 8, 16, 24, 1, 9, 17, 25, 1, 9, 17, 25);
  for (int k = 0; k < 4; ++k) {
    const __m512i index = _mm512_add_epi32(base, _mm512_set1_epi32(2 * k));
    const __m512i blocks_0_3 = _mm512_permutex2var_epi32(pair[0], index, pair[1]);
    const __m512i blocks_4_7 = _mm512_permutex2var_epi32(pair[2], index, pair[3]);
    const __m512i both = _mm512_mask_blend_epi32(0xf0f0, blocks_0_3, blocks_4_7);
    out->q[2 * k] = _mm512_cvtepi8_epi16(_mm512_castsi512_si256(both));
    out->q[2 * k + 1] = _mm512_cvtepi8_epi16(_mm512_extracti64x4_epi64(both, 1));
  }
  // The eight d: words 0, 17, 34 and 51 (bytes 0, 34, 68, 102) of lo's first 128 bytes and of hi's, one
  // two-source word permute each (eight scalar loads and inserts before: in-cache q8_0 GEMV +3-6%, Zen 5).
  const auto* lo_bytes = reinterpret_cast<const uint8_t*>(lo);
  const auto* hi_bytes = reinterpret_cast<const uint8_t*>(hi);
  const __m512i d_words =
      _mm512_setr_epi32(17 << 16, 51 << 16 | 34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m512i d_lo =
      _mm512_permutex2var_epi16(_mm512_loadu_si512(lo_bytes), d_words, _mm512_loadu_si512(lo_bytes + 64));
  const __m512i d_hi =
      _mm512_permutex2var_epi16(_mm512_loadu_si512(hi_bytes), d_words, _mm512_loadu_si512(hi_bytes + 64));
  const __m128i d_halves = _mm_unpacklo_epi64(_mm512_castsi512_si128(d_lo), _mm512_castsi512_si128(d_hi));
  const __m512i twice = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  out->scale = _mm512_permutexvar_ps(twice, _mm512_castps256_ps512(_mm256_cvtph_ps(d_halves)));
}

// A q8_0 chunk into registers; a row's short last chunk goes through decode_wide.
__attribute__((always_inline)) inline void decode_wide_regs(const Matrix& w, int64_t row, int64_t chunk, WideRegs* out) {
  int count;
  const auto* x = chunk_blocks<BlockQ8_0>(w, row, chunk, &count);
  if (count == 8) {
    decode_q8_0_wide_regs(x, x + 4, out);
    return;
  }
  alignas(64) WideChunk partial;
  decode_wide<DType::kQ8_0>(w, row, chunk, &partial);
  for (int v = 0; v < 8; ++v) out->q[v] = _mm512_load_si512(partial.q + 32 * v);
  out->scale = _mm512_load_ps(partial.group_scale);
}

constexpr bool kFusedWideAvailable = true;
constexpr int kFusedWideTokens = kWideTokens;

// One chunk of fused_wide_tile: a points at the chunk's activations. kPrefetch: each row's inline
// prefetch (prefetch_ahead.h).
template <int R, int T, bool kPrefetch = false>
__attribute__((always_inline)) inline void fused_wide_step(const Matrix& w, int64_t r0, int64_t chunk,
                                                           const WideChunk* a, int64_t a_stride,
                                                           __m512 (&acc)[R][T]) {
  if constexpr (kPrefetch) {
    for (int r = 0; r < R; ++r) prefetch_chunks_ahead<DType::kQ8_0>(w, r0 + r, chunk);
  }
  __m512 as[T];
  for (int t = 0; t < T; ++t) as[t] = _mm512_load_ps(a[t * a_stride].group_scale);
#pragma GCC unroll 4  // GCC 12 left this loop rolled, its accumulators on the stack (1.5B Q8_0 tg -9%)
  for (int r = 0; r < R; ++r) {
    WideRegs wc;
    decode_wide_regs(w, r0 + r, chunk, &wc);
    __m512i dots[T];
    for (int t = 0; t < T; ++t) dots[t] = _mm512_setzero_si512();
    for (int v = 0; v < 8; ++v) {
      for (int t = 0; t < T; ++t) {
        dots[t] = _mm512_dpwssd_epi32(dots[t], wc.q[v], _mm512_load_si512(a[t * a_stride].q + 32 * v));
      }
    }
    for (int t = 0; t < T; ++t) {
      const __m512 scale = _mm512_mul_ps(wc.scale, as[t]);
      acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[t]), scale, acc[r][t]);
    }
  }
}

// wide_tile for a few tokens, each weight chunk decoded into registers (as fused_int_tile). kPrefetch: the
// inline prefetch (prefetch_ahead.h), for the one-row tiles.
template <int R, int T, bool kPrefetch = false>
inline void fused_wide_tile(const Matrix& w, int64_t r0, int64_t chunk0, const WideChunk* a, int64_t a_stride,
                            int64_t n_chunks, float (&out)[R][T]) {
  __m512 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
    fused_wide_step<R, T, kPrefetch>(w, r0, chunk0 + c, a + c, a_stride, acc);
  }
  store_sums(acc, out);
}

// fused_tail_pair for q8_0 (the wide lane order also has block g / 2 in lane g): V2-Lite's q8_0 expert down
// projections, whose half last chunk cost 1.6 whole ones through decode_wide (Zen 5, one thread, in cache),
// and 128-column rows (MLA's W_UK in a q8_0 file; whole = 0). Every step prefetches inline, as
// fused_tail_pair.
constexpr bool kWideTailPairsAvailable = true;
inline void fused_wide_tail_pair(const Matrix& w, int64_t r, int64_t chunk0, const WideChunk* a,
                                 int64_t n_chunks, float (&out)[2]) {
  const int64_t whole = n_chunks - 1;
  __m512 acc[2];
  for (int i = 0; i < 2; ++i) {  // each row's whole chunks, as its one-row tile takes them
    __m512 row_acc[1][1] = {{_mm512_setzero_ps()}};
    for (int64_t c = 0; c < whole; ++c) fused_wide_step<1, 1, true>(w, r + i, chunk0 + c, a + c, 0, row_acc);
    acc[i] = row_acc[0][0];
  }
  const int64_t tail = chunk0 + whole;
  constexpr int64_t kBytes = kChunkBytes<DType::kQ8_0>;
  for (int i = 0; i < 2; ++i) prefetch_ahead<kBytes / 2>(w.row(r + i) + tail * kBytes);
  WideRegs wc;
  decode_q8_0_wide_regs(reinterpret_cast<const BlockQ8_0*>(w.row(r)) + 8 * tail,
                        reinterpret_cast<const BlockQ8_0*>(w.row(r + 1)) + 8 * tail, &wc);
  const WideChunk& at = a[whole];
  __m512i dots = _mm512_setzero_si512();
  for (int v = 0; v < 8; ++v) {
    const __m512i aq = _mm512_load_si512(at.q + 32 * v);
    dots = _mm512_dpwssd_epi32(dots, wc.q[v], _mm512_shuffle_i64x2(aq, aq, _MM_SHUFFLE(1, 0, 1, 0)));
  }
  const __m512 as = _mm512_load_ps(at.group_scale);
  const __m512 products = _mm512_cvtepi32_ps(dots);
  const __m512 scale = _mm512_mul_ps(wc.scale, _mm512_shuffle_f32x4(as, as, _MM_SHUFFLE(1, 0, 1, 0)));
  constexpr __mmask16 kLow = 0x00ff;
  acc[0] = _mm512_mask3_fmadd_ps(products, scale, acc[0], kLow);
  // Lanes 8..15 to 0..7.
  const auto down = [](__m512 v) { return _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(3, 2, 3, 2)); };
  acc[1] = _mm512_mask3_fmadd_ps(down(products), down(scale), acc[1], kLow);
  out[0] = sum_of(acc[0]);
  out[1] = sum_of(acc[1]);
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
  for (; i + 32 <= count; i += 32) {  // 32 values: a 32nd of an FP8 scale block
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
