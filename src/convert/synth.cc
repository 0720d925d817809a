// plan_synthetic: a preset's config, llama.cpp's tensor layout for it, random rows and a synthetic
// byte-level vocabulary.
#include "convert/synth.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "convert/gguf_layout.h"
#include "convert/hf_input.h"
#include "text/byte_level.h"

namespace sinan {
namespace {

using json = nlohmann::json;

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t name_hash(const std::string& name) {  // FNV-1a
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char ch : name) h = (h ^ ch) * 0x100000001B3ull;
  return h;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Standard deviation of a tensor's random values: norms are 1 (constant), matrices 1/sqrt(fan-in) so every
// projection keeps its input's scale, the embedding 1 so the residual stream starts at unit scale.
double value_scale(const LayoutTensor& t, bool* constant) {
  *constant = false;
  if (t.shape.size() == 1 && (ends_with(t.name, "norm.weight"))) {
    *constant = true;
    return 1.0;
  }
  if (ends_with(t.name, "exp_probs_b.bias")) return 0.01;
  if (ends_with(t.name, ".bias")) return 0.02;
  if (t.name == "token_embd.weight" || ends_with(t.name, "nextn.embed_tokens.weight")) return 1.0;
  return 1.0 / std::sqrt(static_cast<double>(t.shape.back()));
}

PlannedTensor random_tensor(const LayoutTensor& layout, uint64_t seed) {
  PlannedTensor t;
  t.name = layout.name;
  t.shape = layout.shape;
  t.source_type = DType::kF32;
  bool constant = false;
  const double scale = value_scale(layout, &constant);
  const int64_t cols = t.cols();
  if (constant) {
    const auto value = static_cast<float>(scale);
    t.read_rows = [cols, value](int64_t, int64_t count, float* out) {
      std::fill(out, out + count * cols, value);
      return Status();
    };
    return t;
  }
  const uint64_t tensor_seed = splitmix64(seed ^ name_hash(layout.name));
  const auto amplitude = static_cast<float>(scale * std::sqrt(3.0));  // uniform [-a, a] has std a / sqrt(3)
  t.read_rows = [cols, tensor_seed, amplitude](int64_t first, int64_t count, float* out) {
    for (int64_t r = 0; r < count; ++r) {
      uint64_t state = splitmix64(tensor_seed + static_cast<uint64_t>(first + r));
      float* row = out + r * cols;
      for (int64_t i = 0; i < cols; ++i) {
        state = splitmix64(state);
        const float unit = static_cast<float>(state >> 40) * (1.0f / 16777216.0f);  // [0, 1)
        row[i] = (2.0f * unit - 1.0f) * amplitude;
      }
    }
    return Status();
  };
  return t;
}

struct SpecialToken {
  const char* text;
  int32_t real_id;
  int32_t type;  // llama.cpp token type: 3 control, 4 user-defined
};

// The R1 family's special tokens at their real ids (`sinan synth` models keep the real token ids).
std::vector<SpecialToken> special_tokens(Architecture arch, int64_t vocab) {
  const char* bos =
      "<\xEF\xBD\x9C"
      "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";
  const char* eos =
      "<\xEF\xBD\x9C"
      "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";
  const char* user = "<\xEF\xBD\x9CUser\xEF\xBD\x9C>";
  const char* assistant =
      "<\xEF\xBD\x9C"
      "Assistant\xEF\xBD\x9C>";
  if (arch == Architecture::kQwen2) {
    return {{bos, 151646, 3},       {eos, 151643, 3},       {user, 151644, 3},
            {assistant, 151645, 3}, {"<think>", 151648, 4}, {"</think>", 151649, 4}};
  }
  if (arch == Architecture::kLlama) {
    return {{bos, 128000, 3},       {eos, 128001, 3},       {user, 128011, 3},
            {assistant, 128012, 3}, {"<think>", 128013, 4}, {"</think>", 128014, 4}};
  }
  if (vocab == 102400) {  // DeepSeek-V2's tokenizer
    return {{bos, 100000, 3},       {eos, 100001, 3},       {user, 102396, 3},
            {assistant, 102397, 3}, {"<think>", 102398, 4}, {"</think>", 102399, 4}};
  }
  return {{bos, 0, 3},
          {eos, 1, 3},
          {user, 128803, 3},
          {assistant, 128804, 3},
          {"<think>", 128798, 4},
          {"</think>", 128799, 4}};
}

// Ids beyond a small vocabulary move to its end, in order.
std::vector<int32_t> special_ids(const std::vector<SpecialToken>& specials, int64_t vocab) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < specials.size(); ++i) {
    const int32_t id = specials[i].real_id;
    ids.push_back(id < vocab ? id : static_cast<int32_t>(vocab - static_cast<int64_t>(specials.size() - i)));
  }
  return ids;
}

constexpr const char* kChatTemplate =
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
    "{{ '<\xEF\xBD\x9CUser\xEF\xBD\x9C>' + message['content'] }}{% elif message['role'] == 'assistant' %}"
    "{{ '<\xEF\xBD\x9C"
    "Assistant\xEF\xBD\x9C>' + message['content'] + eos_token }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<\xEF\xBD\x9C"
    "Assistant\xEF\xBD\x9C><think>\\n' }}{% endif %}";

// A byte-level BPE vocabulary of exactly `vocab` tokens: the 256 byte tokens, merges of letter pairs (with
// and without a leading space), the special tokens at their ids, and "[PADn]" (unused) for the rest.
void add_synthetic_tokenizer(Architecture arch, int64_t vocab, GgufWriter* m) {
  const std::vector<SpecialToken> specials = special_tokens(arch, vocab);
  const std::vector<int32_t> ids = special_ids(specials, vocab);
  std::vector<std::string> tokens(static_cast<size_t>(vocab));
  std::vector<int32_t> types(static_cast<size_t>(vocab), 0);
  for (size_t i = 0; i < specials.size(); ++i) {
    tokens[static_cast<size_t>(ids[i])] = specials[i].text;
    types[static_cast<size_t>(ids[i])] = specials[i].type;
  }
  std::vector<std::string> normal, merges;
  for (int b = 0; b < 256; ++b) normal.push_back(text::to_byte_level(std::string(1, static_cast<char>(b))));
  const std::string space = text::to_byte_level(" ");
  for (char a = 'a'; a <= 'z'; ++a) {
    merges.push_back(space + " " + std::string(1, a));
    normal.push_back(space + std::string(1, a));
  }
  for (char a = 'a'; a <= 'z'; ++a) {
    for (char b = 'a'; b <= 'z'; ++b) {
      merges.push_back(std::string(1, a) + " " + std::string(1, b));
      normal.push_back(std::string(1, a) + std::string(1, b));
    }
  }
  size_t next = 0, kept_merges = 0;
  for (int64_t id = 0; id < vocab; ++id) {
    auto& token = tokens[static_cast<size_t>(id)];
    if (!token.empty()) continue;
    if (next < normal.size()) {
      token = normal[next++];
      types[static_cast<size_t>(id)] = 1;
    } else {
      token = "[PAD" + std::to_string(id) + "]";
      types[static_cast<size_t>(id)] = 5;
    }
  }
  // Merges whose result made it into the vocabulary (all of them unless the vocabulary is tiny).
  kept_merges = next > 256 ? next - 256 : 0;
  merges.resize(std::min(merges.size(), kept_merges));

  const char* pre = arch == Architecture::kQwen2   ? "deepseek-r1-qwen"
                    : arch == Architecture::kLlama ? "llama-bpe"
                    : vocab == 102400              ? "deepseek-llm"
                                                   : "deepseek-v3";
  m->set_string("tokenizer.ggml.model", "gpt2");
  m->set_string("tokenizer.ggml.pre", pre);
  m->set_string_array("tokenizer.ggml.tokens", tokens);
  m->set_i32_array("tokenizer.ggml.token_type", types);
  m->set_string_array("tokenizer.ggml.merges", merges);
  m->set_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(ids[0]));
  m->set_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(ids[1]));
  m->set_u32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(ids[1]));
  m->set_bool("tokenizer.ggml.add_bos_token", true);
  m->set_bool("tokenizer.ggml.add_eos_token", false);
  m->set_string("tokenizer.chat_template", kChatTemplate);
}

}  // namespace

Result<ConversionPlan> plan_synthetic(const std::string& preset, const SynthOptions& options) {
  SINAN_ASSIGN_OR_RETURN(std::string text, synth_config_json(preset, options));
  json root = json::parse(text);
  // Small vocabularies keep the special tokens at their end; the config's bos/eos follow.
  {
    SINAN_ASSIGN_OR_RETURN(ModelConfig probe, parse_hf_config(text, "preset " + preset));
    const std::vector<int32_t> ids =
        special_ids(special_tokens(probe.arch, probe.vocab_size), probe.vocab_size);
    root["bos_token_id"] = ids[0];
    root["eos_token_id"] = ids[1];
    text = root.dump(1);
  }
  SINAN_ASSIGN_OR_RETURN(ModelConfig c, parse_hf_config(text, "preset " + preset));

  ConversionPlan plan;
  plan.source = "synth " + preset;
  for (const LayoutTensor& layout : gguf_tensor_layout(c)) {
    if (layout.name == "rope_freqs.weight") {
      std::vector<float> divisors = llama3_rope_divisors(c.rope, c.head_dim);
      PlannedTensor t;
      t.name = layout.name;
      t.shape = layout.shape;
      t.read_rows = [divisors](int64_t, int64_t, float* out) {
        std::copy(divisors.begin(), divisors.end(), out);
        return Status();
      };
      plan.tensors.push_back(std::move(t));
      continue;
    }
    plan.tensors.push_back(random_tensor(layout, options.seed));
  }
  sort_tensors_like_llama_cpp(plan);

  GgufWriter& m = plan.metadata;
  m.set_string("general.architecture", architecture_name(c.arch));
  m.set_string("general.type", "model");
  m.set_f32("general.sampling.top_p", 0.95f);  // DeepSeek's recommended R1 sampling
  m.set_f32("general.sampling.temp", 0.6f);
  m.set_string("general.name", "sinan synth " + preset);
  m.set_string("general.size_label", size_label(plan.tensors));
  m.set_string("general.description",
               fmt::format("random weights (seed {}) with the shapes of {}, written by sinan synth",
                           options.seed, preset));
  SINAN_RETURN_IF_ERROR(add_hf_architecture_metadata(root, c, 0, &m));
  m.set_u32("general.quantization_version", 2);
  add_synthetic_tokenizer(c.arch, c.vocab_size, &m);

  plan.mix_model.arch = architecture_name(c.arch);
  plan.mix_model.n_layer_all = c.n_layers;
  plan.mix_model.n_head = c.n_heads;
  plan.mix_model.n_head_kv = c.arch == Architecture::kDeepseek2 ? 1 : c.n_kv_heads;
  plan.mix_model.n_expert = c.n_routed_experts;
  return plan;
}

}  // namespace sinan
