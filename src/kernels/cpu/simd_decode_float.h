// SIMD decoders of f16, bf16 and FP8 (block scales applied) rows to float32, bit-identical to
// decode_float_chunk_reference; other types go through the reference.
#pragma once

#include "kernels/cpu/simd_common.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA (the tier's namespace) before including simd_decode_float.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

// ---- float decoders: n_chunks chunks of one row from `chunk` on, into out (contiguous); f32 rows are
// used in place. Returns the values.

// 8 FP8 e4m3 values -> float: the byte sign-extended to 16 bits and shifted left by 7 has the exponent and
// mantissa where a half keeps them, and the sign in bits 15 and 14; with bit 14 cleared it is a half whose
// exponent bias is 8 less (15 vs 7), i.e. the value * 2^-8 exactly, subnormals included. e4m3's NaN
// (S.1111.111) is not special-cased: checkpoints hold none.
inline __m256 fp8_to_float(const uint8_t* p) {
  const __m128i b = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  const __m128i half = _mm_and_si128(_mm_slli_epi16(b, 7), _mm_set1_epi16(-16385));
  return _mm256_mul_ps(_mm256_cvtph_ps(half), _mm256_set1_ps(256.0f));
}

template <DType kType>
inline const float* decode_float(const Matrix& w, int64_t row, int64_t chunk, int64_t n_chunks, FloatChunk* out) {
  const int64_t begin = chunk * kChunk;
  const int64_t end = min_of(begin + n_chunks * kChunk, w.cols);
  const int64_t count = end - begin;
  float* dst = out->v;
  if constexpr (kType == DType::kF32) {
    if (w.block_scales == nullptr) return reinterpret_cast<const float*>(w.row(row)) + begin;
  }
  if constexpr (kType == DType::kF16 || kType == DType::kBF16 || kType == DType::kF8E4M3) {
    const bool fast_scales = w.block_scales == nullptr ||
                             (kType == DType::kF8E4M3 && w.scale_block_cols % 8 == 0 && w.scale_block_rows > 0);
    if (fast_scales) {
      int64_t i = 0;
      if constexpr (kType == DType::kF16) {
        const auto* src = reinterpret_cast<const uint8_t*>(w.row(row)) + 2 * begin;
        for (; i + 8 <= count; i += 8) {
          _mm256_store_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i))));
        }
        for (; i < count; ++i) {
          uint16_t h;
          std::memcpy(&h, src + 2 * i, 2);
          dst[i] = half_to_float(h);
        }
      } else if constexpr (kType == DType::kBF16) {
        const auto* src = reinterpret_cast<const uint8_t*>(w.row(row)) + 2 * begin;
        for (; i + 8 <= count; i += 8) {
          const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i)));
          _mm256_store_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
        }
        for (; i < count; ++i) {
          uint16_t h;
          std::memcpy(&h, src + 2 * i, 2);
          const uint32_t bits = static_cast<uint32_t>(h) << 16;
          std::memcpy(dst + i, &bits, 4);
        }
      } else {
        const uint8_t* src = w.row(row) + begin;
        const float* scale_row =
            w.block_scales == nullptr
                ? nullptr
                : w.block_scales + ((row + w.scale_row_offset) / w.scale_block_rows) * w.scale_cols;
        // Runs of one scale block (a multiple of 8 values), so no division per vector.
        const int64_t run = scale_row ? w.scale_block_cols : count;
        while (i + 8 <= count) {
          const int64_t run_end = min_of(count, scale_row ? ((begin + i) / run + 1) * run - begin : count);
          const __m256 scale = _mm256_set1_ps(scale_row ? scale_row[(begin + i) / run] : 1.0f);
          for (; i + 8 <= run_end; i += 8) _mm256_store_ps(dst + i, _mm256_mul_ps(fp8_to_float(src + i), scale));
        }
        if (i < count) {
          alignas(16) uint8_t tail[8] = {};
          std::memcpy(tail, src + i, static_cast<size_t>(count - i));
          alignas(32) float values[8];
          _mm256_store_ps(values, fp8_to_float(tail));
          for (int64_t j = i; j < count; ++j) {
            dst[j] = scale_row ? values[j - i] * scale_row[(begin + j) / w.scale_block_cols] : values[j - i];
          }
        }
      }
      for (int64_t j = count; j < n_chunks * kChunk; ++j) dst[j] = 0.0f;
      return dst;
    }
  }
  for (int64_t c = 0; c < n_chunks && chunk + c < chunks_for(w.cols); ++c) {
    decode_float_chunk_reference(w, row, chunk + c, out + c);
  }
  return dst;
}

}  // namespace sinan::cpu::SINAN_CPU_ISA
