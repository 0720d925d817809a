// AVX2 tiles: R weight rows x T tokens of dot products held in ymm accumulators.
//  - int: 32 values per step; maddubs multiplies unsigned levels by int8 activations into int16 pairs
//    (no saturation: levels <= 63) and madd sums them into 8 int32 lanes of 4 values. Signed levels
//    (iq4) use |w| x sign(a, w), as maddubs needs one unsigned operand.
//  - wide (q8_0): int16 levels and activations, pmaddwd (wide_tile).
//  - float: 8 values per step, one FMA per (row, token); the ragged end uses masked loads. For a few
//    tokens (decode) the weights are converted in registers as they stream (Loader8), without a panel.
// Include after simd_decode.h (fp8_to_float).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/cpu/decode_reference.h"
#include "kernels/cpu/panels.h"
#include "kernels/matrix.h"
#include "quant/block_layouts.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA before including microkernels_avx2.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

constexpr int kIntRows = 2;
constexpr int kIntTokens = 2;  // 4 measured: prefill -8% (1.5B Q4_K_M pp256, the 8 level vectors and 8 sums spill)
constexpr bool kFusedWideAvailable = false;
constexpr int kFusedWideTokens = 0;
constexpr int kFloatRows = 3;
constexpr int kWideRows = 2;
constexpr int kWideTokens = 3;  // 6 int32 sums + 6 float accumulators + 3 operands: 15 of 16 ymm
constexpr bool kGroupedLanes = false;  // levels in value order (panels.h)
inline void to_lane_order(uint8_t*) {}
template <DType kType, LevelForm kForm>
inline void decode_int_grouped(const Matrix&, int64_t, int64_t, IntChunk*) {}  // group-major tiers only
constexpr bool kPrefersSignedLevels = true;
constexpr int kFloatTokens = 4;

inline float sum_of(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// ---- int tiles. Per chunk and (row, token): maddubs + madd give 8 int32 lanes of 4 products for each
// 32-value vector v (lanes 0..3 group 2 v, 4..7 group 2 v + 1); an unpack tree adds them into the 16
// group sums, exact in int32 (|sum| <= 16 x 255 x 127 < 2^24, so exact in float too); two FMAs scale
// them by (weight group scale x activation block scale) and, in the offset form, two more take off the
// mins times the activations' group sums. Four float operations per chunk instead of one chain of FMAs
// per 32 values: the chain's latency, not the ports, had set the pace.

// Four vectors' lane sums -> their 8 groups' sums in group order (groups 2 v, 2 v + 1 of vector v).
__attribute__((always_inline)) inline __m256i group_sums_4(__m256i d0, __m256i d1, __m256i d2, __m256i d3) {
  const __m256i s01 = _mm256_add_epi32(_mm256_unpacklo_epi32(d0, d1), _mm256_unpackhi_epi32(d0, d1));
  const __m256i s23 = _mm256_add_epi32(_mm256_unpacklo_epi32(d2, d3), _mm256_unpackhi_epi32(d2, d3));
  const __m256i s = _mm256_add_epi32(_mm256_unpacklo_epi64(s01, s23), _mm256_unpackhi_epi64(s01, s23));
  return _mm256_permutevar8x32_epi32(s, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));  // from groups 0 2 4 6 1 3 5 7
}

// One (row, token) pair's chunk added to acc. wq: the row's 8 level vectors; in the signed form wabs holds
// their absolute values (maddubs needs one unsigned operand) and there are no mins.
template <bool kSigned>
__attribute__((always_inline)) inline __m256 int_chunk_step(const __m256i (&wq)[8], const __m256i (&wabs)[8], __m256 scale_lo,
                                                            __m256 scale_hi, __m256 min_lo, __m256 min_hi,
                                                            const ActChunk& a, __m256 acc) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i d[8];
  for (int v = 0; v < 8; ++v) {
    const __m256i aq = _mm256_load_si256(reinterpret_cast<const __m256i*>(a.q + 32 * v));
    const __m256i pairs = kSigned ? _mm256_maddubs_epi16(wabs[v], _mm256_sign_epi8(aq, wq[v])) : _mm256_maddubs_epi16(wq[v], aq);
    d[v] = _mm256_madd_epi16(pairs, ones);
  }
  // The mins first: they do not wait for the products, so only two FMAs follow the integer sums.
  if constexpr (!kSigned) {
    acc = _mm256_fnmadd_ps(min_lo, _mm256_load_ps(a.group_sum), acc);
    acc = _mm256_fnmadd_ps(min_hi, _mm256_load_ps(a.group_sum + 8), acc);
  }
  const __m256i lo = group_sums_4(d[0], d[1], d[2], d[3]), hi = group_sums_4(d[4], d[5], d[6], d[7]);
  acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lo), _mm256_mul_ps(scale_lo, _mm256_load_ps(a.group_scale)), acc);
  acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(hi), _mm256_mul_ps(scale_hi, _mm256_load_ps(a.group_scale + 8)), acc);
  return acc;
}

template <int R, int T, bool kSigned>
inline void int_tile(const IntChunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride, int64_t n_chunks,
                     float (&out)[R][T]) {
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
    for (int r = 0; r < R; ++r) {
      const IntChunk& wc = w[r * w_stride + c];
      __m256i wq[8], wabs[8];
      for (int v = 0; v < 8; ++v) {
        wq[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(wc.q + 32 * v));
        if constexpr (kSigned) wabs[v] = _mm256_abs_epi8(wq[v]);
      }
      const __m256 scale_lo = _mm256_load_ps(wc.group_scale), scale_hi = _mm256_load_ps(wc.group_scale + 8);
      const __m256 min_lo = _mm256_load_ps(wc.group_min), min_hi = _mm256_load_ps(wc.group_min + 8);
      for (int t = 0; t < T; ++t) {
        acc[r][t] = int_chunk_step<kSigned>(wq, wabs, scale_lo, scale_hi, min_lo, min_hi, a[t * a_stride + c], acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
}

// The types with a register decoder (ChunkRegs, simd_decode_int.h): for up to kFusedIntTokens tokens each
// weight chunk is decoded into registers and used at once instead of being stored to a panel and loaded
// back. The arithmetic is int_tile's (offset form), so a row's result is the same bit for bit whichever
// of the two a batch takes.
template <DType kType>
inline constexpr bool kFusedIntAvailable = kType == DType::kQ4_K || kType == DType::kQ5_K || kType == DType::kQ6_K;
constexpr int kFusedIntTokens = kIntTokens;

template <DType kType>
__attribute__((always_inline)) inline void decode_regs(const Matrix& w, int64_t row, int64_t chunk, ChunkRegs* out) {
  if constexpr (kType == DType::kQ4_K) {
    k4_regs<false>(reinterpret_cast<const BlockQ4_K*>(w.row(row))[chunk], out);
  } else if constexpr (kType == DType::kQ5_K) {
    k4_regs<true>(reinterpret_cast<const BlockQ5_K*>(w.row(row))[chunk], out);
  } else {
    static_assert(kType == DType::kQ6_K);
    q6_K_regs(reinterpret_cast<const BlockQ6_K*>(w.row(row))[chunk], out);
  }
}

template <int R, int T, DType kType>
inline void fused_int_tile(const Matrix& w, int64_t r0, int64_t chunk0, const ActChunk* a, int64_t a_stride,
                           int64_t n_chunks, float (&out)[R][T]) {
  static_assert(kFusedIntAvailable<kType>);
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  for (int64_t c = 0; c < n_chunks; ++c) {
    for (int r = 0; r < R; ++r) {
      ChunkRegs wc;
      decode_regs<kType>(w, r0 + r, chunk0 + c, &wc);
      for (int t = 0; t < T; ++t) {
        acc[r][t] = int_chunk_step<false>(wc.q, wc.q, wc.scale_lo, wc.scale_hi, wc.min_lo, wc.min_hi,
                                          a[t * a_stride + c], acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) out[r][t] = sum_of(acc[r][t]);
  }
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

template <DType kType>
using Loader16 = Loader8<kType>;  // the driver's name for "the tier's loader"

}  // namespace sinan::cpu::SINAN_CPU_ISA
