// Filters and tests (see jinja_builtins.h). The reference picks a filter's behaviour by the operand's type
// first, so the dispatch below does too: the same filter name can mean different things on a list and on a
// string.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "text/chat/jinja_builtins.h"
#include "text/chat/jinja_compare.h"
#include "text/chat/js_text.h"

namespace sinan::jinja {
namespace {

Status unknown_filter(const std::string& name, const Value& operand) {
  return Status::errorf("filter '{}' is not supported on a {}", name, operand.type_name());
}

// Positional argument i, else keyword `name`, else nullptr.
const Value* argument(const CallArgs& args, size_t i, std::string_view name) {
  if (i < args.positional.size()) return &args.positional[i];
  return args.find_keyword(name);
}

Result<bool> bool_argument(const CallArgs& args, size_t i, std::string_view name, bool fallback) {
  const Value* v = argument(args, i, name);
  if (!v) return fallback;
  if (v->kind() != Kind::kBool) return Status::errorf("argument '{}' must be a boolean", name);
  return v->as_bool();
}

// How join writes one element: strings as they are, none and undefined as nothing.
Result<std::string> join_element(const Value& v, size_t max_bytes) {
  if (v.is_none() || v.is_undefined()) return std::string();
  return to_concat_string(v, max_bytes);
}

// JavaScript parseInt(s, 10) / parseFloat(s); nullopt for NaN.
std::optional<double> parse_leading_number(const std::string& s, bool integer) {
  std::string_view t = js::trim(s, true, false);
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  if (!integer && t.substr(i, 8) == "Infinity") return t[0] == '-' ? -INFINITY : INFINITY;
  size_t digits_start = i;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
  size_t int_digits = i - digits_start;
  if (integer) {
    if (int_digits == 0) return std::nullopt;
    return std::strtod(std::string(t.substr(0, i)).c_str(), nullptr);
  }
  size_t frac_digits = 0;
  if (i < t.size() && t[i] == '.') {
    size_t j = i + 1;
    while (j < t.size() && t[j] >= '0' && t[j] <= '9') ++j, ++frac_digits;
    if (int_digits + frac_digits > 0) i = j;
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    size_t j = i + 1;
    if (j < t.size() && (t[j] == '+' || t[j] == '-')) ++j;
    size_t exp_start = j;
    while (j < t.size() && t[j] >= '0' && t[j] <= '9') ++j;
    if (j > exp_start) i = j;
  }
  return std::strtod(std::string(t.substr(0, i)).c_str(), nullptr);
}

// `indent`: prefix every line but the first (unless first) and blank ones (unless blank).
std::string indent_lines(const std::string& text, size_t width, bool first, bool blank) {
  std::string out;
  std::string pad(width, ' ');
  size_t start = 0;
  for (size_t line = 0;; ++line) {
    size_t end = text.find('\n', start);
    std::string_view piece =
        std::string_view(text).substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line > 0) out += '\n';
    if (!((!first && line == 0) || (!blank && piece.empty()))) out += pad;
    out += piece;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

Result<Value> sort_list(const List& items, bool reverse, bool case_sensitive, const Value* attribute) {
  std::vector<std::pair<Value, Value>> keyed;  // (sort key, item)
  for (const Value& item : items) {
    Value key = item;
    if (attribute && !attribute->is_none()) {
      std::string path =
          attribute->is_string() ? attribute->as_string() : js::number_to_string(attribute->as_number());
      key = item;
      size_t start = 0;
      while (true) {
        size_t dot = path.find('.', start);
        std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (key.is_attribute_container()) {
          const Value* v = key.as_dict().find(part);
          key = v ? *v : Value();
        } else if (key.is_list() && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit)) {
          size_t index = std::stoul(part);
          key = index < key.as_list().size() ? key.as_list()[index] : Value();
        } else {
          key = Value();
        }
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
    }
    keyed.emplace_back(key, item);
  }
  Status failure;
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    if (!failure.ok()) return false;
    auto c = compare_values(a.first, b.first, case_sensitive);
    if (!c.ok()) {
      failure = c.status();
      return false;
    }
    return reverse ? *c > 0 : *c < 0;
  });
  SINAN_RETURN_IF_ERROR(failure);
  List out;
  for (auto& [key, item] : keyed) out.push_back(std::move(item));
  return Value::list(std::move(out));
}

Result<Value> select_or_reject(const Value& operand, const Expr& filter, const CallArgs& args) {
  const bool select = filter.name == "selectattr";
  for (const Value& item : operand.as_list()) {
    if (!item.is_attribute_container()) return Status::errorf("{} needs a list of dicts", filter.name);
  }
  for (const Arg& arg : filter.args) {
    if (arg.kind != Arg::Kind::kPositional || arg.value->kind != Expr::Kind::kLiteral ||
        !arg.value->literal.is_string()) {
      return Status::errorf("the arguments of {} must be string literals", filter.name);
    }
  }
  if (args.positional.empty()) return Status::errorf("{} needs an attribute name", filter.name);
  const std::string& attr = args.positional[0].as_string();
  const Value* test_argument = args.positional.size() > 2 ? &args.positional[2] : nullptr;
  List out;
  for (const Value& item : operand.as_list()) {
    const Value* a = item.as_dict().find(attr);
    bool result = false;
    if (a) {
      if (args.positional.size() > 1) {
        SINAN_ASSIGN_OR_RETURN(result, apply_test(args.positional[1].as_string(), *a, test_argument));
      } else {
        result = a->truthy();
      }
    }
    if (result == select) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Result<Value> map_attribute(const Value& operand, const CallArgs& args) {
  const Value* attr = args.find_keyword("attribute");
  if (!attr) return Status::error("map is only supported with attribute=...");
  if (!attr->is_string()) return Status::error("map: attribute must be a string");
  const Value* fallback = args.find_keyword("default");
  List out;
  for (const Value& item : operand.as_list()) {
    if (!item.is_attribute_container()) return Status::error("map(attribute=...) needs a list of dicts");
    Value v = item;
    size_t start = 0;
    const std::string& path = attr->as_string();
    while (true) {
      size_t dot = path.find('.', start);
      std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (v.is_attribute_container()) {
        const Value* found = v.as_dict().find(part);
        v = found ? *found : Value();
      } else if (v.is_list() && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit)) {
        size_t index = std::stoul(part);
        v = index < v.as_list().size() ? v.as_list()[index] : Value();
      } else {
        v = Value();
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    out.push_back(v.is_undefined() && fallback ? *fallback : v);
  }
  return Value::list(std::move(out));
}

Result<Value> tojson_filter(Interpreter& interpreter, const Value& operand, const CallArgs& args) {
  JsonOptions options;
  if (const Value* indent = args.find_keyword("indent"); indent && !indent->is_none()) {
    if (indent->kind() != Kind::kInt) return Status::error("tojson: indent must be an integer");
    if (indent->as_number() < 0 || indent->as_number() > 64)
      return Status::error("tojson: indent out of range");
    options.indent = static_cast<int>(indent->as_number());
  }
  SINAN_ASSIGN_OR_RETURN(options.ensure_ascii,
                         bool_argument(CallArgs{{}, args.keyword}, 99, "ensure_ascii", false));
  SINAN_ASSIGN_OR_RETURN(options.sort_keys,
                         bool_argument(CallArgs{{}, args.keyword}, 99, "sort_keys", false));
  if (const Value* separators = args.find_keyword("separators"); separators && !separators->is_none()) {
    if (!separators->is_list() || separators->as_list().size() != 2 ||
        !separators->as_list()[0].is_string() || !separators->as_list()[1].is_string()) {
      return Status::error("tojson: separators must be two strings");
    }
    options.has_separators = true;
    options.item_separator = separators->as_list()[0].as_string();
    options.key_separator = separators->as_list()[1].as_string();
  }
  SINAN_ASSIGN_OR_RETURN(std::string json, to_json(operand, options, interpreter.limits().max_output_bytes));
  return Value::string(std::move(json));
}

Result<Value> int_or_float(const std::string& name, const Value& operand, const CallArgs& args) {
  const bool integer = name == "int";
  const Value* fallback = argument(args, 0, "default");
  if (operand.is_string()) {
    auto v = parse_leading_number(operand.as_string(), integer);
    if (!v) return fallback ? *fallback : (integer ? Value::integer(0) : Value::floating(0));
    return integer ? Value::integer(*v) : Value::floating(*v);
  }
  if (operand.is_number()) return operand;
  if (operand.kind() == Kind::kBool) {
    return integer ? Value::integer(operand.as_bool()) : Value::floating(operand.as_bool());
  }
  return unknown_filter(name, operand);
}

Result<Value> list_filter(Interpreter& interpreter, const Value& operand, const Expr& filter,
                          const CallArgs& args) {
  const List& items = operand.as_list();
  const std::string& name = filter.name;
  if (!filter.has_args) {
    if (name == "list") return operand;
    if (name == "join") {
      std::string out;
      for (const Value& item : items) {
        SINAN_ASSIGN_OR_RETURN(std::string part, join_element(item, interpreter.limits().max_output_bytes));
        out += part;
        SINAN_RETURN_IF_ERROR(interpreter.check_size(out.size()));
      }
      return Value::string(std::move(out));
    }
    // The reference fails on an empty list here (it has no value to return), so sinan reports it.
    if ((name == "first" || name == "last") && items.empty())
      return Status::errorf("{} of an empty list", name);
    if (name == "first") return items.front();
    if (name == "last") return items.back();
    if (name == "length") return Value::integer(static_cast<double>(items.size()));
    if (name == "reverse") return Value::list(List(items.rbegin(), items.rend()));
    if (name == "sort") return sort_list(items, false, false, nullptr);
    if (name == "string") {
      JsonOptions options;
      options.undefined_as_null = false;
      SINAN_ASSIGN_OR_RETURN(std::string s, to_json(operand, options, interpreter.limits().max_output_bytes));
      return Value::string(std::move(s));
    }
    if (name == "unique") {
      List out;
      for (const Value& item : items) {
        bool seen = false;
        for (const Value& kept : out) seen = seen || strict_equals(kept, item);
        if (!seen) out.push_back(item);
      }
      return Value::list(std::move(out));
    }
  } else {
    if (name == "sort") {
      SINAN_ASSIGN_OR_RETURN(bool reverse, bool_argument(args, 0, "reverse", false));
      SINAN_ASSIGN_OR_RETURN(bool case_sensitive, bool_argument(args, 1, "case_sensitive", false));
      const Value* attribute = argument(args, 2, "attribute");
      if (attribute && !attribute->is_string() && attribute->kind() != Kind::kInt && !attribute->is_none()) {
        return Status::error("sort: attribute must be a string, an integer or none");
      }
      return sort_list(items, reverse, case_sensitive, attribute);
    }
    if (name == "selectattr" || name == "rejectattr") return select_or_reject(operand, filter, args);
    if (name == "map") return map_attribute(operand, args);
  }
  return unknown_filter(name, operand);
}

Result<Value> string_filter(Interpreter& interpreter, const Value& operand, const Expr& filter,
                            const CallArgs& args) {
  const std::string& s = operand.as_string();
  const std::string& name = filter.name;
  if (!filter.has_args) {
    if (name == "length" || name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
      Value method = builtin_attribute(operand, name);
      if (method.kind() == Kind::kInt) return method;
      return method.as_function().call(interpreter, CallArgs{});
    }
    if (name == "trim") return Value::string(std::string(js::trim(s, true, true)));
    if (name == "indent") return Value::string(indent_lines(s, 4, false, false));
    if (name == "join" || name == "string") return operand;
    if (name == "int" || name == "float") return int_or_float(name, operand, args);
  } else {
    if (name == "indent") {
      const Value* width = argument(args, 0, "width");
      if (width && width->kind() != Kind::kInt) return Status::error("indent: width must be an integer");
      double w = width ? width->as_number() : 4;
      if (w < 0 || w > 1024) return Status::error("indent: width out of range");
      const Value* first = argument(args, 1, "first");
      const Value* blank = argument(args, 2, "blank");
      size_t lines = static_cast<size_t>(std::count(s.begin(), s.end(), '\n')) + 1;
      SINAN_RETURN_IF_ERROR(interpreter.check_size(s.size() + lines * static_cast<size_t>(w)));
      return Value::string(
          indent_lines(s, static_cast<size_t>(w), first && first->truthy(), blank && blank->truthy()));
    }
    if (name == "replace") {
      Value method = builtin_attribute(operand, "replace");
      return method.as_function().call(interpreter, args);
    }
  }
  return unknown_filter(name, operand);
}

}  // namespace

Result<Value> apply_filter(Interpreter& interpreter, const Value& operand, const Expr& filter,
                           const CallArgs& args) {
  const std::string& name = filter.name;
  if (name == "safe" && !filter.has_args) return operand;
  if (name == "tojson") {
    if (!filter.has_args) return tojson_filter(interpreter, operand, CallArgs{});
    return tojson_filter(interpreter, operand, args);
  }
  if (filter.has_args) {
    if (name == "join") {
      std::vector<std::string> parts;
      if (operand.is_string()) {
        parts = js::code_points(operand.as_string());
      } else if (operand.is_list()) {
        for (const Value& item : operand.as_list()) {
          SINAN_ASSIGN_OR_RETURN(std::string part, join_element(item, interpreter.limits().max_output_bytes));
          parts.push_back(std::move(part));
        }
      } else {
        return unknown_filter(name, operand);
      }
      const Value* separator = argument(args, 0, "separator");
      if (separator && !separator->is_string()) return Status::error("join: separator must be a string");
      std::string sep = separator ? separator->as_string() : "";
      std::string out;
      for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += sep;
        out += parts[i];
        SINAN_RETURN_IF_ERROR(interpreter.check_size(out.size()));
      }
      return Value::string(std::move(out));
    }
    if (name == "int" || name == "float") return int_or_float(name, operand, args);
    if (name == "default") {
      Value fallback = args.positional.empty() ? Value::string("") : args.positional[0];
      SINAN_ASSIGN_OR_RETURN(bool boolean, bool_argument(args, 1, "boolean", false));
      if (operand.is_undefined() || (boolean && !operand.truthy())) return fallback;
      return operand;
    }
  }
  if (operand.is_list()) return list_filter(interpreter, operand, filter, args);
  if (operand.is_string()) return string_filter(interpreter, operand, filter, args);
  if (filter.has_args && operand.is_dict()) {
    Value method = builtin_attribute(operand, name);
    if (method.kind() != Kind::kFunction) return unknown_filter(name, operand);
    return method.as_function().call(interpreter, args);
  }
  if (filter.has_args) return unknown_filter(name, operand);
  if (operand.is_number()) {
    double v = operand.as_number();
    if (name == "abs")
      return operand.kind() == Kind::kInt ? Value::integer(std::fabs(v)) : Value::floating(std::fabs(v));
    if (name == "int") return Value::integer(std::floor(v));
    if (name == "float") return Value::floating(v);
    if (name == "string") return Value::string(to_output_string(operand).value());  // a number: short
  } else if (operand.is_dict()) {
    if (name == "items" || name == "keys" || name == "values" || name == "dictsort") {
      return builtin_attribute(operand, name).as_function().call(interpreter, CallArgs{});
    }
    if (name == "length") return Value::integer(static_cast<double>(operand.as_dict().size()));
  } else if (operand.kind() == Kind::kBool) {
    bool b = operand.as_bool();
    if (name == "bool") return operand;
    if (name == "int") return Value::integer(b);
    if (name == "float") return Value::floating(b);
    if (name == "string") return Value::string(b ? "true" : "false");
  }
  return unknown_filter(name, operand);
}

Result<bool> apply_test(const std::string& name, const Value& v, const Value* argument) {
  const Kind k = v.kind();
  if (name == "defined") return k != Kind::kUndefined;
  if (name == "undefined") return k == Kind::kUndefined;
  if (name == "none") return k == Kind::kNone;
  if (name == "boolean") return k == Kind::kBool;
  if (name == "true") return k == Kind::kBool && v.as_bool();
  if (name == "false") return k == Kind::kBool && !v.as_bool();
  if (name == "string") return k == Kind::kString;
  if (name == "number") return v.is_number();
  if (name == "integer") return k == Kind::kInt;
  if (name == "callable") return k == Kind::kFunction;
  if (name == "iterable")
    return (k == Kind::kList && !v.is_tuple()) || k == Kind::kString;  // as the reference
  if (name == "mapping") return k == Kind::kDict;
  if (name == "sequence") return k == Kind::kList || k == Kind::kDict || k == Kind::kString;
  if (name == "odd" || name == "even") {
    if (k != Kind::kInt) return Status::errorf("test '{}' needs an integer, not a {}", name, v.type_name());
    bool odd = std::fmod(v.as_number(), 2) != 0;
    return name == "odd" ? odd : !odd;
  }
  if (name == "lower" || name == "upper") {
    if (k != Kind::kString) return false;
    auto mapped = name == "lower" ? js::to_lower(v.as_string()) : js::to_upper(v.as_string());
    if (!mapped) return Status::errorf("test '{}' on text with a capital sigma is not supported", name);
    return *mapped == v.as_string();
  }
  if (name == "equalto" || name == "eq") return strict_equals(v, argument ? *argument : Value());
  return Status::errorf("unknown test '{}'", name);
}

}  // namespace sinan::jinja
