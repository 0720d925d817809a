// Validated API requests -> what the engine runs: the chat template rendered over the messages (with the
// tools and template variables), the prompt tokenized, sampling resolved against the model's defaults.
// Errors here are the client's (a template that rejects the conversation, a logit_bias id outside the
// vocabulary) and become 400s.
#pragma once

#include <optional>
#include <string>

#include "api/api_error.h"
#include "api/request.h"
#include "serve/chat_model.h"
#include "serve/request_stream.h"

namespace sinan::api {

struct PreparedRequest {
  EngineRequest engine;
  std::string prompt_text;  // the rendered prompt (for completions' echo)
};

std::optional<ApiError> prepare_chat(const ChatModel& model, const ChatRequest& request, uint64_t random_seed,
                                     PreparedRequest* out);
std::optional<ApiError> prepare_completion(const ChatModel& model, const CompletionRequest& request,
                                           uint64_t random_seed, PreparedRequest* out);

}  // namespace sinan::api
