// Engine events -> OpenAI/DeepSeek response objects. Pure (no HTTP): the same assembler builds the streamed
// chunks and the one-shot object, so both carry the same text.
//
// Chat (POST /v1/chat/completions):
//   one-shot  {"id": "chatcmpl-...", "object": "chat.completion", "created", "model", "system_fingerprint",
//              "choices": [{"index": 0, "message": {"role": "assistant", "content", "reasoning_content",
//              "tool_calls"}, "logprobs", "finish_reason"}], "usage"}
//   streamed  "chat.completion.chunk" objects: {"role": "assistant", "content": ""} first, then deltas of
//             "reasoning_content" (DeepSeek's field) and "content", "tool_calls" at the end, a last chunk
//             with finish_reason, a usage chunk with empty choices if stream_options.include_usage, then
//             [DONE].
//   usage     prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details.cached_tokens,
//             completion_tokens_details.reasoning_tokens, and DeepSeek's prompt_cache_hit_tokens /
//             prompt_cache_miss_tokens.
// Completions (POST /v1/completions): "text_completion" objects with choices[0].text, the legacy logprobs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/tool_call_filter.h"
#include "serve/request_stream.h"

namespace sinan::api {

struct ResponseInfo {
  std::string id;
  int64_t created = 0;  // unix seconds
  std::string model;
  std::string fingerprint;
};

nlohmann::ordered_json usage_json(const Usage& usage);
// One Server-Sent Event carrying a JSON object.
std::string sse_event(const nlohmann::ordered_json& data);
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";
const char* finish_reason_text(FinishReason reason);
// A token's text for logprobs (invalid UTF-8 replaced) and its raw bytes.
std::string token_text(const std::vector<std::string>& token_bytes, int32_t token);

class ChatAssembler {
 public:
  struct Options {
    bool reasoning_model = false;  // report reasoning_content (DeepSeek-R1 style models)
    bool tools = false;            // parse tool calls out of the answer
    bool logprobs = false;
    bool include_usage = false;  // streaming: a usage chunk before [DONE]
  };
  ChatAssembler(ResponseInfo info, Options options, const std::vector<std::string>* token_bytes);

  // Streaming: the chunks to send for an event (empty for an event that only advanced held-back text).
  std::vector<nlohmann::ordered_json> chunks(const StreamEvent& event);
  // One-shot: feed every event, then read completion() once finished().
  void add(const StreamEvent& event);
  nlohmann::ordered_json completion() const;

  bool finished() const { return finished_; }
  const std::string& error() const { return error_; }

 private:
  struct Delta {
    std::string reasoning, content;
    nlohmann::ordered_json logprobs = nlohmann::ordered_json::array();
    std::vector<chat::ToolCall> calls;
  };
  Delta process(const StreamEvent& event);
  nlohmann::ordered_json chunk(nlohmann::ordered_json delta, const nlohmann::ordered_json& logprobs) const;
  nlohmann::ordered_json tool_calls_json(const std::vector<chat::ToolCall>& calls) const;

  ResponseInfo info_;
  Options options_;
  const std::vector<std::string>* token_bytes_;
  ToolCallFilter tool_filter_;
  bool sent_role_ = false;
  bool finished_ = false;
  std::string error_;
  std::string finish_reason_;
  Usage usage_;
  // One-shot accumulation.
  std::string reasoning_, content_;
  nlohmann::ordered_json logprobs_ = nlohmann::ordered_json::array();
  std::vector<chat::ToolCall> calls_;
};

class CompletionAssembler {
 public:
  // `echo`: the prompt text, sent before the completion when the request asked for it.
  CompletionAssembler(ResponseInfo info, bool logprobs, bool include_usage, std::string echo,
                      const std::vector<std::string>* token_bytes);

  std::vector<nlohmann::ordered_json> chunks(const StreamEvent& event);
  void add(const StreamEvent& event);
  nlohmann::ordered_json completion() const;

  bool finished() const { return finished_; }
  const std::string& error() const { return error_; }

 private:
  struct Logprobs {
    nlohmann::ordered_json tokens = nlohmann::ordered_json::array(),
                           token_logprobs = nlohmann::ordered_json::array(),
                           top_logprobs = nlohmann::ordered_json::array(),
                           text_offset = nlohmann::ordered_json::array();
  };
  void append_logprobs(const StreamEvent& event, Logprobs* out, size_t* offset) const;
  nlohmann::ordered_json choice(const std::string& text, const Logprobs* logprobs, const char* finish) const;

  ResponseInfo info_;
  bool logprobs_wanted_, include_usage_;
  std::string echo_;
  const std::vector<std::string>* token_bytes_;
  bool finished_ = false;
  std::string error_, finish_reason_;
  Usage usage_;
  std::string text_;
  Logprobs logprobs_;
  size_t offset_ = 0;  // text_offset of the next token
};

}  // namespace sinan::api
