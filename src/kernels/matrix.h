// A read-only view of a weight matrix in any stored type, rows x cols, row-major, usually pointing
// into a mapped file. DeepSeek's FP8 checkpoints add one float32 scale per 128x128 block
// (`weight_scale_inv`); the view carries those so kernels apply them while streaming.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dtype.h"

namespace sinan {

// How a matrix's blocks are laid out. A CPU tier may rearrange the levels inside each 256-value chunk at
// load time so its decoder reads them in its lane order directly (kernels/chunk_layout.h); the chunk keeps
// its size and its scales, so only the level bytes move.
enum class ChunkLayout : uint8_t {
  kFile,         // as stored in the file (GGUF / llama.cpp block layout)
  kGroupMajor8,  // levels in the AVX2 tier's group-major-8 lane order (kernels/chunk_layout.h)
};

struct Matrix {
  DType dtype = DType::kF32;
  ChunkLayout layout = ChunkLayout::kFile;
  int64_t rows = 0;
  int64_t cols = 0;
  const uint8_t* data = nullptr;
  size_t row_bytes = 0;

  // FP8 block scales: element (r, c) is multiplied by
  // block_scales[((r + scale_row_offset) / scale_block_rows) * scale_cols + c / scale_block_cols].
  const float* block_scales = nullptr;
  int64_t scale_cols = 0;
  int64_t scale_row_offset = 0;  // rows of the full tensor above this view (for row slices)
  int64_t scale_block_rows = 0;
  int64_t scale_block_cols = 0;

  bool empty() const { return data == nullptr; }
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
  size_t nbytes() const { return static_cast<size_t>(rows) * row_bytes; }

  // Rows [begin, begin + count) as a matrix of their own.
  Matrix row_slice(int64_t begin, int64_t count) const;
};

// Decodes row r into out[0, cols), block scales applied.
void dequantize_matrix_row(const Matrix& m, int64_t r, float* out);

// Decodes columns [col_begin, col_begin + n) of row r. col_begin and n must be multiples of
// kMatrixChunk (or n reaches the end of the row); used to stream long rows through a small buffer.
constexpr int64_t kMatrixChunk = 256;  // a multiple of every block size (32, 256) and of FP8's 128
void dequantize_matrix_row_chunk(const Matrix& m, int64_t r, int64_t col_begin, int64_t n, float* out);

}  // namespace sinan
