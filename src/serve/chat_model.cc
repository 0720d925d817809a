#include "serve/chat_model.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "io/gguf.h"
#include "io/mapped_file.h"
#include "serve/generate.h"
#include "text/chat/chat_template.h"

namespace sinan {
namespace {

namespace fs = std::filesystem;

SamplingDefaults read_hf_generation_config(const std::string& dir) {
  SamplingDefaults d;
  const fs::path path = fs::path(dir) / "generation_config.json";
  std::error_code ec;
  if (!fs::exists(path, ec)) return d;
  auto text = read_text_file(path.string());
  if (!text.ok()) return d;
  const auto json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object()) return d;
  auto number = [&](const char* key) -> std::optional<float> {
    auto it = json.find(key);
    if (it == json.end() || !it->is_number()) return std::nullopt;
    return it->get<float>();
  };
  d.temperature = number("temperature");
  d.top_p = number("top_p");
  d.min_p = number("min_p");
  d.repetition_penalty = number("repetition_penalty");
  if (auto k = number("top_k")) d.top_k = static_cast<int>(*k);
  if (auto it = json.find("do_sample"); it != json.end() && it->is_boolean() && !it->get<bool>()) d.temperature = 0.0f;
  if (d.temperature || d.top_p || d.top_k || d.min_p) d.origin = path.string();
  return d;
}

SamplingDefaults read_gguf_sampling(const GgufFile& gguf) {
  SamplingDefaults d;
  auto number = [&](const char* key) -> std::optional<float> {
    auto v = gguf.get_float(key);
    if (!v.ok() || !v->has_value()) return std::nullopt;
    return static_cast<float>(**v);
  };
  d.temperature = number("general.sampling.temp");
  d.top_p = number("general.sampling.top_p");
  d.min_p = number("general.sampling.min_p");
  d.repetition_penalty = number("general.sampling.penalty_repeat");
  if (auto k = number("general.sampling.top_k")) d.top_k = static_cast<int>(*k);
  if (d.temperature || d.top_p || d.top_k || d.min_p) d.origin = gguf.label() + ": general.sampling.*";
  return d;
}

}  // namespace

Result<ChatModel> load_chat_model(const std::string& path) {
  ChatModel cm;
  LoadReport report;
  SINAN_ASSIGN_OR_RETURN(cm.model, Model::load(path, &report));
  cm.warnings = std::move(report.warnings);
  SINAN_ASSIGN_OR_RETURN(Tokenizer tokenizer, load_tokenizer(path));
  cm.tokenizer = std::move(tokenizer);
  if (cm.tokenizer->n_vocab() > cm.model->config().vocab_size) {
    return Status::errorf("{}: the tokenizer has {} tokens but the model's vocabulary only {}", path,
                          cm.tokenizer->n_vocab(), cm.model->config().vocab_size);
  }
  auto found = chat::load_chat_template(path);
  if (found.ok()) {
    cm.chat_template = found->source;
    cm.template_origin = found->origin;
    cm.bos_token = found->bos_token;
    cm.eos_token = found->eos_token;
  } else {
    cm.warnings.push_back(found.message() + " (prompts are used as raw text)");
  }
  cm.end_tokens = default_end_tokens(cm.model->config(), *cm.tokenizer);

  // A reasoning model's generation prompt opens <think>: render one user turn and look.
  if (!cm.chat_template.empty()) {
    chat::ChatOptions options;
    options.add_generation_prompt = true;
    options.bos_token = cm.bos_token;
    options.eos_token = cm.eos_token;
    const nlohmann::ordered_json messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", "1+1"}}});
    auto prompt = chat::apply_chat_template(cm.chat_template, messages, options);
    if (prompt.ok()) {
      const std::string tail = prompt->size() > 16 ? prompt->substr(prompt->size() - 16) : *prompt;
      cm.reasoning = tail.find("<think>") != std::string::npos;
    }
  }

  cm.sampling_defaults = cm.model->files().gguf ? read_gguf_sampling(*cm.model->files().gguf) : read_hf_generation_config(path);
  if (cm.sampling_defaults.origin.empty() && cm.reasoning) {
    cm.sampling_defaults.temperature = 0.6f;  // DeepSeek's recommendation for R1 and its distills
    cm.sampling_defaults.top_p = 0.95f;
    cm.sampling_defaults.origin = "DeepSeek-R1's recommendation (temperature 0.6, top-p 0.95)";
  }
  return cm;
}

SamplingParams resolve_sampling(const SamplingDefaults& defaults, const std::optional<float>& temperature,
                                const std::optional<float>& top_p, const std::optional<int>& top_k,
                                const std::optional<float>& min_p, const std::optional<float>& repetition_penalty) {
  SamplingParams p;
  const bool model_has_defaults = !defaults.origin.empty();
  p.temperature = temperature.value_or(defaults.temperature.value_or(0.8f));
  p.top_p = top_p.value_or(defaults.top_p.value_or(0.95f));
  p.top_k = top_k.value_or(defaults.top_k.value_or(0));
  p.min_p = min_p.value_or(defaults.min_p.value_or(model_has_defaults ? 0.0f : 0.05f));
  p.repetition_penalty = repetition_penalty.value_or(defaults.repetition_penalty.value_or(1.0f));
  return p;
}

}  // namespace sinan
