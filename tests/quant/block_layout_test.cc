// The block structs must have exactly the byte sizes the dtype table (and ggml-common.h) gives.
#include <gtest/gtest.h>

#include "core/dtype.h"
#include "quant/block_layouts.h"

namespace sinan {
namespace {

template <typename Block>
void expect_block(DType type, int64_t elems) {
  SCOPED_TRACE(dtype_name(type));
  EXPECT_EQ(dtype_info(type).block_bytes, static_cast<int64_t>(sizeof(Block)));
  EXPECT_EQ(dtype_info(type).block_elems, elems);
  EXPECT_EQ(alignof(Block), 1u);  // a GGUF row may start at any address
}

TEST(BlockLayouts, MatchDTypeTable) {
  expect_block<BlockQ4_0>(DType::kQ4_0, kQK4_0);
  expect_block<BlockQ4_1>(DType::kQ4_1, kQK4_1);
  expect_block<BlockQ5_0>(DType::kQ5_0, kQK5_0);
  expect_block<BlockQ5_1>(DType::kQ5_1, kQK5_1);
  expect_block<BlockQ8_0>(DType::kQ8_0, kQK8_0);
  expect_block<BlockQ8_1>(DType::kQ8_1, kQK8_1);
  expect_block<BlockQ2_K>(DType::kQ2_K, kQK_K);
  expect_block<BlockQ3_K>(DType::kQ3_K, kQK_K);
  expect_block<BlockQ4_K>(DType::kQ4_K, kQK_K);
  expect_block<BlockQ5_K>(DType::kQ5_K, kQK_K);
  expect_block<BlockQ6_K>(DType::kQ6_K, kQK_K);
  expect_block<BlockQ8_K>(DType::kQ8_K, kQK_K);
  expect_block<BlockIQ4_NL>(DType::kIQ4_NL, kQK4_NL);
  expect_block<BlockIQ4_XS>(DType::kIQ4_XS, kQK_K);
  expect_block<BlockMXFP4>(DType::kMXFP4, kQKMxfp4);
}

}  // namespace
}  // namespace sinan
