// Fuzzes what an HTTP client controls: the JSON bodies of /v1/chat/completions and /v1/completions (parsed
// and validated, never throwing or crashing, errors always status 4xx with a message), and, on model output,
// the JSON-object constraint automaton and the streaming tool-call filter (which must agree with the one-shot
// parse).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/request.h"
#include "api/tool_call_filter.h"
#include "serve/json_constraint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const sinan::api::RequestLimits limits;

  sinan::api::ChatRequest chat;
  if (auto error = sinan::api::parse_chat_request(text, limits, &chat)) {
    if (error->status < 400 || error->status > 499 || error->message.empty()) std::abort();
    (void)sinan::api::error_text(*error);
  } else {
    (void)sinan::api::dump_json(chat.messages);
    if (chat.messages.empty()) std::abort();
    if (chat.fields.top_logprobs < 0 || chat.fields.top_logprobs > limits.max_top_logprobs) std::abort();
  }
  sinan::api::CompletionRequest completion;
  if (auto error = sinan::api::parse_completion_request(text, limits, &completion)) {
    if (error->status != 400) std::abort();
  } else if (completion.prompt.empty() && completion.prompt_ids.empty()) {
    std::abort();
  }

  // The same bytes as model output.
  sinan::JsonPrefixValidator validator;
  size_t accepted = 0;
  while (accepted < text.size() && validator.feed_byte(static_cast<uint8_t>(text[accepted]))) ++accepted;
  if (accepted == text.size() &&
      static_cast<int>(validator.closing_suffix().size()) != validator.closing_length()) {
    std::abort();
  }
  if (!text.empty()) {
    const size_t piece = 1 + static_cast<size_t>(data[0]) % 11;
    sinan::api::ToolCallFilter filter;
    std::string shown;
    for (size_t i = 0; i < text.size(); i += piece) shown += filter.push(text.substr(i, piece));
    const sinan::api::ToolCallFilter::End end = filter.finish();
    const sinan::chat::ToolCallParse whole = sinan::chat::parse_tool_calls(text);
    // Streamed or not, the same calls come out.
    if (end.calls.size() != whole.calls.size()) std::abort();
    for (size_t i = 0; i < whole.calls.size(); ++i) {
      if (end.calls[i].name != whole.calls[i].name || end.calls[i].arguments != whole.calls[i].arguments)
        std::abort();
    }
    if (!whole.calls.empty() && shown + end.content != whole.content) std::abort();
  }
  return 0;
}
