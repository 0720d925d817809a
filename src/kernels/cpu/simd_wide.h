// The int16 path of q8_0 (panels.h, "wide lane order"): its weights widened into WideChunks and the
// activations quantized to int16, bit-identical to decode_wide_chunk_reference and
// quantize_act_wide_chunk_reference. AVX2 intrinsics for both SIMD tiers (512-bit widening where the
// AVX-512 tier's flags allow).
#pragma once

#include "kernels/cpu/simd_common.h"
#include "kernels/cpu/simd_quantize_act.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA (the tier's namespace) before including simd_wide.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

// 32 int8 -> 32 int16 at dst.
inline void widen_store_32(__m256i bytes, int16_t* dst) {
#ifdef __AVX512BW__
  _mm512_store_si512(dst, _mm512_cvtepi8_epi16(bytes));
#else
  _mm256_store_si256(reinterpret_cast<__m256i*>(dst), _mm256_cvtepi8_epi16(_mm256_castsi256_si128(bytes)));
  _mm256_store_si256(reinterpret_cast<__m256i*>(dst + 16), _mm256_cvtepi8_epi16(_mm256_extracti128_si256(bytes, 1)));
#endif
}

// A q8_0 chunk in the wide lane order: vector v takes dword v (values 4 v .. 4 v + 3) of every block, in
// block order, i.e. an 8 x 8 transpose of dwords, then widened.
template <DType kType>
inline void decode_wide(const Matrix& w, int64_t row, int64_t chunk, WideChunk* out) {
  static_assert(kType == DType::kQ8_0, "the wide path is q8_0's");
  int count;
  const auto* x = chunk_blocks<BlockQ8_0>(w, row, chunk, &count);
  __m256i y[8];  // y[b]: the 32 levels of block b
  for (int b = 0; b < 8; ++b) {
    y[b] = b < count ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs)) : _mm256_setzero_si256();
    out->group_scale[2 * b] = out->group_scale[2 * b + 1] = b < count ? half_to_float(x[b].d) : 0.0f;
  }
  __m256i pairs[8], quads[8];
  for (int i = 0; i < 4; ++i) {  // pairs[2i]: dwords 0, 1 | 4, 5 of blocks 2i, 2i + 1 interleaved
    pairs[2 * i] = _mm256_unpacklo_epi32(y[2 * i], y[2 * i + 1]);
    pairs[2 * i + 1] = _mm256_unpackhi_epi32(y[2 * i], y[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {  // quads[4i + k]: dword k | k + 4 of blocks 4i .. 4i + 3
    quads[4 * i + 0] = _mm256_unpacklo_epi64(pairs[4 * i], pairs[4 * i + 2]);
    quads[4 * i + 1] = _mm256_unpackhi_epi64(pairs[4 * i], pairs[4 * i + 2]);
    quads[4 * i + 2] = _mm256_unpacklo_epi64(pairs[4 * i + 1], pairs[4 * i + 3]);
    quads[4 * i + 3] = _mm256_unpackhi_epi64(pairs[4 * i + 1], pairs[4 * i + 3]);
  }
  for (int k = 0; k < 4; ++k) {  // vector k: blocks 0..3 from quads[k] low half, 4..7 from quads[4 + k]
    widen_store_32(_mm256_permute2x128_si256(quads[k], quads[4 + k], 0x20), out->q + 32 * k);
    widen_store_32(_mm256_permute2x128_si256(quads[k], quads[4 + k], 0x31), out->q + 32 * (k + 4));
  }
}

// One block of 32 activations (b of the chunk) -> int16 levels at their wide positions.
inline void quantize_wide_block32(const float* x, int b, WideChunk* out) {
  __m256i levels[4];
  const float d = quantize_levels_32(x, 32767.0f, levels);
  alignas(32) int16_t in_order[32];  // packs interleaves 128-bit lanes; permute4x64 restores value order
  _mm256_store_si256(reinterpret_cast<__m256i*>(in_order),
                     _mm256_permute4x64_epi64(_mm256_packs_epi32(levels[0], levels[1]), 0xD8));
  _mm256_store_si256(reinterpret_cast<__m256i*>(in_order + 16),
                     _mm256_permute4x64_epi64(_mm256_packs_epi32(levels[2], levels[3]), 0xD8));
  for (int k = 0; k < 8; ++k) std::memcpy(out->q + 32 * k + 4 * b, in_order + 4 * k, 8);  // values 4k .. 4k + 3
  out->group_scale[2 * b] = out->group_scale[2 * b + 1] = d;
}

// Chunks [chunk_begin, chunk_begin + n_chunks) of one activation row of `cols` values.
inline void quantize_act_wide_chunks(const float* x, int64_t cols, int64_t chunk_begin, int64_t n_chunks,
                                     WideChunk* out) {
  for (int64_t c = 0; c < n_chunks; ++c) {
    WideChunk& a = out[c];
    const int64_t begin = (chunk_begin + c) * kChunk;
    for (int b = 0; b < 8; ++b) {
      const int64_t start = begin + 32 * b;
      if (start + 32 <= cols) {
        quantize_wide_block32(x + start, b, &a);
      } else if (start < cols) {
        alignas(32) float padded[32] = {};
        std::memcpy(padded, x + start, sizeof(float) * static_cast<size_t>(cols - start));
        quantize_wide_block32(padded, b, &a);
      } else {
        for (int k = 0; k < 8; ++k) std::memset(a.q + 32 * k + 4 * b, 0, 8);
        a.group_scale[2 * b] = a.group_scale[2 * b + 1] = 0.0f;
      }
    }
  }
}

}  // namespace sinan::cpu::SINAN_CPU_ISA
