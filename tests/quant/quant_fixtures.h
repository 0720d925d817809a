// The ggml quantization vectors (tests/data/quant, copied from shared/fixtures/quant): src.f32 and, per
// type, the blocks ggml's quantizer wrote and ggml's own dequantization of them. index.tsv gives the shape.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "test_util.h"

namespace sinan {

struct QuantFixture {
  std::string type_name;
  DType type;
  int64_t rows;
  int64_t cols;
  int64_t row_bytes;
};

inline std::vector<QuantFixture> read_quant_index() {
  std::ifstream in(test_data("quant/index.tsv"));
  std::vector<QuantFixture> fixtures;
  std::string line;
  std::getline(in, line);  // header: type rows cols row_bytes block_elems block_bytes
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    QuantFixture f;
    int64_t block_elems = 0, block_bytes = 0;
    fields >> f.type_name >> f.rows >> f.cols >> f.row_bytes >> block_elems >> block_bytes;
    const auto type = dtype_from_name(f.type_name);
    EXPECT_TRUE(type.has_value()) << f.type_name;
    if (!type) continue;
    f.type = *type;
    // The fixture's geometry must agree with sinan's dtype table.
    EXPECT_EQ(dtype_info(f.type).block_elems, block_elems) << f.type_name;
    EXPECT_EQ(dtype_info(f.type).block_bytes, block_bytes) << f.type_name;
    EXPECT_EQ(dtype_row_bytes(f.type, f.cols), static_cast<size_t>(f.row_bytes)) << f.type_name;
    fixtures.push_back(f);
  }
  return fixtures;
}

inline std::vector<float> read_quant_source() {
  return read_array_file<float>(test_data("quant/src.f32"));
}

// ||a - b|| / ||b||, accumulated in double.
inline double relative_rmse(const float* a, const float* b, size_t n) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < n; ++i) {
    const double diff = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    err += diff * diff;
    ref += static_cast<double>(b[i]) * static_cast<double>(b[i]);
  }
  return std::sqrt(err / ref);
}

}  // namespace sinan
