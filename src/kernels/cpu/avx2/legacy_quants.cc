// avx2 tier, the 32-value block formats with int8 activations.
#define SINAN_CPU_ISA avx2
#include "kernels/cpu/simd_decode.h"
#include "kernels/cpu/microkernels_avx2.h"
// The driver needs the tier's tiles and decoders above.
#include "kernels/cpu/matmul_driver.h"

namespace sinan::cpu::avx2 {

void fill_legacy_quants(MatmulKernels* table) {
  set_int_entry<DType::kQ4_0>(table);
  set_int_entry<DType::kQ4_1>(table);
  set_int_entry<DType::kQ5_0>(table);
  set_int_entry<DType::kQ5_1>(table);
  set_int_entry<DType::kQ8_0>(table);  // its int8 decoder, for the tests
  set_wide_entry<DType::kQ8_0>(table);
  set_int_entry<DType::kIQ4_NL>(table);
}

}  // namespace sinan::cpu::avx2
