#include "text/chat/chat_template.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/gguf.h"

namespace sinan::chat {

nlohmann::ordered_json chat_context(const nlohmann::ordered_json& messages, const ChatOptions& options) {
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  context["messages"] = messages;
  if (options.bos_token) context["bos_token"] = *options.bos_token;
  if (options.eos_token) context["eos_token"] = *options.eos_token;
  context["add_generation_prompt"] = options.add_generation_prompt;
  if (!options.tools.is_null()) context["tools"] = options.tools;
  if (options.vars.is_object()) {
    for (const auto& [key, value] : options.vars.items()) context[key] = value;
  }
  return context;
}

Result<std::string> apply_chat_template(const jinja::Template& tmpl, const nlohmann::ordered_json& messages,
                                        const ChatOptions& options) {
  if (!messages.is_array()) return Status::error("chat messages must be a JSON array");
  if (!options.vars.is_null() && !options.vars.is_object())
    return Status::error("chat template vars must be an object");
  return tmpl.render(chat_context(messages, options), options.limits);
}

Result<std::string> apply_chat_template(std::string_view template_source,
                                        const nlohmann::ordered_json& messages, const ChatOptions& options) {
  SINAN_ASSIGN_OR_RETURN(jinja::Template tmpl, jinja::Template::parse(template_source));
  return apply_chat_template(tmpl, messages, options);
}

namespace {

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::errorf("cannot open {}", path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::errorf("cannot read {}", path.string());
  return buffer.str();
}

Result<std::optional<std::string>> gguf_token_text(const GgufFile& gguf, const std::string& key) {
  SINAN_ASSIGN_OR_RETURN(std::optional<int64_t> id, gguf.get_int(key));
  if (!id) return std::optional<std::string>();
  const GgufArray* tokens = gguf.get_array("tokenizer.ggml.tokens");
  if (!tokens || tokens->element_type != GgufType::kString) {
    return Status::errorf("{}: {} is set but tokenizer.ggml.tokens is missing", gguf.label(), key);
  }
  if (*id < 0 || static_cast<uint64_t>(*id) >= tokens->strings.size()) {
    return Status::errorf("{}: {} = {} is outside the vocabulary of {} tokens", gguf.label(), key, *id,
                          tokens->strings.size());
  }
  return std::optional<std::string>(tokens->strings[*id]);
}

Result<ChatTemplateSource> load_from_gguf(const std::string& path, const std::string& name) {
  SINAN_ASSIGN_OR_RETURN(GgufFile gguf, GgufFile::open(path));
  ChatTemplateSource out;
  std::string key = name == "default" ? "tokenizer.chat_template" : "tokenizer.chat_template." + name;
  SINAN_ASSIGN_OR_RETURN(std::optional<std::string> source, gguf.get_string(key));
  if (!source) return Status::errorf("{}: no chat template ({} is not set)", path, key);
  out.source = std::move(*source);
  out.origin = path + ": " + key;
  SINAN_ASSIGN_OR_RETURN(out.bos_token, gguf_token_text(gguf, "tokenizer.ggml.bos_token_id"));
  SINAN_ASSIGN_OR_RETURN(out.eos_token, gguf_token_text(gguf, "tokenizer.ggml.eos_token_id"));
  return out;
}

// tokenizer_config.json's bos_token / eos_token: a string, an AddedToken object ({"content": ...}) or null.
Result<std::optional<std::string>> config_token(const nlohmann::json& config, const char* key,
                                                const std::string& label) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::optional<std::string>();
  if (it->is_string()) return std::optional<std::string>(it->get<std::string>());
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
    return std::optional<std::string>((*it)["content"].get<std::string>());
  }
  return Status::errorf("{}: {} must be a string or an object with a \"content\" string", label, key);
}

Result<ChatTemplateSource> load_from_directory(const std::filesystem::path& dir, const std::string& name) {
  ChatTemplateSource out;
  const std::filesystem::path config_path = dir / "tokenizer_config.json";
  nlohmann::json config = nlohmann::json::object();
  if (std::filesystem::exists(config_path)) {
    SINAN_ASSIGN_OR_RETURN(std::string text, read_file(config_path));
    config = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (config.is_discarded() || !config.is_object()) {
      return Status::errorf("{}: not a JSON object", config_path.string());
    }
    SINAN_ASSIGN_OR_RETURN(out.bos_token, config_token(config, "bos_token", config_path.string()));
    SINAN_ASSIGN_OR_RETURN(out.eos_token, config_token(config, "eos_token", config_path.string()));
  }
  const std::filesystem::path jinja_path =
      name == "default" ? dir / "chat_template.jinja" : dir / "additional_chat_templates" / (name + ".jinja");
  if (std::filesystem::exists(jinja_path)) {
    SINAN_ASSIGN_OR_RETURN(out.source, read_file(jinja_path));
    out.origin = jinja_path.string();
    return out;
  }
  auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) {
    return Status::errorf(
        "{}: no chat template (neither chat_template.jinja nor a chat_template in "
        "tokenizer_config.json)",
        dir.string());
  }
  if (it->is_string()) {
    if (name != "default")
      return Status::errorf("{}: has no chat template named '{}'", config_path.string(), name);
    out.source = it->get<std::string>();
  } else if (it->is_array()) {
    bool found = false;
    for (const auto& entry : *it) {
      if (entry.is_object() && entry.value("name", "") == name && entry.contains("template") &&
          entry["template"].is_string()) {
        out.source = entry["template"].get<std::string>();
        found = true;
        break;
      }
    }
    if (!found) return Status::errorf("{}: has no chat template named '{}'", config_path.string(), name);
  } else {
    return Status::errorf("{}: chat_template must be a string or a list of {{name, template}}",
                          config_path.string());
  }
  out.origin = config_path.string() + ": chat_template";
  return out;
}

}  // namespace

Result<ChatTemplateSource> load_chat_template(const std::string& path, const std::string& name) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return load_from_directory(path, name);
  if (!std::filesystem::exists(path, ec)) return Status::errorf("{}: no such file or directory", path);
  if (std::filesystem::path(path).extension() == ".gguf") return load_from_gguf(path, name);
  ChatTemplateSource out;
  SINAN_ASSIGN_OR_RETURN(out.source, read_file(path));
  out.origin = path;
  return out;
}

}  // namespace sinan::chat
