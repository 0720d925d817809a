#include "kernels/moe_routing.h"

#include <cmath>
#include <limits>

#include "core/check.h"

namespace sinan {
namespace {

// Index of the largest value among those not yet taken; ties -> lowest index.
int argmax_untaken(const float* values, const bool* taken, int n) {
  int best = -1;
  for (int i = 0; i < n; ++i) {
    if (taken[i]) continue;
    if (best < 0 || values[i] > values[best]) best = i;
  }
  return best;
}

}  // namespace

void route_token(const float* logits, const RouterParams& p, float* scratch, int32_t* expert_ids,
                 float* expert_weights) {
  SINAN_CHECK(p.n_experts > 0 && p.top_k > 0 && p.top_k <= p.n_experts);
  SINAN_CHECK(p.n_groups >= 1 && p.n_experts % p.n_groups == 0 && p.top_groups >= 1 && p.top_groups <= p.n_groups);
  constexpr int kMaxExperts = 1024;
  SINAN_CHECK(p.n_experts <= kMaxExperts);
  float* scores = scratch;                  // weights come from these
  float* choice = scratch + p.n_experts;    // experts are chosen by these

  if (p.scoring == ExpertScoring::kSigmoid) {
    for (int e = 0; e < p.n_experts; ++e) scores[e] = 1.0f / (1.0f + std::exp(-logits[e]));
  } else {
    float max_logit = logits[0];
    for (int e = 1; e < p.n_experts; ++e) max_logit = std::max(max_logit, logits[e]);
    double sum = 0;
    for (int e = 0; e < p.n_experts; ++e) sum += (scores[e] = std::exp(logits[e] - max_logit));
    for (int e = 0; e < p.n_experts; ++e) scores[e] = static_cast<float>(scores[e] / sum);
  }
  for (int e = 0; e < p.n_experts; ++e) choice[e] = scores[e] + (p.selection_bias ? p.selection_bias[e] : 0.0f);

  bool taken[kMaxExperts] = {};
  if (p.n_groups > 1 && p.top_groups < p.n_groups) {
    // Keep the best `top_groups` groups; experts of the others cannot be chosen.
    const int group_size = p.n_experts / p.n_groups;
    float group_scores[kMaxExperts];
    for (int g = 0; g < p.n_groups; ++g) {
      const float* c = choice + g * group_size;
      float best = -std::numeric_limits<float>::infinity(), second = best;
      for (int i = 0; i < group_size; ++i) {
        if (c[i] > best) {
          second = best;
          best = c[i];
        } else if (c[i] > second) {
          second = c[i];
        }
      }
      group_scores[g] = p.group_score == GroupScore::kMax ? best : best + (group_size > 1 ? second : 0.0f);
    }
    bool group_taken[kMaxExperts] = {};
    bool group_kept[kMaxExperts] = {};
    for (int k = 0; k < p.top_groups; ++k) {
      const int g = argmax_untaken(group_scores, group_taken, p.n_groups);
      group_taken[g] = group_kept[g] = true;
    }
    for (int e = 0; e < p.n_experts; ++e) taken[e] = !group_kept[e / group_size];
  }

  double weight_sum = 0;
  for (int k = 0; k < p.top_k; ++k) {
    const int e = argmax_untaken(choice, taken, p.n_experts);
    SINAN_CHECK(e >= 0);
    taken[e] = true;
    expert_ids[k] = e;
    expert_weights[k] = scores[e];
    weight_sum += scores[e];
  }
  const double norm = p.normalize ? 1.0 / (weight_sum + 1e-20) : 1.0;
  for (int k = 0; k < p.top_k; ++k) {
    expert_weights[k] = static_cast<float>(expert_weights[k] * norm * p.scaling);
  }
}

}  // namespace sinan
