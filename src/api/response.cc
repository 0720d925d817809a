#include "api/response.h"

#include <cmath>

#include "api/api_error.h"

namespace sinan::api {
namespace {

using Json = nlohmann::ordered_json;

// Log-probabilities of masked tokens are -infinity, which JSON cannot hold; OpenAI reports -9999 there.
double finite_logprob(float lp) {
  return std::isfinite(lp) ? static_cast<double>(lp) : -9999.0;
}

Json bytes_json(const std::string& bytes) {
  Json out = Json::array();
  for (unsigned char c : bytes) out.push_back(static_cast<int>(c));
  return out;
}

const std::string& raw_bytes(const std::vector<std::string>& token_bytes, int32_t token) {
  static const std::string kNone;
  return token >= 0 && token < static_cast<int32_t>(token_bytes.size()) ? token_bytes[token] : kNone;
}

// Replaces invalid UTF-8 with U+FFFD, so a token that is half a character still prints.
std::string valid_utf8(const std::string& bytes) {
  return Json::parse(dump_json(Json(bytes))).get<std::string>();
}

}  // namespace

const char* finish_reason_text(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kCancelled:
      return "cancelled";
  }
  return "stop";
}

std::string token_text(const std::vector<std::string>& token_bytes, int32_t token) {
  return valid_utf8(raw_bytes(token_bytes, token));
}

Json usage_json(const Usage& u) {
  Json out;
  out["prompt_tokens"] = u.prompt_tokens;
  out["completion_tokens"] = u.completion_tokens;
  out["total_tokens"] = u.prompt_tokens + u.completion_tokens;
  out["prompt_tokens_details"] = {{"cached_tokens", u.cached_tokens}};
  out["completion_tokens_details"] = {{"reasoning_tokens", u.reasoning_tokens}};
  out["prompt_cache_hit_tokens"] = u.cached_tokens;  // DeepSeek's names
  out["prompt_cache_miss_tokens"] = u.prompt_tokens - u.cached_tokens;
  return out;
}

std::string sse_event(const Json& data) {
  return "data: " + dump_json(data) + "\n\n";
}

namespace {

// The fields every response object and stream chunk carries, in OpenAI's order, with one choice (none
// when `choice` is null).
Json envelope(const ResponseInfo& info, const char* object, Json choice) {
  Json out;
  out["id"] = info.id;
  out["object"] = object;
  out["created"] = info.created;
  out["model"] = info.model;
  out["system_fingerprint"] = info.fingerprint;
  out["choices"] = choice.is_null() ? Json::array() : Json::array({std::move(choice)});
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Chat

ChatAssembler::ChatAssembler(ResponseInfo info, Options options, const std::vector<std::string>* token_bytes)
    : info_(std::move(info)), options_(options), token_bytes_(token_bytes) {}

ChatAssembler::Delta ChatAssembler::process(const StreamEvent& event) {
  Delta d;
  d.reasoning = event.reasoning;
  d.content = options_.tools ? tool_filter_.push(event.content) : event.content;
  if (options_.logprobs) {
    for (const SampledToken& t : event.tokens) {
      const std::string& bytes = raw_bytes(*token_bytes_, t.token);
      Json entry = {
          {"token", valid_utf8(bytes)}, {"logprob", finite_logprob(t.logprob)}, {"bytes", bytes_json(bytes)}};
      Json top = Json::array();
      for (const TokenLogprob& alt : t.top) {
        const std::string& alt_bytes = raw_bytes(*token_bytes_, alt.token);
        top.push_back({{"token", valid_utf8(alt_bytes)},
                       {"logprob", finite_logprob(alt.logprob)},
                       {"bytes", bytes_json(alt_bytes)}});
      }
      entry["top_logprobs"] = std::move(top);
      d.logprobs.push_back(std::move(entry));
    }
  }
  if (event.finished) {
    finished_ = true;
    error_ = event.error;
    usage_ = event.usage;
    finish_reason_ = finish_reason_text(event.finish_reason);
    if (options_.tools) {
      ToolCallFilter::End end = tool_filter_.finish();
      d.content += end.content;
      d.calls = std::move(end.calls);
      if (!d.calls.empty()) finish_reason_ = "tool_calls";
    }
  }
  return d;
}

Json ChatAssembler::tool_calls_json(const std::vector<chat::ToolCall>& calls) const {
  Json out = Json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    out.push_back({{"index", i},
                   {"id", fmt::format("call_{}_{}", info_.id.substr(info_.id.find('-') + 1), i)},
                   {"type", "function"},
                   {"function", {{"name", calls[i].name}, {"arguments", calls[i].arguments}}}});
  }
  return out;
}

Json ChatAssembler::chunk(Json delta, const Json& logprobs) const {
  Json choice;
  choice["index"] = 0;
  choice["delta"] = std::move(delta);
  choice["logprobs"] = options_.logprobs && !logprobs.empty() ? Json{{"content", logprobs}} : Json(nullptr);
  choice["finish_reason"] = nullptr;
  Json out = envelope(info_, "chat.completion.chunk", std::move(choice));
  if (options_.include_usage) out["usage"] = nullptr;
  return out;
}

std::vector<Json> ChatAssembler::chunks(const StreamEvent& event) {
  std::vector<Json> out;
  Delta d = process(event);
  if (!sent_role_) {
    out.push_back(chunk({{"role", "assistant"}, {"content", ""}}, Json::array()));
    sent_role_ = true;
  }
  if (!d.reasoning.empty()) out.push_back(chunk({{"reasoning_content", d.reasoning}}, Json::array()));
  if (!d.content.empty() || !d.logprobs.empty()) {
    out.push_back(chunk({{"content", d.content}}, d.logprobs));
  }
  if (!d.calls.empty()) out.push_back(chunk({{"tool_calls", tool_calls_json(d.calls)}}, Json::array()));
  if (finished_ && error_.empty()) {
    Json last = chunk(Json::object(), Json::array());
    last["choices"][0]["finish_reason"] = finish_reason_;
    out.push_back(std::move(last));
    if (options_.include_usage) {
      Json usage = chunk(Json::object(), Json::array());
      usage["choices"] = Json::array();
      usage["usage"] = usage_json(usage_);
      out.push_back(std::move(usage));
    }
  }
  return out;
}

void ChatAssembler::add(const StreamEvent& event) {
  Delta d = process(event);
  reasoning_ += d.reasoning;
  content_ += d.content;
  for (auto& entry : d.logprobs) logprobs_.push_back(std::move(entry));
  for (auto& call : d.calls) calls_.push_back(std::move(call));
}

Json ChatAssembler::completion() const {
  Json message;
  message["role"] = "assistant";
  message["content"] = content_.empty() && !calls_.empty() ? Json(nullptr) : Json(content_);
  if (options_.reasoning_model) message["reasoning_content"] = reasoning_;
  if (!calls_.empty()) message["tool_calls"] = tool_calls_json(calls_);
  Json choice;
  choice["index"] = 0;
  choice["message"] = std::move(message);
  choice["logprobs"] = options_.logprobs ? Json{{"content", logprobs_}} : Json(nullptr);
  choice["finish_reason"] = finish_reason_;
  Json out = envelope(info_, "chat.completion", std::move(choice));
  out["usage"] = usage_json(usage_);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Completions

CompletionAssembler::CompletionAssembler(ResponseInfo info, bool logprobs, bool include_usage,
                                         std::string echo, const std::vector<std::string>* token_bytes)
    : info_(std::move(info)),
      logprobs_wanted_(logprobs),
      include_usage_(include_usage),
      echo_(std::move(echo)),
      token_bytes_(token_bytes) {}

void CompletionAssembler::append_logprobs(const StreamEvent& event, Logprobs* out, size_t* offset) const {
  for (const SampledToken& t : event.tokens) {
    const std::string text = token_text(*token_bytes_, t.token);
    out->tokens.push_back(text);
    out->token_logprobs.push_back(finite_logprob(t.logprob));
    Json top = Json::object();
    for (const TokenLogprob& alt : t.top)
      top[token_text(*token_bytes_, alt.token)] = finite_logprob(alt.logprob);
    out->top_logprobs.push_back(std::move(top));
    out->text_offset.push_back(*offset);
    *offset += text.size();
  }
}

Json CompletionAssembler::choice(const std::string& text, const Logprobs* logprobs,
                                 const char* finish) const {
  Json c;
  c["text"] = text;
  c["index"] = 0;
  if (logprobs_wanted_ && logprobs != nullptr) {
    c["logprobs"] = {{"tokens", logprobs->tokens},
                     {"token_logprobs", logprobs->token_logprobs},
                     {"top_logprobs", logprobs->top_logprobs},
                     {"text_offset", logprobs->text_offset}};
  } else {
    c["logprobs"] = nullptr;
  }
  c["finish_reason"] = finish == nullptr ? Json(nullptr) : Json(finish);
  return c;
}

std::vector<Json> CompletionAssembler::chunks(const StreamEvent& event) {
  std::vector<Json> out;
  auto make = [&](Json c) {
    Json o = envelope(info_, "text_completion", std::move(c));
    if (include_usage_) o["usage"] = nullptr;
    return o;
  };
  std::string text = event.content;
  if (!echo_.empty()) {
    text = echo_ + text;
    offset_ += echo_.size();
    echo_.clear();
  }
  Logprobs lp;
  append_logprobs(event, &lp, &offset_);
  if (event.finished) {
    finished_ = true;
    error_ = event.error;
    usage_ = event.usage;
    finish_reason_ = finish_reason_text(event.finish_reason);
  }
  if (!text.empty() || !event.tokens.empty()) out.push_back(make(choice(text, &lp, nullptr)));
  if (finished_ && error_.empty()) {
    out.push_back(make(choice("", nullptr, finish_reason_.c_str())));
    if (include_usage_) {
      Json u = envelope(info_, "text_completion", Json());  // no choices: the usage chunk
      u["usage"] = usage_json(usage_);
      out.push_back(std::move(u));
    }
  }
  return out;
}

void CompletionAssembler::add(const StreamEvent& event) {
  if (!echo_.empty()) {
    text_ += echo_;
    offset_ += echo_.size();
    echo_.clear();
  }
  text_ += event.content;
  append_logprobs(event, &logprobs_, &offset_);
  if (event.finished) {
    finished_ = true;
    error_ = event.error;
    usage_ = event.usage;
    finish_reason_ = finish_reason_text(event.finish_reason);
  }
}

Json CompletionAssembler::completion() const {
  Json o = envelope(info_, "text_completion", choice(text_, &logprobs_, finish_reason_.c_str()));
  o["usage"] = usage_json(usage_);
  return o;
}

}  // namespace sinan::api
