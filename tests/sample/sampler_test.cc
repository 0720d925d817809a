// Each sampling step on hand-made logits, their order, determinism, and a chi-square test that draws
// follow the distribution.
#include "sample/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace sinan {
namespace {

SampledToken sample_once(SamplingParams p, const std::vector<float>& logits, std::vector<int32_t> history = {}) {
  Sampler sampler(p, static_cast<int64_t>(logits.size()));
  return sampler.sample(logits.data(), history);
}

// Draw n tokens and count them.
std::map<int32_t, int> histogram(SamplingParams p, const std::vector<float>& logits, int n) {
  Sampler sampler(p, static_cast<int64_t>(logits.size()));
  std::map<int32_t, int> counts;
  for (int i = 0; i < n; ++i) counts[sampler.sample(logits.data(), {}).token]++;
  return counts;
}

std::vector<float> logits_for(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
  return l;
}

// Pearson's chi-square of counts against expected probabilities (zero-probability ids must not appear).
double chi_square(const std::map<int32_t, int>& counts, const std::vector<double>& probs, int n) {
  double chi = 0;
  for (size_t id = 0; id < probs.size(); ++id) {
    const auto it = counts.find(static_cast<int32_t>(id));
    const double observed = it == counts.end() ? 0 : it->second;
    if (probs[id] == 0) {
      EXPECT_EQ(observed, 0) << "id " << id << " has zero probability";
      continue;
    }
    const double expected = probs[id] * n;
    chi += (observed - expected) * (observed - expected) / expected;
  }
  return chi;
}

TEST(Sampler, GreedyTakesTheLargestLogitLowestIdOnTies) {
  SamplingParams p;
  p.temperature = 0;
  EXPECT_EQ(sample_once(p, {0.1f, 2.0f, 2.0f, -1.0f}).token, 1);
  EXPECT_EQ(sample_once(p, {5.0f}).token, 0);
}

TEST(Sampler, LogitBiasComesFirst) {
  SamplingParams p;
  p.temperature = 0;
  p.logit_bias = {{1, -100.0f}, {3, 3.0f}, {99, 5.0f}};  // out-of-range ids are ignored
  EXPECT_EQ(sample_once(p, {0.1f, 2.0f, 1.5f, -1.0f}).token, 3);
}

TEST(Sampler, RepetitionPresenceAndFrequencyPenalties) {
  SamplingParams p;
  p.temperature = 0;
  p.repetition_penalty = 2.0f;  // 3.0 -> 1.5 (seen, positive); -0.5 -> -1.0 (seen, negative)
  EXPECT_EQ(sample_once(p, {3.0f, 2.0f, -0.5f}, {0, 2}).token, 1);
  p.repetition_penalty = 1.0f;
  p.presence_penalty = 0.6f;  // once per seen token
  EXPECT_EQ(sample_once(p, {3.0f, 2.5f}, {0, 0, 0}).token, 1);
  p.presence_penalty = 0.0f;
  p.frequency_penalty = 0.2f;  // per occurrence: 3.0 - 3 * 0.2 = 2.4 < 2.5
  EXPECT_EQ(sample_once(p, {3.0f, 2.5f}, {0, 0, 0}).token, 1);
  EXPECT_EQ(sample_once(p, {3.0f, 2.5f}, {0, 0}).token, 0);  // 2.6 > 2.5
  p.penalty_last_n = 1;  // only the last token counts
  EXPECT_EQ(sample_once(p, {3.0f, 2.5f}, {0, 0, 0, 1}).token, 0);
}

TEST(Sampler, LogprobsAreOfThePenalizedDistributionBeforeTemperature) {
  SamplingParams p;
  p.temperature = 0;
  p.top_logprobs = 3;
  const std::vector<double> probs = {0.1, 0.6, 0.3};
  const auto s = sample_once(p, logits_for(probs));
  EXPECT_EQ(s.token, 1);
  EXPECT_NEAR(s.logprob, std::log(0.6), 1e-6);
  ASSERT_EQ(s.top.size(), 3u);
  EXPECT_EQ(s.top[0].token, 1);
  EXPECT_EQ(s.top[1].token, 2);
  EXPECT_EQ(s.top[2].token, 0);
  EXPECT_NEAR(s.top[2].logprob, std::log(0.1), 1e-6);
  p.temperature = 5.0f;  // temperature does not change the reported logprobs
  const auto hot = sample_once(p, logits_for(probs));
  EXPECT_NEAR(hot.top[0].logprob, std::log(0.6), 1e-6);
}

TEST(Sampler, SameSeedSameTokensDifferentSeedDifferentTokens) {
  SamplingParams p;
  p.seed = 1234;
  const std::vector<float> logits(50, 0.0f);  // uniform: every draw depends on the seed
  Sampler a(p, 50), b(p, 50);
  p.seed = 1235;
  Sampler c(p, 50);
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    const int32_t ta = a.sample(logits.data(), {}).token;
    EXPECT_EQ(ta, b.sample(logits.data(), {}).token);
    differ += ta != c.sample(logits.data(), {}).token;
  }
  EXPECT_GT(differ, 50);
}

// The critical value of chi-square at p = 0.001; the test fails by chance once in a thousand seeds, and
// the seeds are fixed, so it is deterministic.
constexpr double kChiSquare001[] = {0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46};

TEST(Sampler, DrawsFollowTheDistribution) {
  const std::vector<double> probs = {0.05, 0.1, 0.15, 0.2, 0.2, 0.3};
  SamplingParams p;
  p.seed = 42;
  const int n = 60000;
  EXPECT_LT(chi_square(histogram(p, logits_for(probs), n), probs, n), kChiSquare001[5]);
}

TEST(Sampler, TemperatureSharpensOrFlattens) {
  const std::vector<double> probs = {0.1, 0.2, 0.7};
  SamplingParams p;
  p.seed = 7;
  p.temperature = 0.5f;  // p^2, renormalized
  std::vector<double> sharp;
  double z = 0;
  for (double q : probs) z += q * q;
  for (double q : probs) sharp.push_back(q * q / z);
  const int n = 40000;
  EXPECT_LT(chi_square(histogram(p, logits_for(probs), n), sharp, n), kChiSquare001[2]);
}

TEST(Sampler, TopKTopPAndMinPTruncateThenRenormalize) {
  const std::vector<double> probs = {0.05, 0.5, 0.15, 0.3};
  const int n = 30000;
  SamplingParams p;
  p.seed = 9;
  p.top_k = 2;  // keeps 0.5 and 0.3
  EXPECT_LT(chi_square(histogram(p, logits_for(probs), n), {0, 0.625, 0, 0.375}, n), kChiSquare001[1]);
  p.top_k = 0;
  p.top_p = 0.9f;  // 0.5 + 0.3 = 0.8 < 0.9, + 0.15 = 0.95: keeps three
  EXPECT_LT(chi_square(histogram(p, logits_for(probs), n), {0, 0.5 / 0.95, 0.15 / 0.95, 0.3 / 0.95}, n),
            kChiSquare001[2]);
  p.top_p = 1.0f;
  p.min_p = 0.5f;  // keeps p >= 0.25: 0.5 and 0.3
  EXPECT_LT(chi_square(histogram(p, logits_for(probs), n), {0, 0.625, 0, 0.375}, n), kChiSquare001[1]);
  p.top_k = 1;  // top-k 1 is greedy at any temperature
  p.min_p = 0.0f;
  p.temperature = 10.0f;
  const auto counts = histogram(p, logits_for(probs), 100);
  EXPECT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts.begin()->first, 1);
}

// Penalties act before temperature: a repeated token's logit is penalized, then everything is scaled.
TEST(Sampler, PenaltiesComeBeforeTemperature) {
  SamplingParams p;
  p.seed = 3;
  p.presence_penalty = std::log(4.0f);  // divides token 0's probability by 4 before temperature
  p.temperature = 0.5f;
  const std::vector<double> probs = {0.5, 0.5};
  // After the penalty: 0.125 : 0.5 -> squared by T = 0.5: 1/64 : 1/4 -> 1/17 : 16/17.
  Sampler sampler(p, 2);
  const auto logits = logits_for(probs);
  const std::vector<int32_t> history = {0};
  std::map<int32_t, int> counts;
  const int n = 34000;
  for (int i = 0; i < n; ++i) counts[sampler.sample(logits.data(), history).token]++;
  EXPECT_LT(chi_square(counts, {1.0 / 17, 16.0 / 17}, n), kChiSquare001[1]);
}

}  // namespace
}  // namespace sinan
