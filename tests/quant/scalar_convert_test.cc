#include "quant/scalar_convert.h"

#include <gtest/gtest.h>

#include <cmath>

#include "quant/dequantize.h"

namespace sinan {
namespace {

TEST(ScalarConvert, F16RoundTripsEveryHalf) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f))));
      continue;
    }
    EXPECT_EQ(f32_to_f16(f), h) << "half 0x" << std::hex << h;
  }
}

TEST(ScalarConvert, F16RoundsToNearestEven) {
  EXPECT_EQ(f32_to_f16(1.0f + 0x1p-11f), 0x3c00);        // tie -> even (1.0)
  EXPECT_EQ(f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);    // tie -> even (up)
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);               // overflow -> inf
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(0x1p-25f), 0x0000);               // tie below the smallest subnormal -> 0
  EXPECT_EQ(f32_to_f16(0x1.8p-24f), 0x0002);             // tie -> even
}

TEST(ScalarConvert, Bf16) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = bf16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(f32_to_bf16(f), h);
  }
  EXPECT_EQ(f32_to_bf16(1.0f + 0x1p-8f), 0x3f80);  // tie -> even
}

TEST(ScalarConvert, F8E4M3MatchesDefinition) {
  // Every finite e4m3fn value, computed from the definition: (-1)^s * 2^(e-7) * (1 + m/8), subnormal 2^-6 * m/8.
  for (int v = 0; v < 256; ++v) {
    const int s = v >> 7, e = (v >> 3) & 15, m = v & 7;
    const float got = f8e4m3_to_f32(static_cast<uint8_t>(v));
    if (e == 15 && m == 7) {
      EXPECT_TRUE(std::isnan(got));
      continue;
    }
    const double magnitude = e == 0 ? std::ldexp(m / 8.0, -6) : std::ldexp(1.0 + m / 8.0, e - 7);
    EXPECT_EQ(got, static_cast<float>(s ? -magnitude : magnitude)) << v;
  }
  EXPECT_EQ(f8e4m3_to_f32(0x7e), 448.0f);
}

TEST(Dequantize, Q8_0Block) {
  uint8_t block[34] = {};
  const uint16_t d = f32_to_f16(0.5f);
  block[0] = static_cast<uint8_t>(d & 0xff);
  block[1] = static_cast<uint8_t>(d >> 8);
  for (int i = 0; i < 32; ++i) block[2 + i] = static_cast<uint8_t>(static_cast<int8_t>(i - 16));
  float out[32];
  dequantize_row(DType::kQ8_0, block, out, 32);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(out[i], 0.5f * static_cast<float>(i - 16));
}

}  // namespace
}  // namespace sinan
