// Quantization against ggml: on the fixture source rows sinan's quantizers must be at least as accurate as
// ggml's (relative RMSE of ggml's own dequantized fixture is the bar), and round trips must be stable.
#include "quant/quantize.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <map>

#include "quant/block_layouts.h"
#include "quant/dequantize.h"
#include "quant/quant_fixtures.h"

namespace sinan {
namespace {

std::vector<uint8_t> quantize_rows(DType type, const float* src, int64_t rows, int64_t cols,
                                   const float* importance = nullptr) {
  const size_t row_bytes = *dtype_row_bytes(type, cols);
  std::vector<uint8_t> out(row_bytes * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r)
    quantize_row(type, src + r * cols, out.data() + r * row_bytes, cols, importance);
  return out;
}

std::vector<float> dequantize_rows(DType type, const uint8_t* blocks, int64_t rows, int64_t cols) {
  const size_t row_bytes = *dtype_row_bytes(type, cols);
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    dequantize_row(type, blocks + r * row_bytes, out.data() + r * cols, cols);
  return out;
}

TEST(Quantize, NoWorseThanGgmlOnFixtures) {
  const std::vector<float> src = read_quant_source();
  // The figures the project brief quotes for ggml, to confirm the fixtures are the ones it measured.
  const std::map<std::string, double> quoted = {{"q4_0", 0.0690}, {"q4_K", 0.0605},  {"q5_K", 0.0395},
                                                {"q6_K", 0.0244}, {"q3_K", 0.1023},  {"q2_K", 0.2715},
                                                {"q8_0", 0.0109}, {"iq4_xs", 0.0669}};
  std::printf("%-8s %12s %12s %16s\n", "type", "ggml rmse", "sinan rmse", "blocks == ggml");
  for (const auto& f : read_quant_index()) {
    if (dtype_info(f.type).is_float_plain) continue;
    SCOPED_TRACE(f.type_name);
    ASSERT_TRUE(can_quantize(f.type));
    ASSERT_EQ(src.size(), static_cast<size_t>(f.rows * f.cols));
    const std::vector<float> ggml_deq =
        read_array_file<float>(test_data("quant/" + f.type_name + ".deq.f32"));
    const std::vector<char> ggml_blocks = read_binary(test_data("quant/" + f.type_name + ".blocks"));
    const double ggml_rmse = relative_rmse(ggml_deq.data(), src.data(), src.size());

    const std::vector<uint8_t> blocks = quantize_rows(f.type, src.data(), f.rows, f.cols);
    const std::vector<float> deq = dequantize_rows(f.type, blocks.data(), f.rows, f.cols);
    const double rmse = relative_rmse(deq.data(), src.data(), src.size());

    const int64_t block_bytes = dtype_info(f.type).block_bytes;
    const int64_t n_blocks = static_cast<int64_t>(blocks.size()) / block_bytes;
    int64_t same = 0;
    for (int64_t b = 0; b < n_blocks; ++b) {
      same += std::memcmp(blocks.data() + b * block_bytes, ggml_blocks.data() + b * block_bytes,
                          static_cast<size_t>(block_bytes)) == 0;
    }
    std::printf("%-8s %12.6f %12.6f %9lld / %lld\n", f.type_name.c_str(), ggml_rmse, rmse,
                static_cast<long long>(same), static_cast<long long>(n_blocks));
    EXPECT_LE(rmse, ggml_rmse * (1.0 + 1e-6) + 1e-9);
    // Stronger than the bar: the quantizers follow ggml's float operations, so the bytes are identical.
    EXPECT_EQ(same, n_blocks);
    if (auto it = quoted.find(f.type_name); it != quoted.end()) {
      EXPECT_NEAR(ggml_rmse, it->second, 5e-5);
    }
  }
}

// ggml's importance-weighted quantization of the fixture rows (tests/data/quant/imatrix, see its README):
// sinan must write the same bytes.
TEST(Quantize, ImportanceMatchesGgmlOnFixtures) {
  const std::vector<float> src = read_quant_source();
  std::vector<float> importance(1024);
  for (int i = 0; i < 1024; ++i) importance[i] = 1.0f + static_cast<float>((37 * i) % 101) / 10.0f;
  int checked = 0;
  for (const auto& f : read_quant_index()) {
    if (dtype_info(f.type).is_float_plain || f.type == DType::kQ8_0) continue;  // q8_0 ignores importance
    SCOPED_TRACE(f.type_name);
    ASSERT_EQ(f.cols, 1024);
    const std::vector<char> ggml_blocks = read_binary(test_data("quant/imatrix/" + f.type_name + ".blocks"));
    const std::vector<uint8_t> blocks = quantize_rows(f.type, src.data(), f.rows, f.cols, importance.data());
    ASSERT_EQ(ggml_blocks.size(), blocks.size());
    EXPECT_EQ(0, std::memcmp(ggml_blocks.data(), blocks.data(), blocks.size()));
    const std::vector<float> deq = dequantize_rows(f.type, blocks.data(), f.rows, f.cols);
    std::printf("%-8s with importance: rmse %.6f\n", f.type_name.c_str(),
                relative_rmse(deq.data(), src.data(), src.size()));
    ++checked;
  }
  EXPECT_EQ(checked, 11);
}

const DType kQuantTypes[] = {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0,   DType::kQ5_1,   DType::kQ8_0,
                             DType::kQ8_1, DType::kQ2_K, DType::kQ3_K,   DType::kQ4_K,   DType::kQ5_K,
                             DType::kQ6_K, DType::kQ8_K, DType::kIQ4_NL, DType::kIQ4_XS, DType::kMXFP4};

// Types that take an importance matrix (the others ignore it).
const DType kImportanceTypes[] = {DType::kQ4_0, DType::kQ4_1,   DType::kQ5_0,  DType::kQ5_1,
                                  DType::kQ2_K, DType::kQ3_K,   DType::kQ4_K,  DType::kQ5_K,
                                  DType::kQ6_K, DType::kIQ4_NL, DType::kIQ4_XS};

std::vector<float> round_trip(DType type, const std::vector<float>& x, const float* importance = nullptr) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> blocks(*dtype_row_bytes(type, n));
  quantize_row(type, x.data(), blocks.data(), n, importance);
  std::vector<float> out(x.size());
  dequantize_row(type, blocks.data(), out.data(), n);
  return out;
}

double weighted_error(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& w) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += w[i] * (static_cast<double>(a[i]) - b[i]) * (a[i] - b[i]);
  return sum;
}

// Importance steers the error toward the unimportant values: the importance-weighted error must not be
// worse than the plain quantizer's, and uniform importance must stay close to the plain quantizer.
TEST(Quantize, ImportanceReducesWeightedError) {
  const std::vector<float> src = read_quant_source();
  const std::vector<float> x(src.begin(), src.begin() + 4096);
  std::vector<float> importance(x.size()), uniform(x.size(), 1.0f);
  uint32_t state = 12345;
  for (auto& w : importance) {
    state = state * 1664525u + 1013904223u;
    const float u = static_cast<float>(state >> 8) / 16777216.0f;
    w = 0.05f + 20.0f * u * u * u;  // heavy-tailed, like real activation statistics
  }
  for (DType type : kImportanceTypes) {
    SCOPED_TRACE(dtype_name(type));
    const auto plain = round_trip(type, x);
    const auto weighted = round_trip(type, x, importance.data());
    const auto flat = round_trip(type, x, uniform.data());
    const double plain_err = weighted_error(plain, x, importance);
    const double weighted_err = weighted_error(weighted, x, importance);
    std::printf(
        "%-8s weighted error: plain %.5g, with importance %.5g (uniform importance rmse %.5f vs %.5f)\n",
        std::string(dtype_name(type)).c_str(), plain_err, weighted_err,
        relative_rmse(flat.data(), x.data(), x.size()), relative_rmse(plain.data(), x.data(), x.size()));
    EXPECT_LT(weighted_err, plain_err);
    EXPECT_LT(relative_rmse(flat.data(), x.data(), x.size()),
              1.1 * relative_rmse(plain.data(), x.data(), x.size()));
  }
}

// Quantizing already-quantized values loses no more than the first quantization did, and the formats
// whose scale comes straight from the extreme value reproduce themselves exactly.
TEST(Quantize, RoundTripIsStable) {
  const std::vector<float> src = read_quant_source();
  const std::vector<float> x(src.begin(), src.begin() + 2048);
  for (DType type : kQuantTypes) {
    SCOPED_TRACE(dtype_name(type));
    const auto once = round_trip(type, x);
    const auto twice = round_trip(type, once);
    const double first = relative_rmse(once.data(), x.data(), x.size());
    const double drift = relative_rmse(twice.data(), once.data(), once.size());
    std::printf("%-8s first rmse %.6f, drift on requantization %.6f\n", std::string(dtype_name(type)).c_str(),
                first, drift);
    EXPECT_LE(drift, first);
    if (type == DType::kQ8_0 || type == DType::kQ4_0 || type == DType::kQ5_0 || type == DType::kQ8_K) {
      EXPECT_EQ(0, std::memcmp(once.data(), twice.data(), once.size() * sizeof(float)));
    }
  }
}

struct OddInput {
  const char* name;
  std::vector<float> values;
};

std::vector<OddInput> odd_inputs(size_t n) {
  std::vector<OddInput> inputs;
  uint32_t state = 777;
  auto uniform = [&state] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) / 16777216.0f * 2.0f - 1.0f;
  };
  inputs.push_back({"zeros", std::vector<float>(n, 0.0f)});
  inputs.push_back({"negative zeros", std::vector<float>(n, -0.0f)});
  inputs.push_back({"constant", std::vector<float>(n, 0.375f)});
  std::vector<float> v(n);
  for (auto& e : v) e = uniform() * 0.01f;
  v[n / 3] = 1e4f;
  inputs.push_back({"outlier 1e4", v});
  v[n / 3] = -6e4f;
  inputs.push_back({"outlier -6e4", v});
  for (auto& e : v) e = -std::fabs(uniform()) - 0.1f;
  inputs.push_back({"negative only", v});
  for (auto& e : v) e = std::fabs(uniform()) + 2.0f;
  inputs.push_back({"positive offset", v});
  for (auto& e : v) e = uniform() * 1e-40f;
  inputs.push_back({"subnormals", v});
  for (auto& e : v) e = uniform() * 1e-20f;
  inputs.push_back({"tiny", v});
  for (size_t i = 0; i < n; ++i) v[i] = uniform() * std::ldexp(1.0f, static_cast<int>(i % 30) - 20);
  inputs.push_back({"mixed magnitudes", v});
  for (size_t i = 0; i < n; ++i) v[i] = i % 97 == 0 ? uniform() * 100.0f : 0.0f;
  inputs.push_back({"sparse", v});
  return inputs;
}

// Awkward inputs give finite values and the right answer where one is obvious: zeros stay zeros, a
// constant comes back close, and quantization never flips a value's sign beyond its block's error.
TEST(Quantize, OddInputsStayFinite) {
  const size_t n = 512;
  const std::vector<float> importance(n, 1.0f);
  for (const auto& input : odd_inputs(n)) {
    for (DType type : kQuantTypes) {
      for (const float* imp : {static_cast<const float*>(nullptr), importance.data()}) {
        SCOPED_TRACE(std::string(input.name) + " " + std::string(dtype_name(type)) +
                     (imp ? " importance" : ""));
        const auto out = round_trip(type, input.values, imp);
        size_t non_finite = 0;
        for (float f : out) non_finite += !std::isfinite(f);
        EXPECT_EQ(non_finite, 0u);
        if (std::string(input.name) == "zeros" || std::string(input.name) == "negative zeros" ||
            std::string(input.name) == "subnormals") {
          for (float f : out) ASSERT_EQ(f, 0.0f);
        }
        if (std::string(input.name) == "constant") {
          EXPECT_LT(relative_rmse(out.data(), input.values.data(), n), 0.1);
        }
        if (std::string(input.name) == "outlier 1e4" || std::string(input.name) == "outlier -6e4") {
          // The outlier itself must survive, to the format's relative precision (e2m1 steps are 33%).
          const double tolerance = type == DType::kMXFP4 ? 0.34 : 0.1;
          EXPECT_NEAR(out[n / 3], input.values[n / 3], std::fabs(input.values[n / 3]) * tolerance);
        }
      }
    }
  }
}

// Beyond the formats' range (the f16 scales overflow) and NaN the results are not meaningful, as in ggml,
// but the quantizers must not crash or hit undefined behaviour (the sanitizer build runs this).
TEST(Quantize, OutOfRangeInputsDoNotCrash) {
  const size_t n = 512;
  std::vector<float> v(n, 1.0f);
  v[3] = 1e30f;
  v[300] = -3.0e38f;
  v[400] = 1e-30f;
  std::vector<float> nan_values(n, 0.5f);
  nan_values[7] = std::nanf("");
  nan_values[260] = std::nanf("");
  std::vector<float> infinities(n, -2.0f);
  infinities[9] = INFINITY;
  const std::vector<float> importance(n, 1.0f);
  for (const auto* input : {&v, &nan_values, &infinities}) {
    for (DType type : kQuantTypes) {
      round_trip(type, *input);
      round_trip(type, *input, importance.data());
    }
  }
}

// Zero importance everywhere carries no information; the quantizers must still return finite values.
TEST(Quantize, ZeroImportanceIsFinite) {
  const std::vector<float> src = read_quant_source();
  const std::vector<float> x(src.begin(), src.begin() + 1024);
  const std::vector<float> zero(x.size(), 0.0f);
  for (DType type : kImportanceTypes) {
    SCOPED_TRACE(dtype_name(type));
    for (float f : round_trip(type, x, zero.data())) ASSERT_TRUE(std::isfinite(f));
  }
}

TEST(Quantize, Q8KBlockSumsMatchQuants) {
  const std::vector<float> src = read_quant_source();
  std::vector<BlockQ8_K> blocks(4);
  quantize_row(DType::kQ8_K, src.data(), blocks.data(), 4 * kQK_K);
  for (const auto& block : blocks) {
    for (int j = 0; j < kQK_K / 16; ++j) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += block.qs[16 * j + l];
      EXPECT_EQ(block.bsums[j], sum);
    }
  }
}

TEST(Quantize, PlainFloatTypes) {
  const float x[4] = {1.0f, -2.5f, 1.0f + 0x1p-11f, 3.0e38f};
  uint16_t h[4];
  quantize_row(DType::kF16, x, h, 4);
  EXPECT_EQ(h[0], 0x3c00);
  EXPECT_EQ(h[2], 0x3c00);  // tie to even
  EXPECT_EQ(h[3], 0x7c00);  // overflow to infinity, as ggml
  uint16_t b[4];
  quantize_row(DType::kBF16, x, b, 4);
  EXPECT_EQ(b[1], 0xc020);
  float f[4];
  quantize_row(DType::kF32, x, f, 4);
  EXPECT_EQ(0, std::memcmp(f, x, sizeof(x)));
}

}  // namespace
}  // namespace sinan
