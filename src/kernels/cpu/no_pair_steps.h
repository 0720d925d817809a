// For a tier without the AVX-512 tier's paired half-chunk steps (fused_half_row_pairs: 128-column rows
// two at a time; fused_tail_pair / fused_wide_tail_pair: two rows' half last chunks in one step): the
// driver's names for them (matmul_driver.h), declared so its discarded `if constexpr` branches compile,
// never defined. The microkernel header of such a tier includes it, with SINAN_CPU_ISA defined.
#pragma once

#include <cstdint>

#include "kernels/cpu/panels.h"
#include "kernels/matrix.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA (the tier's namespace) before including no_pair_steps.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

template <DType kType>
inline constexpr bool kHalfRowPairsAvailable = false;
template <DType kType>
int64_t fused_half_row_pairs(const Matrix& w, const ActChunk& a, float* y, int64_t row_begin, int64_t row_end);
template <DType kType>
void fused_tail_pair(const Matrix& w, int64_t r, int64_t chunk0, const ActChunk* a, int64_t n_chunks,
                     float (&out)[2]);
constexpr bool kWideTailPairsAvailable = false;
void fused_wide_tail_pair(const Matrix& w, int64_t r, int64_t chunk0, const WideChunk* a, int64_t n_chunks,
                          float (&out)[2]);

}  // namespace sinan::cpu::SINAN_CPU_ISA
