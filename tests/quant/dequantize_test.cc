// Dequantization against ggml: every fixture's blocks must decode to ggml's floats bit for bit.
#include "quant/dequantize.h"

#include <gtest/gtest.h>

#include <cstring>

#include "quant/block_layouts.h"
#include "quant/quant_fixtures.h"
#include "quant/scalar_convert.h"

namespace sinan {
namespace {

TEST(Dequantize, FixturesAreBitExact) {
  const auto fixtures = read_quant_index();
  ASSERT_GE(fixtures.size(), 14u);
  for (const auto& f : fixtures) {
    SCOPED_TRACE(f.type_name);
    ASSERT_TRUE(can_dequantize(f.type));
    const std::vector<char> blocks = read_binary(test_data("quant/" + f.type_name + ".blocks"));
    const std::vector<float> expected =
        read_array_file<float>(test_data("quant/" + f.type_name + ".deq.f32"));
    ASSERT_EQ(blocks.size(), static_cast<size_t>(f.rows * f.row_bytes));
    ASSERT_EQ(expected.size(), static_cast<size_t>(f.rows * f.cols));
    std::vector<float> got(expected.size());
    for (int64_t r = 0; r < f.rows; ++r) {
      dequantize_row(f.type, blocks.data() + r * f.row_bytes, got.data() + r * f.cols, f.cols);
    }
    int64_t mismatches = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      if (f32_to_bits(got[i]) != f32_to_bits(expected[i])) {
        if (mismatches++ < 5) ADD_FAILURE() << "value " << i << ": got " << got[i] << " want " << expected[i];
      }
    }
    EXPECT_EQ(mismatches, 0);
  }
}

// A decoder must touch exactly n / block_elems blocks: decode one block out of a buffer whose following
// bytes are poison and check the output length is exactly one block (ASan builds catch overreads).
TEST(Dequantize, SingleBlockWritesOneBlock) {
  for (DType type : {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ8_1,
                     DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kQ8_K,
                     DType::kIQ4_NL, DType::kIQ4_XS, DType::kMXFP4}) {
    SCOPED_TRACE(dtype_name(type));
    const auto& info = dtype_info(type);
    std::vector<uint8_t> block(static_cast<size_t>(info.block_bytes), 0);
    std::vector<float> out(static_cast<size_t>(info.block_elems) + 8, 12345.0f);
    dequantize_row(type, block.data(), out.data(), info.block_elems);
    for (int64_t i = 0; i < info.block_elems; ++i) EXPECT_EQ(out[i], 0.0f) << i;
    for (size_t i = static_cast<size_t>(info.block_elems); i < out.size(); ++i) EXPECT_EQ(out[i], 12345.0f);
  }
}

// Rows may start at any address (GGUF allows alignment 1): decoding at an odd offset gives the same floats.
TEST(Dequantize, MisalignedRowsDecodeTheSame) {
  for (const auto& f : read_quant_index()) {
    SCOPED_TRACE(f.type_name);
    if (!dtype_info(f.type).is_float_plain) {
      const std::vector<char> blocks = read_binary(test_data("quant/" + f.type_name + ".blocks"));
      std::vector<char> shifted(blocks.size() + 1);
      std::memcpy(shifted.data() + 1, blocks.data(), blocks.size());
      std::vector<float> aligned(static_cast<size_t>(f.cols)), misaligned(static_cast<size_t>(f.cols));
      dequantize_row(f.type, blocks.data(), aligned.data(), f.cols);
      dequantize_row(f.type, shifted.data() + 1, misaligned.data(), f.cols);
      EXPECT_EQ(0, std::memcmp(aligned.data(), misaligned.data(), aligned.size() * sizeof(float)));
    }
  }
}

TEST(Dequantize, Mxfp4Exponent) {
  // e = 127 is 2^0; the table value 12 (doubled e2m1 6.0) halves back to 6.0.
  BlockMXFP4 block{};
  block.e = 127;
  block.qs[0] = 0x7 | (0xf << 4);  // value 0 -> table[7] = 12, value 16 -> table[15] = -12
  float out[32];
  dequantize_row(DType::kMXFP4, &block, out, 32);
  EXPECT_EQ(out[0], 6.0f);
  EXPECT_EQ(out[16], -6.0f);
  block.e = 0;  // 2^-128: a float subnormal, still exact
  dequantize_row(DType::kMXFP4, &block, out, 32);
  EXPECT_EQ(out[0], std::ldexp(12.0f, -128));
}

}  // namespace
}  // namespace sinan
