// `sinan template`: renders a model's chat template over a list of conversations, each with and without the
// generation prompt, as JSON lines. Used to check sinan's renders against Hugging Face's renderer.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "apps/commands.h"
#include "text/chat/chat_template.h"

namespace sinan::apps {
namespace {

struct TemplateArgs {
  std::string model;
  std::string in_path;
  std::string out_path;
  std::optional<std::string> bos;
  std::optional<std::string> eos;
  std::string name = "default";
};

Status run_template(const TemplateArgs& args) {
  SINAN_ASSIGN_OR_RETURN(chat::ChatTemplateSource found, chat::load_chat_template(args.model, args.name));
  auto tmpl = jinja::Template::parse(found.source);
  if (!tmpl.ok()) return tmpl.status().with_context(found.origin);

  std::ifstream in(args.in_path, std::ios::binary);
  if (!in) return Status::errorf("cannot open {}", args.in_path);
  std::stringstream text;
  text << in.rdbuf();
  auto conversations = nlohmann::ordered_json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (conversations.is_discarded()) return Status::errorf("{}: not valid JSON", args.in_path);
  if (!conversations.is_array())
    return Status::errorf("{}: expected a JSON array of conversations", args.in_path);

  chat::ChatOptions base;
  base.bos_token = args.bos ? args.bos : found.bos_token;
  base.eos_token = args.eos ? args.eos : found.eos_token;
  std::string out;
  for (size_t i = 0; i < conversations.size(); ++i) {
    const auto& conversation = conversations[i];
    if (!conversation.is_object() || !conversation.contains("messages")) {
      return Status::errorf("{}: conversation {} has no \"messages\"", args.in_path, i);
    }
    for (bool add_generation_prompt : {false, true}) {
      chat::ChatOptions options = base;
      options.add_generation_prompt = add_generation_prompt;
      if (conversation.contains("tools")) options.tools = conversation["tools"];
      if (conversation.contains("vars")) options.vars = conversation["vars"];
      auto rendered = chat::apply_chat_template(*tmpl, conversation["messages"], options);
      if (!rendered.ok()) {
        return Status::errorf("conversation {} (add_generation_prompt={}): {}", i, add_generation_prompt,
                              rendered.message());
      }
      nlohmann::ordered_json line;
      line["conversation"] = i;
      line["add_generation_prompt"] = add_generation_prompt;
      line["text"] = std::move(*rendered);
      out += line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    }
  }
  std::ofstream file(args.out_path, std::ios::binary);
  if (!file) return Status::errorf("cannot write {}", args.out_path);
  file << out;
  file.close();
  if (!file) return Status::errorf("cannot write {}", args.out_path);
  return Status();
}

}  // namespace

void add_template_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<TemplateArgs>();
  CLI::App* cmd =
      app.add_subcommand("template", "Render a chat template over conversations (JSON lines out)");
  cmd->add_option("TEMPLATE", args->model, "A .jinja file, a .gguf file or a Hugging Face model directory")
      ->required();
  cmd->add_option("--in", args->in_path,
                  "JSON array of {\"messages\": [...], \"vars\": {...}?, \"tools\": [...]?}")
      ->required();
  cmd->add_option("--out", args->out_path,
                  "Output: one JSON line per conversation and add_generation_prompt value")
      ->required();
  cmd->add_option("--bos", args->bos, "bos_token text (default: the model's)");
  cmd->add_option("--eos", args->eos, "eos_token text (default: the model's)");
  cmd->add_option("--name", args->name, "Which named template (default: \"default\")");
  cmd->footer(
      "Each output line is {\"conversation\": i, \"add_generation_prompt\": false|true, \"text\": \"...\"}.\n"
      "Example:\n"
      "  sinan template model.gguf --in conversations.json --out renders.jsonl\n"
      "  sinan template r1.jinja --in conversations.json --out renders.jsonl \\\n"
      "      --bos '<｜begin▁of▁sentence｜>' --eos '<｜end▁of▁sentence｜>'");
  cmd->callback([args, exit_code]() {
    Status status = run_template(*args);
    if (!status.ok()) {
      std::fprintf(stderr, "sinan template: %s\n", status.message().c_str());
      *exit_code = 1;
    }
  });
}

}  // namespace sinan::apps
