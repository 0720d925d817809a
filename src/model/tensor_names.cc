#include "model/tensor_names.h"

#include <cstring>

namespace sinan {
namespace {

struct NamePair {
  const char* gguf;
  const char* hf;
};

constexpr NamePair kGlobal[] = {
    {"token_embd", "model.embed_tokens"},
    {"output_norm", "model.norm"},
    {"output", "lm_head"},
};

// Per-layer parts: blk.N.<gguf> <-> model.layers.N.<hf>.
constexpr NamePair kLayer[] = {
    {"attn_norm", "input_layernorm"},
    {"ffn_norm", "post_attention_layernorm"},
    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.o_proj"},
    {"attn_q_a", "self_attn.q_a_proj"},
    {"attn_q_a_norm", "self_attn.q_a_layernorm"},
    {"attn_q_b", "self_attn.q_b_proj"},
    {"attn_kv_a_mqa", "self_attn.kv_a_proj_with_mqa"},
    {"attn_kv_a_norm", "self_attn.kv_a_layernorm"},
    {"attn_kv_b", "self_attn.kv_b_proj"},
    {"ffn_gate", "mlp.gate_proj"},
    {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
    {"ffn_gate_inp", "mlp.gate"},
    {"ffn_gate_shexp", "mlp.shared_experts.gate_proj"},
    {"ffn_up_shexp", "mlp.shared_experts.up_proj"},
    {"ffn_down_shexp", "mlp.shared_experts.down_proj"},
    {"nextn.enorm", "enorm"},
    {"nextn.hnorm", "hnorm"},
    {"nextn.eh_proj", "eh_proj"},
    {"nextn.embed_tokens", "embed_tokens"},
    {"nextn.shared_head_norm", "shared_head.norm"},
    {"nextn.shared_head_head", "shared_head.head"},
};

constexpr NamePair kExpert[] = {
    {"ffn_gate_exps", "gate_proj"},
    {"ffn_up_exps", "up_proj"},
    {"ffn_down_exps", "down_proj"},
};

}  // namespace

std::optional<std::string> hf_tensor_name(const std::string& logical, const std::string& suffix, int expert) {
  for (const auto& pair : kGlobal) {
    if (logical == pair.gguf) return std::string(pair.hf) + "." + suffix;
  }
  if (logical.rfind("blk.", 0) != 0) return std::nullopt;
  const size_t dot = logical.find('.', 4);
  if (dot == std::string::npos) return std::nullopt;
  const std::string layer = logical.substr(4, dot - 4);
  const std::string part = logical.substr(dot + 1);
  const std::string prefix = "model.layers." + layer + ".";
  // V3's router bias is a buffer of the gate module: llama.cpp's exp_probs_b.bias.
  if (part == "exp_probs_b") return prefix + "mlp.gate.e_score_correction_bias";
  if (expert >= 0) {
    for (const auto& pair : kExpert) {
      if (part == pair.gguf) return prefix + "mlp.experts." + std::to_string(expert) + "." + pair.hf + "." + suffix;
    }
    return std::nullopt;
  }
  for (const auto& pair : kLayer) {
    if (part == pair.gguf) return prefix + pair.hf + "." + suffix;
  }
  return std::nullopt;
}

}  // namespace sinan
