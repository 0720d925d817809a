// The dispatch table of the CPU matmul kernels: one entry per weight type for each SIMD tier. Built once
// (immutable afterwards); matmul() uses the active tier's table, tests and benchmarks pick any tier this
// CPU runs.
#pragma once

#include <cstdint>
#include <span>

#include "core/dtype.h"
#include "core/thread_pool.h"
#include "kernels/cpu/cpu_tier.h"
#include "kernels/cpu/decode_reference.h"
#include "kernels/cpu/panels.h"
#include "kernels/matmul.h"
#include "kernels/matrix.h"

namespace sinan::cpu {

// y[t, r] = sum_c W[r, c] * x[t, c] for rows [row_begin, row_end), single-threaded (matmul.h's contract).
using MatmulRowsFn = void (*)(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y,
                              int64_t y_stride, int64_t row_begin, int64_t row_end);

// Numerics policy, the same on every tier: the block-quantized types have their activations quantized
// per 32 values, to int8 (as ggml's q8_0) or, for q8_0 weights, to int16 (int8 would cost the q8_0 models
// more KL than their bars allow); every other type (f32, f16, bf16, FP8 with block scales, ...) keeps
// float32 activations and float32 accumulation.
enum class ActivationForm { kFloat, kInt8, kInt16 };
ActivationForm activation_form(DType type);

// The row-major product on activations quantized beforehand (the tier's quantize_act or quantize_wide, per
// activation_form): n_tokens x chunks_for(w.cols) chunks from `act`. matmul_with uses it for a few tokens, so
// the activations are quantized once per call instead of once per slice of rows.
using PreparedRowsFn = void (*)(const Matrix& w, const void* act, int64_t n_tokens, float* y, int64_t y_stride,
                                int64_t row_begin, int64_t row_end);

// The tier's building blocks, exposed so tests can hold them to the references bit for bit.
using DecodeIntFn = void (*)(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out);
using DecodeFloatFn = const float* (*)(const Matrix& w, int64_t row, int64_t chunk, int64_t n_chunks, FloatChunk* out);
using QuantizeActFn = void (*)(const float* x, int64_t cols, int64_t chunk_begin, int64_t n_chunks, ActChunk* out);
using DecodeWideFn = void (*)(const Matrix& w, int64_t row, int64_t chunk, WideChunk* out);
using QuantizeWideFn = void (*)(const float* x, int64_t cols, int64_t chunk_begin, int64_t n_chunks, WideChunk* out);

struct MatmulKernels {
  static constexpr int kTypes = static_cast<int>(DType::kCount);
  CpuTier tier = CpuTier::kScalar;
  MatmulRowsFn rows[kTypes] = {};  // by weight type
  MatmulRowsFn generic = nullptr;  // any type dequantize_row() handles, through the scalar decoder
  MatmulRowsFn for_matrix(const Matrix& w) const;
  PreparedRowsFn prepared_rows[kTypes] = {};  // the int8 and int16 activation types
  PreparedRowsFn prepared_for(const Matrix& w) const;  // nullptr where w takes another path

  DecodeIntFn decode_int[kTypes] = {};  // every type with an integer decoder, in int_form[type]
  LevelForm int_form[kTypes] = {};
  DecodeFloatFn decode_float[kTypes] = {};  // the types with a float-activation entry in rows
  QuantizeActFn quantize_act = nullptr;
  LaneOrder lane_order = LaneOrder::kValue;  // of the levels decode_int and quantize_act write (panels.h)
  DecodeWideFn decode_wide = nullptr;  // q8_0's int16 path (panels.h, wide lane order on every tier)
  QuantizeWideFn quantize_wide = nullptr;

  // Matrices rearranged at load into packed_layout (kFile: the tier has none; kernels/chunk_layout.h). A
  // matrix in another layout goes through `generic`, which decodes any layout.
  ChunkLayout packed_layout = ChunkLayout::kFile;
  MatmulRowsFn packed_rows[kTypes] = {};
  PreparedRowsFn packed_prepared_rows[kTypes] = {};
  DecodeIntFn packed_decode_int[kTypes] = {};  // the same IntChunk decode_int gives for the file layout
  DecodeWideFn packed_decode_wide = nullptr;   // q8_0: the same WideChunk decode_wide gives
  void (*pack_unit[kTypes])(uint8_t* unit) = {};  // sinan::pack_unit into packed_layout, bit for bit
};

// The table of a tier; the tier must not be above detected_cpu_tier().
const MatmulKernels& matmul_kernels(CpuTier tier);
inline const MatmulKernels& active_matmul_kernels() { return matmul_kernels(active_cpu_tier()); }

// matmul() with an explicit table: rows split across the pool in 16-row units (one cache line of y).
void matmul_with(const MatmulKernels& kernels, const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens,
                 float* y, int64_t y_stride, ThreadPool* pool);
// matmul_jobs() with the given table.
void matmul_jobs_with(const MatmulKernels& kernels, std::span<const MatmulJob> jobs, ThreadPool* pool);

// Each tier fills its entries (kernels/cpu/<tier>/*.cc).
namespace scalar {
void fill_float_types(MatmulKernels* table);
void fill_quant_types(MatmulKernels* table);
}  // namespace scalar
namespace avx2 {
void fill_float_types(MatmulKernels* table);
void fill_legacy_quants(MatmulKernels* table);
void fill_k_quants(MatmulKernels* table);
}  // namespace avx2
namespace avx512 {
void fill_float_types(MatmulKernels* table);
void fill_legacy_quants(MatmulKernels* table);
void fill_k_quants(MatmulKernels* table);
}  // namespace avx512
namespace avx512icl {
void fill_legacy_quants(MatmulKernels* table);
void fill_k_quants(MatmulKernels* table);
}  // namespace avx512icl

}  // namespace sinan::cpu
