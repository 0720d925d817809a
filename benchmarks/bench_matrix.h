// Random quantized weight matrices for the benchmarks (kernels_bench, decode_stream_bench).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/chunk_layout.h"
#include "kernels/matrix.h"
#include "quant/quantize.h"

namespace sinan {

struct BenchMatrix {
  Matrix m;
  std::vector<uint8_t> bytes;
  std::vector<float> scales;
};

// rows x cols of `type`: 16 distinct quantized rows of random values repeated (the timing does not depend
// on the values, and quantizing 58M values per type would dominate the run).
// In `layout`: the tier's load-time rearrangement (kernels/chunk_layout.h) where it is not kFile.
inline BenchMatrix make_matrix(DType type, int64_t rows, int64_t cols, ChunkLayout layout) {
  BenchMatrix b;
  b.m.dtype = type;
  b.m.rows = rows;
  b.m.cols = cols;
  b.m.row_bytes = *dtype_row_bytes(type, cols);
  b.bytes.resize(b.m.row_bytes * rows);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t distinct = std::min<int64_t>(16, rows);
  std::vector<float> values(static_cast<size_t>(cols));
  for (int64_t r = 0; r < distinct; ++r) {
    uint8_t* row = b.bytes.data() + r * b.m.row_bytes;
    if (type == DType::kF8E4M3) {
      for (size_t i = 0; i < b.m.row_bytes; ++i) row[i] = static_cast<uint8_t>(rng() % 0x7e);
    } else {
      for (auto& v : values) v = normal(rng);
      quantize_row(type, values.data(), row, cols);
    }
  }
  for (int64_t r = distinct; r < rows; ++r) {
    std::memcpy(b.bytes.data() + r * b.m.row_bytes, b.bytes.data() + (r % distinct) * b.m.row_bytes, b.m.row_bytes);
  }
  b.m.data = b.bytes.data();
  if (type == DType::kF8E4M3) {  // DeepSeek's 128 x 128 blocks
    b.m.scale_block_rows = b.m.scale_block_cols = 128;
    b.m.scale_cols = (cols + 127) / 128;
    b.scales.assign(static_cast<size_t>((rows + 127) / 128 * b.m.scale_cols), 0.01f);
    b.m.block_scales = b.scales.data();
  }
  if (layout != ChunkLayout::kFile) pack_matrix(layout, &b.m);
  return b;
}

}  // namespace sinan
