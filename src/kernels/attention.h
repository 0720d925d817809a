// Causal attention of one query vector over one sequence's cached rows. The same kernel serves
// grouped-query attention (each row holds K and V of every KV head) and MLA in the absorbed form
// (each row holds the compressed latent and the rope key; the latent is both key and value).
#pragma once

#include <cstdint>

namespace sinan {

// Where one sequence's rows of one layer live in the paged cache:
// row p = base + block_table[p / block_tokens] * block_stride + (p % block_tokens) * row_stride.
struct KvRows {
  const float* base = nullptr;
  const int32_t* block_table = nullptr;
  int64_t block_tokens = 0;
  int64_t block_stride = 0;
  int64_t row_stride = 0;

  const float* row(int64_t p) const {
    return base + block_table[p / block_tokens] * block_stride + (p % block_tokens) * row_stride;
  }
};

// out[0, value_len) = sum over p < n_positions of softmax_p(scale * q . key_p) * value_p, where
// key_p = row(p)[key_offset, key_offset + key_len) and value_p = row(p)[value_offset, + value_len).
// One pass over blocks of 16 positions with a running maximum (no score buffer), accumulating in float32.
void attend(const float* q, int64_t key_offset, int64_t key_len, int64_t value_offset, int64_t value_len,
            const KvRows& rows, int64_t n_positions, float scale, float* out);

// Reference for tests: scores first, then a max-subtracted softmax in double, then the weighted sum.
void attend_reference(const float* q, int64_t key_offset, int64_t key_len, int64_t value_offset, int64_t value_len,
                      const KvRows& rows, int64_t n_positions, float scale, float* out);

}  // namespace sinan
