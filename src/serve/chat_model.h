// A model ready for chat: weights, tokenizer, chat template, end tokens and sampling defaults, all read
// from the same .gguf file or Hugging Face directory. Shared by `sinan run` and `sinan serve`.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/model.h"
#include "sample/sampler.h"
#include "text/tokenizer.h"

namespace sinan {

// Sampling values a model file recommends (HF generation_config.json, GGUF general.sampling.*), or
// DeepSeek-R1's recommendation (temperature 0.6, top-p 0.95) for R1-style reasoning models.
struct SamplingDefaults {
  std::optional<float> temperature, top_p, min_p, repetition_penalty;
  std::optional<int> top_k;
  std::string origin;  // where they came from, for --verbose and /v1/models
};

struct ChatModel {
  std::unique_ptr<Model> model;
  std::optional<Tokenizer> tokenizer;  // always set once loaded
  std::string chat_template;   // Jinja source
  std::string template_origin;
  std::optional<std::string> bos_token, eos_token;  // as the template sees them
  std::vector<int32_t> end_tokens;
  SamplingDefaults sampling_defaults;
  bool reasoning = false;  // the generation prompt opens a <think> block (DeepSeek-R1 and its distills)
  std::vector<std::string> warnings;
};

Result<ChatModel> load_chat_model(const std::string& path);

// Fills the parameters the user did not set from the model's defaults, then sinan's generic ones
// (temperature 0.8, top-p 0.95, min-p 0.05).
SamplingParams resolve_sampling(const SamplingDefaults& defaults, const std::optional<float>& temperature,
                                const std::optional<float>& top_p, const std::optional<int>& top_k,
                                const std::optional<float>& min_p, const std::optional<float>& repetition_penalty);

}  // namespace sinan
