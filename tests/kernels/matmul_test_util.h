// Weight matrices of every stored type for the matmul tests: random values quantized with the reference
// quantizers (or random bytes), optionally FP8 block scales, optionally stored at a misaligned address
// (GGUF allows general.alignment = 1), with their exact decoded values.
#pragma once

#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu/cpu_tier.h"
#include "kernels/matrix.h"
#include "quant/dequantize.h"
#include "quant/quantize.h"
#include "quant/scalar_convert.h"

namespace sinan::test {

struct TestMatrix {
  Matrix m;
  std::vector<uint8_t> storage;  // the bytes, starting at byte `misalign`
  std::vector<float> scales;     // FP8 block scales
  std::vector<float> decoded;    // [rows, cols] what the matrix represents
};

enum class Fill { kQuantizedNormal, kRandomBytes };

// FP8 blocks of fp8_block x fp8_block when fp8_block > 0 (F8E4M3 only).
inline TestMatrix make_matrix(DType type, int64_t rows, int64_t cols, std::mt19937& rng, int64_t fp8_block = 0,
                              int misalign = 0, Fill fill = Fill::kQuantizedNormal) {
  TestMatrix t;
  t.m.dtype = type;
  t.m.rows = rows;
  t.m.cols = cols;
  t.m.row_bytes = *dtype_row_bytes(type, cols);
  t.storage.resize(t.m.row_bytes * rows + misalign + 1);
  uint8_t* data = t.storage.data() + misalign;
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* row = data + r * t.m.row_bytes;
    if (type == DType::kF8E4M3 || fill == Fill::kRandomBytes) {
      for (size_t i = 0; i < t.m.row_bytes; ++i) row[i] = static_cast<uint8_t>(rng());
      if (type == DType::kF8E4M3) {
        for (size_t i = 0; i < t.m.row_bytes; ++i) {
          if ((row[i] & 0x7f) == 0x7f) row[i] = 0x3f;  // no NaN
        }
      }
    } else {
      const float row_scale = std::exp(normal(rng));  // rows of different magnitude
      for (auto& v : values) v = row_scale * normal(rng);
      quantize_row(type, values.data(), row, cols);
    }
  }
  t.m.data = data;
  if (fp8_block > 0) {
    const int64_t scale_rows = (rows + fp8_block - 1) / fp8_block, scale_cols = (cols + fp8_block - 1) / fp8_block;
    t.scales.resize(static_cast<size_t>(scale_rows * scale_cols));
    for (auto& s : t.scales) s = 0.001f * static_cast<float>(1 + rng() % 1000);
    t.m.block_scales = t.scales.data();
    t.m.scale_cols = scale_cols;
    t.m.scale_block_rows = fp8_block;
    t.m.scale_block_cols = fp8_block;
  }
  t.decoded.resize(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) dequantize_matrix_row(t.m, r, t.decoded.data() + r * cols);
  return t;
}

// Activation rows [tokens, stride] with stride >= cols (the padding holds NaN, which must never be read).
inline std::vector<float> make_activations(int64_t tokens, int64_t cols, int64_t stride, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(tokens * stride), std::numeric_limits<float>::quiet_NaN());
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t c = 0; c < cols; ++c) x[t * stride + c] = normal(rng) * (c % 7 == 0 ? 4.0f : 1.0f);
  }
  return x;
}

// Every tier this CPU runs.
inline std::vector<cpu::CpuTier> reachable_tiers() {
  std::vector<cpu::CpuTier> tiers;
  for (int i = 0; i <= static_cast<int>(cpu::detected_cpu_tier()); ++i) tiers.push_back(static_cast<cpu::CpuTier>(i));
  return tiers;
}

}  // namespace sinan::test
