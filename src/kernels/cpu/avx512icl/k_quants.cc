// avx512icl tier, the 256-value super-block formats: the avx512 tier's kernels compiled with GFNI, whose
// byte affine maps pick the q4_K and q6_K nibbles and bit pairs in one instruction per vector
// (microkernels_avx512.h, __GFNI__). Its float kernels are the avx512 tier's (dispatch.cc).
#define SINAN_CPU_ISA avx512icl
#include "kernels/cpu/simd_decode.h"
// The tiles use the decoders above.
#include "kernels/cpu/microkernels_avx512.h"
// The driver needs the tier's tiles and decoders above.
#include "kernels/cpu/matmul_driver.h"

namespace sinan::cpu::avx512icl {

void fill_k_quants(MatmulKernels* table) {
  set_block_format_entries<BlockFamily::kSuperBlock>(table);
}

}  // namespace sinan::cpu::avx512icl
