// avx512 tier, the 32-value block formats with int8 activations.
#define SINAN_CPU_ISA avx512
#include "kernels/cpu/simd_decode.h"
#include "kernels/cpu/microkernels_avx512.h"
// The driver needs the tier's tiles and decoders above.
#include "kernels/cpu/matmul_driver.h"

namespace sinan::cpu::avx512 {

void fill_legacy_quants(MatmulKernels* table) {
  set_block_format_entries<BlockFamily::k32Value>(table);
}

}  // namespace sinan::cpu::avx512
