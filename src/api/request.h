// Request bodies of POST /v1/chat/completions and /v1/completions -> validated requests. Pure: JSON text in,
// a request or an ApiError (400, naming the field) out; nothing a client sends can make these throw, crash or
// run long (bodies are size-limited before they get here and nesting is bounded before parsing).
//
// Accepted fields follow OpenAI's schemas; unknown fields are ignored, as OpenAI-compatible servers do.
// Extensions (as vLLM and llama.cpp accept them): top_k, min_p, repetition_penalty, ignore_eos,
// chat_template_kwargs (variables for the chat template, e.g. {"enable_thinking": false}).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api_error.h"

namespace sinan::api {

struct RequestLimits {
  int max_nesting = 64;  // JSON arrays/objects inside each other
  size_t max_stop_strings = 16;
  size_t max_stop_bytes = 1024;  // per stop string
  int max_top_logprobs = 20;
};

// Fields common to both endpoints.
struct GenerationFields {
  std::string model;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::optional<float> temperature, top_p, min_p, repetition_penalty;
  std::optional<int> top_k;
  float presence_penalty = 0, frequency_penalty = 0;
  std::optional<uint64_t> seed;
  std::optional<int64_t> max_tokens;  // max_completion_tokens, else max_tokens
  std::vector<std::string> stop;
  std::vector<std::pair<int32_t, float>> logit_bias;
  bool logprobs = false;
  int top_logprobs = 0;
  bool ignore_eos = false;
};

struct ChatRequest {
  GenerationFields fields;
  // Messages as the chat template receives them: role, content (a string; text parts joined; null only for an
  // assistant turn that calls tools), and name / tool_calls / tool_call_id where given.
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools;  // null: no tools (also after tool_choice "none")
  nlohmann::ordered_json template_vars = nlohmann::ordered_json::object();  // chat_template_kwargs
  bool json_object = false;  // response_format {"type": "json_object"}
};

struct CompletionRequest {
  GenerationFields fields;
  std::string prompt;               // text, or
  std::vector<int32_t> prompt_ids;  // token ids (when prompt_is_ids)
  bool prompt_is_ids = false;
  bool echo = false;
};

// Each returns nullopt and fills *out, or returns the error.
std::optional<ApiError> parse_chat_request(std::string_view body, const RequestLimits& limits,
                                           ChatRequest* out);
std::optional<ApiError> parse_completion_request(std::string_view body, const RequestLimits& limits,
                                                 CompletionRequest* out);

// Deepest nesting of arrays and objects in JSON text (strings skipped), without parsing it.
int json_nesting_depth(std::string_view text);

}  // namespace sinan::api
