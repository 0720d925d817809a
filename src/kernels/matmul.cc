#include "kernels/matmul.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/check.h"
#include "kernels/chunk_layout.h"
#include "kernels/cpu/matmul_kernels.h"

namespace sinan {

void matmul_rows(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
                 int64_t row_begin, int64_t row_end) {
  SINAN_CHECK(row_begin >= 0 && row_begin <= row_end && row_end <= w.rows);
  if (n_tokens <= 0 || row_begin == row_end) return;
  const cpu::MatmulRowsFn rows_fn = cpu::active_matmul_kernels().for_matrix(w);
  SINAN_CHECK_MSG(rows_fn != nullptr, "no matmul kernel for {}", dtype_name(w.dtype));
  rows_fn(w, x, x_stride, n_tokens, y, y_stride, row_begin, row_end);
}

void matmul(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
            ThreadPool* pool) {
  cpu::matmul_with(cpu::active_matmul_kernels(), w, x, x_stride, n_tokens, y, y_stride, pool);
}

void matmul_jobs(std::span<const MatmulJob> jobs, ThreadPool* pool) {
  cpu::matmul_jobs_with(cpu::active_matmul_kernels(), jobs, pool);
}

void matmul_transposed(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y,
                       int64_t y_stride) {
  alignas(64) float chunk[kMatrixChunk];
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t c = 0; c < w.cols; ++c) y[t * y_stride + c] = 0.0f;
  }
  for (int64_t r = 0; r < w.rows; ++r) {
    for (int64_t c = 0; c < w.cols; c += kMatrixChunk) {
      const int64_t n = std::min(kMatrixChunk, w.cols - c);
      dequantize_matrix_row_chunk(w, r, c, n, chunk);
      for (int64_t t = 0; t < n_tokens; ++t) {
        const float xr = x[t * x_stride + r];
        float* yt = y + t * y_stride + c;
        for (int64_t i = 0; i < n; ++i) yt[i] += xr * chunk[i];
      }
    }
  }
}

ChunkLayout preferred_chunk_layout(const Matrix& w) {
  const cpu::MatmulKernels& kernels = cpu::active_matmul_kernels();
  const bool packs = kernels.packed_layout != ChunkLayout::kFile && w.block_scales == nullptr &&
                     kernels.packed_rows[static_cast<int>(w.dtype)] != nullptr;
  return packs ? kernels.packed_layout : ChunkLayout::kFile;
}

void pack_for_active_tier(Matrix* w, uint8_t* out) {
  const ChunkLayout layout = preferred_chunk_layout(*w);
  SINAN_CHECK(w->layout == ChunkLayout::kFile && layout != ChunkLayout::kFile);
  if (out != w->data) std::memcpy(out, w->data, w->nbytes());
  Matrix view = *w;
  view.data = out;
  pack_matrix(layout, &view, cpu::active_matmul_kernels().pack_unit[static_cast<int>(w->dtype)]);
  w->layout = layout;
}

void matmul_reference(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y,
                      int64_t y_stride) {
  std::vector<float> row(static_cast<size_t>(w.cols));
  for (int64_t r = 0; r < w.rows; ++r) {
    dequantize_matrix_row(w, r, row.data());
    for (int64_t t = 0; t < n_tokens; ++t) {
      double sum = 0;
      for (int64_t c = 0; c < w.cols; ++c) sum += static_cast<double>(row[c]) * x[t * x_stride + c];
      y[t * y_stride + r] = static_cast<float>(sum);
    }
  }
}

}  // namespace sinan
