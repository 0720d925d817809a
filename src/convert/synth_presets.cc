// The synth presets: the real config.json of each model (trimmed to what matters), and small variants
// with the same structure for tests.
#include <nlohmann/json.hpp>

#include "convert/synth.h"

namespace sinan {
namespace {

using json = nlohmann::json;

json r1_qwen(int64_t hidden, int64_t ffn, int heads, int kv_heads, int64_t vocab, int layers) {
  return {{"model_type", "qwen2"},
          {"architectures", {"Qwen2ForCausalLM"}},
          {"hidden_size", hidden},
          {"intermediate_size", ffn},
          {"num_attention_heads", heads},
          {"num_key_value_heads", kv_heads},
          {"num_hidden_layers", layers},
          {"vocab_size", vocab},
          {"max_position_embeddings", 131072},
          {"rms_norm_eps", 1e-6},
          {"rope_theta", 10000.0},
          {"tie_word_embeddings", false},
          {"use_sliding_window", false},
          {"hidden_act", "silu"},
          {"bos_token_id", 151646},
          {"eos_token_id", 151643}};
}

json r1_llama(int64_t hidden, int64_t ffn, int heads, int kv_heads, int64_t vocab, int layers,
              int original_context) {
  return {{"model_type", "llama"},
          {"architectures", {"LlamaForCausalLM"}},
          {"hidden_size", hidden},
          {"intermediate_size", ffn},
          {"num_attention_heads", heads},
          {"num_key_value_heads", kv_heads},
          {"num_hidden_layers", layers},
          {"vocab_size", vocab},
          {"max_position_embeddings", 131072},
          {"rms_norm_eps", 1e-5},
          {"rope_theta", 500000.0},
          {"tie_word_embeddings", false},
          {"hidden_act", "silu"},
          {"rope_scaling",
           {{"rope_type", "llama3"},
            {"factor", 8.0},
            {"low_freq_factor", 1.0},
            {"high_freq_factor", 4.0},
            {"original_max_position_embeddings", original_context}}},
          {"bos_token_id", 128000},
          {"eos_token_id", 128001}};
}

json deepseek_v2_lite(int64_t hidden, int64_t ffn, int64_t moe_ffn, int heads, int64_t vocab, int layers,
                      int experts, int top_k, int64_t kv_lora, int64_t nope, int64_t rope, int64_t v) {
  return {{"model_type", "deepseek_v2"},
          {"architectures", {"DeepseekV2ForCausalLM"}},
          {"hidden_size", hidden},
          {"intermediate_size", ffn},
          {"moe_intermediate_size", moe_ffn},
          {"num_attention_heads", heads},
          {"num_key_value_heads", heads},
          {"num_hidden_layers", layers},
          {"vocab_size", vocab},
          {"q_lora_rank", nullptr},
          {"kv_lora_rank", kv_lora},
          {"qk_nope_head_dim", nope},
          {"qk_rope_head_dim", rope},
          {"v_head_dim", v},
          {"n_routed_experts", experts},
          {"n_shared_experts", 2},
          {"num_experts_per_tok", top_k},
          {"first_k_dense_replace", 1},
          {"moe_layer_freq", 1},
          {"n_group", 1},
          {"topk_group", 1},
          {"topk_method", "greedy"},
          {"scoring_func", "softmax"},
          {"norm_topk_prob", false},
          {"routed_scaling_factor", 1.0},
          {"max_position_embeddings", 163840},
          {"rms_norm_eps", 1e-6},
          {"rope_theta", 10000.0},
          {"tie_word_embeddings", false},
          {"hidden_act", "silu"},
          {"rope_scaling",
           {{"type", "yarn"},
            {"factor", 40.0},
            {"original_max_position_embeddings", 4096},
            {"beta_fast", 32},
            {"beta_slow", 1},
            {"mscale", 0.707},
            {"mscale_all_dim", 0.707}}},
          {"bos_token_id", 100000},
          {"eos_token_id", 100001}};
}

json deepseek_v3(int64_t hidden, int64_t ffn, int64_t moe_ffn, int heads, int64_t vocab, int layers,
                 int experts, int top_k, int groups, int top_groups, int64_t q_lora, int64_t kv_lora,
                 int64_t nope, int64_t rope, int64_t v, int dense) {
  return {{"model_type", "deepseek_v3"},
          {"architectures", {"DeepseekV3ForCausalLM"}},
          {"hidden_size", hidden},
          {"intermediate_size", ffn},
          {"moe_intermediate_size", moe_ffn},
          {"num_attention_heads", heads},
          {"num_key_value_heads", heads},
          {"num_hidden_layers", layers},
          {"vocab_size", vocab},
          {"q_lora_rank", q_lora},
          {"kv_lora_rank", kv_lora},
          {"qk_nope_head_dim", nope},
          {"qk_rope_head_dim", rope},
          {"v_head_dim", v},
          {"n_routed_experts", experts},
          {"n_shared_experts", 1},
          {"num_experts_per_tok", top_k},
          {"first_k_dense_replace", dense},
          {"moe_layer_freq", 1},
          {"n_group", groups},
          {"topk_group", top_groups},
          {"topk_method", "noaux_tc"},
          {"scoring_func", "sigmoid"},
          {"norm_topk_prob", true},
          {"routed_scaling_factor", 2.5},
          {"max_position_embeddings", 163840},
          {"rms_norm_eps", 1e-6},
          {"rope_theta", 10000.0},
          {"tie_word_embeddings", false},
          {"hidden_act", "silu"},
          {"rope_scaling",
           {{"type", "yarn"},
            {"factor", 40.0},
            {"original_max_position_embeddings", 4096},
            {"beta_fast", 32},
            {"beta_slow", 1},
            {"mscale", 1.0},
            {"mscale_all_dim", 1.0}}},
          {"bos_token_id", 0},
          {"eos_token_id", 1}};
}

struct Preset {
  SynthPresetInfo info;
  json config;
};

const std::vector<Preset>& presets() {
  static const std::vector<Preset> kPresets = {
      {{"r1-distill-qwen-1.5b",
        "DeepSeek-R1-Distill-Qwen-1.5B: Qwen2, 28 layers, hidden 1536, GQA 12/2, vocab 151936"},
       r1_qwen(1536, 8960, 12, 2, 151936, 28)},
      {{"r1-distill-qwen-7b",
        "DeepSeek-R1-Distill-Qwen-7B: Qwen2, 28 layers, hidden 3584, GQA 28/4, vocab 152064"},
       r1_qwen(3584, 18944, 28, 4, 152064, 28)},
      {{"r1-distill-llama-8b",
        "DeepSeek-R1-Distill-Llama-8B: Llama 3.1, 32 layers, hidden 4096, GQA 32/8, llama3 rope, vocab "
        "128256"},
       r1_llama(4096, 14336, 32, 8, 128256, 32, 8192)},
      {{"deepseek-v2-lite",
        "DeepSeek-V2-Lite: 27 layers, hidden 2048, MLA (kv_lora 512, no q_lora), 64 experts top-6 + 2 "
        "shared"},
       deepseek_v2_lite(2048, 10944, 1408, 16, 102400, 27, 64, 6, 512, 128, 64, 128)},
      {{"deepseek-v3-reduced",
        "DeepSeek-V3/R1 per-layer shapes (hidden 7168, MLA q_lora 1536 / kv_lora 512, moe_ffn 2048, sigmoid "
        "noaux_tc routing top-8 in 8 groups top-4, 1 shared expert, first layer dense) with 4 layers and 32 "
        "experts instead of 61 and 256"},
       deepseek_v3(7168, 18432, 2048, 128, 129280, 4, 32, 8, 8, 4, 1536, 512, 128, 64, 128, 1)},
      {{"tiny-qwen2", "a 4-layer Qwen2 with hidden 256 and a 1024-token vocabulary, for tests"},
       r1_qwen(256, 512, 4, 2, 1024, 4)},
      {{"tiny-llama", "a 4-layer Llama 3 with hidden 256 and llama3 rope, for tests"},
       r1_llama(256, 512, 4, 2, 1024, 4, 64)},
      {{"tiny-deepseek-v2", "a 3-layer DeepSeek-V2-Lite: MLA without q_lora, 8 experts top-2, for tests"},
       deepseek_v2_lite(256, 512, 256, 4, 1024, 3, 8, 2, 256, 64, 32, 64)},
      {{"tiny-deepseek-v3", "a 3-layer DeepSeek-V3: MLA, 16 experts top-4 in 4 groups top-2, for tests"},
       deepseek_v3(256, 512, 256, 4, 1024, 3, 16, 4, 4, 2, 256, 256, 64, 32, 64, 1)},
  };
  return kPresets;
}

}  // namespace

const std::vector<SynthPresetInfo>& synth_presets() {
  static const std::vector<SynthPresetInfo> kInfos = [] {
    std::vector<SynthPresetInfo> infos;
    for (const auto& p : presets()) infos.push_back(p.info);
    return infos;
  }();
  return kInfos;
}

Result<std::string> synth_config_json(const std::string& name, const SynthOptions& options) {
  for (const auto& p : presets()) {
    if (p.info.name != name) continue;
    json config = p.config;
    if (options.layers < 0 || options.experts < 0)
      return Status::error("--layers and --experts must be positive");
    if (options.layers > 0) {
      config["num_hidden_layers"] = options.layers;
      if (config.contains("first_k_dense_replace") &&
          config["first_k_dense_replace"].get<int>() >= options.layers) {
        config["first_k_dense_replace"] = options.layers - 1;
      }
    }
    if (options.experts > 0) {
      if (!config.contains("n_routed_experts"))
        return Status::errorf("preset '{}' has no experts (--experts)", name);
      const int groups = config["n_group"].get<int>();
      const int top_k = config["num_experts_per_tok"].get<int>();
      const int top_groups = config["topk_group"].get<int>();
      if (options.experts % groups != 0 || options.experts / groups * top_groups < top_k) {
        return Status::errorf(
            "--experts {}: must be a multiple of the {} expert groups and leave {} experts in the "
            "{} chosen groups",
            options.experts, groups, top_k, top_groups);
      }
      config["n_routed_experts"] = options.experts;
    }
    return config.dump(1);
  }
  std::string names;
  for (const auto& p : presets()) names += (names.empty() ? "" : ", ") + p.info.name;
  return Status::errorf("unknown preset '{}' (presets: {})", name, names);
}

}  // namespace sinan
