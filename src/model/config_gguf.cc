// llama.cpp's GGUF metadata for the llama, qwen2 and deepseek2 architectures.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "io/gguf.h"
#include "model/config.h"
#include "quant/dequantize.h"

namespace sinan {
namespace {

// Reads `<arch>.<key>` with a type check; errors name the file and key.
class Meta {
 public:
  Meta(const GgufFile& file, std::string arch) : file_(file), prefix_(std::move(arch) + ".") {}

  Result<int64_t> integer(const std::string& key) const {
    SINAN_ASSIGN_OR_RETURN(std::optional<int64_t> v, file_.get_int(prefix_ + key));
    if (!v) return Status::errorf("{}: missing metadata '{}{}'", file_.label(), prefix_, key);
    return *v;
  }
  Result<int64_t> integer_or(const std::string& key, int64_t fallback) const {
    SINAN_ASSIGN_OR_RETURN(std::optional<int64_t> v, file_.get_int(prefix_ + key));
    return v.value_or(fallback);
  }
  Result<double> number_or(const std::string& key, double fallback) const {
    SINAN_ASSIGN_OR_RETURN(std::optional<double> v, file_.get_float(prefix_ + key));
    return v.value_or(fallback);
  }
  Result<bool> boolean_or(const std::string& key, bool fallback) const {
    SINAN_ASSIGN_OR_RETURN(std::optional<bool> v, file_.get_bool(prefix_ + key));
    return v.value_or(fallback);
  }
  Result<std::string> string_or(const std::string& key, const std::string& fallback) const {
    SINAN_ASSIGN_OR_RETURN(std::optional<std::string> v, file_.get_string(prefix_ + key));
    return v.value_or(fallback);
  }
  bool has(const std::string& key) const { return file_.find(prefix_ + key) != nullptr; }

 private:
  const GgufFile& file_;
  std::string prefix_;
};

int to_int(int64_t v) { return static_cast<int>(std::clamp<int64_t>(v, -1, 1 << 24)); }

Status read_rope_scaling(const GgufFile& file, const Meta& m, ModelConfig* c) {
  SINAN_ASSIGN_OR_RETURN(c->rope.theta, m.number_or("rope.freq_base", 10000.0));
  SINAN_ASSIGN_OR_RETURN(std::string type, m.string_or("rope.scaling.type", "none"));
  // llama3 scaling is stored as per-frequency divisors in a tensor, not as metadata.
  if (const TensorInfo* freqs = file.find_tensor("rope_freqs.weight")) {
    if (freqs->dtype != DType::kF32 || freqs->numel() != c->rope.dim / 2) {
      return Status::errorf("{}: rope_freqs.weight should be {} float32 values, is {} {}", file.label(),
                            c->rope.dim / 2, dtype_name(freqs->dtype), shape_string(freqs->shape));
    }
    c->rope.freq_factors.resize(static_cast<size_t>(freqs->numel()));
    std::memcpy(c->rope.freq_factors.data(), freqs->data, freqs->nbytes);
    for (float f : c->rope.freq_factors) {
      if (!(f > 0) || !std::isfinite(f)) return Status::errorf("{}: rope_freqs.weight holds {}", file.label(), f);
    }
  }
  if (type == "none") return Status();
  double factor = 1.0;
  if (m.has("rope.scaling.factor")) {
    SINAN_ASSIGN_OR_RETURN(factor, m.number_or("rope.scaling.factor", 1.0));
  }
  c->rope.factor = factor;
  if (type == "linear") {
    c->rope.scaling = RopeScaling::kLinear;
  } else if (type == "yarn") {
    c->rope.scaling = RopeScaling::kYarn;
    SINAN_ASSIGN_OR_RETURN(int64_t original, m.integer_or("rope.scaling.original_context_length", c->max_context));
    c->rope.original_context = to_int(original);
    SINAN_ASSIGN_OR_RETURN(c->rope.beta_fast, m.number_or("rope.scaling.yarn_beta_fast", 32.0));
    SINAN_ASSIGN_OR_RETURN(c->rope.beta_slow, m.number_or("rope.scaling.yarn_beta_slow", 1.0));
    // llama.cpp's converter writes yarn_log_multiplier = 0.1 * mscale_all_dim. DeepSeek checkpoints set
    // mscale == mscale_all_dim, so cos/sin stay unscaled and the softmax carries mscale^2.
    SINAN_ASSIGN_OR_RETURN(double log_multiplier, m.number_or("rope.scaling.yarn_log_multiplier", 0.0));
    if (c->arch == Architecture::kDeepseek2) {
      c->rope.attention_factor = 1.0;
      if (log_multiplier != 0.0 && factor > 1.0) {
        const double mscale = 1.0 + log_multiplier * std::log(factor);
        c->softmax_scale = static_cast<float>(c->softmax_scale * mscale * mscale);
      }
    } else {
      c->rope.attention_factor = yarn_mscale(factor, 1.0);
    }
  } else {
    return Status::errorf("{}: rope scaling type '{}' is not supported (none, linear, yarn)", file.label(), type);
  }
  return Status();
}

Status read_deepseek2(const GgufFile& file, const Meta& m, ModelConfig* c) {
  SINAN_ASSIGN_OR_RETURN(c->q_lora_rank, m.integer_or("attention.q_lora_rank", 0));
  SINAN_ASSIGN_OR_RETURN(c->kv_lora_rank, m.integer("attention.kv_lora_rank"));
  SINAN_ASSIGN_OR_RETURN(c->qk_rope_head_dim, m.integer("rope.dimension_count"));
  // Newer conversions store MLA's per-head sizes under *_mla and reuse key/value_length for the
  // absorbed (latent) sizes; older ones have only key_length = nope + rope and value_length.
  int64_t key_length = 0, value_length = 0;
  if (m.has("attention.key_length_mla")) {
    SINAN_ASSIGN_OR_RETURN(key_length, m.integer("attention.key_length_mla"));
    SINAN_ASSIGN_OR_RETURN(value_length, m.integer("attention.value_length_mla"));
  } else {
    SINAN_ASSIGN_OR_RETURN(key_length, m.integer("attention.key_length"));
    SINAN_ASSIGN_OR_RETURN(value_length, m.integer("attention.value_length"));
  }
  c->qk_nope_head_dim = key_length - c->qk_rope_head_dim;
  c->v_head_dim = value_length;
  SINAN_ASSIGN_OR_RETURN(int64_t dense, m.integer_or("leading_dense_block_count", 0));
  c->first_dense_layers = to_int(dense);
  SINAN_ASSIGN_OR_RETURN(int64_t experts, m.integer_or("expert_count", 0));
  c->n_routed_experts = to_int(experts);
  SINAN_ASSIGN_OR_RETURN(int64_t shared, m.integer_or("expert_shared_count", 0));
  c->n_shared_experts = to_int(shared);
  SINAN_ASSIGN_OR_RETURN(c->moe_intermediate_size, m.integer_or("expert_feed_forward_length", 0));
  SINAN_ASSIGN_OR_RETURN(int64_t used, m.integer_or("expert_used_count", 0));
  c->experts_per_token = to_int(used);
  SINAN_ASSIGN_OR_RETURN(int64_t groups, m.integer_or("expert_group_count", 1));
  c->n_expert_groups = to_int(std::max<int64_t>(groups, 1));
  SINAN_ASSIGN_OR_RETURN(int64_t used_groups, m.integer_or("expert_group_used_count", c->n_expert_groups));
  c->top_expert_groups = to_int(std::max<int64_t>(used_groups, 1));
  SINAN_ASSIGN_OR_RETURN(double scale, m.number_or("expert_weights_scale", 1.0));
  c->routed_scaling_factor = static_cast<float>(scale);
  SINAN_ASSIGN_OR_RETURN(c->normalize_expert_weights, m.boolean_or("expert_weights_norm", false));
  SINAN_ASSIGN_OR_RETURN(int64_t gating, m.integer_or("expert_gating_func", 1));
  if (gating == 1) {
    c->expert_scoring = ExpertScoring::kSoftmax;
    c->group_score = GroupScore::kMax;  // V2's group_limited_greedy
  } else if (gating == 2) {
    c->expert_scoring = ExpertScoring::kSigmoid;
    c->group_score = GroupScore::kTopTwoSum;  // V3's noaux_tc
  } else {
    return Status::errorf("{}: expert_gating_func {} is not supported (1 softmax, 2 sigmoid)", file.label(), gating);
  }
  c->has_selection_bias = file.find_tensor("blk." + std::to_string(c->first_dense_layers) + ".exp_probs_b.bias") != nullptr;
  c->rope.dim = static_cast<int>(c->qk_rope_head_dim);
  c->rope.layout = RopeLayout::kInterleaved;
  c->softmax_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(key_length, 1))));
  return Status();
}

}  // namespace

Result<ModelConfig> read_gguf_config(const GgufFile& file) {
  SINAN_ASSIGN_OR_RETURN(std::optional<std::string> arch_name, file.get_string("general.architecture"));
  if (!arch_name) return Status::errorf("{}: missing metadata 'general.architecture'", file.label());
  ModelConfig c;
  c.source = SourceFormat::kGguf;
  if (*arch_name == "llama") {
    c.arch = Architecture::kLlama;
  } else if (*arch_name == "qwen2") {
    c.arch = Architecture::kQwen2;
  } else if (*arch_name == "deepseek2") {
    c.arch = Architecture::kDeepseek2;
  } else {
    return Status::errorf("{}: architecture '{}' is not supported (llama, qwen2, deepseek2)", file.label(), *arch_name);
  }
  const Meta m(file, *arch_name);
  SINAN_ASSIGN_OR_RETURN(std::optional<std::string> name, file.get_string("general.name"));
  c.name = name.value_or("");

  SINAN_ASSIGN_OR_RETURN(c.hidden_size, m.integer("embedding_length"));
  SINAN_ASSIGN_OR_RETURN(int64_t blocks, m.integer("block_count"));
  SINAN_ASSIGN_OR_RETURN(int64_t mtp, m.integer_or("nextn_predict_layers", 0));
  if (mtp < 0 || mtp >= blocks) return Status::errorf("{}: nextn_predict_layers {} is out of range", file.label(), mtp);
  c.n_layers = to_int(blocks - mtp);  // block_count includes the multi-token-prediction blocks
  c.n_mtp_layers = to_int(mtp);
  SINAN_ASSIGN_OR_RETURN(int64_t heads, m.integer("attention.head_count"));
  c.n_heads = to_int(heads);
  SINAN_ASSIGN_OR_RETURN(int64_t kv_heads, m.integer_or("attention.head_count_kv", heads));
  c.n_kv_heads = to_int(kv_heads);
  SINAN_ASSIGN_OR_RETURN(c.intermediate_size, m.integer_or("feed_forward_length", 0));
  SINAN_ASSIGN_OR_RETURN(double eps, m.number_or("attention.layer_norm_rms_epsilon", 1e-6));
  c.rms_norm_eps = static_cast<float>(eps);
  SINAN_ASSIGN_OR_RETURN(c.max_context, m.integer_or("context_length", 4096));

  const TensorInfo* embedding = file.find_tensor("token_embd.weight");
  if (embedding == nullptr) return Status::errorf("{}: missing tensor 'token_embd.weight'", file.label());
  int64_t vocab_fallback = embedding->shape.size() == 2 ? embedding->shape[0] : 0;
  SINAN_ASSIGN_OR_RETURN(c.vocab_size, m.integer_or("vocab_size", vocab_fallback));
  c.tie_embeddings = file.find_tensor("output.weight") == nullptr;

  SINAN_ASSIGN_OR_RETURN(std::optional<int64_t> bos, file.get_int("tokenizer.ggml.bos_token_id"));
  SINAN_ASSIGN_OR_RETURN(std::optional<int64_t> eos, file.get_int("tokenizer.ggml.eos_token_id"));
  c.bos_token_id = static_cast<int32_t>(bos.value_or(-1));
  c.eos_token_id = static_cast<int32_t>(eos.value_or(-1));

  if (c.arch == Architecture::kDeepseek2) {
    SINAN_RETURN_IF_ERROR(read_deepseek2(file, m, &c));
  } else {
    const int64_t default_head_dim = c.n_heads > 0 ? c.hidden_size / c.n_heads : 0;
    SINAN_ASSIGN_OR_RETURN(c.head_dim, m.integer_or("attention.key_length", default_head_dim));
    SINAN_ASSIGN_OR_RETURN(int64_t value_length, m.integer_or("attention.value_length", c.head_dim));
    if (value_length != c.head_dim) {
      return Status::errorf("{}: key_length {} != value_length {} is not supported", file.label(), c.head_dim, value_length);
    }
    SINAN_ASSIGN_OR_RETURN(int64_t rope_dim, m.integer_or("rope.dimension_count", c.head_dim));
    if (rope_dim != c.head_dim) {
      return Status::errorf("{}: partial rotary embeddings ({} of {}) are not supported", file.label(), rope_dim, c.head_dim);
    }
    c.rope.dim = to_int(c.head_dim);
    // llama.cpp's converter permutes Llama's q/k rows so that adjacent pairs rotate; Qwen2 keeps HF's layout.
    c.rope.layout = c.arch == Architecture::kLlama ? RopeLayout::kInterleaved : RopeLayout::kNeox;
    c.attention_bias = file.find_tensor("blk.0.attn_q.bias") != nullptr;
    c.softmax_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(c.head_dim, 1))));
  }
  SINAN_RETURN_IF_ERROR(read_rope_scaling(file, m, &c));
  SINAN_RETURN_IF_ERROR(c.validate().with_context(file.label()));
  return c;
}

}  // namespace sinan
