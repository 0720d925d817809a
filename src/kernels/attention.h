// Causal attention of one query vector over one sequence's cached rows. The same kernel serves
// grouped-query attention (each row holds K and V of every KV head) and MLA in the absorbed form
// (each row holds the compressed latent and the rope key; the latent is both key and value).
#pragma once

#include <algorithm>
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

// attend() for n_heads queries that read the same rows (MLA: all heads; GQA: the query heads of one KV head):
// head h's query is q + h * q_stride, its output out + h * out_stride, bit for bit what attend() gives for
// it alone (in the active tier's kernel, below), but each block of rows is read once for all heads (up to
// 128 a pass) instead of once per head.
void attend_heads(const float* q, int64_t q_stride, int64_t n_heads, int64_t key_offset, int64_t key_len,
                  int64_t value_offset, int64_t value_len, const KvRows& rows, int64_t n_positions, float scale,
                  float* out, int64_t out_stride);

// attend_heads() in GCC's generic 16-lane vectors without FMA (the same bits on every CPU): what the scalar
// tier and non-x86 builds run. The avx2 and avx512 tiers run an AVX2 + FMA kernel (kernels/cpu/avx2/
// attention.cc), which rounds differently; both agree with attend_reference to float32 rounding.
void attend_heads_portable(const float* q, int64_t q_stride, int64_t n_heads, int64_t key_offset, int64_t key_len,
                           int64_t value_offset, int64_t value_len, const KvRows& rows, int64_t n_positions,
                           float scale, float* out, int64_t out_stride);

// How many of the `heads` query heads that share rows one attend_heads() call should take, for n_tokens
// tokens x `groups` sets of such heads on n_threads threads: all of them where the calls already keep every
// thread busy (each block of rows is then read once per token and group), else an even split of them into
// as many calls as there are threads.
inline int64_t attention_heads_per_call(int64_t n_tokens, int64_t groups, int64_t heads, int n_threads) {
  const int64_t calls = n_tokens * groups;
  if (calls >= n_threads || heads <= 1) return heads;
  const int64_t pieces = std::min(heads, (n_threads + calls - 1) / calls);
  return (heads + pieces - 1) / pieces;
}

// Reference for tests: scores first, then a max-subtracted softmax in double, then the weighted sum.
void attend_reference(const float* q, int64_t key_offset, int64_t key_len, int64_t value_offset, int64_t value_len,
                      const KvRows& rows, int64_t n_positions, float scale, float* out);

}  // namespace sinan
