#include "text/chat/jinja_template.h"

#include "text/chat/jinja_builtins.h"
#include "text/chat/jinja_lexer.h"
#include "text/chat/jinja_parser.h"

namespace sinan::jinja {

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
