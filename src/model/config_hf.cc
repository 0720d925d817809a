// config.json of Hugging Face checkpoints, with the hub's field names.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "io/mapped_file.h"
#include "model/config.h"

namespace sinan {
namespace {

using json = nlohmann::json;

// Typed access to a JSON object; errors name the file and the field.
class Fields {
 public:
  Fields(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  bool has(const char* key) const {
    auto it = object_.find(key);
    return it != object_.end() && !it->is_null();
  }
  const json* get(const char* key) const {
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }
  Result<int64_t> integer(const char* key) const {
    const json* v = get(key);
    if (v == nullptr) return Status::errorf("{}: missing field '{}'", where_, key);
    return as_integer(*v, key);
  }
  Result<int64_t> integer_or(const char* key, int64_t fallback) const {
    const json* v = get(key);
    return v == nullptr ? Result<int64_t>(fallback) : as_integer(*v, key);
  }
  Result<double> number_or(const char* key, double fallback) const {
    const json* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->is_number()) return Status::errorf("{}: field '{}' should be a number, got {}", where_, key, v->dump());
    return v->get<double>();
  }
  Result<bool> boolean_or(const char* key, bool fallback) const {
    const json* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->is_boolean()) return Status::errorf("{}: field '{}' should be true or false, got {}", where_, key, v->dump());
    return v->get<bool>();
  }
  Result<std::string> string_or(const char* key, const std::string& fallback) const {
    const json* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->is_string()) return Status::errorf("{}: field '{}' should be a string, got {}", where_, key, v->dump());
    return v->get<std::string>();
  }
  const std::string& where() const { return where_; }

 private:
  Result<int64_t> as_integer(const json& v, const char* key) const {
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::floor(d) == d && std::abs(d) < 9e15) return static_cast<int64_t>(d);
    }
    return Status::errorf("{}: field '{}' should be an integer, got {}", where_, key, v.dump());
  }
  const json& object_;
  std::string where_;
};

Result<int32_t> token_id(const Fields& f, const char* key) {
  const json* v = f.get(key);
  if (v == nullptr) return -1;
  if (v->is_array()) {  // some configs list several end tokens; the first is the primary one
    if (v->empty()) return -1;
    v = &(*v)[0];
  }
  if (!v->is_number_integer()) return Status::errorf("{}: field '{}' should be a token id, got {}", f.where(), key, v->dump());
  return static_cast<int32_t>(v->get<int64_t>());
}

Status read_rope(const Fields& f, const json& root, ModelConfig* c) {
  // transformers 5 may nest theta and scaling under rope_parameters; older files use rope_theta + rope_scaling.
  const json* rope_parameters = f.get("rope_parameters");
  const json* scaling = f.get("rope_scaling");
  if (scaling == nullptr && rope_parameters != nullptr) scaling = rope_parameters;
  SINAN_ASSIGN_OR_RETURN(c->rope.theta, f.number_or("rope_theta", 10000.0));
  if (rope_parameters != nullptr && rope_parameters->is_object() && !f.has("rope_theta")) {
    Fields rp(*rope_parameters, f.where() + " rope_parameters");
    SINAN_ASSIGN_OR_RETURN(c->rope.theta, rp.number_or("rope_theta", c->rope.theta));
  }
  if (scaling == nullptr) return Status();
  if (!scaling->is_object()) return Status::errorf("{}: rope_scaling should be an object", f.where());
  Fields s(*scaling, f.where() + " rope_scaling");
  SINAN_ASSIGN_OR_RETURN(std::string type, s.string_or("rope_type", ""));
  if (type.empty()) {
    SINAN_ASSIGN_OR_RETURN(type, s.string_or("type", "default"));
  }
  if (type == "default") return Status();
  SINAN_ASSIGN_OR_RETURN(c->rope.factor, s.number_or("factor", 1.0));
  if (type == "linear") {
    c->rope.scaling = RopeScaling::kLinear;
  } else if (type == "llama3") {
    c->rope.scaling = RopeScaling::kLlama3;
    SINAN_ASSIGN_OR_RETURN(c->rope.low_freq_factor, s.number_or("low_freq_factor", 1.0));
    SINAN_ASSIGN_OR_RETURN(c->rope.high_freq_factor, s.number_or("high_freq_factor", 4.0));
    SINAN_ASSIGN_OR_RETURN(int64_t original, s.integer("original_max_position_embeddings"));
    c->rope.original_context = static_cast<int>(original);
    if (!(c->rope.high_freq_factor > c->rope.low_freq_factor)) {
      return Status::errorf("{}: high_freq_factor must exceed low_freq_factor", s.where());
    }
  } else if (type == "yarn") {
    c->rope.scaling = RopeScaling::kYarn;
    SINAN_ASSIGN_OR_RETURN(int64_t original, s.integer_or("original_max_position_embeddings", c->max_context));
    c->rope.original_context = static_cast<int>(original);
    SINAN_ASSIGN_OR_RETURN(c->rope.beta_fast, s.number_or("beta_fast", 32.0));
    SINAN_ASSIGN_OR_RETURN(c->rope.beta_slow, s.number_or("beta_slow", 1.0));
    SINAN_ASSIGN_OR_RETURN(c->rope.yarn_truncate, s.boolean_or("truncate", true));
    SINAN_ASSIGN_OR_RETURN(double mscale, s.number_or("mscale", 0.0));
    SINAN_ASSIGN_OR_RETURN(double mscale_all_dim, s.number_or("mscale_all_dim", 0.0));
    // transformers: cos/sin carry mscale(factor, mscale) / mscale(factor, mscale_all_dim) when both are set,
    // else the default 0.1 ln(factor) + 1; an explicit attention_factor wins.
    if (s.has("attention_factor")) {
      SINAN_ASSIGN_OR_RETURN(c->rope.attention_factor, s.number_or("attention_factor", 1.0));
    } else if (mscale != 0.0 && mscale_all_dim != 0.0) {
      c->rope.attention_factor = yarn_mscale(c->rope.factor, mscale) / yarn_mscale(c->rope.factor, mscale_all_dim);
    } else {
      c->rope.attention_factor = yarn_mscale(c->rope.factor, 1.0);
    }
    // DeepSeek's attention also scales its softmax by mscale(factor, mscale_all_dim)^2.
    if (c->arch == Architecture::kDeepseek2 && mscale_all_dim != 0.0) {
      const double m = yarn_mscale(c->rope.factor, mscale_all_dim);
      c->softmax_scale = static_cast<float>(c->softmax_scale * m * m);
    }
  } else {
    return Status::errorf("{}: rope scaling type '{}' is not supported (default, linear, llama3 and yarn are)",
                          s.where(), type);
  }
  (void)root;
  return Status();
}

Status read_deepseek(const Fields& f, ModelConfig* c) {
  SINAN_ASSIGN_OR_RETURN(c->q_lora_rank, f.integer_or("q_lora_rank", 0));
  SINAN_ASSIGN_OR_RETURN(c->kv_lora_rank, f.integer("kv_lora_rank"));
  SINAN_ASSIGN_OR_RETURN(c->qk_nope_head_dim, f.integer("qk_nope_head_dim"));
  SINAN_ASSIGN_OR_RETURN(c->qk_rope_head_dim, f.integer("qk_rope_head_dim"));
  SINAN_ASSIGN_OR_RETURN(c->v_head_dim, f.integer("v_head_dim"));
  SINAN_ASSIGN_OR_RETURN(int64_t routed, f.integer_or("n_routed_experts", 0));
  c->n_routed_experts = static_cast<int>(routed);
  SINAN_ASSIGN_OR_RETURN(int64_t first_dense, f.integer_or("first_k_dense_replace", 0));
  c->first_dense_layers = static_cast<int>(first_dense);
  SINAN_ASSIGN_OR_RETURN(int64_t layer_freq, f.integer_or("moe_layer_freq", 1));
  if (layer_freq != 1) return Status::errorf("{}: moe_layer_freq {} is not supported (only 1)", f.where(), layer_freq);
  SINAN_ASSIGN_OR_RETURN(int64_t shared, f.integer_or("n_shared_experts", 0));
  c->n_shared_experts = static_cast<int>(shared);
  SINAN_ASSIGN_OR_RETURN(c->moe_intermediate_size, f.integer_or("moe_intermediate_size", 0));
  SINAN_ASSIGN_OR_RETURN(int64_t per_token, f.integer_or("num_experts_per_tok", 0));
  c->experts_per_token = static_cast<int>(per_token);
  SINAN_ASSIGN_OR_RETURN(int64_t groups, f.integer_or("n_group", 1));
  c->n_expert_groups = static_cast<int>(groups);
  SINAN_ASSIGN_OR_RETURN(int64_t top_groups, f.integer_or("topk_group", 1));
  c->top_expert_groups = static_cast<int>(top_groups);
  SINAN_ASSIGN_OR_RETURN(bool normalize, f.boolean_or("norm_topk_prob", false));
  c->normalize_expert_weights = normalize;
  SINAN_ASSIGN_OR_RETURN(double scaling, f.number_or("routed_scaling_factor", 1.0));
  c->routed_scaling_factor = static_cast<float>(scaling);
  SINAN_ASSIGN_OR_RETURN(int64_t mtp, f.integer_or("num_nextn_predict_layers", 0));
  c->n_mtp_layers = static_cast<int>(mtp);

  SINAN_ASSIGN_OR_RETURN(std::string scoring, f.string_or("scoring_func", "softmax"));
  SINAN_ASSIGN_OR_RETURN(std::string method, f.string_or("topk_method", "greedy"));
  if (scoring == "softmax") {
    c->expert_scoring = ExpertScoring::kSoftmax;
  } else if (scoring == "sigmoid") {
    c->expert_scoring = ExpertScoring::kSigmoid;
  } else {
    return Status::errorf("{}: scoring_func '{}' is not supported (softmax, sigmoid)", f.where(), scoring);
  }
  if (method == "greedy") {
    c->n_expert_groups = 1;  // greedy ignores groups
    c->top_expert_groups = 1;
  } else if (method == "group_limited_greedy") {
    c->group_score = GroupScore::kMax;
  } else if (method == "noaux_tc") {
    c->group_score = GroupScore::kTopTwoSum;
    c->has_selection_bias = true;
  } else {
    return Status::errorf("{}: topk_method '{}' is not supported (greedy, group_limited_greedy, noaux_tc)", f.where(),
                          method);
  }
  c->rope.dim = static_cast<int>(c->qk_rope_head_dim);
  c->rope.layout = RopeLayout::kInterleaved;  // DeepSeek's rope part pairs adjacent values
  c->softmax_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(c->qk_nope_head_dim + c->qk_rope_head_dim)));
  return Status();
}

Status read_quantization(const Fields& f, ModelConfig* c) {
  const json* q = f.get("quantization_config");
  if (q == nullptr) return Status();
  if (!q->is_object()) return Status::errorf("{}: quantization_config should be an object", f.where());
  Fields qf(*q, f.where() + " quantization_config");
  SINAN_ASSIGN_OR_RETURN(std::string method, qf.string_or("quant_method", ""));
  if (method != "fp8") {
    return Status::errorf("{}: quant_method '{}' is not supported (sinan reads DeepSeek's fp8 checkpoints)",
                          qf.where(), method);
  }
  SINAN_ASSIGN_OR_RETURN(std::string format, qf.string_or("fmt", "e4m3"));
  if (format != "e4m3") return Status::errorf("{}: fp8 format '{}' is not supported (e4m3)", qf.where(), format);
  const json* block = qf.get("weight_block_size");
  if (block == nullptr || !block->is_array() || block->size() != 2 || !(*block)[0].is_number_integer() ||
      !(*block)[1].is_number_integer() || (*block)[0].get<int64_t>() <= 0 || (*block)[1].get<int64_t>() <= 0) {
    return Status::errorf("{}: weight_block_size should be two positive integers", qf.where());
  }
  c->fp8_block_rows = (*block)[0].get<int64_t>();
  c->fp8_block_cols = (*block)[1].get<int64_t>();
  return Status();
}

}  // namespace

Result<ModelConfig> read_hf_config(const std::string& path) {
  SINAN_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  return parse_hf_config(text, path);
}

Result<ModelConfig> parse_hf_config(const std::string& text, const std::string& path) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Status::errorf("{}: not valid JSON", path);
  if (!root.is_object()) return Status::errorf("{}: should hold a JSON object", path);
  // Multimodal wrappers keep the language model under text_config.
  const json& object = root.contains("text_config") && root["text_config"].is_object() ? root["text_config"] : root;
  Fields f(object, path);

  ModelConfig c;
  c.source = SourceFormat::kHuggingFace;
  SINAN_ASSIGN_OR_RETURN(std::string model_type, Fields(root, path).string_or("model_type", ""));
  if (model_type == "qwen2") {
    c.arch = Architecture::kQwen2;
  } else if (model_type == "llama") {
    c.arch = Architecture::kLlama;
  } else if (model_type == "deepseek_v3" || model_type == "deepseek_v2" || model_type == "deepseek_r1") {
    c.arch = Architecture::kDeepseek2;
  } else {
    return Status::errorf("{}: model_type '{}' is not supported (qwen2, llama, deepseek_v2, deepseek_v3)", path,
                          model_type);
  }
  SINAN_ASSIGN_OR_RETURN(std::string activation, f.string_or("hidden_act", "silu"));
  if (activation != "silu") return Status::errorf("{}: hidden_act '{}' is not supported (silu)", path, activation);

  SINAN_ASSIGN_OR_RETURN(c.vocab_size, f.integer("vocab_size"));
  SINAN_ASSIGN_OR_RETURN(c.hidden_size, f.integer("hidden_size"));
  SINAN_ASSIGN_OR_RETURN(int64_t layers, f.integer("num_hidden_layers"));
  c.n_layers = static_cast<int>(std::clamp<int64_t>(layers, -1, 1 << 20));
  SINAN_ASSIGN_OR_RETURN(int64_t heads, f.integer("num_attention_heads"));
  c.n_heads = static_cast<int>(std::clamp<int64_t>(heads, -1, 1 << 20));
  SINAN_ASSIGN_OR_RETURN(int64_t kv_heads, f.integer_or("num_key_value_heads", heads));
  c.n_kv_heads = static_cast<int>(std::clamp<int64_t>(kv_heads, -1, 1 << 20));
  SINAN_ASSIGN_OR_RETURN(c.intermediate_size, f.integer_or("intermediate_size", 0));
  SINAN_ASSIGN_OR_RETURN(double eps, f.number_or("rms_norm_eps", 1e-6));
  c.rms_norm_eps = static_cast<float>(eps);
  SINAN_ASSIGN_OR_RETURN(c.max_context, f.integer_or("max_position_embeddings", 4096));
  SINAN_ASSIGN_OR_RETURN(c.tie_embeddings, f.boolean_or("tie_word_embeddings", false));
  SINAN_ASSIGN_OR_RETURN(c.bos_token_id, token_id(f, "bos_token_id"));
  SINAN_ASSIGN_OR_RETURN(c.eos_token_id, token_id(f, "eos_token_id"));

  if (c.arch == Architecture::kDeepseek2) {
    SINAN_RETURN_IF_ERROR(read_deepseek(f, &c));
  } else {
    const int64_t default_head_dim = c.n_heads > 0 ? c.hidden_size / c.n_heads : 0;
    SINAN_ASSIGN_OR_RETURN(c.head_dim, f.integer_or("head_dim", default_head_dim));
    c.rope.dim = static_cast<int>(std::clamp<int64_t>(c.head_dim, 0, 1 << 20));
    c.rope.layout = RopeLayout::kNeox;
    if (c.arch == Architecture::kQwen2) {
      c.attention_bias = true;  // Qwen2 always has q/k/v biases
      SINAN_ASSIGN_OR_RETURN(bool sliding, f.boolean_or("use_sliding_window", false));
      if (sliding) return Status::errorf("{}: use_sliding_window is not supported", path);
    } else {
      SINAN_ASSIGN_OR_RETURN(c.attention_bias, f.boolean_or("attention_bias", false));
      SINAN_ASSIGN_OR_RETURN(bool mlp_bias, f.boolean_or("mlp_bias", false));
      if (mlp_bias) return Status::errorf("{}: mlp_bias is not supported", path);
    }
    c.softmax_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(c.head_dim, 1))));
  }
  SINAN_RETURN_IF_ERROR(read_rope(f, object, &c));
  SINAN_RETURN_IF_ERROR(read_quantization(f, &c));
  SINAN_RETURN_IF_ERROR(c.validate().with_context(path));
  return c;
}

}  // namespace sinan
