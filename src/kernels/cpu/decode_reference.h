// Scalar reference decoders into the kernels' chunk forms (panels.h) and the scalar activation
// quantizer. The scalar tier runs these; every SIMD decoder and quantizer must reproduce them bit for bit
// (tests/kernels/decode_test.cc).
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "kernels/cpu/panels.h"
#include "kernels/matrix.h"

namespace sinan::cpu {

enum class LevelForm { kOffset, kSigned };

// Types decoded to integer levels (the quantized-activation path): q4_0, q4_1, q5_0, q5_1, q8_0,
// q2_K .. q6_K, iq4_nl, iq4_xs.
bool has_int_decoder(DType type);

// q8_0, iq4_nl and iq4_xs: the types whose AVX2 form keeps signed levels.
constexpr bool has_signed_form(DType type) {
  return type == DType::kQ8_0 || type == DType::kIQ4_NL || type == DType::kIQ4_XS;
}

// Decodes chunk `chunk` (values [256 chunk, 256 chunk + 256)) of row `row`. The matrix has no block scales.
void decode_int_chunk_reference(const Matrix& w, int64_t row, int64_t chunk, LevelForm form, IntChunk* out);

// Any type dequantize_row() handles, FP8 block scales applied; zero past the end of the row.
void decode_float_chunk_reference(const Matrix& w, int64_t row, int64_t chunk, FloatChunk* out);

// Quantizes chunk `chunk` of one activation row of `cols` values (q8_0's rule: per 32 values
// d = amax / 127, q = round(x / d), ties away from zero).
void quantize_act_chunk_reference(const float* x, int64_t cols, int64_t chunk, ActChunk* out);

// q8_0 chunk `chunk` of row `row` into the wide lane order (panels.h). The matrix has no block scales.
void decode_wide_chunk_reference(const Matrix& w, int64_t row, int64_t chunk, WideChunk* out);

// Quantizes chunk `chunk` of one activation row to int16 in the wide lane order (per 32 values
// d = amax / 32767, q = round(x / d), ties away from zero).
void quantize_act_wide_chunk_reference(const float* x, int64_t cols, int64_t chunk, WideChunk* out);

// The value of chunk position i (0..255, in value order) a WideChunk represents (for tests).
inline float wide_value(const WideChunk& a, int i) {
  const int e = wide_position(i);
  return static_cast<float>(a.q[e]) * a.group_scale[(e % 32) / 2];
}

// The float activation value an ActChunk represents (for tests): q[i] * group_scale[i / 16].
inline float act_value(const ActChunk& a, int i) { return static_cast<float>(a.q[i]) * a.group_scale[i / 16]; }

}  // namespace sinan::cpu
