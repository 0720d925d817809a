// A Jinja template as chat templates use it, rendered byte for byte as Hugging Face's JavaScript renderer
// (@huggingface/jinja 0.5.11, the project's reference) renders it, with trim_blocks and lstrip_blocks on.
//
//   SINAN_ASSIGN_OR_RETURN(auto tmpl, jinja::Template::parse(source));
//   SINAN_ASSIGN_OR_RETURN(std::string text, tmpl.render(context));  // context: a JSON object of variables
//
// Where the reference differs from Python's Jinja, sinan follows the reference: booleans print as true/false,
// strip('x') strips whitespace whatever its argument, string length counts UTF-16 units, `~` and `+` on an
// undefined value are errors, JSON numbers that are integral (1.0) are integers. What sinan does not
// implement (include/extends/block, most of Python's filter library) fails with a message naming the template
// line and column. Where the reference's result cannot be reproduced faithfully sinan also fails rather than
// guess: lowercasing a capital sigma (final-sigma rule), tojson(sort_keys=true) on keys outside printable
// ASCII (locale collation), indexing a string that has characters outside the BMP, `first`/`last` of an empty
// list (the reference leaks a JavaScript undefined that fails later or not depending on its use).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "text/chat/jinja_ast.h"
#include "text/chat/jinja_interpreter.h"

namespace sinan::jinja {

class Template {
 public:
  static Result<Template> parse(std::string_view source);

  // Renders with the variables of `context` (a JSON object; numbers, strings, lists and objects as JSON.parse
  // would give them to the reference). Variables named like the globals (true, namespace, range...) are
  // refused.
  Result<std::string> render(const nlohmann::ordered_json& context, const RenderLimits& limits = {}) const;

 private:
  std::shared_ptr<const Block> program_;
};

}  // namespace sinan::jinja
