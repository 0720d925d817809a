// avx512icl tier, the 32-value block formats: the avx512 tier's kernels compiled with VBMI, whose bit-field
// gather (vpmultishiftqb) places q5_0's and q5_1's fifth bits (microkernels_avx512.h, __AVX512VBMI__).
#define SINAN_CPU_ISA avx512icl
#include "kernels/cpu/simd_decode.h"
// The tiles use the decoders above.
#include "kernels/cpu/microkernels_avx512.h"
// The driver needs the tier's tiles and decoders above.
#include "kernels/cpu/matmul_driver.h"

namespace sinan::cpu::avx512icl {

void fill_legacy_quants(MatmulKernels* table) {
  set_block_format_entries<BlockFamily::k32Value>(table);
}

}  // namespace sinan::cpu::avx512icl
