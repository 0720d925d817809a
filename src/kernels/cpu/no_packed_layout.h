// For a tier without a load-time layout (kernels/chunk_layout.h): the driver's names for one
// (matmul_driver.h), declared so its discarded `if constexpr` branches compile, never defined. The
// microkernel header of such a tier includes it, with SINAN_CPU_ISA defined.
#pragma once

#include <cstdint>

#include "kernels/cpu/panels.h"
#include "kernels/matrix.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA (the tier's namespace) before including no_packed_layout.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

constexpr ChunkLayout kPackedLayout = ChunkLayout::kFile;
template <DType kType>
inline constexpr bool kPackedAvailable = false;
constexpr bool kPackedWideAvailable = false;
template <DType kType>
void decode_int_packed(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out);
template <DType kType>
void pack_chunk_simd(uint8_t* chunk);
void decode_wide_packed(const Matrix& w, int64_t row, int64_t chunk, WideChunk* out);
void pack_q8_0_half_simd(uint8_t* half);

}  // namespace sinan::cpu::SINAN_CPU_ISA
