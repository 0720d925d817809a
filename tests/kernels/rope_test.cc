#include "kernels/rope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "io/gguf.h"
#include "test_util.h"

namespace sinan {
namespace {

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

TEST(Rope, PlainFrequencies) {
  RopeParams p;
  p.dim = 8;
  p.theta = 10000;
  const auto f = rope_inverse_frequencies(p);
  ASSERT_EQ(f.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(f[i], static_cast<float>(std::pow(10000.0, -2.0 * i / 8)));
}

// The first pair rotates by exactly `position` radians (inv_freq 1); rotation keeps norms; position 0
// is the identity; and the layouts pair different elements.
TEST(Rope, RotatesThePairsOfEachLayout) {
  RopeParams p;
  p.dim = 4;
  const auto f = rope_inverse_frequencies(p);
  for (RopeLayout layout : {RopeLayout::kNeox, RopeLayout::kInterleaved}) {
    std::vector<float> x = {1, 2, 3, 4};
    apply_rope(x.data(), 1, 4, 0, f, layout, 1.0f, 0);
    EXPECT_EQ(x, (std::vector<float>{1, 2, 3, 4}));
    apply_rope(x.data(), 1, 4, 0, f, layout, 1.0f, 1);
    const int a = 0, b = layout == RopeLayout::kNeox ? 2 : 1;
    const float x0 = 1, x1 = layout == RopeLayout::kNeox ? 3 : 2;
    EXPECT_NEAR(x[a], x0 * std::cos(1.0) - x1 * std::sin(1.0), 1e-6);
    EXPECT_NEAR(x[b], x1 * std::cos(1.0) + x0 * std::sin(1.0), 1e-6);
    EXPECT_NEAR(dot(x, x), 30.0, 1e-4);
  }
}

// q(m) . k(n) depends only on m - n, for both layouts and with an offset inside the head.
TEST(Rope, ScoresDependOnRelativePositionOnly) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  RopeParams p;
  p.dim = 16;
  const auto f = rope_inverse_frequencies(p);
  for (RopeLayout layout : {RopeLayout::kNeox, RopeLayout::kInterleaved}) {
    std::vector<float> q(20), k(20);
    for (auto& v : q) v = normal(rng);
    for (auto& v : k) v = normal(rng);
    auto score = [&](int m, int n) {
      std::vector<float> qm = q, kn = k;
      apply_rope(qm.data(), 1, 20, 4, f, layout, 1.0f, m);
      apply_rope(kn.data(), 1, 20, 4, f, layout, 1.0f, n);
      return dot(qm, kn);
    };
    EXPECT_NEAR(score(5, 2), score(13, 10), 1e-4);
    EXPECT_NEAR(score(0, 0), score(40, 40), 1e-4);
  }
}

// YaRN for the deepseek fixtures (dim 16, theta 1e4, factor 4, original context 256, beta 32/1):
// correction range [floor(0.2098), ceil(3.2203)] = [0, 4]: pair 0 extrapolates, pairs >= 4 interpolate
// (divided by the factor), pairs 1..3 blend linearly.
TEST(Rope, YarnRampsBetweenExtrapolationAndInterpolation) {
  RopeParams p;
  p.dim = 16;
  p.theta = 10000;
  p.scaling = RopeScaling::kYarn;
  p.factor = 4;
  p.original_context = 256;
  const auto f = rope_inverse_frequencies(p);
  for (int i = 0; i < 8; ++i) {
    const double base = std::pow(10000.0, -2.0 * i / 16);
    const double ramp = std::clamp(i / 4.0, 0.0, 1.0);
    EXPECT_FLOAT_EQ(f[i], static_cast<float>(base / 4 * ramp + base * (1 - ramp))) << i;
  }
  EXPECT_FLOAT_EQ(f[0], 1.0f);
  EXPECT_NEAR(yarn_mscale(4, 1.0), 1 + 0.1 * std::log(4.0), 1e-12);
  EXPECT_EQ(yarn_mscale(1, 1.0), 1.0);
}

// llama3 scaling computed from the HF config must equal what llama.cpp's converter stored as
// rope_freqs.weight in the GGUF of the same model.
TEST(Rope, Llama3ScalingAgreesWithLlamaCppConverter) {
  RopeParams p;
  p.dim = 32;
  p.theta = 500000;
  p.scaling = RopeScaling::kLlama3;
  p.factor = 8;
  p.low_freq_factor = 1;
  p.high_freq_factor = 4;
  p.original_context = 64;
  const auto hf = rope_inverse_frequencies(p);
  auto gguf = GgufFile::open(test_data("gguf/llama-bf16.gguf"));
  ASSERT_TRUE(gguf.ok());
  const TensorInfo* freqs = gguf->find_tensor("rope_freqs.weight");
  ASSERT_NE(freqs, nullptr);
  RopeParams from_file = p;
  from_file.scaling = RopeScaling::kNone;
  from_file.freq_factors.assign(reinterpret_cast<const float*>(freqs->data),
                                reinterpret_cast<const float*>(freqs->data) + 16);
  const auto gg = rope_inverse_frequencies(from_file);
  int scaled = 0;
  for (int i = 0; i < 16; ++i) {
    EXPECT_NEAR(hf[i], gg[i], 1e-6 * hf[i]) << i;
    scaled += hf[i] < static_cast<float>(std::pow(500000.0, -2.0 * i / 32)) * 0.999f;
  }
  EXPECT_GT(scaled, 0);  // the test context is short enough that some frequencies are scaled
}

}  // namespace
}  // namespace sinan
