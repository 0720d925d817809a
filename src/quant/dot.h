// Scalar reference dot products of a weight row with an activation row: the oracles the SIMD and GPU
// kernels are tested against. Two forms:
//  - dot_row: dequantize the weights and dot with float activations, accumulating in float;
//  - vec_dot: ggml's quantized-activation form (ggml_vec_dot_<w>_<a>), the activations first quantized to
//    the 8-bit format ggml pairs with the weight type, integer sums inside each block, then float scaling.
//    Its float operations keep the order of ggml's generic C kernels, so the results are bit-identical
//    to ggml_vec_dot_*_generic (tests/data/quant/vec_dot_ggml.tsv). SIMD kernels, which sum in other
//    orders (as ggml's own do), are compared with a tolerance.
#pragma once

#include <cstdint>
#include <optional>

#include "core/dtype.h"

namespace sinan {

// sum_i dequantize(w)[i] * x[i] for any type dequantize_row() handles. n as dequantize_row().
float dot_row(DType wtype, const void* wrow, const float* x, int64_t n);

// The activation format vec_dot() expects for this weight type (ggml's vec_dot_type): q8_0 for q4_0,
// q5_0, q8_0, iq4_nl and mxfp4; q8_1 for q4_1 and q5_1 (its per-block sum applies their offsets); q8_K
// for q2_K..q6_K and iq4_xs. nullopt for types without an integer dot product.
std::optional<DType> vec_dot_activation_type(DType wtype);

// The dot of a weight row with an activation row quantized (quantize_row) to
// *vec_dot_activation_type(wtype); both rows hold n values, n a multiple of both block sizes.
float vec_dot(DType wtype, const void* wrow, const void* activation_row, int64_t n);

}  // namespace sinan
