#include "text/chat/jinja_template.h"

#include "text/chat/jinja_builtins.h"
#include "text/chat/jinja_lexer.h"
#include "text/chat/jinja_parser.h"

namespace sinan::jinja {
namespace {

// Rejects contexts nested deeper than the interpreter allows its own values (converting them recurses).
Status check_json_depth(const nlohmann::ordered_json& json) {
  std::vector<std::pair<const nlohmann::ordered_json*, uint32_t>> stack = {{&json, 0}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (depth > Interpreter::kMaxValueDepth) {
      return Status::errorf("template context nested deeper than {} levels", Interpreter::kMaxValueDepth);
    }
    if (node->is_structured()) {
      for (const auto& child : *node) stack.emplace_back(&child, depth + 1);
    }
  }
  return Status();
}

}  // namespace

Result<Template> Template::parse(std::string_view source) {
  SINAN_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(source));
  SINAN_ASSIGN_OR_RETURN(Block program, jinja::parse(tokens));
  Template t;
  t.program_ = std::make_shared<const Block>(std::move(program));
  return t;
}

Result<std::string> Template::render(const nlohmann::ordered_json& context,
                                     const RenderLimits& limits) const {
  if (!context.is_object() && !context.is_null())
    return Status::error("template context must be a JSON object");
  SINAN_RETURN_IF_ERROR(check_json_depth(context));
  auto globals = std::make_shared<Scope>();
  install_globals(globals.get());
  if (context.is_object()) {
    for (const auto& [name, value] : context.items()) {
      if (globals->has_own(name))
        return Status::errorf("template variable '{}' would replace a builtin", name);
      globals->set(name, Value::from_json(value));
    }
  }
  Interpreter interpreter(limits);
  return interpreter.render(*program_, globals);
}

}  // namespace sinan::jinja
