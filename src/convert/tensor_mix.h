// Which type each tensor gets in a file of a given FileType: llama.cpp's rules (src/llama-quant.cpp,
// re-implemented here), so `sinan quantize --type q4_K_M` picks the same per-tensor types llama-quantize
// does on the same input:
//   - what is never quantized: 1-D tensors, norms, the MoE router (ffn_gate_inp), biases;
//   - the mixes: output.weight (and a tied token_embd) q6_K, attn_v / attn_kv_b and ffn_down raised to
//     q5_K / q6_K on some layers (use_more_bits), attn_output raised for the q2_K/q3_K mixes, ...;
//   - fallbacks for rows that are not whole blocks: q2_K/q3_K -> q4_0, q4_K -> q5_0, q5_K -> q5_1,
//     q6_K -> q8_0, iq4_xs -> iq4_nl, then f16.
// The counters behind "some layers" depend on the order tensors are visited, which is llama.cpp's
// (llama_tensor_order below); choose_tensor_types expects the tensors in that order.
#pragma once

#include <string>
#include <vector>

#include "convert/file_type.h"
#include "core/status.h"

namespace sinan {

// The model facts llama.cpp's rules look at, as the GGUF metadata states them.
struct MixModel {
  std::string arch;     // general.architecture: "llama", "qwen2", "deepseek2"
  int n_layer_all = 0;  // block_count, multi-token-prediction layers included
  int n_head = 0;
  int n_head_kv = 0;  // deepseek2 GGUFs store 1 (MLA as MQA)
  int n_expert = 0;   // expert_count, 0 for dense models
  int n_gqa() const { return n_head_kv > 0 ? n_head / n_head_kv : 0; }
  // llama.cpp's LLM_TYPE_70B: a llama with 80 layers and grouped-query attention.
  bool is_llama_70b() const { return arch == "llama" && n_layer_all == 80 && n_head != n_head_kv; }
};

struct MixTensor {
  std::string name;             // GGUF name: "blk.3.attn_v.weight"
  std::vector<int64_t> shape;   // outermost first
  DType current = DType::kF32;  // type in the input (kept when the tensor is not quantized)
};

struct MixChoice {
  DType type = DType::kF32;
  bool fell_back = false;      // the rule's type did not fit the row length
  DType wanted = DType::kF32;  // the rule's type before the fallback
};

// llama.cpp's tensor_allows_quantization for the tensors of llama, qwen2 and deepseek2 files.
bool tensor_allows_quantization(const std::string& name, const std::vector<int64_t>& shape);

// llama.cpp's order (llama_model_loader::weights_map): tensors outside blocks first, then by block
// number, each group by name.
bool llama_tensor_order(const std::string& a, const std::string& b);

// One choice per tensor, `tensors` in llama_tensor_order. Errors name the tensor.
Result<std::vector<MixChoice>> choose_tensor_types(FileType file_type, const MixModel& model,
                                                   const std::vector<MixTensor>& tensors);

}  // namespace sinan
