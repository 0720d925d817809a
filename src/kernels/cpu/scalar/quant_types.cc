// Scalar tier, block-quantized weights with int8 activations, through the reference decoders.
#define SINAN_CPU_ISA scalar
#include "kernels/cpu/microkernels_scalar.h"
#include "kernels/cpu/scalar/scalar_decode.h"
// The driver needs the tier's tiles and decoders above.
#include "kernels/cpu/matmul_driver.h"

namespace sinan::cpu::scalar {

void fill_quant_types(MatmulKernels* table) {
  set_block_format_entries<BlockFamily::k32Value>(table);
  set_block_format_entries<BlockFamily::kSuperBlock>(table);
}

}  // namespace sinan::cpu::scalar
