// float32 -> block formats, one row at a time: the scalar reference quantizers. They follow ggml's
// algorithms (ggml-quants.c) and, for the inputs ggml handles, write the same bytes ggml does.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace sinan {

// True when quantize_row() produces this type: f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q8_1,
// q2_K .. q6_K, q8_K, iq4_nl, iq4_xs, mxfp4.
bool can_quantize(DType type);

// Quantizes one row of n values into dtype_row_bytes(type, n) bytes at dst (any alignment). n must be a
// multiple of the type's block size. importance, when given, holds n non-negative weights (an importance
// matrix row, as llama-quantize's --imatrix supplies) and selects ggml's importance-weighted search; the
// q8 activation formats, mxfp4 and the plain float types ignore it. Row-wide statistics (the legacy
// formats' sigma^2 under importance) are taken over these n values, so pass whole tensor rows.
// Finite inputs whose block scales fit in f16 give finite dequantized values; larger magnitudes
// (beyond ~6e4 times the format's level range) overflow the f16 scale as they do in ggml.
void quantize_row(DType type, const float* src, void* dst, int64_t n, const float* importance = nullptr);

}  // namespace sinan
