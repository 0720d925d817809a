// Scalar tier, float activations (f32, f16, bf16, FP8 and anything else): every type through the
// reference decoders.
#define SINAN_CPU_ISA scalar
#include "kernels/cpu/microkernels_scalar.h"
#include "kernels/cpu/scalar/scalar_decode.h"
// The driver needs the tier's tiles and decoders above.
#include "kernels/cpu/matmul_driver.h"

namespace sinan::cpu::scalar {

void fill_float_types(MatmulKernels* table) {
  set_float_entry<DType::kF32>(table);
  set_float_entry<DType::kF16>(table);
  set_float_entry<DType::kBF16>(table);
  set_float_entry<DType::kF8E4M3>(table);
  table->generic = &float_matmul_rows<DType::kCount>;
}

}  // namespace sinan::cpu::scalar
