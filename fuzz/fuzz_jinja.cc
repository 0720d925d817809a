// Fuzzes the chat-template lexer, parser and renderer: any input must give a render or an error, never a
// crash, a hang or unbounded memory (the limits below bound the work).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "text/chat/chat_template.h"

namespace {

const nlohmann::ordered_json& messages() {
  static const auto value = nlohmann::ordered_json::parse(R"([
    {"role": "system", "content": "sys"},
    {"role": "user", "content": "héllo 😀"},
    {"role": "assistant", "content": null, "tool_calls": [
      {"type": "function", "function": {"name": "f", "arguments": "{\"a\": 1}"}}]},
    {"role": "tool", "content": "42"},
    {"role": "assistant", "content": "<think>r</think>done", "reasoning_content": "r"}
  ])");
  return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  auto tmpl = sinan::jinja::Template::parse(source);
  if (!tmpl.ok()) return 0;
  sinan::chat::ChatOptions options;
  options.add_generation_prompt = size % 2 == 0;
  options.bos_token = "<s>";
  options.eos_token = "</s>";
  options.tools = nlohmann::ordered_json::parse(R"([{"type": "function", "function": {"name": "f",
      "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}])");
  options.vars = {{"enable_thinking", true}};
  options.limits.max_output_bytes = 1 << 20;
  options.limits.max_steps = 200000;
  options.limits.max_call_depth = 40;
  (void)sinan::chat::apply_chat_template(*tmpl, messages(), options);
  return 0;
}
