// The dispatch table of the CPU matmul kernels: one entry per weight type for each SIMD tier. Built once
// (immutable afterwards); matmul() uses the active tier's table, tests and benchmarks pick any tier this
// CPU runs.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/thread_pool.h"
#include "kernels/cpu/cpu_tier.h"
#include "kernels/matrix.h"

namespace sinan::cpu {

// y[t, r] = sum_c W[r, c] * x[t, c] for rows [row_begin, row_end), single-threaded (matmul.h's contract).
using MatmulRowsFn = void (*)(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y,
                              int64_t y_stride, int64_t row_begin, int64_t row_end);

// Numerics policy, the same on every tier: block-quantized weights whose integer path is enabled here
// have their activations quantized per 32 values to int8 (as ggml's q8_0); every other type (f32, f16,
// bf16, FP8 with block scales, ...) keeps float32 activations and float32 accumulation.
bool uses_quantized_activations(DType type);

struct MatmulKernels {
  CpuTier tier = CpuTier::kScalar;
  MatmulRowsFn rows[static_cast<int>(DType::kCount)] = {};  // by weight type
  MatmulRowsFn generic = nullptr;  // any type dequantize_row() handles, through the scalar decoder
  MatmulRowsFn for_matrix(const Matrix& w) const;
};

// The table of a tier; the tier must not be above detected_cpu_tier().
const MatmulKernels& matmul_kernels(CpuTier tier);
inline const MatmulKernels& active_matmul_kernels() { return matmul_kernels(active_cpu_tier()); }

// matmul() with an explicit table: rows split across the pool in 16-row units (one cache line of y).
void matmul_with(const MatmulKernels& kernels, const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens,
                 float* y, int64_t y_stride, ThreadPool* pool);

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

}  // namespace sinan::cpu
