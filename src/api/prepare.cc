#include "api/prepare.h"

#include <fmt/format.h>

#include "text/chat/chat_template.h"

namespace sinan::api {
namespace {

std::optional<ApiError> fill_generation(const ChatModel& model, const GenerationFields& f,
                                        uint64_t random_seed, EngineRequest* out) {
  SamplingParams s = resolve_sampling(model.sampling_defaults, f.temperature, f.top_p, f.top_k, f.min_p,
                                      f.repetition_penalty);
  s.presence_penalty = f.presence_penalty;
  s.frequency_penalty = f.frequency_penalty;
  s.seed = f.seed.value_or(random_seed);
  s.top_logprobs = f.logprobs ? f.top_logprobs : 0;
  const int64_t vocab = model.model->config().vocab_size;
  for (const auto& [id, bias] : f.logit_bias) {
    if (id >= vocab) {
      return ApiError::invalid(
          fmt::format("logit_bias: token id {} is outside the vocabulary (0..{})", id, vocab - 1),
          "logit_bias");
    }
  }
  s.logit_bias = f.logit_bias;
  out->sampling = std::move(s);
  out->logprobs = f.logprobs;
  out->max_tokens = f.max_tokens.value_or(-1);
  out->stop = f.stop;
  out->ignore_eos = f.ignore_eos;
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> prepare_chat(const ChatModel& model, const ChatRequest& request, uint64_t random_seed,
                                     PreparedRequest* out) {
  std::string prompt;
  if (model.chat_template.empty()) {
    for (const auto& m : request.messages) {
      if (m["content"].is_string()) prompt += m["content"].get<std::string>();
    }
  } else {
    chat::ChatOptions options;
    options.add_generation_prompt = true;
    options.bos_token = model.bos_token;
    options.eos_token = model.eos_token;
    options.tools = request.tools;
    options.vars = request.template_vars;
    auto rendered = chat::apply_chat_template(model.chat_template, request.messages, options);
    if (!rendered.ok()) {
      return ApiError::invalid("the model's chat template rejected the messages: " + rendered.message(),
                               "messages");
    }
    prompt = std::move(*rendered);
  }
  auto tokens = model.tokenizer->encode(prompt);
  if (!tokens.ok())
    return ApiError::invalid("the prompt could not be tokenized: " + tokens.message(), "messages");
  if (auto e = fill_generation(model, request.fields, random_seed, &out->engine)) return e;
  out->engine.prompt = std::move(*tokens);
  // A reasoning model's prompt ends inside a think block unless the template was told not to think.
  const std::string tail = prompt.size() > 16 ? prompt.substr(prompt.size() - 16) : prompt;
  out->engine.reasoning = model.reasoning && tail.find("<think>") != std::string::npos &&
                          tail.find("</think>") == std::string::npos;
  out->engine.json_object = request.json_object;
  out->prompt_text = std::move(prompt);
  return std::nullopt;
}

std::optional<ApiError> prepare_completion(const ChatModel& model, const CompletionRequest& request,
                                           uint64_t random_seed, PreparedRequest* out) {
  if (auto e = fill_generation(model, request.fields, random_seed, &out->engine)) return e;
  if (request.prompt_is_ids) {
    out->engine.prompt = request.prompt_ids;
    out->prompt_text = model.tokenizer->decode(request.prompt_ids);
  } else {
    EncodeOptions encode;
    encode.add_bos = model.tokenizer->add_bos_by_default();
    auto tokens = model.tokenizer->encode(request.prompt, encode);
    if (!tokens.ok())
      return ApiError::invalid("the prompt could not be tokenized: " + tokens.message(), "prompt");
    out->engine.prompt = std::move(*tokens);
    out->prompt_text = request.prompt;
  }
  out->engine.reasoning = false;  // raw text in, raw text out
  return std::nullopt;
}

}  // namespace sinan::api
