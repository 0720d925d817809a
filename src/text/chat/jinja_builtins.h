// What templates can call without defining it: filters (`x | trim`), tests (`x is defined`), methods of
// strings and dicts (`s.split(',')`, `d.get('k')`) and the global functions (namespace, range,
// raise_exception, strftime_now). Each follows the reference renderer's behaviour; whatever it does not offer
// is an error naming the filter, test or method.
#pragma once

#include <string>

#include "core/status.h"
#include "text/chat/jinja_ast.h"
#include "text/chat/jinja_interpreter.h"
#include "text/chat/jinja_value.h"

namespace sinan::jinja {

// Applies `filter` (a kFilter expression whose arguments are already evaluated into `args`) to `operand`.
Result<Value> apply_filter(Interpreter& interpreter, const Value& operand, const Expr& filter,
                           const CallArgs& args);

// `operand is name`; `argument` only for the tests selectattr passes one to (equalto, eq).
Result<bool> apply_test(const std::string& name, const Value& operand, const Value* argument);

// The builtin attribute `name` of a string, list or dict (a bound method, or a string's or list's length);
// undefined when there is none.
Value builtin_attribute(const Value& object, const std::string& name);

// Defines true/false/none (and True/False/None), namespace, range, raise_exception and strftime_now.
void install_globals(Scope* scope);

}  // namespace sinan::jinja
