#include "kernels/elementwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace sinan {
namespace {

TEST(Elementwise, RmsNormMatchesDefinition) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (int64_t n : {1, 2, 7, 128, 1000}) {
    const int64_t rows = 3, stride = n + 5;
    std::vector<float> x(static_cast<size_t>(rows * stride)), w(static_cast<size_t>(n)), y(x.size());
    for (auto& v : x) v = normal(rng);
    for (auto& v : w) v = normal(rng);
    rms_norm(x.data(), stride, w.data(), 1e-6f, rows, n, y.data(), stride);
    for (int64_t r = 0; r < rows; ++r) {
      double ms = 0;
      for (int64_t i = 0; i < n; ++i) ms += static_cast<double>(x[r * stride + i]) * x[r * stride + i];
      ms /= static_cast<double>(n);
      for (int64_t i = 0; i < n; ++i) {
        const double expected = w[i] * (x[r * stride + i] / std::sqrt(ms + 1e-6));
        EXPECT_NEAR(y[r * stride + i], expected, 1e-5 * std::abs(expected) + 1e-6);
      }
    }
    // In place gives the same result.
    std::vector<float> in_place = x;
    rms_norm(in_place.data(), stride, w.data(), 1e-6f, rows, n, in_place.data(), stride);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n; ++i) EXPECT_EQ(in_place[r * stride + i], y[r * stride + i]);
    }
  }
}

TEST(Elementwise, SiluMul) {
  const std::vector<float> gate = {-20, -1, 0, 0.5f, 3, 30};
  const std::vector<float> up = {1, 2, 3, 4, 5, 6};
  std::vector<float> out(gate.size());
  silu_mul(gate.data(), up.data(), static_cast<int64_t>(gate.size()), out.data());
  for (size_t i = 0; i < gate.size(); ++i) {
    const double expected = gate[i] / (1.0 + std::exp(-static_cast<double>(gate[i]))) * up[i];
    EXPECT_NEAR(out[i], expected, 1e-6 * std::abs(expected) + 1e-12);
  }
}

// Every length's tail, a wide range of gates (the exp clamps past +-87), and the pooled split: the same
// bits as one call, since each element rounds alike in whichever lane it lands.
TEST(Elementwise, SiluMulOverLengthsAndRanges) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> wide(-100.0f, 100.0f), narrow(-6.0f, 6.0f);
  ThreadPool pool(3);
  for (int64_t n : {1, 15, 16, 17, 33, 1000, 3001}) {
    std::vector<float> gate(static_cast<size_t>(n)), up(gate.size()), out(gate.size()), pooled(gate.size());
    for (size_t i = 0; i < gate.size(); ++i) {
      gate[i] = i % 3 == 0 ? wide(rng) : narrow(rng);
      up[i] = narrow(rng);
    }
    silu_mul(gate.data(), up.data(), n, out.data());
    silu_mul(gate.data(), up.data(), n, pooled.data(), pool);
    for (size_t i = 0; i < gate.size(); ++i) {
      const double g = gate[i];
      const double expected = g / (1.0 + std::exp(-g)) * up[i];
      ASSERT_NEAR(out[i], expected, 1e-6 * std::abs(expected) + 1e-30) << n << " " << g;
      ASSERT_EQ(out[i], pooled[i]);
    }
  }
}

TEST(Elementwise, SoftmaxIsStableAndNormalized) {
  std::vector<float> x = {1000, 1001, 999, -1e30f};
  softmax(x.data(), 4);
  const double z = 1 + std::exp(1.0) + std::exp(-1.0);
  EXPECT_NEAR(x[0], 1 / z, 1e-6);
  EXPECT_NEAR(x[1], std::exp(1.0) / z, 1e-6);
  EXPECT_NEAR(x[2], std::exp(-1.0) / z, 1e-6);
  EXPECT_EQ(x[3], 0.0f);
  std::vector<float> single = {5};
  softmax(single.data(), 1);
  EXPECT_EQ(single[0], 1.0f);
}

}  // namespace
}  // namespace sinan
