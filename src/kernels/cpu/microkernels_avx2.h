// AVX2 tiles: R weight rows x T tokens of dot products held in ymm accumulators.
//  - int: levels in group-major-8 order (panels.h); maddubs multiplies unsigned levels by int8 activations
//    into int16 pairs (no saturation: levels <= 63), which add up per group lane into exact group sums
//    (int_chunk_step). Signed levels (iq4) use |w| x sign(a, w), as maddubs needs one unsigned operand.
//    For up to 4 tokens the k-quants and the 32-value nibble formats decode into registers (fused tile).
//    q4_K and q5_K take a folded form: their 6-bit scales are the int16 factors of the widening madd (K4Regs).
//  - wide (q8_0): int16 levels and activations, pmaddwd (wide_tile; fused_wide_tile up to 3 tokens).
//  - float (microkernels_avx2_float.h): 8 values per step, one FMA per (row, token); the ragged end uses
//    masked loads. For a few tokens (decode) the weights are converted in registers as they stream
//    (Loader8), without a panel.
// Include after simd_decode.h (fp8_to_float).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/chunk_layout.h"
#include "kernels/cpu/decode_reference.h"
#include "kernels/cpu/panels.h"
#include "kernels/cpu/prefetch_ahead.h"
#include "kernels/matrix.h"
#include "quant/block_layouts.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA before including microkernels_avx2.h"
#endif

#include "kernels/cpu/no_pair_steps.h"  // the paired half-chunk steps are AVX-512 only

namespace sinan::cpu::SINAN_CPU_ISA {

constexpr int kIntRows = 2;
constexpr int kIntTokens = 4;  // measured on the 1.5B Q4_K_M pp256: 2 tokens 44-50, 4 63-72, 6 49-53 tokens/s
constexpr int kFloatRows = 3;
constexpr int kWideRows = 2;
constexpr int kWideTokens = 3;  // 6 int32 sums + 6 float accumulators + 3 operands: 15 of 16 ymm
constexpr LaneOrder kLaneOrder = LaneOrder::kGroupMajor8;  // panels.h
constexpr bool kPrefersSignedLevels = true;
constexpr int kFloatTokens = 4;

// ---- levels in group-major-8 order (panels.h): int32 lane l of vectors 0..3 belongs to group l, of
// vectors 4..7 to group 8 + l, so one chunk's products of a group stay in one lane.

// Eight 32-value vectors in value order (vector k of a half: groups 2 k in its low 128 bits, 2 k + 1 in
// its high ones, 4 dwords each) -> group-major-8 (vector q of a half: dword q of the half's 8 groups).
__attribute__((always_inline)) inline void value_to_group_major8(const __m256i (&in)[8], __m256i (&out)[8]) {
  for (int h = 0; h < 2; ++h) {
    const __m256i* a = in + 4 * h;
    const __m256i b0 = _mm256_permute2x128_si256(a[0], a[2], 0x20);  // groups 0 | 4
    const __m256i b1 = _mm256_permute2x128_si256(a[0], a[2], 0x31);  // groups 1 | 5
    const __m256i b2 = _mm256_permute2x128_si256(a[1], a[3], 0x20);  // groups 2 | 6
    const __m256i b3 = _mm256_permute2x128_si256(a[1], a[3], 0x31);  // groups 3 | 7
    const __m256i d01_01 = _mm256_unpacklo_epi32(b0, b1), d23_01 = _mm256_unpackhi_epi32(b0, b1);  // dwords 0 1 | 2 3
    const __m256i d01_23 = _mm256_unpacklo_epi32(b2, b3), d23_23 = _mm256_unpackhi_epi32(b2, b3);
    out[4 * h + 0] = _mm256_unpacklo_epi64(d01_01, d01_23);
    out[4 * h + 1] = _mm256_unpackhi_epi64(d01_01, d01_23);
    out[4 * h + 2] = _mm256_unpacklo_epi64(d23_01, d23_23);
    out[4 * h + 3] = _mm256_unpackhi_epi64(d23_01, d23_23);
  }
}

// Value order -> group-major-8, in place (activations, once per token and chunk; other types' panels).
inline void to_lane_order(uint8_t* q) {
  __m256i in[8], out[8];
  for (int v = 0; v < 8; ++v) in[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(q + 32 * v));
  value_to_group_major8(in, out);
  for (int v = 0; v < 8; ++v) _mm256_store_si256(reinterpret_cast<__m256i*>(q + 32 * v), out[v]);
}

// q4_K's levels straight into group-major-8. In half h (values 128 h ..), lane l of vector v holds values
// 16 l + 4 v .. + 3 of the half: the low (l % 4 < 2) or high nibbles of qs dword 8 (l / 4) + 4 (l % 2) + v
// of the half's 64 bytes.
__attribute__((always_inline)) inline void q4_K_levels_grouped(const BlockQ4_K& x, __m256i (&levels)[8]) {
  const __m256i mask = _mm256_set1_epi8(0x0f);
  for (int h = 0; h < 2; ++h) {
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs + 64 * h));       // dwords 0..7
    const __m256i q2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs + 64 * h + 32));  // 8..15
    const __m256i p = _mm256_permute2x128_si256(q, q2, 0x20), p2 = _mm256_permute2x128_si256(q, q2, 0x31);
    const __m256i u = _mm256_unpacklo_epi32(p, p2), u2 = _mm256_unpackhi_epi32(p, p2);  // 0 4 1 5 | 8 12 9 13, ...
    const __m256i high = _mm256_srli_epi32(u, 4), high2 = _mm256_srli_epi32(u2, 4);     // the high nibbles
    // Vector v: dwords v, 4 + v, their high nibbles | 8 + v, 12 + v, their high nibbles.
    const __m256i dwords[4] = {_mm256_unpacklo_epi64(u, high), _mm256_unpackhi_epi64(u, high),
                               _mm256_unpacklo_epi64(u2, high2), _mm256_unpackhi_epi64(u2, high2)};
    for (int v = 0; v < 4; ++v) levels[4 * h + v] = _mm256_and_si256(dwords[v], mask);
  }
}

__attribute__((always_inline)) inline void q4_K_regs_grouped(const BlockQ4_K& x, ChunkRegs* regs) {
  q4_K_levels_grouped(x, regs->q);
  k4_scale_regs(k4_scales_mins(x.scales), k4_d_dmin(x), regs);
}

// ---- chunks rearranged at load into group-major-8 (kernels/chunk_layout.h): the levels load in lane order.
constexpr ChunkLayout kPackedLayout = ChunkLayout::kGroupMajor8;
template <DType kType>  // the int8 path's types (q8_0 takes the wide path: kPackedWideAvailable)
inline constexpr bool kPackedAvailable = chunk_layout_supports(kPackedLayout, kType) && kType != DType::kQ8_0;

// Vector pair i's 32 bytes: low nibbles are vector 2 i, high nibbles vector 2 i + 1.
__attribute__((always_inline)) inline void packed_low_bits(const uint8_t* nibbles, __m256i (&q)[8]) {
  const __m256i mask = _mm256_set1_epi8(0x0f);
  for (int i = 0; i < 4; ++i) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(nibbles + 32 * i));
    q[2 * i] = _mm256_and_si256(v, mask);
    q[2 * i + 1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
  }
}

// How many maddubs results add up in int16 before madd widens them: each int16 is at most
// 2 x max level x 127, so 4 for levels up to 31, 2 up to 63 (q6_K), 1 for signed levels up to 127.
constexpr int int16_terms(int max_level) { return max_level <= 31 ? 4 : max_level <= 63 ? 2 : 1; }

// ---- int tiles. Per chunk and (row, token): maddubs multiplies levels by activations into int16 pairs,
// which add up per lane (int16, then int32) into the 16 group sums, exact (|sum| <= 16 x 255 x 127 < 2^24,
// so exact in float too); two FMAs scale them by (weight group scale x activation block scale) and, in
// the offset form, two take off the mins times the activations' group sums. Integer sums are exact in any
// order, so the panel and fused tiles agree bit for bit however each adds them.

// One half's 4 vectors of levels x activations -> the 8 groups' int32 sums (lane l: group 8 h + l). In the
// signed form maddubs takes the levels' absolute values (it needs one unsigned operand).
template <bool kSigned, int kTerms>
__attribute__((always_inline)) inline __m256i half_group_sums(const __m256i (&wq)[8], const ActChunk& a, int h) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i p[4];
  for (int k = 0; k < 4; ++k) {
    const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(a.q + 32 * (4 * h + k)));
    const __m256i w = wq[4 * h + k];
    p[k] = kSigned ? _mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(aq, w)) : _mm256_maddubs_epi16(w, aq);
  }
  if constexpr (kTerms == 4) {
    return _mm256_madd_epi16(_mm256_add_epi16(_mm256_add_epi16(p[0], p[1]), _mm256_add_epi16(p[2], p[3])), ones);
  } else if constexpr (kTerms == 2) {
    return _mm256_add_epi32(_mm256_madd_epi16(_mm256_add_epi16(p[0], p[1]), ones),
                            _mm256_madd_epi16(_mm256_add_epi16(p[2], p[3]), ones));
  } else {
    return _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(p[0], ones), _mm256_madd_epi16(p[1], ones)),
                            _mm256_add_epi32(_mm256_madd_epi16(p[2], ones), _mm256_madd_epi16(p[3], ones)));
  }
}

// One (row, token) pair's chunk added to acc. The mins come first: they do not wait for the products,
// so only two FMAs follow the integer sums (measured: in-cache q4_K GEMV -9%).
template <bool kSigned, int kTerms>
__attribute__((always_inline)) inline __m256 int_chunk_step(const __m256i (&wq)[8], __m256 scale_lo, __m256 scale_hi,
                                                            __m256 min_lo, __m256 min_hi, const ActChunk& a, __m256 acc) {
  if constexpr (!kSigned) {
    acc = _mm256_fnmadd_ps(min_lo, _mm256_load_ps(a.group_sum), acc);
    acc = _mm256_fnmadd_ps(min_hi, _mm256_load_ps(a.group_sum + 8), acc);
  }
  const __m256i lo = half_group_sums<kSigned, kTerms>(wq, a, 0), hi = half_group_sums<kSigned, kTerms>(wq, a, 1);
  acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lo), _mm256_mul_ps(scale_lo, _mm256_load_ps(a.group_scale)), acc);
  acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(hi), _mm256_mul_ps(scale_hi, _mm256_load_ps(a.group_scale + 8)), acc);
  return acc;
}

// The panel tile serves every type of a form: offset levels reach 63 (q6_K), signed ones 127. It does
// int_chunk_step's arithmetic in the panel's own loop order, bit for bit (integer sums are exact in any
// order; the float steps keep theirs), two tokens at a time over the whole panel: each level vector of
// the R rows meets both tokens' activation vectors in registers (int32 sums and, for q6_K, the int16
// pair sums: 2 x 2 x 2 registers; 4 tokens do not fit). A step per (row, token) reloaded the row's levels
// for every token and spilled (llvm-mca znver3, 2 rows x 4 tokens a chunk: 80 -> 68 cycles offset, 180 ->
// 96 signed). Measured 128-token GEMMs: iq4_xs 1536 x 8960 -22%; q6_K within the noise (-3%, +5%).
template <int R, int T, bool kSigned>
inline void int_tile_tokens(const IntChunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride,
                            int64_t n_chunks, float* out, int64_t out_stride) {
  constexpr int kTerms = int16_terms(kSigned ? 127 : 63);
  static_assert(kTerms == 1 || kTerms == 2);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
    const IntChunk* wc[R];
    const ActChunk* ac[T];
    for (int r = 0; r < R; ++r) wc[r] = &w[r * w_stride + c];
    for (int t = 0; t < T; ++t) ac[t] = &a[t * a_stride + c];
    if constexpr (!kSigned) {  // the mins first, as int_chunk_step takes them
      for (int r = 0; r < R; ++r) {
        for (int t = 0; t < T; ++t) {
          acc[r][t] = _mm256_fnmadd_ps(_mm256_load_ps(wc[r]->group_min), _mm256_load_ps(ac[t]->group_sum), acc[r][t]);
          acc[r][t] = _mm256_fnmadd_ps(_mm256_load_ps(wc[r]->group_min + 8), _mm256_load_ps(ac[t]->group_sum + 8),
                                       acc[r][t]);
        }
      }
    }
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      __m256i sums[R][T];     // lane l: group 8 h + l's int32 sum so far
      __m256i sums16[R][T];   // kTerms == 2: the current pair of vectors' int16 sums
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {
        __m256i levels[R];
        for (int r = 0; r < R; ++r) {
          levels[r] = _mm256_load_si256(reinterpret_cast<const __m256i*>(wc[r]->q + 32 * (4 * h + k)));
          if constexpr (T > 1) __asm__("" : "+x"(levels[r]));  // one load for the T tokens
        }
        for (int t = 0; t < T; ++t) {
          __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(ac[t]->q + 32 * (4 * h + k)));
          if constexpr (R > 1) __asm__("" : "+x"(aq));  // one load for the R rows, not one folded into each
          for (int r = 0; r < R; ++r) {
            const __m256i p = kSigned ? _mm256_maddubs_epi16(_mm256_abs_epi8(levels[r]), _mm256_sign_epi8(aq, levels[r]))
                                      : _mm256_maddubs_epi16(levels[r], aq);
            if constexpr (kTerms == 2) {
              sums16[r][t] = k % 2 == 0 ? p : _mm256_add_epi16(sums16[r][t], p);
              if (k % 2 == 1) {
                const __m256i pair = _mm256_madd_epi16(sums16[r][t], ones);
                sums[r][t] = k == 1 ? pair : _mm256_add_epi32(sums[r][t], pair);
              }
            } else {
              const __m256i term = _mm256_madd_epi16(p, ones);
              sums[r][t] = k == 0 ? term : _mm256_add_epi32(sums[r][t], term);
            }
            // Running sums in registers: GCC otherwise reassociates the integer adds over the 4 vectors.
            __asm__("" : "+x"(sums[r][t]));
          }
        }
      }
      for (int r = 0; r < R; ++r) {
        const __m256 scale = _mm256_load_ps(wc[r]->group_scale + 8 * h);
        for (int t = 0; t < T; ++t) {
          acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums[r][t]),
                                      _mm256_mul_ps(scale, _mm256_load_ps(ac[t]->group_scale + 8 * h)), acc[r][t]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r * out_stride + t] = sum_of(acc[r][t]);
  }
}

template <int R, int T, bool kSigned>
inline void int_tile(const IntChunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride, int64_t n_chunks,
                     float (&out)[R][T]) {
  for (int t0 = 0; t0 < T; t0 += 2) {  // out's rows hold T floats
    if (T - t0 >= 2) {
      int_tile_tokens<R, 2, kSigned>(w, w_stride, a + t0 * a_stride, a_stride, n_chunks, &out[0][t0], T);
    } else {  // T odd: the last token alone
      int_tile_tokens<R, 1, kSigned>(w, w_stride, a + t0 * a_stride, a_stride, n_chunks, &out[0][t0], T);
    }
  }
}

// The types with a register decoder: for up to kFusedIntTokens tokens each weight chunk is decoded into
// registers and used at once instead of being stored to a panel and loaded back.
template <DType kType>
inline constexpr bool kFusedIntAvailable = kType == DType::kQ4_K || kType == DType::kQ5_K || kType == DType::kQ6_K ||
                                           kType == DType::kQ4_0 || kType == DType::kQ4_1 || kType == DType::kQ5_0 ||
                                           kType == DType::kQ5_1;
constexpr int kFusedIntTokens = kIntTokens;
// Up to this many tokens the fused tiles (decode) take one row at a time (matmul_driver.h's fused_rows).
// Measured on the Zen 3 VM (2026-12-07, alternating runs): 1.5B Q4_K_M tg64 24.1 -> 27.1 tokens/s (4 of 4
// pairs faster), V2-Lite 14.5 -> 16.2 (2 of 3 faster, 1 equal); decode GEMVs from memory, interleaved with
// the bandwidth probe (decode_stream_bench, docs/BENCHMARKS.md): 0-25% faster per case; 2 tokens: no slower.
constexpr int kOneRowFusedTokens = 2;

template <DType kType>
constexpr int kMaxLevel = kType == DType::kQ4_K || kType == DType::kQ4_0 || kType == DType::kQ4_1 ? 15
                          : kType == DType::kQ6_K                                                 ? 63
                                                                                                  : 31;

// The 32-value nibble formats and their block types.
constexpr bool is_block32_nibbles(DType type) {
  return type == DType::kQ4_0 || type == DType::kQ4_1 || type == DType::kQ5_0 || type == DType::kQ5_1;
}
template <DType kType>
using Block32 = std::conditional_t<kType == DType::kQ4_0, BlockQ4_0,
                                   std::conditional_t<kType == DType::kQ4_1, BlockQ4_1,
                                                      std::conditional_t<kType == DType::kQ5_0, BlockQ5_0, BlockQ5_1>>>;

// A 32-value block's levels in value order: the nibbles (low ones first), q5's fifth bits as 16.
template <class Block>
__attribute__((always_inline)) inline __m256i block32_levels(const Block& x) {
  const __m256i q = nibbles_32(x.qs);
  if constexpr (requires { x.qh; }) {
    return _mm256_or_si256(q, _mm256_and_si256(bits_to_bytes_32(load_u32(x.qh)), _mm256_set1_epi8(0x10)));
  } else {
    return q;
  }
}

// The 32-value nibble formats in registers, value order: block b's 32 levels are vector b (q5's fifth
// bits added), its d the scale of groups 2 b and 2 b + 1, its offset (8 d, 16 d) or -m their min. A row's
// short last chunk goes through the panel decoder, which zeroes the missing blocks.
template <DType kType>
__attribute__((always_inline)) inline void block32_regs_value_order(const Matrix& w, int64_t row, int64_t chunk,
                                                                    ChunkRegs* regs) {
  constexpr bool kFifthBit = kType == DType::kQ5_0 || kType == DType::kQ5_1;
  constexpr bool kMin = kType == DType::kQ4_1 || kType == DType::kQ5_1;
  int count;
  const auto* x = chunk_blocks<Block32<kType>>(w, row, chunk, &count);
  if (count < 8) {
    IntChunk partial;
    decode_int<kType, LevelForm::kOffset>(w, row, chunk, &partial);
    for (int v = 0; v < 8; ++v) regs->q[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(partial.q + 32 * v));
    regs->scale_lo = _mm256_load_ps(partial.group_scale);
    regs->scale_hi = _mm256_load_ps(partial.group_scale + 8);
    regs->min_lo = _mm256_load_ps(partial.group_min);
    regs->min_hi = _mm256_load_ps(partial.group_min + 8);
    return;
  }
  alignas(16) uint16_t d[8], m[8];
  for (int b = 0; b < 8; ++b) {
    regs->q[b] = block32_levels(x[b]);
    d[b] = x[b].d;
    if constexpr (kMin) m[b] = x[b].m;
  }
  const __m256i low = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3), high = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
  const __m256 scales = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(d)));
  regs->scale_lo = _mm256_permutevar8x32_ps(scales, low);
  regs->scale_hi = _mm256_permutevar8x32_ps(scales, high);
  __m256 mins;
  if constexpr (kMin) {
    mins = _mm256_xor_ps(_mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(m))), _mm256_set1_ps(-0.0f));  // -m
  } else {
    mins = _mm256_mul_ps(_mm256_set1_ps(kFifthBit ? 16.0f : 8.0f), scales);  // the offset, as the panel decoder
  }
  regs->min_lo = _mm256_permutevar8x32_ps(mins, low);
  regs->min_hi = _mm256_permutevar8x32_ps(mins, high);
}

// A chunk of a type with a register decoder, levels in group-major-8 order.
template <DType kType>
__attribute__((always_inline)) inline void decode_regs(const Matrix& w, int64_t row, int64_t chunk, ChunkRegs* out) {
  if constexpr (kType == DType::kQ4_K) {
    q4_K_regs_grouped(reinterpret_cast<const BlockQ4_K*>(w.row(row))[chunk], out);
  } else {
    ChunkRegs value_order;
    if constexpr (kType == DType::kQ5_K) {
      k4_regs<true>(reinterpret_cast<const BlockQ5_K*>(w.row(row))[chunk], &value_order);
    } else if constexpr (kType == DType::kQ6_K) {
      q6_K_regs(reinterpret_cast<const BlockQ6_K*>(w.row(row))[chunk], &value_order);
    } else {
      block32_regs_value_order<kType>(w, row, chunk, &value_order);
    }
    *out = value_order;
    value_to_group_major8(value_order.q, out->q);
  }
}

// decode_int in this tier's lane order: the register decoder where the type has one, else value order
// rearranged.
template <DType kType, LevelForm kForm>
inline void decode_int_grouped(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  if constexpr (kFusedIntAvailable<kType>) {
    ChunkRegs regs;
    decode_regs<kType>(w, row, chunk, &regs);
    store_chunk_regs(regs, out);
  } else {
    decode_int<kType, kForm>(w, row, chunk, out);
    to_lane_order(out->q);
  }
}

// One rearranged half chunk of a 32-value format (kernels/chunk_layout.h): its 4 level vectors, the
// scales and mins of its 8 groups.
template <DType kType>
__attribute__((always_inline)) inline void block32_half_regs_packed(const uint8_t* p, __m256i* q, __m256* scale,
                                                                    __m256* min) {
  constexpr bool kMin = kType == DType::kQ4_1 || kType == DType::kQ5_1;
  constexpr bool kFifthBit = kType == DType::kQ5_0 || kType == DType::kQ5_1;
  const __m128i d = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  *scale = _mm256_cvtph_ps(_mm_unpacklo_epi16(d, d));  // d0 d0 d1 d1 d2 d2 d3 d3
  if constexpr (kMin) {
    const __m128i m = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 8));
    *min = _mm256_xor_ps(_mm256_cvtph_ps(_mm_unpacklo_epi16(m, m)), _mm256_set1_ps(-0.0f));  // -m
  } else {
    *min = _mm256_mul_ps(_mm256_set1_ps(kFifthBit ? 16.0f : 8.0f), *scale);  // as the file decoder
  }
  const uint8_t* bits = p + (kMin ? 16 : 8);
  const uint8_t* nibbles = bits + (kFifthBit ? 16 : 0);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  for (int i = 0; i < 2; ++i) {
    const __m256i pair = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(nibbles + 32 * i));
    q[2 * i] = _mm256_and_si256(pair, low4);
    q[2 * i + 1] = _mm256_and_si256(_mm256_srli_epi16(pair, 4), low4);
  }
  if constexpr (kFifthBit) {  // bit w of byte i's low nibble to bit 4 of vector w's byte i, of its high to byte 16 + i
    const __m128i f = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bits));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(f, 4), f);
    const __m256i bit4 = _mm256_set1_epi8(0x10);
    q[0] = _mm256_or_si256(q[0], _mm256_and_si256(_mm256_slli_epi16(both, 4), bit4));
    q[1] = _mm256_or_si256(q[1], _mm256_and_si256(_mm256_slli_epi16(both, 3), bit4));
    q[2] = _mm256_or_si256(q[2], _mm256_and_si256(_mm256_slli_epi16(both, 2), bit4));
    q[3] = _mm256_or_si256(q[3], _mm256_and_si256(_mm256_slli_epi16(both, 1), bit4));
  }
}

template <DType kType>
__attribute__((always_inline)) inline void decode_regs_packed(const Matrix& w, int64_t row, int64_t chunk,
                                                              ChunkRegs* regs) {
  static_assert(kPackedAvailable<kType>);
  if constexpr (is_block32_nibbles(kType)) {  // per half: [d x 4] [m x 4] [fifth bits] [2 nibble pairs]
    int count;
    const auto* x = chunk_blocks<Block32<kType>>(w, row, chunk, &count);
    if (count == 8) {  // (chunk_is_rearranged: 8 blocks, or 4 that end the row)
      block32_half_regs_packed<kType>(reinterpret_cast<const uint8_t*>(x), regs->q, &regs->scale_lo, &regs->min_lo);
      block32_half_regs_packed<kType>(reinterpret_cast<const uint8_t*>(x + 4), regs->q + 4, &regs->scale_hi, &regs->min_hi);
    } else if (count == 4) {  // the second half zero, as the file decoder leaves the missing blocks
      block32_half_regs_packed<kType>(reinterpret_cast<const uint8_t*>(x), regs->q, &regs->scale_lo, &regs->min_lo);
      for (int v = 4; v < 8; ++v) regs->q[v] = _mm256_setzero_si256();
      regs->scale_hi = regs->min_hi = _mm256_setzero_ps();
    } else {  // a row's other short last chunks keep the file layout
      decode_regs<kType>(w, row, chunk, regs);
    }
  } else if constexpr (kType == DType::kQ4_K) {
    const BlockQ4_K& x = reinterpret_cast<const BlockQ4_K*>(w.row(row))[chunk];
    packed_low_bits(x.qs, regs->q);
    k4_scale_regs(k4_scales_mins(x.scales), k4_d_dmin(x), regs);
  } else {
    const BlockQ6_K& x = reinterpret_cast<const BlockQ6_K*>(w.row(row))[chunk];
    packed_low_bits(x.ql, regs->q);
    // Half j's bits 2 s .. 2 s + 1 are vector 4 j + s's, moved to bits 4..5 of each byte.
    const __m256i high2 = _mm256_set1_epi8(0x30);
    for (int j = 0; j < 2; ++j) {
      const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qh + 32 * j));
      const __m256i at[4] = {_mm256_slli_epi16(h, 4), _mm256_slli_epi16(h, 2), h, _mm256_srli_epi16(h, 2)};
      for (int s = 0; s < 4; ++s) regs->q[4 * j + s] = _mm256_or_si256(regs->q[4 * j + s], _mm256_and_si256(at[s], high2));
    }
    q6_K_scale_regs(x, regs);
  }
}

// pack_unit (kernels/chunk_layout.h) in registers, bit for bit: the file-layout decoder's group-major-8
// levels, put back as nibbles (and q6_K's high bits). Model load runs it over every such weight.
template <DType kType>
inline void pack_chunk_simd(uint8_t* chunk) {
  static_assert(kPackedAvailable<kType>);
  ChunkRegs regs;
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  uint8_t* nibbles;
  if constexpr (is_block32_nibbles(kType)) {  // one half chunk: [d x 4] [m x 4] [fifth bits] [2 nibble pairs]
    constexpr bool kMin = kType == DType::kQ4_1 || kType == DType::kQ5_1;
    constexpr bool kFifthBit = kType == DType::kQ5_0 || kType == DType::kQ5_1;
    using Block = Block32<kType>;
    Block x[4];
    std::memcpy(x, chunk, sizeof(x));
    __m256i in[8];
    for (int b = 0; b < 4; ++b) {
      in[b] = block32_levels(x[b]);
      in[4 + b] = _mm256_setzero_si256();
    }
    value_to_group_major8(in, regs.q);  // vectors 0..3: the half's
    uint8_t* out = chunk;
    for (int b = 0; b < 4; ++b) std::memcpy(out + 2 * b, &x[b].d, 2);
    out += 8;
    if constexpr (kMin) {
      for (int b = 0; b < 4; ++b) std::memcpy(out + 2 * b, &x[b].m, 2);
      out += 8;
    }
    if constexpr (kFifthBit) {  // bit 4 of vector w's bytes to bit w, bytes 16..31 in the high nibbles
      const __m256i bit4 = _mm256_set1_epi8(0x10);
      __m256i bits = _mm256_setzero_si256();
      for (int v = 0; v < 4; ++v) {
        bits = _mm256_or_si256(bits, _mm256_srl_epi16(_mm256_and_si256(regs.q[v], bit4), _mm_cvtsi32_si128(4 - v)));
      }
      const __m128i packed = _mm_or_si128(_mm256_castsi256_si128(bits), _mm_slli_epi16(_mm256_extracti128_si256(bits, 1), 4));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out), packed);
      out += 16;
    }
    for (int i = 0; i < 2; ++i) {
      const __m256i pair = _mm256_or_si256(_mm256_and_si256(regs.q[2 * i], low4),
                                           _mm256_slli_epi16(_mm256_and_si256(regs.q[2 * i + 1], low4), 4));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * i), pair);
    }
    return;
  } else if constexpr (kType == DType::kQ4_K) {
    auto& x = *reinterpret_cast<BlockQ4_K*>(chunk);
    q4_K_regs_grouped(x, &regs);
    nibbles = x.qs;
  } else {
    auto& x = *reinterpret_cast<BlockQ6_K*>(chunk);
    ChunkRegs value_order;
    q6_K_regs(x, &value_order);
    value_to_group_major8(value_order.q, regs.q);
    const __m256i high2 = _mm256_set1_epi8(0x30);
    for (int j = 0; j < 2; ++j) {  // bits 4..5 of vector 4 j + s to bits 2 s .. 2 s + 1
      const __m256i* q = regs.q + 4 * j;
      const __m256i h = _mm256_or_si256(
          _mm256_or_si256(_mm256_srli_epi16(_mm256_and_si256(q[0], high2), 4), _mm256_srli_epi16(_mm256_and_si256(q[1], high2), 2)),
          _mm256_or_si256(_mm256_and_si256(q[2], high2), _mm256_slli_epi16(_mm256_and_si256(q[3], high2), 2)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(x.qh + 32 * j), h);
    }
    nibbles = x.ql;
  }
  for (int i = 0; i < 4; ++i) {
    const __m256i pair = _mm256_or_si256(_mm256_and_si256(regs.q[2 * i], low4),
                                         _mm256_slli_epi16(_mm256_and_si256(regs.q[2 * i + 1], low4), 4));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(nibbles + 32 * i), pair);
  }
}

// decode_int_grouped for a rearranged matrix (the same IntChunk, bit for bit).
template <DType kType>
inline void decode_int_packed(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  ChunkRegs regs;
  decode_regs_packed<kType>(w, row, chunk, &regs);
  store_chunk_regs(regs, out);
}

// ---- q4_K and q5_K in the folded form: their 6-bit scales multiply the int16 sums in the integer
// widening (pmaddwd against the scales instead of ones), so a chunk's float work per (row, token) is
// d x (the two halves' integer sums times the activations' block scales) and dmin x (the 8 mins times the
// activations' block sums). Per row and chunk this takes 3 shuffles where the float form spreads,
// converts and scales 16 scales and mins (q4_K GEMV: 64 -> 52 vector instructions per row and chunk,
// in-cache time -9%).
struct K4Regs {
  __m256i q[8];                    // levels in group-major-8 order
  __m256i scale16_lo, scale16_hi;  // both int16 halves of int32 lane l of half h: sub-block (8 h + l) / 2's scale
  __m256 mins;                     // lane k: sub-block k's 6-bit min, as float
  __m256 d, dmin;                  // the block's two factors, broadcast
};

__attribute__((always_inline)) inline void k4_folded_scale_regs(__m128i scales_mins, uint32_t d_dmin, K4Regs* regs) {
  const __m256i both = _mm256_broadcastsi128_si256(scales_mins);  // the 16 bytes in each 128-bit lane
  const char z = static_cast<char>(0x80);
  // Scale bytes s0..s3 (each to two int32 lanes, twice as int16): lanes 0..3 in the low 128 bits.
  const auto pairs = [&](char s0, char s1, char s2, char s3) {
    return _mm256_shuffle_epi8(both, _mm256_setr_epi8(s0, z, s0, z, s0, z, s0, z, s1, z, s1, z, s1, z, s1, z, s2, z, s2, z,
                                                      s2, z, s2, z, s3, z, s3, z, s3, z, s3, z));
  };
  regs->scale16_lo = pairs(0, 1, 2, 3);
  regs->scale16_hi = pairs(4, 5, 6, 7);
  regs->mins = _mm256_cvtepi32_ps(_mm256_shuffle_epi8(
      both, _mm256_setr_epi8(8, z, z, z, 9, z, z, z, 10, z, z, z, 11, z, z, z, 12, z, z, z, 13, z, z, z, 14, z, z, z, 15, z, z, z)));
  k4_d_dmin_vectors(d_dmin, &regs->d, &regs->dmin);
}

// q4_K (rearranged at load or not) or q5_K (value order, transposed) in the folded form.
template <DType kType, bool kPacked>
__attribute__((always_inline)) inline void decode_k4_folded(const Matrix& w, int64_t row, int64_t chunk, K4Regs* regs) {
  if constexpr (kType == DType::kQ5_K) {
    static_assert(!kPacked);
    const BlockQ5_K& x = reinterpret_cast<const BlockQ5_K*>(w.row(row))[chunk];
    __m256i value_order[8];
    k4_levels<true>(x, value_order);
    value_to_group_major8(value_order, regs->q);
    k4_folded_scale_regs(k4_scales_mins(x.scales), k4_d_dmin(x), regs);
  } else {
    const BlockQ4_K& x = reinterpret_cast<const BlockQ4_K*>(w.row(row))[chunk];
    if constexpr (kPacked) {
      packed_low_bits(x.qs, regs->q);
    } else {
      q4_K_levels_grouped(x, regs->q);
    }
    k4_folded_scale_regs(k4_scales_mins(x.scales), k4_d_dmin(x), regs);
  }
}

// One half's levels x activations -> lane l: scale x (group 8 h + l's integer dot product), exact
// (|int16 sum| <= 4 x 2 x 31 x 127 = 31496 for q5_K's levels; |lane| <= 2 x 31496 x 63 < 2^22, so exact
// in float too).
__attribute__((always_inline)) inline __m256i k4_half_sums(const __m256i (&wq)[8], const ActChunk& a, int h, __m256i scale16) {
  __m256i p[4];
  for (int k = 0; k < 4; ++k) {
    p[k] = _mm256_maddubs_epi16(wq[4 * h + k], _mm256_load_si256(reinterpret_cast<const __m256i*>(a.q + 32 * (4 * h + k))));
  }
  return _mm256_madd_epi16(_mm256_add_epi16(_mm256_add_epi16(p[0], p[1]), _mm256_add_epi16(p[2], p[3])), scale16);
}

// One (row, token) pair's chunk added to acc; the mins first, as they do not wait for the products.
__attribute__((always_inline)) inline __m256 k4_folded_step(const __m256i (&wq)[8], __m256i scale16_lo, __m256i scale16_hi,
                                                            __m256 mins, __m256 d, __m256 dmin, const ActChunk& a,
                                                            __m256 acc) {
  acc = _mm256_fnmadd_ps(_mm256_mul_ps(mins, _mm256_load_ps(a.block_sum)), dmin, acc);
  const __m256i lo = k4_half_sums(wq, a, 0, scale16_lo), hi = k4_half_sums(wq, a, 1, scale16_hi);
  const __m256 sums = _mm256_fmadd_ps(_mm256_cvtepi32_ps(hi), _mm256_load_ps(a.group_scale + 8),
                                      _mm256_mul_ps(_mm256_cvtepi32_ps(lo), _mm256_load_ps(a.group_scale)));
  return _mm256_fmadd_ps(sums, d, acc);
}

template <int R, int T, DType kType, bool kPrefetch, bool kPacked>
inline void fused_k4_tile(const Matrix& w, int64_t r0, int64_t chunk0, const ActChunk* a, int64_t a_stride,
                          int64_t n_chunks, float (&out)[R][T]) {
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
#pragma GCC unroll 4  // as fused_int_tile
    for (int r = 0; r < R; ++r) {
      if constexpr (kPrefetch) prefetch_chunks_ahead<kType>(w, r0 + r, chunk0 + c);
      K4Regs wc;
      decode_k4_folded<kType, kPacked>(w, r0 + r, chunk0 + c, &wc);
      for (int t = 0; t < T; ++t) {
        acc[r][t] = k4_folded_step(wc.q, wc.scale16_lo, wc.scale16_hi, wc.mins, wc.d, wc.dmin,
                                   a[t * a_stride + c], acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
}

// The folded form of a chunk stored for a panel (many tokens): what fused_k4_tile keeps in registers.
template <DType kType, bool kPacked>
inline void decode_k4_chunk(const Matrix& w, int64_t row, int64_t chunk, K4Chunk* out) {
  K4Regs regs;
  decode_k4_folded<kType, kPacked>(w, row, chunk, &regs);
  for (int v = 0; v < 8; ++v) _mm256_store_si256(reinterpret_cast<__m256i*>(out->q + 32 * v), regs.q[v]);
  _mm256_store_si256(reinterpret_cast<__m256i*>(out->scale16), regs.scale16_lo);
  _mm256_store_si256(reinterpret_cast<__m256i*>(out->scale16 + 16), regs.scale16_hi);
  _mm256_store_ps(out->mins, regs.mins);
  out->d = _mm256_cvtss_f32(regs.d);
  out->dmin = _mm256_cvtss_f32(regs.dmin);
}

// The panel tile of the folded form: fused_k4_tile's arithmetic on stored chunks, bit for bit (the int16
// sums are exact in any order; the float steps are k4_folded_step's, in its order). The loop order is the
// panel's own: a step per (row, token) reloaded the row's levels for every token and spilled the
// accumulators, 18 vector loads per (row, token, chunk) through the two load pipes (llvm-mca znver3, 2 x 4
// tile: 75 cycles a chunk, load-bound). Here each of a half's 4 level vectors of both rows meets each
// token's activation vector in registers (the int16 sums: R x T registers), 6 loads per 8 products: 63
// cycles, bound by the multiply pipes (measured: q4_K 1536 x 8960 128-token GEMM -17%, pp512 +9%).
template <int R, int T>
inline void k4_tile(const K4Chunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride, int64_t n_chunks,
                    float (&out)[R][T]) {
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
    const K4Chunk* wc[R];
    const ActChunk* ac[T];
    for (int r = 0; r < R; ++r) wc[r] = &w[r * w_stride + c];
    for (int t = 0; t < T; ++t) ac[t] = &a[t * a_stride + c];
    // The mins first, as k4_folded_step takes them.
    for (int r = 0; r < R; ++r) {
      const __m256 mins = _mm256_load_ps(wc[r]->mins), dmin = _mm256_broadcast_ss(&wc[r]->dmin);
      for (int t = 0; t < T; ++t) {
        acc[r][t] = _mm256_fnmadd_ps(_mm256_mul_ps(mins, _mm256_load_ps(ac[t]->block_sum)), dmin, acc[r][t]);
      }
    }
    __m256 low_half[R][T];  // cvt(lo sums) x the low half's activation scales
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      __m256i sums16[R][T];  // lane pairs of int16 sums of level x activation
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {
        __m256i levels[R];
        for (int r = 0; r < R; ++r) {
          levels[r] = _mm256_load_si256(reinterpret_cast<const __m256i*>(wc[r]->q + 32 * (4 * h + k)));
        }
        for (int t = 0; t < T; ++t) {
          __m256i act = _mm256_load_si256(reinterpret_cast<const __m256i*>(ac[t]->q + 32 * (4 * h + k)));
          if constexpr (R > 1) __asm__("" : "+x"(act));  // one load for the R rows, not one folded into each
          for (int r = 0; r < R; ++r) {
            const __m256i p = _mm256_maddubs_epi16(levels[r], act);
            sums16[r][t] = k == 0 ? p : _mm256_add_epi16(sums16[r][t], p);
            // An empty asm holds the sum as one register here: otherwise GCC reassociates the int16 adds
            // into trees over all 4 steps' products and spills them (llvm-mca: 117 cycles a chunk).
            __asm__("" : "+x"(sums16[r][t]));
          }
        }
      }
      for (int r = 0; r < R; ++r) {
        const __m256i scale16 = _mm256_load_si256(reinterpret_cast<const __m256i*>(wc[r]->scale16 + 16 * h));
        const __m256 d = _mm256_broadcast_ss(&wc[r]->d);
        for (int t = 0; t < T; ++t) {
          const __m256 sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(sums16[r][t], scale16));
          if (h == 0) {
            low_half[r][t] = _mm256_mul_ps(sums, _mm256_load_ps(ac[t]->group_scale));
          } else {
            const __m256 both = _mm256_fmadd_ps(sums, _mm256_load_ps(ac[t]->group_scale + 8), low_half[r][t]);
            acc[r][t] = _mm256_fmadd_ps(both, d, acc[r][t]);
          }
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
}

// q4_K and q5_K take the folded form in every tile (fused and panel).
template <DType kType>
inline constexpr bool kFoldedK4 = kType == DType::kQ4_K || kType == DType::kQ5_K;

// kPrefetch: the inline prefetch (prefetch_ahead.h), for the one-row tiles.
template <int R, int T, DType kType, bool kPrefetch = false, bool kPacked = false>
inline void fused_int_tile(const Matrix& w, int64_t r0, int64_t chunk0, const ActChunk* a, int64_t a_stride,
                           int64_t n_chunks, float (&out)[R][T]) {
  static_assert(kFusedIntAvailable<kType>);
  if constexpr (kFoldedK4<kType>) {
    fused_k4_tile<R, T, kType, kPrefetch, kPacked>(w, r0, chunk0, a, a_stride, n_chunks, out);
    return;
  }
  constexpr int kTerms = int16_terms(kMaxLevel<kType>);
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
    // Unrolled, each row's maddubs read the activations from memory; rolled, GCC copied a chunk's 12
    // activation vectors to the stack for the row loop (in-cache q4_K GEMV 10.6 -> 9.4 us).
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      if constexpr (kPrefetch) prefetch_chunks_ahead<kType>(w, r0 + r, chunk0 + c);
      ChunkRegs wc;
      if constexpr (kPacked) {
        decode_regs_packed<kType>(w, r0 + r, chunk0 + c, &wc);
      } else {
        decode_regs<kType>(w, r0 + r, chunk0 + c, &wc);
      }
      for (int t = 0; t < T; ++t) {
        acc[r][t] = int_chunk_step<false, kTerms>(wc.q, wc.scale_lo, wc.scale_hi, wc.min_lo, wc.min_hi,
                                                  a[t * a_stride + c], acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
}

// fused_int_tile on a rearranged matrix.
template <int R, int T, DType kType, bool kPrefetch = false>
inline void fused_int_tile_packed(const Matrix& w, int64_t r0, int64_t chunk0, const ActChunk* a,
                                  int64_t a_stride, int64_t n_chunks, float (&out)[R][T]) {
  fused_int_tile<R, T, kType, kPrefetch, true>(w, r0, chunk0, a, a_stride, n_chunks, out);
}

// q8_0's int16 path (panels.h, wide lane order): a 32-element vector is two ymm halves, lanes 0..7 (blocks
// 0..3) and 8..15 (blocks 4..7); per half, 8 pmaddwd + paddd per (row, token) sum lane g's 16 products
// exactly, then the lanes are scaled by their blocks' scales.
template <int R, int T>
inline void wide_tile(const WideChunk* w, int64_t w_stride, const WideChunk* a, int64_t a_stride, int64_t n_chunks,
                      float (&out)[R][T]) {
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
    for (int h = 0; h < 2; ++h) {
      __m256i dots[R][T];
      for (int r = 0; r < R; ++r) {
        for (int t = 0; t < T; ++t) dots[r][t] = _mm256_setzero_si256();
      }
      for (int v = 0; v < 8; ++v) {
        __m256i wq[R];
        for (int r = 0; r < R; ++r) {
          wq[r] = _mm256_load_si256(reinterpret_cast<const __m256i*>(w[r * w_stride + c].q + 32 * v + 16 * h));
        }
        for (int t = 0; t < T; ++t) {
          const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(a[t * a_stride + c].q + 32 * v + 16 * h));
          for (int r = 0; r < R; ++r) dots[r][t] = _mm256_add_epi32(dots[r][t], _mm256_madd_epi16(wq[r], aq));
        }
        // Keeps each sum a running sum in its register: GCC otherwise reassociates the integer additions
        // into a tree over all eight vectors and spills the products (1.5B Q8_0 prefill at 0.75x llama.cpp).
        for (int r = 0; r < R; ++r) {
          for (int t = 0; t < T; ++t) __asm__("" : "+x"(dots[r][t]));
        }
      }
      for (int t = 0; t < T; ++t) {
        const __m256 as = _mm256_load_ps(a[t * a_stride + c].group_scale + 8 * h);
        for (int r = 0; r < R; ++r) {
          const __m256 scale = _mm256_mul_ps(_mm256_load_ps(w[r * w_stride + c].group_scale + 8 * h), as);
          acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots[r][t]), scale, acc[r][t]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
}

// q8_0 in registers, half h of the wide lane order as wide_tile reads it: vector v holds dword v (values
// 4 v .. 4 v + 3) of blocks 4 h .. 4 h + 3, widened; lane g's scale is block 4 h + g / 2's d.
struct WideHalfRegs {
  __m256i q[8];
  __m256 scale;
};

// Four q8_0 blocks' levels transposed by dwords: quads[k] holds dword k | k + 4 of the four blocks, i.e.
// vectors k and k + 4 of the half's wide lane order, as int8.
__attribute__((always_inline)) inline void q8_0_half_quads(const BlockQ8_0* x, __m256i (&quads)[4]) {
  __m256i y[4];
  for (int b = 0; b < 4; ++b) y[b] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs));
  const __m256i p0 = _mm256_unpacklo_epi32(y[0], y[1]), p1 = _mm256_unpackhi_epi32(y[0], y[1]);  // dwords 0 1 | 4 5
  const __m256i p2 = _mm256_unpacklo_epi32(y[2], y[3]), p3 = _mm256_unpackhi_epi32(y[2], y[3]);  // dwords 2 3 | 6 7
  quads[0] = _mm256_unpacklo_epi64(p0, p2);
  quads[1] = _mm256_unpackhi_epi64(p0, p2);
  quads[2] = _mm256_unpacklo_epi64(p1, p3);
  quads[3] = _mm256_unpackhi_epi64(p1, p3);
}

__attribute__((always_inline)) inline void decode_q8_0_wide_half(const BlockQ8_0* x, WideHalfRegs* out) {
  __m256i quads[4];
  q8_0_half_quads(x, quads);
  for (int k = 0; k < 4; ++k) {
    out->q[k] = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(quads[k]));
    out->q[k + 4] = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(quads[k], 1));
  }
  const __m128i d = _mm_setr_epi16(static_cast<int16_t>(x[0].d), static_cast<int16_t>(x[1].d), static_cast<int16_t>(x[2].d),
                                   static_cast<int16_t>(x[3].d), 0, 0, 0, 0);
  out->scale = _mm256_cvtph_ps(_mm_unpacklo_epi16(d, d));  // d0 d0 d1 d1 d2 d2 d3 d3
}

// q8_0 rearranged at load (kernels/chunk_layout.h), half a chunk: [d x 4] [8 x 16 bytes, vector v's int8].
constexpr bool kPackedWideAvailable = true;
constexpr int64_t kQ8_0HalfBytes = 4 * sizeof(BlockQ8_0);

__attribute__((always_inline)) inline void decode_q8_0_wide_half_packed(const uint8_t* half, WideHalfRegs* out) {
  for (int v = 0; v < 8; ++v) {
    out->q[v] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(half + 8 + 16 * v)));
  }
  const __m128i d = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(half));  // d0 .. d3
  out->scale = _mm256_cvtph_ps(_mm_unpacklo_epi16(d, d));                      // d0 d0 d1 d1 d2 d2 d3 d3
}

// decode_wide for a rearranged q8_0 matrix: the same WideChunk. Whole halves are rearranged; a row's last
// chunk with another count of blocks stays in the file layout.
inline void decode_wide_packed(const Matrix& w, int64_t row, int64_t chunk, WideChunk* out) {
  int count;
  const auto* x = chunk_blocks<BlockQ8_0>(w, row, chunk, &count);
  if (!chunk_is_rearranged(count)) {
    decode_wide<DType::kQ8_0>(w, row, chunk, out);
    return;
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(x);
  for (int h = 0; h < 2; ++h) {
    for (int b = 0; b < 4; ++b) {
      uint16_t d = 0;
      if (4 * h < count) std::memcpy(&d, bytes + kQ8_0HalfBytes * h + 2 * b, 2);
      out->group_scale[8 * h + 2 * b] = out->group_scale[8 * h + 2 * b + 1] = 4 * h < count ? half_to_float(d) : 0.0f;
    }
    for (int v = 0; v < 8; ++v) {
      const __m256i q = 4 * h < count ? _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + kQ8_0HalfBytes * h + 8 + 16 * v)))
                                      : _mm256_setzero_si256();
      _mm256_store_si256(reinterpret_cast<__m256i*>(out->q + 32 * v + 16 * h), q);
    }
  }
}

// pack_unit for q8_0 in registers: the file decoder's transpose, stored as int8.
inline void pack_q8_0_half_simd(uint8_t* half) {
  const auto* x = reinterpret_cast<const BlockQ8_0*>(half);
  __m256i quads[4];
  q8_0_half_quads(x, quads);  // loaded before the stores below overwrite the blocks
  const uint16_t d[4] = {x[0].d, x[1].d, x[2].d, x[3].d};
  std::memcpy(half, d, 8);
  for (int k = 0; k < 4; ++k) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(half + 8 + 16 * k), _mm256_castsi256_si128(quads[k]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(half + 8 + 16 * (k + 4)), _mm256_extracti128_si256(quads[k], 1));
  }
}

constexpr bool kFusedWideAvailable = true;
constexpr int kFusedWideTokens = kWideTokens;

// wide_tile for a few tokens, each weight chunk decoded into registers half by half; the integer sums and
// the float steps on them are wide_tile's, so the results agree bit for bit. A row's short last chunk
// goes through decode_wide. kPrefetch: the inline prefetch (prefetch_ahead.h), for the one-row tiles.
template <int R, int T, bool kPrefetch = false, bool kPacked = false>
inline void fused_wide_tile(const Matrix& w, int64_t r0, int64_t chunk0, const WideChunk* a, int64_t a_stride,
                            int64_t n_chunks, float (&out)[R][T]) {
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
#pragma GCC unroll 4  // as fused_int_tile (in-cache q8_0 GEMV 11.3 -> 10.6 us)
    for (int r = 0; r < R; ++r) {
      if constexpr (kPrefetch) prefetch_chunks_ahead<DType::kQ8_0>(w, r0 + r, chunk0 + c);
      int count;
      const auto* x = chunk_blocks<BlockQ8_0>(w, r0 + r, chunk0 + c, &count);
      // Rearranged: whole halves (a row's last chunk may hold 4 blocks); the missing half is zero, as the
      // file decoder leaves it, through the same steps.
      const bool packed = kPacked && chunk_is_rearranged(count);
      WideChunk partial;
      if (count < 8 && !packed) decode_wide<DType::kQ8_0>(w, r0 + r, chunk0 + c, &partial);
      for (int h = 0; h < 2; ++h) {
        WideHalfRegs wh;
        if (packed) {
          if (4 * h < count) {
            decode_q8_0_wide_half_packed(reinterpret_cast<const uint8_t*>(x) + kQ8_0HalfBytes * h, &wh);
          } else {
            for (int v = 0; v < 8; ++v) wh.q[v] = _mm256_setzero_si256();
            wh.scale = _mm256_setzero_ps();
          }
        } else if (count == 8) {
          decode_q8_0_wide_half(x + 4 * h, &wh);
        } else {
          for (int v = 0; v < 8; ++v) wh.q[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(partial.q + 32 * v + 16 * h));
          wh.scale = _mm256_load_ps(partial.group_scale + 8 * h);
        }
        for (int t = 0; t < T; ++t) {
          const WideChunk& ac = a[t * a_stride + c];
          __m256i dot = _mm256_setzero_si256();
          for (int v = 0; v < 8; ++v) {
            dot = _mm256_add_epi32(dot, _mm256_madd_epi16(wh.q[v], _mm256_load_si256(reinterpret_cast<const __m256i*>(ac.q + 32 * v + 16 * h))));
          }
          const __m256 scale = _mm256_mul_ps(wh.scale, _mm256_load_ps(ac.group_scale + 8 * h));
          acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), scale, acc[r][t]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
}

template <int R, int T, bool kPrefetch = false>
inline void fused_wide_tile_packed(const Matrix& w, int64_t r0, int64_t chunk0, const WideChunk* a,
                                   int64_t a_stride, int64_t n_chunks, float (&out)[R][T]) {
  fused_wide_tile<R, T, kPrefetch, true>(w, r0, chunk0, a, a_stride, n_chunks, out);
}

}  // namespace sinan::cpu::SINAN_CPU_ISA

#include "kernels/cpu/microkernels_avx2_float.h"  // IWYU pragma: export
