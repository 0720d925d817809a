// Streaming tool calls: R1 writes its calls into the answer as
//   <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\nARGS\n```<｜tool▁call▁end｜>...
// The filter passes answer text through until a tool-call section may be starting, then holds everything
// back (partial markers and trailing whitespace too), and at the end parses the section with
// chat::parse_tool_calls. So a streamed answer equals the non-streamed one, and a client never sees the
// markers: it gets `content` deltas, then `tool_calls`. A malformed section is released as content.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "text/chat/tool_calls.h"

namespace sinan::api {

class ToolCallFilter {
 public:
  // Answer text in; text safe to show now out.
  std::string push(std::string_view content);
  struct End {
    std::string
        content;  // text still to show (held-back text, or a rejected section, or text after the calls)
    std::vector<chat::ToolCall> calls;
    std::string error;  // why a section was rejected
  };
  End finish();

 private:
  std::string held_;
  bool in_section_ = false;
  bool shown_ = false;  // some content was already let through
};

}  // namespace sinan::api
