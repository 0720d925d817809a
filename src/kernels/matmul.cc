#include "kernels/matmul.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace sinan {
namespace {

// Four partial sums so the compiler can keep several lanes busy without reassociating one sum.
inline float dot(const float* a, const float* b, int64_t n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

// Four float lanes (SSE on the x86-64 baseline): lane k holds the partial sum dot() calls s<k>.
using Lanes4 = float __attribute__((vector_size(16)));
inline Lanes4 load4(const float* p) {
  Lanes4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// kTokens dot products sharing one weight chunk: each token's partial sums are formed in exactly dot()'s
// order (so a token's result does not depend on the batch it came in), while the kTokens independent
// chains keep more additions in flight and each weight chunk is loaded once.
// y[t * y_stride] += dot(a, x + t * x_stride, n) for t < kTokens.
template <int kTokens>
inline void dot_add_tokens(const float* a, const float* x, int64_t x_stride, int64_t n, float* y,
                           int64_t y_stride) {
  Lanes4 s[kTokens];
  for (int t = 0; t < kTokens; ++t) s[t] = Lanes4{0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const Lanes4 w = load4(a + i);
    for (int t = 0; t < kTokens; ++t) s[t] += w * load4(x + t * x_stride + i);
  }
  for (int t = 0; t < kTokens; ++t) {
    float s0 = s[t][0];
    for (int64_t j = i; j < n; ++j) s0 += a[j] * x[t * x_stride + j];
    y[t * y_stride] += (s0 + s[t][1]) + (s[t][2] + s[t][3]);
  }
}

}  // namespace

void matmul_rows(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
                 int64_t row_begin, int64_t row_end) {
  alignas(64) float chunk[kMatrixChunk];
  for (int64_t r = row_begin; r < row_end; ++r) {
    for (int64_t t = 0; t < n_tokens; ++t) y[t * y_stride + r] = 0.0f;
    for (int64_t c = 0; c < w.cols; c += kMatrixChunk) {
      const int64_t n = std::min(kMatrixChunk, w.cols - c);
      dequantize_matrix_row_chunk(w, r, c, n, chunk);
      int64_t t = 0;
      for (; t + 8 <= n_tokens; t += 8) {
        dot_add_tokens<8>(chunk, x + t * x_stride + c, x_stride, n, y + t * y_stride + r, y_stride);
      }
      for (; t + 4 <= n_tokens; t += 4) {
        dot_add_tokens<4>(chunk, x + t * x_stride + c, x_stride, n, y + t * y_stride + r, y_stride);
      }
      for (; t < n_tokens; ++t) y[t * y_stride + r] += dot(chunk, x + t * x_stride + c, n);
    }
  }
}

void matmul(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
            ThreadPool* pool) {
  if (pool == nullptr || w.rows < 64) {
    matmul_rows(w, x, x_stride, n_tokens, y, y_stride, 0, w.rows);
    return;
  }
  pool->parallel_for(w.rows, [&](int64_t begin, int64_t end) {
    matmul_rows(w, x, x_stride, n_tokens, y, y_stride, begin, end);
  });
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
