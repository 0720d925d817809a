// The tensors a llama.cpp GGUF holds for a model config: names and shapes (outermost first), as
// convert_hf_to_gguf.py lays them out (MLA's attn_k_b / attn_v_b, stacked experts, rope_freqs for llama3).
#pragma once

#include <string>
#include <vector>

#include "model/config.h"

namespace sinan {

struct LayoutTensor {
  std::string name;            // "blk.0.attn_k_b.weight"
  std::vector<int64_t> shape;  // [n_heads, kv_lora_rank, qk_nope_head_dim]
};

// `mtp_layers` multi-token-prediction blocks follow the decoder's (DeepSeek only). `with_mtp_head` adds
// their optional copies of the embedding and output head.
std::vector<LayoutTensor> gguf_tensor_layout(const ModelConfig& config, int mtp_layers = 0,
                                             bool with_mtp_head = false);

// rope_freqs.weight for llama3 rope scaling: per-frequency divisors, computed in float32 as llama.cpp's
// converter (torch) computes them.
std::vector<float> llama3_rope_divisors(const RopeParams& rope, int64_t head_dim);

}  // namespace sinan
