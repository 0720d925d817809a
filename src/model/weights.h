// The weights of one model as views into mapped files, grouped the way the forward pass uses them.
// Small vectors (norm weights, biases, router biases, FP8 scales) are copied to float32 at load time.
#pragma once

#include <memory>
#include <vector>

#include "kernels/matrix.h"

namespace sinan {

struct FfnWeights {
  Matrix gate;  // [ffn, hidden]
  Matrix up;    // [ffn, hidden]
  Matrix down;  // [hidden, ffn]
  bool empty() const { return gate.empty(); }
};

// Grouped-query attention (Llama, Qwen2).
struct GqaWeights {
  Matrix q;  // [n_heads * head_dim, hidden]
  Matrix k;  // [n_kv_heads * head_dim, hidden]
  Matrix v;  // [n_kv_heads * head_dim, hidden]
  Matrix o;  // [hidden, n_heads * head_dim]
  std::vector<float> q_bias, k_bias, v_bias;  // empty without attention bias
};

// Multi-head latent attention (DeepSeek).
struct MlaWeights {
  Matrix q;                      // [n_heads * (nope + rope), hidden] when there is no q_lora
  Matrix q_a;                    // [q_lora, hidden]
  std::vector<float> q_a_norm;   // [q_lora]
  Matrix q_b;                    // [n_heads * (nope + rope), q_lora]
  Matrix kv_a;                   // [kv_lora + rope, hidden]: the latent and the shared rope key
  std::vector<float> kv_a_norm;  // [kv_lora]
  // Per head, the up-projection of the latent to the head's key: [nope, kv_lora] when taken from
  // kv_b_proj as stored by Hugging Face, or [kv_lora, nope] from llama.cpp's split attn_k_b.
  std::vector<Matrix> k_up;
  bool k_up_is_transposed = false;
  std::vector<Matrix> v_up;  // per head [v_head, kv_lora]
  Matrix o;                  // [hidden, n_heads * v_head]
};

struct MoeWeights {
  Matrix router;                      // [n_experts, hidden]
  std::vector<float> selection_bias;  // [n_experts] (V3), empty otherwise
  std::vector<FfnWeights> experts;    // n_experts of [moe_ffn, hidden] / [hidden, moe_ffn]
  FfnWeights shared;                  // [n_shared * moe_ffn, hidden]; empty without shared experts
};

struct LayerWeights {
  std::vector<float> attn_norm;  // [hidden]
  std::vector<float> ffn_norm;   // [hidden]
  GqaWeights gqa;
  MlaWeights mla;
  FfnWeights ffn;  // dense layers
  MoeWeights moe;  // MoE layers
  bool is_moe = false;
};

// DeepSeek-V3's multi-token-prediction module: kept for speculative decoding, unused by the normal forward.
struct MtpWeights {
  std::vector<float> enorm, hnorm;    // [hidden]
  Matrix eh_proj;                     // [hidden, 2 * hidden]
  Matrix embedding;                   // [vocab, hidden] (may repeat the main embedding)
  std::vector<float> head_norm;       // [hidden]
  Matrix head;                        // [vocab, hidden]
  LayerWeights block;
};

struct ModelWeights {
  Matrix token_embedding;         // [vocab, hidden]
  std::vector<float> output_norm;  // [hidden]
  Matrix output;                  // [vocab, hidden] (the embedding when tied)
  std::vector<LayerWeights> layers;
  std::vector<MtpWeights> mtp;
  std::vector<std::unique_ptr<float[]>> owned;  // FP8 scale copies that views point into
};

}  // namespace sinan
