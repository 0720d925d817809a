// Fuzzes the parsing of model output: the reasoning split (one-shot and streamed in pieces, which must agree)
// and tool-call parsing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "text/chat/tool_calls.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool opened = data[0] & 1;
  const size_t chunk = 1 + (data[0] >> 1) % 7;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  sinan::chat::ParsedCompletion parsed = sinan::chat::parse_completion(text, opened);
  sinan::chat::ReasoningStreamSplitter splitter(opened);
  std::string reasoning, content;
  for (size_t i = 0; i < text.size(); i += chunk) {
    auto d = splitter.feed(text.substr(i, chunk));
    reasoning += d.reasoning_content;
    content += d.content;
  }
  auto d = splitter.finish();
  reasoning += d.reasoning_content;
  content += d.content;
  // Streaming must agree with the one-shot split.
  sinan::chat::ReasoningSplit split = sinan::chat::split_reasoning(text, opened);
  if (reasoning != split.reasoning_content || content != split.content) std::abort();
  if (parsed.reasoning_content != split.reasoning_content) std::abort();
  (void)sinan::chat::parse_tool_calls(content);
  return 0;
}
