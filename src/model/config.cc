#include "model/config.h"

namespace sinan {

const char* architecture_name(Architecture arch) {
  switch (arch) {
    case Architecture::kLlama: return "llama";
    case Architecture::kQwen2: return "qwen2";
    case Architecture::kDeepseek2: return "deepseek2";
  }
  return "unknown";
}

int64_t ModelConfig::kv_row_width() const {
  if (arch == Architecture::kDeepseek2) return kv_lora_rank + qk_rope_head_dim;  // latent + rope key
  return 2 * n_kv_heads * head_dim;                                             // K and V of every KV head
}

RouterParams ModelConfig::router_params(const float* selection_bias) const {
  RouterParams p;
  p.n_experts = n_routed_experts;
  p.top_k = experts_per_token;
  p.scoring = expert_scoring;
  p.n_groups = n_expert_groups;
  p.top_groups = top_expert_groups;
  p.group_score = group_score;
  p.normalize = normalize_expert_weights;
  p.scaling = routed_scaling_factor;
  p.selection_bias = selection_bias;
  return p;
}

Status ModelConfig::validate() const {
  auto positive = [](int64_t v, const char* field) -> Status {
    if (v <= 0) return Status::errorf("config: {} must be positive, got {}", field, v);
    return Status();
  };
  SINAN_RETURN_IF_ERROR(positive(vocab_size, "vocab_size"));
  SINAN_RETURN_IF_ERROR(positive(hidden_size, "hidden_size"));
  SINAN_RETURN_IF_ERROR(positive(n_layers, "num_hidden_layers"));
  SINAN_RETURN_IF_ERROR(positive(n_heads, "num_attention_heads"));
  if (!(rms_norm_eps > 0.0f && rms_norm_eps < 1.0f)) return Status::errorf("config: rms_norm_eps {} is not in (0, 1)", rms_norm_eps);
  constexpr int64_t kLimit = int64_t{1} << 24;
  if (vocab_size > (int64_t{1} << 31) || hidden_size > kLimit || n_layers > 4096 || n_heads > 4096) {
    return Status::error("config: sizes are absurdly large (vocab, hidden size, layers or heads)");
  }
  if (arch == Architecture::kDeepseek2) {
    SINAN_RETURN_IF_ERROR(positive(kv_lora_rank, "kv_lora_rank"));
    SINAN_RETURN_IF_ERROR(positive(qk_nope_head_dim, "qk_nope_head_dim"));
    SINAN_RETURN_IF_ERROR(positive(qk_rope_head_dim, "qk_rope_head_dim"));
    SINAN_RETURN_IF_ERROR(positive(v_head_dim, "v_head_dim"));
    if (q_lora_rank < 0) return Status::error("config: q_lora_rank must not be negative");
    if (qk_rope_head_dim % 2 != 0) return Status::errorf("config: qk_rope_head_dim {} must be even", qk_rope_head_dim);
    if (kv_lora_rank > kLimit || qk_nope_head_dim > kLimit || v_head_dim > kLimit || q_lora_rank > kLimit) {
      return Status::error("config: MLA sizes are absurdly large");
    }
  } else {
    SINAN_RETURN_IF_ERROR(positive(n_kv_heads, "num_key_value_heads"));
    SINAN_RETURN_IF_ERROR(positive(head_dim, "head_dim"));
    if (n_heads % n_kv_heads != 0) {
      return Status::errorf("config: num_attention_heads {} is not a multiple of num_key_value_heads {}", n_heads,
                            n_kv_heads);
    }
    if (head_dim % 2 != 0 || head_dim > kLimit) return Status::errorf("config: head_dim {} is not usable", head_dim);
  }
  if (first_dense_layers > 0 || n_routed_experts == 0) SINAN_RETURN_IF_ERROR(positive(intermediate_size, "intermediate_size"));
  if (n_routed_experts > 0) {
    if (n_routed_experts > 1024) return Status::errorf("config: {} routed experts is more than sinan supports (1024)", n_routed_experts);
    SINAN_RETURN_IF_ERROR(positive(moe_intermediate_size, "moe_intermediate_size"));
    SINAN_RETURN_IF_ERROR(positive(experts_per_token, "num_experts_per_tok"));
    if (n_shared_experts < 0) return Status::error("config: n_shared_experts must not be negative");
    if (n_expert_groups < 1 || n_routed_experts % n_expert_groups != 0) {
      return Status::errorf("config: n_group {} does not divide n_routed_experts {}", n_expert_groups, n_routed_experts);
    }
    if (top_expert_groups < 1 || top_expert_groups > n_expert_groups) {
      return Status::errorf("config: topk_group {} must be between 1 and n_group {}", top_expert_groups, n_expert_groups);
    }
    if (experts_per_token > top_expert_groups * (n_routed_experts / n_expert_groups)) {
      return Status::errorf("config: num_experts_per_tok {} exceeds the experts in the {} kept groups", experts_per_token,
                            top_expert_groups);
    }
  }
  if (rope.dim <= 0 || rope.dim % 2 != 0) return Status::errorf("config: rotary dimension {} must be even and positive", rope.dim);
  if (!(rope.theta > 1.0)) return Status::errorf("config: rope_theta {} must be > 1", rope.theta);
  if (rope.scaling == RopeScaling::kYarn || rope.scaling == RopeScaling::kLlama3) {
    if (rope.original_context <= 0) return Status::error("config: rope_scaling needs original_max_position_embeddings > 0");
    if (!(rope.factor >= 1.0)) return Status::errorf("config: rope_scaling factor {} must be >= 1", rope.factor);
  }
  if (rope.scaling == RopeScaling::kLinear && !(rope.factor > 0)) return Status::error("config: rope_scaling factor must be > 0");
  if (!(softmax_scale > 0)) return Status::error("config: attention softmax scale must be positive");
  return Status();
}

}  // namespace sinan
