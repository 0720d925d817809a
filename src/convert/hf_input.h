// A Hugging Face checkpoint (config.json, safetensors shards, tokenizer.json) as a conversion input, read
// the way llama.cpp's convert_hf_to_gguf.py reads it, so the GGUF written is the one llama.cpp expects:
// its metadata keys, its tensor names and layouts (llama's q/k rows permuted for adjacent-pair rope, MLA's
// kv_b_proj split into attn_k_b (transposed) and attn_v_b, experts stacked, llama3 rope as rope_freqs),
// its tokenizer metadata. DeepSeek's FP8 weights are scaled by their 128x128 weight_scale_inv blocks as
// they are read; nothing is materialized on disk.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "convert/plan.h"
#include "model/config.h"

namespace sinan {

struct HfOptions {
  // Keep DeepSeek's multi-token-prediction layers (written as blk.N.nextn.*, with nextn_predict_layers).
  // llama.cpp's converter drops them today; its loader reads them.
  bool include_mtp = true;
  // tokenizer.ggml.pre to write instead of the one recognised from tokenizer.json.
  std::string tokenizer_pre;
};

Result<ConversionPlan> plan_from_hf(const std::string& dir, const HfOptions& options = {});

// The parts, exposed for tests.

// llama.cpp's tokenizer.ggml.* keys and tokenizer.chat_template from tokenizer.json,
// tokenizer_config.json (and chat_template.jinja) in `dir`; `config_json` supplies fallback token ids.
Status add_hf_tokenizer_metadata(const std::string& dir, const nlohmann::json& config_json, Architecture arch,
                                 int64_t vocab_size, const std::string& pre_override, GgufWriter* out);

// The tokenizer.ggml.pre name whose pre-tokenizer cuts text exactly as tokenizer.json's does: deepseek-v3,
// deepseek-llm, deepseek-coder, qwen2 (deepseek-r1-qwen when the tokenizer adds a BOS), llama-bpe.
Result<std::string> recognise_pre_tokenizer(const nlohmann::json& tokenizer_json, bool adds_bos,
                                            const std::string& label);

// llama.cpp's <arch>.* keys from config.json (`root`) as sinan parsed it (`config`); `mtp_layers`
// multi-token-prediction layers are written after the decoder's and counted in block_count.
Status add_hf_architecture_metadata(const nlohmann::json& root, const ModelConfig& config, int mtp_layers,
                                    GgufWriter* out);

// general.sampling.* (temperature, top_p, top_k, ...) from generation_config.json, as llama.cpp's converter
// writes them; sinan run takes its defaults from there.
void add_hf_sampling_metadata(const nlohmann::json& generation_config, GgufWriter* out);

// general.name as llama.cpp derives it from a directory name ("deepseek_v3" -> "Deepseek_V3").
std::string model_name_from_directory(std::string_view directory_name);
// general.size_label from the tensors: "1.0M", "16x872K" (experts x parameters per expert plus shared).
std::string size_label(const std::vector<PlannedTensor>& tensors);

}  // namespace sinan
