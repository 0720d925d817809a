// Matrix products against weights in any stored type, float32 activations and accumulation.
#pragma once

#include <cstdint>
#include <span>

#include "core/thread_pool.h"
#include "kernels/matrix.h"

namespace sinan {

// y[t, r] = sum_c W[r, c] * x[t, c] for t < n_tokens, r < W.rows.
// x rows are W.cols long with stride x_stride; y rows have stride y_stride. Rows of W are split
// across the pool so each thread streams its own part of the weights once for all tokens.
void matmul(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
            ThreadPool* pool);

// One product of a group run by matmul_jobs: y = x W^T as in matmul().
struct MatmulJob {
  const Matrix* w;
  const float* x;
  int64_t x_stride;
  int64_t n_tokens;
  float* y;
  int64_t y_stride;
};

// Several independent products in ONE parallel loop: the rows of all of them are split across the pool
// together. A decode step runs a few hundred small products; grouping those that do not depend on each
// other (q, k and v; gate and up; the experts of a token) saves a wake-up and a join per product. Each
// output gets exactly the bits matmul() gives it (rows are independent of how they are split).
void matmul_jobs(std::span<const MatmulJob> jobs, ThreadPool* pool);

// The same for a single thread (used inside already-parallel loops), over rows [row_begin, row_end).
void matmul_rows(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
                 int64_t row_begin, int64_t row_end);

// y[t, c] = sum_r W[r, c] * x[t, r]: the product with W transposed, single-threaded (MLA absorbs
// W_UK into the query this way when the checkpoint stores kv_b_proj un-split).
void matmul_transposed(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y,
                       int64_t y_stride);

// The chunk layout the active CPU tier reads w's type fastest in (kernels/chunk_layout.h), or kFile. A
// model rearranges its weights into it once at load, where their memory is its own (Model::prepare_weight_memory).
ChunkLayout preferred_chunk_layout(const Matrix& w);

// Writes w's bytes rearranged into preferred_chunk_layout(*w) to `out` (w->nbytes(); may be w's own bytes
// when they are writable) with the active tier's SIMD packer (the bytes pack_unit gives), and records the
// layout in w->layout. The caller points w->data at `out` if it is elsewhere.
void pack_for_active_tier(Matrix* w, uint8_t* out);

// Reference for tests: the same product with every weight decoded first and a double accumulator.
void matmul_reference(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y,
                      int64_t y_stride);

}  // namespace sinan
