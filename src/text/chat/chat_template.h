// Chat prompts: a model's chat template rendered over OpenAI-style messages, and finding that template (and
// the bos/eos token text it refers to) in a .gguf file, a Hugging Face model directory or a .jinja file.
//
//   SINAN_ASSIGN_OR_RETURN(chat::ChatTemplateSource found, chat::load_chat_template("model.gguf"));
//   chat::ChatOptions options;
//   options.add_generation_prompt = true;
//   options.bos_token = found.bos_token;
//   options.eos_token = found.eos_token;
//   SINAN_ASSIGN_OR_RETURN(std::string prompt, chat::apply_chat_template(found.source, messages, options));
//
// Messages and tools are nlohmann::ordered_json: parse requests into ordered_json (not nlohmann::json, whose objects
// sort their keys), because templates print tool schemas with tojson in the order the client sent them.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "text/chat/jinja_template.h"

namespace sinan::chat {

struct ChatOptions {
  bool add_generation_prompt = false;
  nlohmann::ordered_json tools;  // a JSON array of tool definitions; null: `tools` stays undefined
  nlohmann::ordered_json vars =
      nlohmann::ordered_json::object();  // extra variables: enable_thinking, thinking...
  std::optional<std::string> bos_token;  // nullopt: the variable stays undefined
  std::optional<std::string> eos_token;
  jinja::RenderLimits limits;
};

// The variables a chat template is rendered with, as Hugging Face passes them: messages, bos_token,
// eos_token, add_generation_prompt, tools, then `vars` (which may override any of them).
nlohmann::ordered_json chat_context(const nlohmann::ordered_json& messages, const ChatOptions& options);

Result<std::string> apply_chat_template(const jinja::Template& tmpl, const nlohmann::ordered_json& messages,
                                        const ChatOptions& options);
Result<std::string> apply_chat_template(std::string_view template_source,
                                        const nlohmann::ordered_json& messages, const ChatOptions& options);

struct ChatTemplateSource {
  std::string source;
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
  std::string origin;  // where the template came from, for messages: "model.gguf: tokenizer.chat_template"
};

// `path` is a .gguf file (tokenizer.chat_template, or tokenizer.chat_template.NAME; bos/eos are the texts of
// tokenizer.ggml.bos_token_id / eos_token_id), a Hugging Face directory (chat_template.jinja, else
// tokenizer_config.json's chat_template: a string or a list of {name, template}; bos_token / eos_token: a
// string or an AddedToken object) or any other file, read as the template itself (no bos/eos). `name` picks a
// named template ("default" is the plain one).
Result<ChatTemplateSource> load_chat_template(const std::string& path, const std::string& name = "default");

}  // namespace sinan::chat
