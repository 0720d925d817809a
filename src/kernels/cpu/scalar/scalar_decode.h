// The scalar tier's decoders: the references themselves (the type is read from the matrix at run time).
#pragma once

#include "kernels/cpu/decode_reference.h"
#include "kernels/cpu/panels.h"

namespace sinan::cpu::scalar {

template <DType kType, LevelForm kForm>
inline void decode_int(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  decode_int_chunk_reference(w, row, chunk, kForm, out);
}

template <DType kType>
inline const float* decode_float(const Matrix& w, int64_t row, int64_t chunk, int64_t n_chunks, FloatChunk* out) {
  for (int64_t c = 0; c < n_chunks; ++c) decode_float_chunk_reference(w, row, chunk + c, out + c);
  return out->v;
}

inline void quantize_act_chunks(const float* x, int64_t cols, int64_t chunk_begin, int64_t n_chunks, ActChunk* out) {
  for (int64_t c = 0; c < n_chunks; ++c) quantize_act_chunk_reference(x, cols, chunk_begin + c, out + c);
}

template <DType kType>
inline void decode_wide(const Matrix& w, int64_t row, int64_t chunk, WideChunk* out) {
  decode_wide_chunk_reference(w, row, chunk, out);
}

inline void quantize_act_wide_chunks(const float* x, int64_t cols, int64_t chunk_begin, int64_t n_chunks,
                                     WideChunk* out) {
  for (int64_t c = 0; c < n_chunks; ++c) quantize_act_wide_chunk_reference(x, cols, chunk_begin + c, out + c);
}

}  // namespace sinan::cpu::scalar
