#include "core/dtype.h"

#include <gtest/gtest.h>

namespace sinan {
namespace {

TEST(DType, TableIsConsistent) {
  for (int i = 0; i < static_cast<int>(DType::kCount); ++i) {
    const auto type = static_cast<DType>(i);
    const auto& info = dtype_info(type);
    EXPECT_EQ(info.type, type);
    EXPECT_GT(info.block_elems, 0);
    EXPECT_GT(info.block_bytes, 0);
    if (info.ggml_id >= 0) {
      EXPECT_EQ(dtype_from_ggml_id(static_cast<uint32_t>(info.ggml_id)), type);
    }
    EXPECT_EQ(dtype_from_name(info.name), type);
  }
}

TEST(DType, RowBytes) {
  EXPECT_EQ(dtype_row_bytes(DType::kBF16, 7), 14u);
  EXPECT_EQ(dtype_row_bytes(DType::kQ8_0, 64), 68u);
  EXPECT_EQ(dtype_row_bytes(DType::kQ8_0, 33), std::nullopt);
  EXPECT_EQ(dtype_row_bytes(DType::kQ4_K, 512), 288u);
  EXPECT_EQ(dtype_from_safetensors("F8_E4M3"), DType::kF8E4M3);
  EXPECT_EQ(dtype_from_name("Q4_k"), DType::kQ4_K);
}

}  // namespace
}  // namespace sinan
