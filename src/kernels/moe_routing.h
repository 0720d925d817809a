// Choosing experts for one token in DeepSeekMoE: the three routers of the family.
#pragma once

#include <cstdint>

namespace sinan {

enum class ExpertScoring { kSoftmax, kSigmoid };
enum class GroupScore {
  kMax,      // V2's group_limited_greedy: a group scores its best expert
  kTopTwoSum  // V3's noaux_tc: a group scores the sum of its two best (bias-corrected) experts
};

struct RouterParams {
  int n_experts = 0;
  int top_k = 0;
  ExpertScoring scoring = ExpertScoring::kSoftmax;
  int n_groups = 1;     // groups of n_experts / n_groups experts; 1 = no group limit
  int top_groups = 1;   // groups kept
  GroupScore group_score = GroupScore::kMax;
  bool normalize = false;       // divide the chosen weights by their sum
  float scaling = 1.0f;         // routed_scaling_factor
  const float* selection_bias = nullptr;  // V3's e_score_correction_bias: used to choose, not to weigh
};

// From router logits [n_experts], writes the chosen expert ids and their weights (top_k each),
// best first. Ties go to the lower expert (and lower group) index. `scratch` holds 2 * n_experts floats.
void route_token(const float* logits, const RouterParams& params, float* scratch, int32_t* expert_ids,
                 float* expert_weights);

}  // namespace sinan
