// The AVX2 + FMA attention kernel (kernels/cpu/avx2/attention.cc), behind attend_heads() in
// kernels/attention.h, which calls it on the avx2 and avx512 tiers.
#pragma once

#include <cstdint>

#include "kernels/attention.h"

namespace sinan::cpu::avx2 {

// attend_heads()'s contract (kernels/attention.h); within float32 rounding of attend_reference, each head's
// result independent of the other heads in the call.
void attend_heads(const float* q, int64_t q_stride, int64_t n_heads, int64_t key_offset, int64_t key_len,
                  int64_t value_offset, int64_t value_len, const KvRows& rows, int64_t n_positions, float scale,
                  float* out, int64_t out_stride);

}  // namespace sinan::cpu::avx2
