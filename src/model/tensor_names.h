// The two tensor-naming conventions: llama.cpp's GGUF names (sinan's logical names) and the
// Hugging Face names used by safetensors checkpoints.
#pragma once

#include <optional>
#include <string>

namespace sinan {

// Logical names are llama.cpp's without the suffix: "token_embd", "blk.3.attn_q", "blk.3.ffn_gate_exps".
// `suffix` is "weight" or "bias"; `expert` selects one expert of a *_exps name (HF stores one tensor
// per expert). nullopt when the name has no Hugging Face counterpart (e.g. llama.cpp's attn_k_b).
std::optional<std::string> hf_tensor_name(const std::string& logical, const std::string& suffix, int expert = -1);

inline std::string gguf_tensor_name(const std::string& logical, const std::string& suffix) {
  return logical + "." + suffix;
}

inline std::string layer_name(int layer, const char* part) { return "blk." + std::to_string(layer) + "." + part; }

}  // namespace sinan
