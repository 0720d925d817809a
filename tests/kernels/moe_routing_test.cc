// The three DeepSeekMoE routers on hand-made logits, with ties and groups.
#include "kernels/moe_routing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace sinan {
namespace {

struct Routed {
  std::vector<int32_t> ids;
  std::vector<float> weights;
};

Routed route(const std::vector<float>& logits, RouterParams p) {
  p.n_experts = static_cast<int>(logits.size());
  std::vector<float> scratch(2 * logits.size());
  Routed r;
  r.ids.resize(static_cast<size_t>(p.top_k));
  r.weights.resize(static_cast<size_t>(p.top_k));
  route_token(logits.data(), p, scratch.data(), r.ids.data(), r.weights.data());
  return r;
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

TEST(MoeRouting, SoftmaxGreedy) {
  RouterParams p;
  p.top_k = 2;
  p.scaling = 1.5f;  // V2's routed_scaling_factor, no normalization
  const std::vector<float> logits = {0.0f, 2.0f, 1.0f, -1.0f};
  const Routed r = route(logits, p);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 2}));
  double z = 0;
  for (float l : logits) z += std::exp(l);
  EXPECT_NEAR(r.weights[0], std::exp(2.0) / z * 1.5, 1e-6);
  EXPECT_NEAR(r.weights[1], std::exp(1.0) / z * 1.5, 1e-6);
}

TEST(MoeRouting, TiesGoToTheLowerIndex) {
  RouterParams p;
  p.top_k = 2;
  const Routed r = route({1.0f, 3.0f, 3.0f, 3.0f}, p);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 2}));
  EXPECT_FLOAT_EQ(r.weights[0], r.weights[1]);
}

TEST(MoeRouting, SoftmaxGroupLimitedGreedyKeepsTheBestGroups) {
  // Groups {0,1} {2,3} {4,5}; a group scores its best expert. Group 2 (best 5.0) and group 0
  // (best 4.0) are kept, so expert 3 (3.9) loses to expert 1 (1.0) despite its higher score.
  RouterParams p;
  p.top_k = 3;
  p.n_groups = 3;
  p.top_groups = 2;
  p.group_score = GroupScore::kMax;
  const Routed r = route({4.0f, 1.0f, 3.9f, 3.8f, 5.0f, 0.5f}, p);
  std::vector<int32_t> ids = r.ids;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<int32_t>{0, 1, 4}));
}

TEST(MoeRouting, GroupTiesGoToTheLowerGroup) {
  RouterParams p;
  p.top_k = 2;
  p.n_groups = 2;
  p.top_groups = 1;
  const Routed r = route({2.0f, 1.0f, 2.0f, 1.0f}, p);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 1}));
}

TEST(MoeRouting, SigmoidWithSelectionBiasTopTwoSumGroupsAndNormalization) {
  // 8 experts in 4 groups of 2; keep 2 groups by the sum of their two best biased scores.
  const std::vector<float> logits = {0.0f, 0.1f, 2.0f, -3.0f, 1.0f, 1.0f, -1.0f, 0.5f};
  const std::vector<float> bias = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 2.0f};
  RouterParams p;
  p.top_k = 3;
  p.scoring = ExpertScoring::kSigmoid;
  p.n_groups = 4;
  p.top_groups = 2;
  p.group_score = GroupScore::kTopTwoSum;
  p.normalize = true;
  p.scaling = 2.5f;
  p.selection_bias = bias.data();
  // Biased group sums: g0 = s(0)+s(.1) = 1.025, g1 = s(2)+s(-3) = 0.928, g2 = 2*s(1) = 1.462,
  // g3 = s(-1)+s(.5)+2 = 2.891. Kept: g3, g2. Chosen by biased score: 7 (2.62), then 4, 5 (tie -> 4 first).
  const Routed r = route(logits, p);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{7, 4, 5}));
  // Weights use the unbiased sigmoid scores, normalized, then scaled.
  const double s7 = sigmoid(0.5f), s4 = sigmoid(1.0f), sum = s7 + 2 * s4;
  EXPECT_NEAR(r.weights[0], s7 / sum * 2.5, 1e-6);
  EXPECT_NEAR(r.weights[1], s4 / sum * 2.5, 1e-6);
  EXPECT_NEAR(r.weights[2], s4 / sum * 2.5, 1e-6);
  // Without the bias, groups g2 (1.462) and g0 (1.025) are kept: expert 2, the best single score,
  // is out because its group's second expert is weak.
  p.selection_bias = nullptr;
  const Routed unbiased = route(logits, p);
  EXPECT_EQ(unbiased.ids, (std::vector<int32_t>{4, 5, 1}));
}

TEST(MoeRouting, AllGroupsKeptIsPlainTopK) {
  RouterParams p;
  p.top_k = 2;
  p.scoring = ExpertScoring::kSigmoid;
  p.n_groups = 2;
  p.top_groups = 2;
  p.group_score = GroupScore::kTopTwoSum;
  const Routed r = route({0.0f, 3.0f, 2.0f, 1.0f}, p);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 2}));
  EXPECT_NEAR(r.weights[0], sigmoid(3.0f), 1e-6);  // no normalization, scaling 1
}

}  // namespace
}  // namespace sinan
