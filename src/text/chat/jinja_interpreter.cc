#include "text/chat/jinja_interpreter.h"

#include <fmt/format.h>

#include <cmath>

#include "text/chat/jinja_builtins.h"
#include "text/chat/js_text.h"

namespace sinan::jinja {

Status error_at(SourcePos pos, const std::string& message) {
  return Status::errorf("template error at {}: {}", describe(pos), message);
}

const Value* Scope::lookup(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent_.get()) {
    auto it = s->vars_.find(name);
    if (it != s->vars_.end()) return &it->second;
  }
  return nullptr;
}

namespace {

// Whether a macro body mentions `kwargs` or `varargs`, which then collect extra arguments instead of
// rejecting them.
void find_special_names(const Expr* e, bool* kwargs, bool* varargs) {
  if (!e) return;
  if (e->kind == Expr::Kind::kIdentifier) {
    if (e->name == "kwargs") *kwargs = true;
    if (e->name == "varargs") *varargs = true;
  }
  for (const auto& item : e->items) find_special_names(item.get(), kwargs, varargs);
  find_special_names(e->a.get(), kwargs, varargs);
  find_special_names(e->b.get(), kwargs, varargs);
  find_special_names(e->c.get(), kwargs, varargs);
  for (const Arg& arg : e->args) find_special_names(arg.value.get(), kwargs, varargs);
}
void find_special_names(const Block& block, bool* kwargs, bool* varargs) {
  for (const auto& s : block) {
    find_special_names(s->expr.get(), kwargs, varargs);
    find_special_names(s->target.get(), kwargs, varargs);
    find_special_names(s->condition.get(), kwargs, varargs);
    for (const Arg& arg : s->params) find_special_names(arg.value.get(), kwargs, varargs);
    find_special_names(s->body, kwargs, varargs);
    find_special_names(s->otherwise, kwargs, varargs);
  }
}

bool numeric_like(const Value& v) {
  return v.is_number() || v.kind() == Kind::kBool;
}
double numeric_value(const Value& v) {
  return v.kind() == Kind::kBool ? (v.as_bool() ? 1 : 0) : v.as_number();
}

}  // namespace

Interpreter::~Interpreter() {
  for (Value& ns : namespaces_) ns.mutable_dict().clear();
}

Status Interpreter::step(SourcePos pos) {
  if (++steps_ > limits_.max_steps) {
    return error_at(
        pos, fmt::format("evaluation step budget of {} exhausted (runaway template?)", limits_.max_steps));
  }
  return Status();
}

Status Interpreter::check_size(size_t size) const {
  if (size > limits_.max_output_bytes) {
    return Status::errorf("template produced a value over the {} byte limit", limits_.max_output_bytes);
  }
  return Status();
}

Status Interpreter::check_depth(const Value& value) const {
  if (value.depth() > kMaxValueDepth) {
    return Status::errorf("values nested deeper than {} levels (runaway template?)", kMaxValueDepth);
  }
  return Status();
}

Status Interpreter::append(std::string* out, const std::string& text) const {
  SINAN_RETURN_IF_ERROR(check_size(out->size() + text.size()));
  *out += text;
  return Status();
}

Result<std::string> Interpreter::render(const Block& program, const ScopePtr& globals) {
  std::string out;
  SINAN_ASSIGN_OR_RETURN(Flow flow, exec_block(program, globals, &out));
  if (flow != Flow::kNormal) return Status::error("template error: break or continue outside a loop");
  return out;
}

Result<Interpreter::Flow> Interpreter::exec_block(const Block& block, const ScopePtr& scope,
                                                  std::string* out) {
  for (const auto& stmt : block) {
    SINAN_ASSIGN_OR_RETURN(Flow flow, exec(*stmt, scope, out));
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

Result<Interpreter::Flow> Interpreter::exec(const Stmt& stmt, const ScopePtr& scope, std::string* out) {
  SINAN_RETURN_IF_ERROR(step(stmt.pos));
  switch (stmt.kind) {
    case Stmt::Kind::kText:
      SINAN_RETURN_IF_ERROR(append(out, stmt.text));
      return Flow::kNormal;
    case Stmt::Kind::kOutput: {
      SINAN_ASSIGN_OR_RETURN(Value value, eval(*stmt.expr, scope));
      if (value.is_none() || value.is_undefined()) return Flow::kNormal;
      auto text = to_output_string(value, limits_.max_output_bytes);
      if (!text.ok()) return error_at(stmt.pos, text.message());
      SINAN_RETURN_IF_ERROR(append(out, *text));
      return Flow::kNormal;
    }
    case Stmt::Kind::kIf: {
      SINAN_ASSIGN_OR_RETURN(Value test, eval(*stmt.condition, scope));
      return exec_block(test.truthy() ? stmt.body : stmt.otherwise, scope, out);
    }
    case Stmt::Kind::kFor:
      return exec_for(stmt, scope, out);
    case Stmt::Kind::kSet:
      SINAN_RETURN_IF_ERROR(exec_set(stmt, scope));
      return Flow::kNormal;
    case Stmt::Kind::kMacro: {
      const Stmt* macro = &stmt;
      scope->set(stmt.text, Value::function(fmt::format("macro '{}'", stmt.text),
                                            [macro](Interpreter& in, const CallArgs& args) -> Result<Value> {
                                              return in.run_macro(*macro, macro->params, macro->body, args,
                                                                  in.call_scope());
                                            }));
      return Flow::kNormal;
    }
    case Stmt::Kind::kCallBlock: {
      const Stmt* block = &stmt;
      ScopePtr defining = scope;
      Value caller = Value::function("caller", [block, defining](Interpreter& in, const CallArgs& args) {
        return in.run_macro(*block, block->params, block->body, args, defining);
      });
      const Expr& call = *stmt.expr;
      SINAN_ASSIGN_OR_RETURN(CallArgs args, eval_args(call.args, scope));
      SINAN_ASSIGN_OR_RETURN(Value callee, eval(*call.a, scope));
      auto with_caller = std::make_shared<Scope>(scope);
      with_caller->set("caller", caller);
      SINAN_ASSIGN_OR_RETURN(Value result, this->call(callee, args, with_caller, stmt.pos));
      if (result.is_none() || result.is_undefined()) return Flow::kNormal;
      SINAN_ASSIGN_OR_RETURN(std::string text, to_output_string(result, limits_.max_output_bytes));
      SINAN_RETURN_IF_ERROR(append(out, text));
      return Flow::kNormal;
    }
    case Stmt::Kind::kFilterBlock: {
      std::string body;
      SINAN_ASSIGN_OR_RETURN(Flow flow, exec_block(stmt.body, scope, &body));
      if (flow != Flow::kNormal) return error_at(stmt.pos, "break or continue inside a filter block");
      SINAN_ASSIGN_OR_RETURN(CallArgs args, eval_args(stmt.expr->args, scope));
      auto filtered = apply_filter(*this, Value::string(std::move(body)), *stmt.expr, args);
      if (!filtered.ok()) return error_at(stmt.pos, filtered.message());
      if (filtered->is_none() || filtered->is_undefined()) return Flow::kNormal;
      SINAN_ASSIGN_OR_RETURN(std::string text, to_output_string(*filtered, limits_.max_output_bytes));
      SINAN_RETURN_IF_ERROR(append(out, text));
      return Flow::kNormal;
    }
    case Stmt::Kind::kBreak:
      return Flow::kBreak;
    case Stmt::Kind::kContinue:
      return Flow::kContinue;
  }
  return Flow::kNormal;
}

Status Interpreter::assign(const Expr& target, const Value& value, const ScopePtr& scope) {
  if (target.kind == Expr::Kind::kIdentifier) {
    scope->set(target.name, value);
    return Status();
  }
  if (target.kind == Expr::Kind::kTuple) {
    if (!value.is_list()) return error_at(target.pos, fmt::format("cannot unpack a {}", value.type_name()));
    const List& items = value.as_list();
    if (items.size() != target.items.size()) {
      return error_at(target.pos, fmt::format("too {} values to unpack (expected {}, got {})",
                                              items.size() < target.items.size() ? "few" : "many",
                                              target.items.size(), items.size()));
    }
    for (size_t i = 0; i < items.size(); ++i) {
      if (target.items[i]->kind != Expr::Kind::kIdentifier) {
        return error_at(target.items[i]->pos, "can only unpack into names");
      }
      scope->set(target.items[i]->name, items[i]);
    }
    return Status();
  }
  return error_at(target.pos, "invalid assignment target");
}

Status Interpreter::exec_set(const Stmt& stmt, const ScopePtr& scope) {
  Value value;
  if (stmt.expr) {
    SINAN_ASSIGN_OR_RETURN(value, eval(*stmt.expr, scope));
  } else {
    std::string body;
    SINAN_ASSIGN_OR_RETURN(Flow flow, exec_block(stmt.body, scope, &body));
    if (flow != Flow::kNormal) return error_at(stmt.pos, "break or continue inside a set block");
    value = Value::string(std::move(body));
  }
  const Expr& target = *stmt.target;
  if (target.kind != Expr::Kind::kMember) return assign(target, value, scope);
  SINAN_ASSIGN_OR_RETURN(Value object, eval(*target.a, scope));
  if (object.kind() != Kind::kNamespace) {
    return error_at(target.pos,
                    fmt::format("cannot set an attribute on a {} (only on a namespace)", object.type_name()));
  }
  if (target.computed || !target.b->literal.is_string()) {
    return error_at(target.pos, "namespace attributes are set with ns.name = value");
  }
  object.mutable_dict().set(target.b->literal.as_string(), value);
  SINAN_RETURN_IF_ERROR(
      check_depth(object).with_context(fmt::format("template error at {}", describe(stmt.pos))));
  return Status();
}

Result<Interpreter::Flow> Interpreter::exec_for(const Stmt& stmt, const ScopePtr& parent, std::string* out) {
  auto scope = std::make_shared<Scope>(parent);
  SINAN_ASSIGN_OR_RETURN(Value iterable, eval(*stmt.expr, scope));
  List all;
  if (iterable.is_dict()) {
    for (const auto& item : iterable.as_dict().items()) all.push_back(Value::string(item.first));
  } else if (iterable.is_list()) {
    all = iterable.as_list();
  } else {
    return error_at(stmt.expr->pos, fmt::format("cannot loop over a {}", iterable.type_name()));
  }
  List items;
  if (stmt.condition) {
    for (const Value& item : all) {
      auto item_scope = std::make_shared<Scope>(scope);
      SINAN_RETURN_IF_ERROR(assign(*stmt.target, item, item_scope));
      SINAN_ASSIGN_OR_RETURN(Value keep, eval(*stmt.condition, item_scope));
      if (keep.truthy()) items.push_back(item);
    }
  } else {
    items = std::move(all);
  }
  // Like the reference: the else block runs unless some iteration finished normally (break in the first
  // iteration or continue in all of them leave it to run).
  bool no_iteration = true;
  const double n = static_cast<double>(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    SINAN_RETURN_IF_ERROR(step(stmt.pos));
    const double k = static_cast<double>(i);
    Dict loop;
    loop.set("index", Value::integer(k + 1));
    loop.set("index0", Value::integer(k));
    loop.set("revindex", Value::integer(n - k));
    loop.set("revindex0", Value::integer(n - k - 1));
    loop.set("first", Value::boolean(i == 0));
    loop.set("last", Value::boolean(i + 1 == items.size()));
    loop.set("length", Value::integer(n));
    loop.set("previtem", i > 0 ? items[i - 1] : Value());
    loop.set("nextitem", i + 1 < items.size() ? items[i + 1] : Value());
    scope->set("loop", Value::dict(std::move(loop)));
    SINAN_RETURN_IF_ERROR(assign(*stmt.target, items[i], scope));
    SINAN_ASSIGN_OR_RETURN(Flow flow, exec_block(stmt.body, scope, out));
    if (flow == Flow::kContinue) continue;
    if (flow == Flow::kBreak) break;
    no_iteration = false;
  }
  if (no_iteration) {
    SINAN_ASSIGN_OR_RETURN(Flow flow, exec_block(stmt.otherwise, scope, out));
    if (flow != Flow::kNormal) return error_at(stmt.pos, "break or continue in a for loop's else block");
  }
  return Flow::kNormal;
}

Result<Value> Interpreter::run_macro(const Stmt& macro, const std::vector<Arg>& params, const Block& body,
                                     const CallArgs& args, const ScopePtr& parent) {
  auto scope = std::make_shared<Scope>(parent);
  std::vector<std::pair<std::string, Value>> keywords = args.keyword;
  std::vector<const Arg*> pending_defaults;
  for (size_t i = 0; i < params.size(); ++i) {
    const Arg& param = params[i];
    Value value;
    bool given = false;
    if (i < args.positional.size()) {
      value = args.positional[i];
      given = true;
    } else {
      for (auto it = keywords.begin(); it != keywords.end(); ++it) {
        if (it->first == param.name) {
          value = it->second;
          given = true;
          keywords.erase(it);
          break;
        }
      }
    }
    if (!given && param.value) pending_defaults.push_back(&param);
    scope->set(param.name, value);
  }
  bool wants_kwargs = false, wants_varargs = false;
  find_special_names(body, &wants_kwargs, &wants_varargs);
  const std::string name =
      macro.kind == Stmt::Kind::kMacro ? fmt::format("macro '{}'", macro.text) : "caller";
  if (wants_kwargs) {
    Dict extra;
    for (auto& [key, value] : keywords) extra.set(key, value);
    scope->set("kwargs", Value::dict(std::move(extra)));
  } else if (!keywords.empty()) {
    return error_at(macro.pos,
                    fmt::format("{} takes no keyword argument '{}'", name, keywords.front().first));
  }
  if (wants_varargs) {
    List extra;
    for (size_t i = params.size(); i < args.positional.size(); ++i) extra.push_back(args.positional[i]);
    scope->set("varargs", Value::list(std::move(extra)));
  } else if (args.positional.size() > params.size()) {
    return error_at(macro.pos, fmt::format("{} takes at most {} argument(s)", name, params.size()));
  }
  for (const Arg* param : pending_defaults) {
    SINAN_ASSIGN_OR_RETURN(Value value, eval(*param->value, scope));
    scope->set(param->name, value);
  }
  std::string out;
  SINAN_ASSIGN_OR_RETURN(Flow flow, exec_block(body, scope, &out));
  if (flow != Flow::kNormal) return error_at(macro.pos, "break or continue outside a loop in a macro");
  return Value::string(std::move(out));
}

Result<Value> Interpreter::call(const Value& function, const CallArgs& args, const ScopePtr& scope,
                                SourcePos pos) {
  if (function.kind() != Kind::kFunction) {
    return error_at(pos, fmt::format("cannot call a {} (not a function)", function.type_name()));
  }
  if (call_depth_ >= limits_.max_call_depth) {
    return error_at(pos,
                    fmt::format("calls nested deeper than {} (runaway recursion?)", limits_.max_call_depth));
  }
  ++call_depth_;
  ScopePtr saved = call_scope_;
  call_scope_ = scope;
  auto result = function.as_function().call(*this, args);
  call_scope_ = saved;
  --call_depth_;
  if (!result.ok() && result.message().rfind("template error", 0) != 0)
    return error_at(pos, result.message());
  return result;
}

Result<CallArgs> Interpreter::eval_args(const std::vector<Arg>& args, const ScopePtr& scope) {
  CallArgs out;
  for (const Arg& arg : args) {
    if (arg.kind == Arg::Kind::kPositional) {
      SINAN_ASSIGN_OR_RETURN(Value v, eval(*arg.value, scope));
      out.positional.push_back(std::move(v));
    } else if (arg.kind == Arg::Kind::kSpread) {
      SINAN_ASSIGN_OR_RETURN(Value v, eval(*arg.value, scope));
      if (!v.is_list())
        return error_at(arg.value->pos, fmt::format("cannot unpack a {} with *", v.type_name()));
      for (const Value& item : v.as_list()) out.positional.push_back(item);
    }
  }
  auto add_keyword = [&](const std::string& key, Value v, SourcePos pos) -> Status {
    if (out.find_keyword(key)) return error_at(pos, fmt::format("keyword argument '{}' given twice", key));
    out.keyword.emplace_back(key, std::move(v));
    return Status();
  };
  for (const Arg& arg : args) {
    if (arg.kind == Arg::Kind::kKeyword) {
      SINAN_ASSIGN_OR_RETURN(Value v, eval(*arg.value, scope));
      SINAN_RETURN_IF_ERROR(add_keyword(arg.name, std::move(v), arg.value->pos));
    } else if (arg.kind == Arg::Kind::kKeywordSpread) {
      SINAN_ASSIGN_OR_RETURN(Value v, eval(*arg.value, scope));
      if (!v.is_dict())
        return error_at(arg.value->pos, fmt::format("** needs a mapping, not a {}", v.type_name()));
      for (const auto& [key, item] : v.as_dict().items()) {
        SINAN_RETURN_IF_ERROR(add_keyword(key, item, arg.value->pos));
      }
    }
  }
  return out;
}

Result<Value> Interpreter::eval(const Expr& expr, const ScopePtr& scope) {
  SINAN_RETURN_IF_ERROR(step(expr.pos));
  switch (expr.kind) {
    case Expr::Kind::kLiteral:
      return expr.literal;
    case Expr::Kind::kIdentifier: {
      const Value* v = scope->lookup(expr.name);
      return v ? *v : Value();
    }
    case Expr::Kind::kList:
    case Expr::Kind::kTuple: {
      List items;
      for (const auto& item : expr.items) {
        SINAN_ASSIGN_OR_RETURN(Value v, eval(*item, scope));
        items.push_back(std::move(v));
      }
      Value list =
          expr.kind == Expr::Kind::kTuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
      if (Status s = check_depth(list); !s.ok()) return error_at(expr.pos, s.message());
      return list;
    }
    case Expr::Kind::kDict: {
      Dict d;
      for (size_t i = 0; i + 1 < expr.items.size(); i += 2) {
        SINAN_ASSIGN_OR_RETURN(Value key, eval(*expr.items[i], scope));
        if (!key.is_string()) {
          return error_at(expr.items[i]->pos,
                          fmt::format("dict keys must be strings, not {}", key.type_name()));
        }
        SINAN_ASSIGN_OR_RETURN(Value value, eval(*expr.items[i + 1], scope));
        d.set(key.as_string(), std::move(value));
      }
      Value dict = Value::dict(std::move(d));
      if (Status s = check_depth(dict); !s.ok()) return error_at(expr.pos, s.message());
      return dict;
    }
    case Expr::Kind::kMember:
      return eval_member(expr, scope);
    case Expr::Kind::kCall: {
      SINAN_ASSIGN_OR_RETURN(CallArgs args, eval_args(expr.args, scope));
      SINAN_ASSIGN_OR_RETURN(Value callee, eval(*expr.a, scope));
      return call(callee, args, scope, expr.pos);
    }
    case Expr::Kind::kUnary: {
      SINAN_ASSIGN_OR_RETURN(Value operand, eval(*expr.a, scope));
      if (expr.name == "not") return Value::boolean(!operand.truthy());
      if (!numeric_like(operand)) {
        return error_at(expr.pos, fmt::format("unary {} on a {}", expr.name, operand.type_name()));
      }
      double v = (expr.name == "-" ? -1.0 : 1.0) * numeric_value(operand);
      return operand.kind() == Kind::kFloat ? Value::floating(v) : Value::integer(v);
    }
    case Expr::Kind::kBinary:
      return eval_binary(expr, scope);
    case Expr::Kind::kFilter: {
      if (expr.trailing_access) {
        return error_at(expr.pos, "member access or call directly after filter arguments is not supported");
      }
      SINAN_ASSIGN_OR_RETURN(Value operand, eval(*expr.a, scope));
      SINAN_ASSIGN_OR_RETURN(CallArgs args, eval_args(expr.args, scope));
      auto result = apply_filter(*this, operand, expr, args);
      if (!result.ok() && result.message().rfind("template error", 0) != 0) {
        return error_at(expr.pos, result.message());
      }
      return result;
    }
    case Expr::Kind::kTest: {
      SINAN_ASSIGN_OR_RETURN(Value operand, eval(*expr.a, scope));
      auto result = apply_test(expr.name, operand, nullptr);
      if (!result.ok()) return error_at(expr.pos, result.message());
      return Value::boolean(*result != expr.negate);
    }
    case Expr::Kind::kTernary: {
      SINAN_ASSIGN_OR_RETURN(Value condition, eval(*expr.a, scope));
      if (condition.truthy()) return eval(*expr.b, scope);
      if (!expr.c) return Value();
      return eval(*expr.c, scope);
    }
  }
  return Value();
}

Result<Value> Interpreter::eval_slice(const Value& object, const Expr& expr, const ScopePtr& scope) {
  if (!object.is_list() && !object.is_string()) {
    return error_at(expr.pos, fmt::format("cannot slice a {}", object.type_name()));
  }
  std::optional<double> parts[3];
  const Expr* exprs[3] = {expr.b.get(), expr.c.get(), expr.items[0].get()};
  for (int k = 0; k < 3; ++k) {
    if (!exprs[k]) continue;
    SINAN_ASSIGN_OR_RETURN(Value v, eval(*exprs[k], scope));
    if (v.is_undefined()) continue;
    if (v.kind() != Kind::kInt) return error_at(exprs[k]->pos, "slice bounds must be integers");
    parts[k] = v.as_number();
  }
  std::vector<std::string> chars;
  if (object.is_string()) chars = js::code_points(object.as_string());
  const double length = object.is_list() ? static_cast<double>(object.as_list().size()) : chars.size();
  const double step = parts[2].value_or(1);
  const double direction = step > 0 ? 1 : step < 0 ? -1 : 0;
  double start, stop;
  if (direction >= 0) {
    start = parts[0].value_or(0);
    start = start < 0 ? std::max(length + start, 0.0) : std::min(start, length);
    stop = parts[1].value_or(length);
    stop = stop < 0 ? std::max(length + stop, 0.0) : std::min(stop, length);
  } else {
    start = parts[0].value_or(length - 1);
    start = start < 0 ? std::max(length + start, -1.0) : std::min(start, length - 1);
    stop = parts[1].value_or(-1);
    stop = stop < -1 ? std::max(length + stop, -1.0) : std::min(stop, length - 1);
  }
  List items;
  std::string text;
  if (direction != 0) {
    for (double i = start; direction * i < direction * stop; i += step) {
      size_t index = static_cast<size_t>(i);
      if (object.is_list()) {
        items.push_back(object.as_list()[index]);
      } else {
        text += chars[index];
      }
    }
  }
  if (object.is_list()) return Value::list(std::move(items));
  return Value::string(std::move(text));
}

Result<Value> Interpreter::eval_member(const Expr& expr, const ScopePtr& scope) {
  SINAN_ASSIGN_OR_RETURN(Value object, eval(*expr.a, scope));
  if (expr.is_slice) return eval_slice(object, expr, scope);
  Value property;
  if (expr.computed) {
    SINAN_ASSIGN_OR_RETURN(property, eval(*expr.b, scope));
  } else {
    property = expr.b->literal;
  }
  if (object.is_attribute_container()) {
    if (!property.is_string()) {
      return error_at(expr.pos,
                      fmt::format("cannot index a {} with a {}", object.type_name(), property.type_name()));
    }
    if (const Value* v = object.as_dict().find(property.as_string())) return *v;
    if (object.is_dict()) return builtin_attribute(object, property.as_string());
    return Value();
  }
  if (object.is_list() || object.is_string()) {
    if (property.kind() == Kind::kInt) {
      double index = property.as_number();
      if (object.is_list()) {
        const List& items = object.as_list();
        double n = static_cast<double>(items.size());
        if (index < 0) index += n;
        if (index < 0 || index >= n) return Value();
        return items[static_cast<size_t>(index)];
      }
      const std::string& s = object.as_string();
      if (js::utf16_length(s) != js::code_points(s).size()) {
        return error_at(expr.pos, "indexing a string with characters outside the BMP is not supported");
      }
      std::vector<std::string> chars = js::code_points(s);
      double n = static_cast<double>(chars.size());
      if (index < 0) index += n;
      if (index < 0 || index >= n) return Value();
      return Value::string(chars[static_cast<size_t>(index)]);
    }
    if (property.is_string()) return builtin_attribute(object, property.as_string());
    return error_at(expr.pos,
                    fmt::format("cannot index a {} with a {}", object.type_name(), property.type_name()));
  }
  if (!property.is_string()) {
    return error_at(expr.pos,
                    fmt::format("cannot index a {} with a {}", object.type_name(), property.type_name()));
  }
  return Value();  // attributes of none, undefined, numbers and booleans are undefined
}

Result<Value> Interpreter::eval_binary(const Expr& expr, const ScopePtr& scope) {
  const std::string& op = expr.name;
  SINAN_ASSIGN_OR_RETURN(Value left, eval(*expr.a, scope));
  if (op == "and") return left.truthy() ? eval(*expr.b, scope) : left;
  if (op == "or") return left.truthy() ? left : eval(*expr.b, scope);
  SINAN_ASSIGN_OR_RETURN(Value right, eval(*expr.b, scope));
  auto fail = [&](const std::string& message) { return error_at(expr.pos, message); };
  if (op == "==" || op == "!=") {
    auto equal = loose_equals(left, right);
    if (!equal.ok()) return fail(equal.message());
    return Value::boolean(*equal == (op == "=="));
  }
  if (left.is_undefined() || right.is_undefined()) {
    if (right.is_undefined() && (op == "in" || op == "not in")) return Value::boolean(op == "not in");
    return fail(fmt::format("cannot apply {} to an undefined value", op));
  }
  if (left.is_none() || right.is_none()) return fail(fmt::format("cannot apply {} to none", op));
  auto concat = [&]() -> Result<Value> {
    auto a = to_concat_string(left, limits_.max_output_bytes);
    if (!a.ok()) return fail(a.message());
    auto b = to_concat_string(right, limits_.max_output_bytes);
    if (!b.ok()) return fail(b.message());
    SINAN_RETURN_IF_ERROR(check_size(a->size() + b->size()));
    return Value::string(*a + *b);
  };
  if (op == "~") return concat();
  if (op == "**" && numeric_like(left) && numeric_like(right)) {
    double a = numeric_value(left), b = numeric_value(right);
    if (a == 0 && b < 0) return fail("0 cannot be raised to a negative power");
    double r = std::pow(a, b);
    if (!std::isfinite(r)) return fail("exponentiation result is not a finite number");
    bool is_float = left.kind() == Kind::kFloat || right.kind() == Kind::kFloat || b < 0;
    return is_float ? Value::floating(r) : Value::integer(r);
  }
  if (left.is_number() && right.is_number()) {
    double a = left.as_number(), b = right.as_number();
    bool is_float = left.kind() == Kind::kFloat || right.kind() == Kind::kFloat;
    // JavaScript arithmetic: division by zero gives Infinity or NaN, which print as such.
    auto number = [&](double r) -> Result<Value> {
      return is_float ? Value::floating(r) : Value::integer(r);
    };
    if (op == "+") return number(a + b);
    if (op == "-") return number(a - b);
    if (op == "*") return number(a * b);
    if (op == "/") return Value::floating(a / b);
    if (op == "//") return number(std::floor(a / b));
    if (op == "%") return number(std::fmod(a, b));
    if (op == "<") return Value::boolean(a < b);
    if (op == ">") return Value::boolean(a > b);
    if (op == "<=") return Value::boolean(a <= b);
    if (op == ">=") return Value::boolean(a >= b);
  } else if (left.is_list() && right.is_list()) {
    if (op == "+") {
      SINAN_RETURN_IF_ERROR(check_size(left.as_list().size() + right.as_list().size()));
      List items = left.as_list();
      items.insert(items.end(), right.as_list().begin(), right.as_list().end());
      Value list = Value::list(std::move(items));
      if (Status s = check_depth(list); !s.ok()) return fail(s.message());
      return list;
    }
  } else if (right.is_list() && (op == "in" || op == "not in")) {
    bool found = false;
    for (const Value& item : right.as_list()) {
      if (strict_equals(item, left)) {
        found = true;
        break;
      }
    }
    return Value::boolean(found == (op == "in"));
  }
  if ((left.is_string() || right.is_string()) && op == "+") return concat();
  if (left.is_string() && right.is_string() && (op == "in" || op == "not in")) {
    bool found = right.as_string().find(left.as_string()) != std::string::npos;
    return Value::boolean(found == (op == "in"));
  }
  if (left.is_string() && right.is_dict() && (op == "in" || op == "not in")) {
    bool found = right.as_dict().find(left.as_string()) != nullptr;
    return Value::boolean(found == (op == "in"));
  }
  return fail(fmt::format("operator {} is not supported between a {} and a {}", op, left.type_name(),
                          right.type_name()));
}

}  // namespace sinan::jinja
