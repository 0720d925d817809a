#include "text/chat/tool_calls.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace sinan::chat {
namespace {

constexpr std::string_view kCallsBegin = "<｜tool▁calls▁begin｜>";
constexpr std::string_view kCallsEnd = "<｜tool▁calls▁end｜>";
constexpr std::string_view kCallBegin = "<｜tool▁call▁begin｜>";
constexpr std::string_view kCallEnd = "<｜tool▁call▁end｜>";
constexpr std::string_view kSep = "<｜tool▁sep｜>";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view trim_end(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, size_t at, std::string_view prefix) {
  return s.size() >= at + prefix.size() && s.compare(at, prefix.size(), prefix) == 0;
}

// The arguments of an R1-style call: "```json\n{...}\n```" (the fence's language tag is optional); else the
// text itself (V3.1 style).
std::string_view unfence(std::string_view body) {
  std::string_view t = trim(body);
  if (t.substr(0, 3) != "```" || t.size() < 6 || t.substr(t.size() - 3) != "```") return t;
  t = t.substr(3, t.size() - 6);
  size_t newline = t.find('\n');
  std::string_view tag = newline == std::string_view::npos ? t : t.substr(0, newline);
  if (tag == "json" || tag.empty())
    t = newline == std::string_view::npos ? std::string_view() : t.substr(newline + 1);
  return trim(t);
}

// Parses one call starting at text[*pos] (just after <｜tool▁call▁begin｜>); advances *pos past its end
// marker.
std::string parse_call(std::string_view text, size_t* pos, ToolCall* call) {
  size_t sep = text.find(kSep, *pos);
  size_t end = text.find(kCallEnd, *pos);
  if (end == std::string_view::npos) return "a tool call has no <｜tool▁call▁end｜> (truncated output?)";
  if (sep == std::string_view::npos || sep > end) return "a tool call has no <｜tool▁sep｜>";
  std::string_view header = trim(text.substr(*pos, sep - *pos));
  std::string_view body = text.substr(sep + kSep.size(), end - sep - kSep.size());
  std::string_view name;
  std::string_view arguments;
  if (header == "function") {
    // R1: the name runs to the end of the line, the arguments follow in a ```json fence.
    size_t newline = body.find('\n');
    name = trim(body.substr(0, newline));
    arguments = newline == std::string_view::npos ? std::string_view() : unfence(body.substr(newline + 1));
  } else {
    name = header;
    arguments = unfence(body);
  }
  if (name.empty()) return "a tool call has an empty name";
  if (arguments.empty()) return fmt::format("tool call '{}' has no arguments", name);
  if (!nlohmann::json::accept(arguments))
    return fmt::format("the arguments of tool call '{}' are not valid JSON", name);
  call->name = std::string(name);
  call->arguments = std::string(arguments);
  *pos = end + kCallEnd.size();
  return std::string();
}

}  // namespace

ToolCallParse parse_tool_calls(std::string_view text) {
  ToolCallParse out;
  size_t start = text.find(kCallsBegin);
  size_t call_start = text.find(kCallBegin);
  if (start == std::string_view::npos && call_start == std::string_view::npos) {
    out.content = std::string(text);
    return out;
  }
  size_t pos;
  if (start != std::string_view::npos && (call_start == std::string_view::npos || start < call_start)) {
    pos = start + kCallsBegin.size();
  } else {
    start = call_start;
    pos = call_start;
  }
  auto reject = [&](std::string why) {
    ToolCallParse rejected;
    rejected.content = std::string(text);
    rejected.error = std::move(why);
    return rejected;
  };
  std::vector<ToolCall> calls;
  while (true) {
    while (pos < text.size() && is_space(text[pos])) ++pos;
    if (pos >= text.size()) break;  // no <｜tool▁calls▁end｜>: accepted at the end of the output
    if (starts_with(text, pos, kCallsEnd)) {
      pos += kCallsEnd.size();
      break;
    }
    if (!starts_with(text, pos, kCallBegin)) {
      return reject(calls.empty() ? "the tool-call section does not start with <｜tool▁call▁begin｜>"
                                  : "unexpected text between tool calls");
    }
    pos += kCallBegin.size();
    ToolCall call;
    std::string why = parse_call(text, &pos, &call);
    if (!why.empty()) return reject(why);
    calls.push_back(std::move(call));
  }
  if (calls.empty()) return reject("the tool-call section holds no calls");
  out.content = std::string(trim_end(text.substr(0, start)));
  std::string_view after = trim(text.substr(std::min(pos, text.size())));
  if (!after.empty()) {
    if (!out.content.empty()) out.content += "\n\n";
    out.content += after;
  }
  out.calls = std::move(calls);
  return out;
}

ParsedCompletion parse_completion(std::string_view completion, bool prompt_opened_think) {
  ReasoningSplit split = split_reasoning(completion, prompt_opened_think);
  ToolCallParse calls = parse_tool_calls(split.content);
  ParsedCompletion out;
  out.reasoning_content = std::move(split.reasoning_content);
  out.reasoning_finished = split.reasoning_finished;
  out.content = std::move(calls.content);
  out.tool_calls = std::move(calls.calls);
  out.tool_call_error = std::move(calls.error);
  return out;
}

}  // namespace sinan::chat
