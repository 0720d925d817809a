#include "kernels/matrix.h"

#include <algorithm>

#include "core/check.h"
#include "kernels/chunk_layout.h"
#include "quant/dequantize.h"

namespace sinan {

Matrix Matrix::row_slice(int64_t begin, int64_t count) const {
  SINAN_CHECK(begin >= 0 && count >= 0 && begin + count <= rows);
  Matrix slice = *this;
  slice.data = row(begin);
  slice.rows = count;
  slice.scale_row_offset = scale_row_offset + begin;
  return slice;
}

void dequantize_matrix_row_chunk(const Matrix& m, int64_t r, int64_t col_begin, int64_t n, float* out) {
  SINAN_CHECK(r >= 0 && r < m.rows && col_begin >= 0 && n >= 0 && col_begin + n <= m.cols);
  const auto& info = dtype_info(m.dtype);
  SINAN_CHECK(col_begin % info.block_elems == 0);
  const size_t byte_offset = static_cast<size_t>(col_begin / info.block_elems * info.block_bytes);
  if (m.layout == ChunkLayout::kFile) {
    dequantize_row(m.dtype, m.row(r) + byte_offset, out, n);
  } else {  // whole units rearranged at load (kernels/chunk_layout.h): back in the file layout first
    const int64_t unit = unit_values(m.dtype);
    SINAN_CHECK(col_begin % unit == 0);
    alignas(64) uint8_t file[512];
    SINAN_CHECK(unit_bytes(m.dtype) <= sizeof(file));
    for (int64_t c = 0; c < n; c += unit) {
      const int64_t col = col_begin + c, count = std::min(unit, n - c);
      const uint8_t* bytes = m.row(r) + static_cast<size_t>(col / info.block_elems * info.block_bytes);
      if (unit_is_rearranged(m.dtype, m.cols, col / unit)) {  // else in a short last chunk, in the file layout
        unpack_unit(m.layout, m.dtype, bytes, file);
        bytes = file;
      }
      dequantize_row(m.dtype, bytes, out + c, count);
    }
  }
  if (m.block_scales != nullptr) {
    const float* scale_row = m.block_scales + ((r + m.scale_row_offset) / m.scale_block_rows) * m.scale_cols;
    for (int64_t c = 0; c < n;) {
      const int64_t col = col_begin + c;
      const int64_t block = col / m.scale_block_cols;
      const int64_t block_end = std::min<int64_t>((block + 1) * m.scale_block_cols - col_begin, n);
      const float scale = scale_row[block];
      for (; c < block_end; ++c) out[c] *= scale;
    }
  }
}

void dequantize_matrix_row(const Matrix& m, int64_t r, float* out) { dequantize_matrix_row_chunk(m, r, 0, m.cols, out); }

}  // namespace sinan
