// DeepSeek tool calls in model output, as the R1-family templates render them in history:
//   R1 / V3:
//   <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\nARGS\n```<｜tool▁call▁end｜>
//             (calls separated by optional whitespace) <｜tool▁calls▁end｜>
//   V3.1:
//   <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>NAME<｜tool▁sep｜>ARGS<｜tool▁call▁end｜>...<｜tool▁calls▁end｜>
// Behaviour on imperfect output (decided here, tested in tool_calls_test.cc):
//   - the text before the first marker is `content` (trailing whitespace trimmed); text after the closing
//     <｜tool▁calls▁end｜> is appended to it (whitespace trimmed);
//   - a missing <｜tool▁calls▁end｜> at the very end of the output is accepted (generation stopped there),
//   and so is
//     a section that starts directly with <｜tool▁call▁begin｜>;
//   - anything else malformed (ARGS that are not JSON, a missing <｜tool▁sep｜> or <｜tool▁call▁end｜>, a
//   truncated
//     call, an empty name) rejects the whole section: no calls are returned, the complete text stays in
//     `content` and `error` says what was wrong, so a caller can show or log it instead of acting on half a
//     call.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "text/chat/reasoning.h"

namespace sinan::chat {

struct ToolCall {
  std::string name;
  std::string arguments;  // the JSON text the model wrote (validated, surrounding whitespace trimmed)
};

struct ToolCallParse {
  std::string content;
  std::vector<ToolCall> calls;
  std::string error;  // non-empty when a tool-call section was found but rejected
};

ToolCallParse parse_tool_calls(std::string_view text);

// A whole R1 completion: the reasoning split off, then tool calls parsed from the rest.
struct ParsedCompletion {
  std::string reasoning_content;
  std::string content;
  std::vector<ToolCall> tool_calls;
  std::string tool_call_error;
  bool reasoning_finished = false;
};
ParsedCompletion parse_completion(std::string_view completion, bool prompt_opened_think = true);

}  // namespace sinan::chat
