// avx2 tier, float activations: f32 (read in place), f16, bf16, FP8 with block scales, and anything else
// through the scalar decoder.
#define SINAN_CPU_ISA avx2
#include "kernels/cpu/simd_decode.h"
#include "kernels/cpu/microkernels_avx2.h"
// The driver needs the tier's tiles and decoders above.
#include "kernels/cpu/matmul_driver.h"

namespace sinan::cpu::avx2 {

void fill_float_types(MatmulKernels* table) {
  set_float_entry<DType::kF32>(table);
  set_float_entry<DType::kF16>(table);
  set_float_entry<DType::kBF16>(table);
  set_float_entry<DType::kF8E4M3>(table);
  table->generic = &float_matmul_rows<DType::kCount>;
}

}  // namespace sinan::cpu::avx2
