// config.json -> llama.cpp's architecture metadata (llama.*, qwen2.*, deepseek2.*) and general.*, the keys
// and values convert_hf_to_gguf.py writes for the R1 family.
#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <regex>

#include "convert/hf_input.h"

namespace sinan {
namespace {

using json = nlohmann::json;

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::optional<double> number(const json& object, const char* key) {
  const json* v = member(object, key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

// Python's str.title(): a letter after a non-letter is upper case, the others lower case.
std::string python_title(const std::string& word) {
  std::string out = word;
  bool previous_is_letter = false;
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    const bool letter = std::isalpha(u) != 0;
    if (letter) c = static_cast<char>(previous_is_letter ? std::tolower(u) : std::toupper(u));
    previous_is_letter = letter;
  }
  return out;
}

// Python's str.islower(): some cased character, none upper case.
bool python_islower(const std::string& word) {
  bool cased = false;
  for (char c : word) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isupper(u)) return false;
    if (std::islower(u)) cased = true;
  }
  return cased;
}

// llama.cpp's rounded parameter count: "1.0M", "872K", "7.6B".
std::string rounded_count(double n) {
  double scaled;
  const char* suffix;
  if (n > 1e12) {
    scaled = n * 1e-12, suffix = "T";
  } else if (n > 1e9) {
    scaled = n * 1e-9, suffix = "B";
  } else if (n > 1e6) {
    scaled = n * 1e-6, suffix = "M";
  } else {
    scaled = n * 1e-3, suffix = "K";
  }
  // Python's round() is round-half-even; the digit count of the rounded value decides the decimals.
  std::string digits = fmt::format("{}", static_cast<int64_t>(std::nearbyint(scaled)));
  digits.erase(0, digits.find_first_not_of('0'));
  const int decimals = std::max(2 - static_cast<int>(digits.size()), 0);
  return fmt::format("{:.{}f}{}", scaled, decimals, suffix);
}

}  // namespace

std::string model_name_from_directory(std::string_view directory_name) {
  std::string spaced(directory_name);
  for (char& c : spaced) {
    if (c == '-') c = ' ';
  }
  static const std::regex kVersionLike(R"(^(v\d+(?:\.\d+)*|\d.*)$)");
  std::string out;
  size_t i = 0;
  while (i < spaced.size()) {
    while (i < spaced.size() && std::isspace(static_cast<unsigned char>(spaced[i]))) ++i;
    size_t j = i;
    while (j < spaced.size() && !std::isspace(static_cast<unsigned char>(spaced[j]))) ++j;
    if (j > i) {
      std::string word = spaced.substr(i, j - i);
      if (python_islower(word) && !std::regex_match(word, kVersionLike)) word = python_title(word);
      if (!out.empty()) out += ' ';
      out += word;
    }
    i = j;
  }
  return out;
}

std::string size_label(const std::vector<PlannedTensor>& tensors) {
  double total = 0, shared = 0, expert = 0;
  int64_t expert_sum = 0, expert_tensors = 0;
  for (const auto& t : tensors) {
    const auto size = static_cast<double>(t.numel());
    if (t.name.find("_exps.") != std::string::npos && t.shape.size() >= 3) {
      const int64_t count = t.shape[t.name.find(".bias") != std::string::npos ? 1 : 0];
      expert += static_cast<double>(t.numel() / count);
      expert_sum += count;
      ++expert_tensors;
    } else {
      shared += size;
    }
    total += size;
  }
  const int64_t experts = expert_tensors > 0 ? expert_sum / expert_tensors : 0;
  if (experts > 0) return fmt::format("{}x{}", experts, rounded_count(shared + expert));
  return rounded_count(total);
}

void add_hf_sampling_metadata(const json& generation_config, GgufWriter* out) {
  if (!generation_config.is_object()) return;
  struct Field {
    const char* from;
    const char* key;
    char kind;  // 's' string, 'i' int32, 'f' float32
  };
  static const Field kFields[] = {
      {"sequence", "general.sampling.sequence", 's'},
      {"top_k", "general.sampling.top_k", 'i'},
      {"top_p", "general.sampling.top_p", 'f'},
      {"min_p", "general.sampling.min_p", 'f'},
      {"xtc_probability", "general.sampling.xtc_probability", 'f'},
      {"xtc_threshold", "general.sampling.xtc_threshold", 'f'},
      {"temperature", "general.sampling.temp", 'f'},
      {"penalty_last_n", "general.sampling.penalty_last_n", 'i'},
      {"penalty_repeat", "general.sampling.penalty_repeat", 'f'},
      {"mirostat", "general.sampling.mirostat", 'i'},
      {"mirostat_tau", "general.sampling.mirostat_tau", 'f'},
      {"mirostat_eta", "general.sampling.mirostat_eta", 'f'},
  };
  for (const Field& f : kFields) {
    const json* v = member(generation_config, f.from);
    if (v == nullptr) continue;
    if (f.kind == 's' && v->is_string()) out->set_string(f.key, v->get<std::string>());
    if (f.kind == 'i' && v->is_number_integer()) out->set_i32(f.key, static_cast<int32_t>(v->get<int64_t>()));
    if (f.kind == 'f' && v->is_number()) out->set_f32(f.key, static_cast<float>(v->get<double>()));
  }
}

Status add_hf_architecture_metadata(const json& root, const ModelConfig& c, int mtp_layers, GgufWriter* out) {
  const json& hp = member(root, "text_config") != nullptr ? root["text_config"] : root;
  const std::string arch = architecture_name(c.arch);
  const std::string p = arch + ".";
  out->set_u32(p + "block_count", static_cast<uint32_t>(c.n_layers + mtp_layers));
  out->set_u32(p + "context_length", static_cast<uint32_t>(c.max_context));
  out->set_u32(p + "embedding_length", static_cast<uint32_t>(c.hidden_size));
  if (c.intermediate_size > 0)
    out->set_u32(p + "feed_forward_length", static_cast<uint32_t>(c.intermediate_size));
  out->set_u32(p + "attention.head_count", static_cast<uint32_t>(c.n_heads));
  // MLA is written as MQA with one latent "head"; llama.cpp expands it per head.
  out->set_u32(p + "attention.head_count_kv",
               c.arch == Architecture::kDeepseek2 ? 1u : static_cast<uint32_t>(c.n_kv_heads));

  const json* scaling = member(hp, "rope_scaling");
  if (scaling == nullptr) scaling = member(hp, "rope_parameters");
  if (scaling != nullptr && scaling->is_object()) {
    std::string type;
    if (const json* t = member(*scaling, "rope_type"); t != nullptr && t->is_string())
      type = t->get<std::string>();
    if (type.empty()) {
      if (const json* t = member(*scaling, "type"); t != nullptr && t->is_string())
        type = t->get<std::string>();
    }
    const auto factor = number(*scaling, "factor");
    if (type == "linear" && factor) {
      out->set_string(p + "rope.scaling.type", "linear");
      out->set_f32(p + "rope.scaling.factor", static_cast<float>(*factor));
    } else if (type == "yarn" && factor) {
      out->set_string(p + "rope.scaling.type", "yarn");
      out->set_f32(p + "rope.scaling.factor", static_cast<float>(*factor));
      const auto original = number(*scaling, "original_max_position_embeddings");
      if (!original)
        return Status::errorf("config.json: yarn rope_scaling needs original_max_position_embeddings");
      out->set_u32(p + "rope.scaling.original_context_length", static_cast<uint32_t>(*original));
      if (auto v = number(*scaling, "extrapolation_factor"))
        out->set_f32(p + "rope.scaling.yarn_ext_factor", static_cast<float>(*v));
      auto attention_factor = number(*scaling, "attention_factor");
      if (!attention_factor) attention_factor = number(*scaling, "attn_factor");
      if (attention_factor)
        out->set_f32(p + "rope.scaling.yarn_attn_factor", static_cast<float>(*attention_factor));
      if (auto v = number(*scaling, "beta_fast"))
        out->set_f32(p + "rope.scaling.yarn_beta_fast", static_cast<float>(*v));
      if (auto v = number(*scaling, "beta_slow"))
        out->set_f32(p + "rope.scaling.yarn_beta_slow", static_cast<float>(*v));
    }
    // llama3 scaling travels as the rope_freqs tensor.
  }
  out->set_f32(p + "rope.freq_base", static_cast<float>(c.rope.theta));
  out->set_f32(p + "attention.layer_norm_rms_epsilon", c.rms_norm_eps);

  if (c.arch == Architecture::kDeepseek2 && c.n_routed_experts > 0) {
    out->set_u32(p + "expert_count", static_cast<uint32_t>(c.n_routed_experts));
    out->set_u32(p + "expert_used_count", static_cast<uint32_t>(c.experts_per_token));
    if (auto v = number(hp, "n_group")) out->set_u32(p + "expert_group_count", static_cast<uint32_t>(*v));
    if (auto v = number(hp, "topk_group"))
      out->set_u32(p + "expert_group_used_count", static_cast<uint32_t>(*v));
    out->set_u32(p + "expert_gating_func", c.expert_scoring == ExpertScoring::kSigmoid ? 2u : 1u);
  }

  // convert_hf_to_gguf.py's base class writes key/value_length when the config has a head_dim (llama's
  // and DeepSeek's transformers configs always do), then general.file_type; the architecture adds the rest.
  if (c.arch == Architecture::kLlama ||
      (c.arch == Architecture::kQwen2 && member(hp, "head_dim") != nullptr)) {
    out->set_u32(p + "attention.key_length", static_cast<uint32_t>(c.head_dim));
    out->set_u32(p + "attention.value_length", static_cast<uint32_t>(c.head_dim));
  } else if (c.arch == Architecture::kDeepseek2) {
    out->set_u32(p + "attention.key_length", static_cast<uint32_t>(c.kv_lora_rank + c.qk_rope_head_dim));
    out->set_u32(p + "attention.value_length", static_cast<uint32_t>(c.kv_lora_rank));
  }
  out->set_u32("general.file_type", 0);  // a placeholder at the converter's position; the writer sets it

  if (c.arch == Architecture::kLlama) {
    out->set_u32(p + "vocab_size", static_cast<uint32_t>(c.vocab_size));
    out->set_u32(p + "rope.dimension_count", static_cast<uint32_t>(c.head_dim));
  } else if (c.arch == Architecture::kDeepseek2) {
    const int dense = c.n_routed_experts > 0 ? c.first_dense_layers : c.n_layers;
    out->set_u32(p + "leading_dense_block_count", static_cast<uint32_t>(dense));
    out->set_u32(p + "vocab_size", static_cast<uint32_t>(c.vocab_size));
    if (c.q_lora_rank > 0) out->set_u32(p + "attention.q_lora_rank", static_cast<uint32_t>(c.q_lora_rank));
    out->set_u32(p + "attention.kv_lora_rank", static_cast<uint32_t>(c.kv_lora_rank));
    out->set_u32(p + "attention.key_length_mla",
                 static_cast<uint32_t>(c.qk_nope_head_dim + c.qk_rope_head_dim));
    out->set_u32(p + "attention.value_length_mla", static_cast<uint32_t>(c.v_head_dim));
    const int64_t expert_ffn = c.moe_intermediate_size > 0 ? c.moe_intermediate_size : c.intermediate_size;
    out->set_u32(p + "expert_feed_forward_length", static_cast<uint32_t>(expert_ffn));
    out->set_u32(p + "expert_shared_count", static_cast<uint32_t>(c.n_shared_experts));
    if (member(hp, "routed_scaling_factor") != nullptr)
      out->set_f32(p + "expert_weights_scale", c.routed_scaling_factor);
    if (c.normalize_expert_weights) out->set_bool(p + "expert_weights_norm", true);
    out->set_u32(p + "rope.dimension_count", static_cast<uint32_t>(c.qk_rope_head_dim));
    if (scaling != nullptr) {
      // llama.cpp divides this by 0.1 again when loading ([TAG_DEEPSEEK2_YARN_LOG_MUL_FIX]).
      if (auto m = number(*scaling, "mscale_all_dim")) {
        out->set_f32(p + "rope.scaling.yarn_log_multiplier", static_cast<float>(0.1 * *m));
      }
    }
    if (mtp_layers > 0) out->set_u32(p + "nextn_predict_layers", static_cast<uint32_t>(mtp_layers));
  }
  return Status();
}

}  // namespace sinan
