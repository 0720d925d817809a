// Everything about a model's shape and numerics that the forward pass needs, read from the file
// (Hugging Face config.json or GGUF metadata) and never guessed from layer counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "kernels/moe_routing.h"
#include "kernels/rope.h"

namespace sinan {

enum class Architecture {
  kLlama,     // R1-Distill-Llama, Llama 3.x
  kQwen2,     // R1-Distill-Qwen, Qwen2.x
  kDeepseek2  // DeepSeek V2, V2-Lite, V3, R1 (llama.cpp's name)
};
const char* architecture_name(Architecture arch);

enum class SourceFormat { kGguf, kHuggingFace };

struct ModelConfig {
  Architecture arch = Architecture::kLlama;
  SourceFormat source = SourceFormat::kGguf;
  std::string name;  // general.name or the directory name

  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int n_layers = 0;  // decoder layers of the normal forward (MTP layers excluded)
  int n_heads = 0;
  int n_kv_heads = 0;
  int64_t head_dim = 0;  // llama/qwen2 attention head size
  int64_t intermediate_size = 0;  // dense FFN width
  float rms_norm_eps = 1e-6f;
  int64_t max_context = 0;
  bool attention_bias = false;  // q/k/v biases (Qwen2)
  bool tie_embeddings = false;  // lm_head reuses the token embedding

  // DeepSeek MLA
  int64_t q_lora_rank = 0;  // 0: queries come straight from q_proj (V2-Lite)
  int64_t kv_lora_rank = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t v_head_dim = 0;
  float softmax_scale = 0;  // 1/sqrt(qk head dim), times YaRN's mscale^2 where the model uses it

  // DeepSeekMoE
  int first_dense_layers = 0;  // first_k_dense_replace: layers before this are dense
  int n_routed_experts = 0;
  int n_shared_experts = 0;
  int64_t moe_intermediate_size = 0;
  int experts_per_token = 0;
  int n_expert_groups = 1;
  int top_expert_groups = 1;
  ExpertScoring expert_scoring = ExpertScoring::kSoftmax;
  GroupScore group_score = GroupScore::kMax;
  bool normalize_expert_weights = false;
  float routed_scaling_factor = 1.0f;
  bool has_selection_bias = false;  // e_score_correction_bias / exp_probs_b present
  int n_mtp_layers = 0;             // multi-token-prediction layers kept for speculative decoding

  RopeParams rope;

  // Tokens (-1 when absent).
  int32_t bos_token_id = -1;
  int32_t eos_token_id = -1;

  // DeepSeek FP8 checkpoints: block size of weight_scale_inv (0 when not FP8).
  int64_t fp8_block_rows = 0;
  int64_t fp8_block_cols = 0;

  bool is_moe_layer(int layer) const { return n_routed_experts > 0 && layer >= first_dense_layers; }
  // Floats stored per token per layer in the KV cache.
  int64_t kv_row_width() const;
  RouterParams router_params(const float* selection_bias) const;

  // Checks the values against each other; the message names the field at fault.
  Status validate() const;
};

// Reads config.json of a Hugging Face model directory.
Result<ModelConfig> read_hf_config(const std::string& config_json_path);
// The same from the file's text; `label` names it in messages.
Result<ModelConfig> parse_hf_config(const std::string& text, const std::string& label);

class GgufFile;
// Reads llama.cpp's GGUF metadata (`<arch>.*` keys, and `rope_freqs.weight` for llama3 scaling).
Result<ModelConfig> read_gguf_config(const GgufFile& file);

}  // namespace sinan
