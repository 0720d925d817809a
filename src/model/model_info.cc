#include "model/model_info.h"

#include <fmt/format.h>

namespace sinan {
namespace {

bool is_scale_tensor(const std::string& name) {
  return name.size() > 10 && name.compare(name.size() - 10, 10, "_scale_inv") == 0;
}

// Index of the layer a tensor belongs to, or -1.
int tensor_layer(const std::string& name, SourceFormat format) {
  const std::string prefix = format == SourceFormat::kGguf ? "blk." : "model.layers.";
  if (name.rfind(prefix, 0) != 0) return -1;
  return std::atoi(name.c_str() + prefix.size());
}

const char* rope_scaling_name(RopeScaling s) {
  switch (s) {
    case RopeScaling::kNone: return "none";
    case RopeScaling::kLinear: return "linear";
    case RopeScaling::kLlama3: return "llama3";
    case RopeScaling::kYarn: return "yarn";
  }
  return "?";
}

}  // namespace

ModelSummary summarize_model(const Model& model) {
  const ModelConfig& c = model.config();
  ModelSummary s;
  for (const TensorInfo& t : model.files().tensors()) {
    DTypeTotals& totals = s.by_dtype[std::string(dtype_name(t.dtype))];
    totals.tensors++;
    totals.elements += t.numel();
    totals.bytes += static_cast<int64_t>(t.nbytes);
    if (is_scale_tensor(t.name) || t.name == "rope_freqs.weight") continue;
    s.parameters += t.numel();
    if (tensor_layer(t.name, c.source) >= c.n_layers) s.mtp_parameters += t.numel();
  }
  // Active parameters: everything of the normal forward except the experts a token does not use.
  s.active_parameters = s.parameters - s.mtp_parameters;
  if (c.n_routed_experts > 0) {
    const int64_t per_expert = 3 * c.moe_intermediate_size * c.hidden_size;
    const int64_t moe_layers = c.n_layers - std::min(c.first_dense_layers, c.n_layers);
    s.active_parameters -= moe_layers * (c.n_routed_experts - c.experts_per_token) * per_expert;
  }
  if (c.tie_embeddings) s.active_parameters += c.vocab_size * c.hidden_size;  // the head reuses the embedding
  s.kv_values_per_token = c.kv_row_width() * c.n_layers;
  if (c.arch == Architecture::kDeepseek2) {
    s.kv_values_per_token_uncompressed =
        int64_t{c.n_heads} * (c.qk_nope_head_dim + c.qk_rope_head_dim + c.v_head_dim) * c.n_layers;
  } else {
    s.kv_values_per_token_uncompressed = s.kv_values_per_token;
  }
  return s;
}

std::vector<std::pair<std::string, std::string>> describe_config(const ModelConfig& c) {
  std::vector<std::pair<std::string, std::string>> lines;
  auto add = [&](const std::string& key, auto value) { lines.emplace_back(key, fmt::format("{}", value)); };
  add("architecture", architecture_name(c.arch));
  add("source", c.source == SourceFormat::kGguf ? "gguf" : "hugging face");
  add("name", c.name);
  add("vocab_size", c.vocab_size);
  add("hidden_size", c.hidden_size);
  add("layers", c.n_layers);
  add("attention_heads", c.n_heads);
  if (c.arch == Architecture::kDeepseek2) {
    add("attention", "multi-head latent attention (MLA)");
    add("q_lora_rank", c.q_lora_rank == 0 ? std::string("none (q_proj)") : std::to_string(c.q_lora_rank));
    add("kv_lora_rank", c.kv_lora_rank);
    add("qk_nope_head_dim", c.qk_nope_head_dim);
    add("qk_rope_head_dim", c.qk_rope_head_dim);
    add("v_head_dim", c.v_head_dim);
  } else {
    add("attention", c.n_kv_heads == c.n_heads ? "multi-head" : "grouped-query");
    add("kv_heads", c.n_kv_heads);
    add("head_dim", c.head_dim);
    add("attention_bias", c.attention_bias);
  }
  add("softmax_scale", fmt::format("{:.6g}", c.softmax_scale));
  if (c.intermediate_size > 0) add("intermediate_size", c.intermediate_size);
  if (c.n_routed_experts > 0) {
    add("dense_leading_layers", c.first_dense_layers);
    add("routed_experts", c.n_routed_experts);
    add("shared_experts", c.n_shared_experts);
    add("experts_per_token", c.experts_per_token);
    add("moe_intermediate_size", c.moe_intermediate_size);
    add("expert_scoring", c.expert_scoring == ExpertScoring::kSigmoid ? "sigmoid" : "softmax");
    add("expert_groups", fmt::format("{} (keep {}, group score {})", c.n_expert_groups, c.top_expert_groups,
                                     c.group_score == GroupScore::kTopTwoSum ? "top-2 sum" : "max"));
    add("selection_bias", c.has_selection_bias);
    add("normalize_expert_weights", c.normalize_expert_weights);
    add("routed_scaling_factor", c.routed_scaling_factor);
  }
  if (c.n_mtp_layers > 0) add("mtp_layers", c.n_mtp_layers);
  add("rms_norm_eps", fmt::format("{:g}", c.rms_norm_eps));
  add("max_context", c.max_context);
  add("rope_theta", fmt::format("{:g}", c.rope.theta));
  add("rope_dim", c.rope.dim);
  add("rope_layout", c.rope.layout == RopeLayout::kNeox ? "neox (i, i+d/2)" : "interleaved (2i, 2i+1)");
  add("rope_scaling", rope_scaling_name(c.rope.scaling));
  if (!c.rope.freq_factors.empty()) add("rope_freq_factors", "from rope_freqs.weight");
  if (c.rope.scaling != RopeScaling::kNone) {
    add("rope_factor", fmt::format("{:g}", c.rope.factor));
    add("rope_original_context", c.rope.original_context);
  }
  if (c.rope.scaling == RopeScaling::kYarn) {
    add("yarn_beta_fast", fmt::format("{:g}", c.rope.beta_fast));
    add("yarn_beta_slow", fmt::format("{:g}", c.rope.beta_slow));
    add("yarn_attention_factor", fmt::format("{:.6g}", c.rope.attention_factor));
  }
  add("tie_embeddings", c.tie_embeddings);
  add("bos_token_id", c.bos_token_id);
  add("eos_token_id", c.eos_token_id);
  if (c.fp8_block_rows > 0) add("fp8_weight_blocks", fmt::format("{}x{}", c.fp8_block_rows, c.fp8_block_cols));
  return lines;
}

}  // namespace sinan
