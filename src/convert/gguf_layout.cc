#include "convert/gguf_layout.h"

#include <cmath>
#include <numbers>

#include "model/tensor_names.h"

namespace sinan {
namespace {

void add_deepseek_block(const ModelConfig& c, int l, std::vector<LayoutTensor>& out) {
  const int64_t hidden = c.hidden_size, nh = c.n_heads, nope = c.qk_nope_head_dim, rope = c.qk_rope_head_dim;
  auto add = [&](const char* part, std::vector<int64_t> shape, const char* suffix = "weight") {
    out.push_back({layer_name(l, part) + "." + suffix, std::move(shape)});
  };
  add("attn_norm", {hidden});
  add("ffn_norm", {hidden});
  if (c.q_lora_rank > 0) {
    add("attn_q_a", {c.q_lora_rank, hidden});
    add("attn_q_a_norm", {c.q_lora_rank});
    add("attn_q_b", {nh * (nope + rope), c.q_lora_rank});
  } else {
    add("attn_q", {nh * (nope + rope), hidden});
  }
  add("attn_kv_a_mqa", {c.kv_lora_rank + rope, hidden});
  add("attn_kv_a_norm", {c.kv_lora_rank});
  add("attn_k_b", {nh, c.kv_lora_rank, nope});
  add("attn_v_b", {nh, c.v_head_dim, c.kv_lora_rank});
  add("attn_output", {hidden, nh * c.v_head_dim});
  if (!c.is_moe_layer(l)) {
    add("ffn_gate", {c.intermediate_size, hidden});
    add("ffn_up", {c.intermediate_size, hidden});
    add("ffn_down", {hidden, c.intermediate_size});
    return;
  }
  const int64_t n = c.n_routed_experts, ffn = c.moe_intermediate_size;
  add("ffn_gate_inp", {n, hidden});
  if (c.has_selection_bias) add("exp_probs_b", {n}, "bias");
  add("ffn_gate_exps", {n, ffn, hidden});
  add("ffn_up_exps", {n, ffn, hidden});
  add("ffn_down_exps", {n, hidden, ffn});
  if (c.n_shared_experts > 0) {
    add("ffn_gate_shexp", {ffn * c.n_shared_experts, hidden});
    add("ffn_up_shexp", {ffn * c.n_shared_experts, hidden});
    add("ffn_down_shexp", {hidden, ffn * c.n_shared_experts});
  }
}

}  // namespace

// llama.cpp's converter computes llama3's per-frequency divisors in float32 (torch); so does this.
std::vector<float> llama3_rope_divisors(const RopeParams& rope, int64_t head_dim) {
  std::vector<float> divisors;
  const auto base = static_cast<float>(rope.theta);
  const auto dim = static_cast<float>(head_dim);
  const double low_wavelen = rope.original_context / rope.low_freq_factor;
  const double high_wavelen = rope.original_context / rope.high_freq_factor;
  for (int64_t i = 0; i < head_dim; i += 2) {
    const float freq = 1.0f / std::pow(base, static_cast<float>(i) / dim);
    const float wavelen = static_cast<float>(2 * std::numbers::pi) / freq;
    if (wavelen < static_cast<float>(high_wavelen)) {
      divisors.push_back(1.0f);
    } else if (wavelen > static_cast<float>(low_wavelen)) {
      divisors.push_back(static_cast<float>(rope.factor));
    } else {
      const float smooth =
          (static_cast<float>(rope.original_context) / wavelen - static_cast<float>(rope.low_freq_factor)) /
          static_cast<float>(rope.high_freq_factor - rope.low_freq_factor);
      divisors.push_back(1.0f / ((1.0f - smooth) / static_cast<float>(rope.factor) + smooth));
    }
  }
  return divisors;
}

std::vector<LayoutTensor> gguf_tensor_layout(const ModelConfig& c, int mtp_layers, bool with_mtp_head) {
  std::vector<LayoutTensor> out;
  const int64_t hidden = c.hidden_size;
  out.push_back({"token_embd.weight", {c.vocab_size, hidden}});
  out.push_back({"output_norm.weight", {hidden}});
  if (!c.tie_embeddings) out.push_back({"output.weight", {c.vocab_size, hidden}});
  if (c.arch == Architecture::kDeepseek2) {
    for (int l = 0; l < c.n_layers + mtp_layers; ++l) {
      add_deepseek_block(c, l, out);
      if (l < c.n_layers) continue;
      out.push_back({layer_name(l, "nextn.eh_proj.weight"), {hidden, 2 * hidden}});
      out.push_back({layer_name(l, "nextn.enorm.weight"), {hidden}});
      out.push_back({layer_name(l, "nextn.hnorm.weight"), {hidden}});
      out.push_back({layer_name(l, "nextn.shared_head_norm.weight"), {hidden}});
      if (with_mtp_head) {
        out.push_back({layer_name(l, "nextn.embed_tokens.weight"), {c.vocab_size, hidden}});
        out.push_back({layer_name(l, "nextn.shared_head_head.weight"), {c.vocab_size, hidden}});
      }
    }
    return out;
  }
  const int64_t hd = c.head_dim, ffn = c.intermediate_size;
  if (c.rope.scaling == RopeScaling::kLlama3) out.push_back({"rope_freqs.weight", {hd / 2}});
  for (int l = 0; l < c.n_layers; ++l) {
    auto add = [&](const char* part, std::vector<int64_t> shape, const char* suffix = "weight") {
      out.push_back({layer_name(l, part) + "." + suffix, std::move(shape)});
    };
    add("attn_norm", {hidden});
    add("ffn_norm", {hidden});
    add("attn_q", {c.n_heads * hd, hidden});
    add("attn_k", {c.n_kv_heads * hd, hidden});
    add("attn_v", {c.n_kv_heads * hd, hidden});
    if (c.attention_bias) {
      add("attn_q", {c.n_heads * hd}, "bias");
      add("attn_k", {c.n_kv_heads * hd}, "bias");
      add("attn_v", {c.n_kv_heads * hd}, "bias");
    }
    add("attn_output", {hidden, c.n_heads * hd});
    add("ffn_gate", {ffn, hidden});
    add("ffn_up", {ffn, hidden});
    add("ffn_down", {hidden, ffn});
  }
  return out;
}

}  // namespace sinan
