// The two reference dot products agree: vec_dot (integer sums on quantized activations) equals dot_row on
// the dequantized activations up to float rounding, and differs from dot_row on the float activations
// by no more than the activation quantization error allows. Odd block counts, misaligned rows.
#include "quant/dot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "quant/block_layouts.h"
#include "quant/dequantize.h"
#include "quant/quant_fixtures.h"
#include "quant/quantize.h"
#include "quant/scalar_convert.h"

namespace sinan {
namespace {

struct Rng {
  uint64_t state;
  float uniform() {  // [-1, 1)
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>(static_cast<uint32_t>(state >> 40)) / 8388608.0f - 1.0f;
  }
  float gaussian_ish() { return uniform() + uniform() + uniform(); }
};

const DType kWeightTypes[] = {DType::kQ4_0,   DType::kQ4_1,   DType::kQ5_0, DType::kQ5_1, DType::kQ8_0,
                              DType::kQ2_K,   DType::kQ3_K,   DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
                              DType::kIQ4_NL, DType::kIQ4_XS, DType::kMXFP4};

// Bytes of a row placed at offset 1 of a fresh buffer, so every multi-byte field is misaligned.
std::vector<uint8_t> misaligned_copy(const std::vector<uint8_t>& bytes) {
  std::vector<uint8_t> out(bytes.size() + 1);
  std::memcpy(out.data() + 1, bytes.data(), bytes.size());
  return out;
}

// |m * s| summed over the blocks of a q8_1-paired weight row: q8_1 stores s = d * sum(q) in f16, so the
// offset term carries an extra relative error of up to 2^-11 that dot_row on dequantized values lacks.
double offset_term_magnitude(DType wtype, const uint8_t* w, const uint8_t* a, int64_t n_blocks) {
  if (wtype != DType::kQ4_1 && wtype != DType::kQ5_1) return 0.0;
  const size_t w_bytes = static_cast<size_t>(dtype_info(wtype).block_bytes);
  double total = 0.0;
  for (int64_t b = 0; b < n_blocks; ++b) {
    uint16_t m;
    std::memcpy(&m, w + b * w_bytes + 2, 2);  // q4_1 / q5_1: d then m
    BlockQ8_1 act;
    std::memcpy(&act, a + b * sizeof(BlockQ8_1), sizeof(act));
    total += std::fabs(static_cast<double>(f16_to_f32(m)) * f16_to_f32(act.s));
  }
  return total;
}

TEST(Dot, QuantizedActivationsMatchDequantizedReference) {
  Rng rng{42};
  for (DType wtype : kWeightTypes) {
    const auto atype = vec_dot_activation_type(wtype);
    ASSERT_TRUE(atype.has_value()) << dtype_name(wtype);
    const int64_t block = dtype_info(wtype).block_elems;
    for (int64_t n_blocks : {1, 2, 3, 5, 7, 16}) {
      SCOPED_TRACE(std::string(dtype_name(wtype)) + " x " + std::to_string(n_blocks) + " blocks");
      const int64_t n = n_blocks * block;
      std::vector<float> w_src(static_cast<size_t>(n)), x(static_cast<size_t>(n));
      for (auto& v : w_src) v = rng.gaussian_ish() * 0.05f;
      for (auto& v : x) v = rng.gaussian_ish() * (rng.uniform() > 0.9f ? 8.0f : 1.0f);  // some outliers

      std::vector<uint8_t> w(*dtype_row_bytes(wtype, n)), a(*dtype_row_bytes(*atype, n));
      quantize_row(wtype, w_src.data(), w.data(), n);
      quantize_row(*atype, x.data(), a.data(), n);
      std::vector<float> w_deq(static_cast<size_t>(n)), x_deq(static_cast<size_t>(n));
      dequantize_row(wtype, w.data(), w_deq.data(), n);
      dequantize_row(*atype, a.data(), x_deq.data(), n);

      double abs_sum = 0.0, activation_error = 0.0, exact = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        abs_sum += std::fabs(static_cast<double>(w_deq[i]) * x_deq[i]);
        activation_error += std::fabs(static_cast<double>(w_deq[i])) * std::fabs(x[i] - x_deq[i]);
        exact += static_cast<double>(w_deq[i]) * x[i];
      }
      const double rounding =
          1e-5 * abs_sum + 4.9e-4 * offset_term_magnitude(wtype, w.data(), a.data(), n_blocks);

      const std::vector<uint8_t> w_shifted = misaligned_copy(w), a_shifted = misaligned_copy(a);
      const float integer_form = vec_dot(wtype, w.data(), a.data(), n);
      EXPECT_EQ(integer_form, vec_dot(wtype, w_shifted.data() + 1, a_shifted.data() + 1, n));
      // Same activations, different arithmetic: equal up to float rounding.
      EXPECT_NEAR(integer_form, dot_row(wtype, w.data(), x_deq.data(), n), rounding);
      // Float activations: the difference is bounded by the activation quantization error.
      const float float_form = dot_row(wtype, w.data(), x.data(), n);
      EXPECT_NEAR(float_form, exact, 1e-5 * abs_sum + 1e-6);
      EXPECT_NEAR(integer_form, float_form, activation_error + 2 * rounding);
    }
  }
}

// ggml's own generic kernels on the fixture blocks (tests/data/quant/vec_dot_ggml.tsv): vec_dot, with
// activations from sinan's q8 quantizers, must give the same float bits.
TEST(Dot, MatchesGgmlGenericKernelsOnFixtures) {
  const std::vector<float> src = read_quant_source();
  std::ifstream in(test_data("quant/vec_dot_ggml.tsv"));
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string type_name, bits_hex;
    int row = 0;
    fields >> type_name >> row >> bits_hex;
    SCOPED_TRACE(type_name + " row " + std::to_string(row));
    const DType wtype = *dtype_from_name(type_name);
    const DType atype = *vec_dot_activation_type(wtype);
    const int64_t n = 1024;
    const std::vector<char> blocks = read_binary(test_data("quant/" + type_name + ".blocks"));
    const size_t row_bytes = *dtype_row_bytes(wtype, n);
    std::vector<uint8_t> activations(*dtype_row_bytes(atype, n));
    quantize_row(atype, src.data() + ((row + 3) % 8) * n, activations.data(), n);
    const float got = vec_dot(wtype, blocks.data() + row * row_bytes, activations.data(), n);
    const auto want_bits = static_cast<uint32_t>(std::stoul(bits_hex, nullptr, 16));
    EXPECT_EQ(f32_to_bits(got), want_bits) << got << " vs " << bits_to_f32(want_bits);
    ++checked;
  }
  EXPECT_EQ(checked, 12 * 8);
}

TEST(Dot, KnownSmallCase) {
  // q8_0 x q8_0: d = 0.5 and 0.25, levels i - 16 and 1: sum (i - 16) over 32 values = -16.
  BlockQ8_0 w{}, a{};
  w.d = f32_to_f16(0.5f);
  a.d = f32_to_f16(0.25f);
  for (int i = 0; i < 32; ++i) {
    w.qs[i] = static_cast<int8_t>(i - 16);
    a.qs[i] = 1;
  }
  EXPECT_EQ(vec_dot(DType::kQ8_0, &w, &a, 32), 0.5f * 0.25f * -16.0f);
  std::vector<float> ones(32, 0.25f);
  EXPECT_EQ(dot_row(DType::kQ8_0, &w, ones.data(), 32), 0.5f * 0.25f * -16.0f);
}

TEST(Dot, PlainFloatRows) {
  Rng rng{7};
  for (int64_t n : {1, 31, 256, 257, 1000}) {
    std::vector<float> w(static_cast<size_t>(n)), x(static_cast<size_t>(n));
    double exact = 0.0, abs_sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      w[i] = rng.uniform();
      x[i] = rng.uniform();
    }
    std::vector<uint16_t> w16(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      w16[i] = f32_to_bf16(w[i]);
      exact += static_cast<double>(bf16_to_f32(w16[i])) * x[i];
      abs_sum += std::fabs(static_cast<double>(bf16_to_f32(w16[i])) * x[i]);
    }
    EXPECT_NEAR(dot_row(DType::kBF16, w16.data(), x.data(), n), exact, 1e-6 * abs_sum);
    EXPECT_FALSE(vec_dot_activation_type(DType::kBF16).has_value());
  }
}

}  // namespace
}  // namespace sinan
