// Scalar tier, block-quantized weights with int8 activations, through the reference decoders.
#define SINAN_CPU_ISA scalar
#include "kernels/cpu/microkernels_scalar.h"
#include "kernels/cpu/scalar/scalar_decode.h"
// The driver needs the tier's tiles and decoders above.
#include "kernels/cpu/matmul_driver.h"

namespace sinan::cpu::scalar {

void fill_quant_types(MatmulKernels* table) {
  set_int_entry<DType::kQ4_0>(table);
  set_int_entry<DType::kQ4_1>(table);
  set_int_entry<DType::kQ5_0>(table);
  set_int_entry<DType::kQ5_1>(table);
  set_int_entry<DType::kQ8_0>(table);  // its int8 decoder, for the tests
  set_wide_entry<DType::kQ8_0>(table);
  set_int_entry<DType::kIQ4_NL>(table);
  set_int_entry<DType::kQ2_K>(table);
  set_int_entry<DType::kQ3_K>(table);
  set_int_entry<DType::kQ4_K>(table);
  set_int_entry<DType::kQ5_K>(table);
  set_int_entry<DType::kQ6_K>(table);
  set_int_entry<DType::kIQ4_XS>(table);
}

}  // namespace sinan::cpu::scalar
