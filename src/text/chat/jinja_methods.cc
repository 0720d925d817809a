// Methods of strings, lists and dicts, and the global functions (see jinja_builtins.h).
#include <fmt/format.h>

#include <cmath>
#include <ctime>

#include "text/chat/jinja_builtins.h"
#include "text/chat/jinja_compare.h"
#include "text/chat/js_text.h"

namespace sinan::jinja {
namespace {

constexpr double kMaxRangeLength = 1e6;

Status no_keywords(const CallArgs& args, std::string_view method) {
  if (!args.keyword.empty()) {
    return Status::errorf("{}() does not take keyword argument '{}'", method, args.keyword.front().first);
  }
  return Status();
}

Value method(const std::string& name, NativeFunction call) {
  return Value::function(fmt::format("method '{}'", name), std::move(call));
}

Result<std::string> case_mapped(const std::string& s, bool upper, std::string_view what) {
  auto mapped = upper ? js::to_upper(s) : js::to_lower(s);
  if (!mapped)
    return Status::errorf("{} of text with a capital sigma (final-sigma rule) is not supported", what);
  return *mapped;
}

bool is_ascii_word(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// /\b\w/g uppercased: the first ASCII word character after a non-word one; the rest is left as it is.
std::string title_case(const std::string& s) {
  std::string out = s;
  bool previous_word = false;
  for (char& ch : out) {
    unsigned char c = static_cast<unsigned char>(ch);
    bool word = is_ascii_word(c);
    if (word && !previous_word && c >= 'a' && c <= 'z') ch = static_cast<char>(c - 32);
    previous_word = word;
  }
  return out;
}

Result<std::string> replace_text(Interpreter& in, const std::string& s, const std::string& old_text,
                                 const std::string& new_text, double count) {
  if (count == 0) return s;
  double remaining = count < 0 ? INFINITY : count;
  std::string out;
  if (old_text.empty()) {
    // The empty pattern matches before every code point and at the end.
    for (size_t i = 0; i <= s.size();) {
      if (remaining > 0) {
        out += new_text;
        --remaining;
      }
      if (i == s.size()) break;
      size_t next = i;
      js::next_code_point(s, &next);
      out.append(s, i, next - i);
      i = next;
      SINAN_RETURN_IF_ERROR(in.check_size(out.size()));
    }
    return out;
  }
  size_t pos = 0;
  while (remaining > 0) {
    size_t found = s.find(old_text, pos);
    if (found == std::string::npos) break;
    out.append(s, pos, found - pos);
    out += new_text;
    SINAN_RETURN_IF_ERROR(in.check_size(out.size()));
    pos = found + old_text.size();
    --remaining;
  }
  out.append(s, pos, std::string::npos);
  return out;
}

Value string_method(const Value& self, const std::string& name) {
  const std::string& s = self.as_string();
  if (name == "length") return Value::integer(static_cast<double>(js::utf16_length(s)));
  if (name == "upper" || name == "lower") {
    return method(name, [self, name](Interpreter&, const CallArgs&) -> Result<Value> {
      SINAN_ASSIGN_OR_RETURN(std::string out, case_mapped(self.as_string(), name == "upper", name));
      return Value::string(std::move(out));
    });
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    // Like the reference, any characters argument is ignored: all JavaScript whitespace is stripped.
    return method(name, [self, name](Interpreter&, const CallArgs&) -> Result<Value> {
      return Value::string(std::string(js::trim(self.as_string(), name != "rstrip", name != "lstrip")));
    });
  }
  if (name == "title") {
    return method(name, [self](Interpreter&, const CallArgs&) -> Result<Value> {
      return Value::string(title_case(self.as_string()));
    });
  }
  if (name == "capitalize") {
    return method(name, [self](Interpreter&, const CallArgs&) -> Result<Value> {
      const std::string& text = self.as_string();
      if (text.empty()) return self;
      size_t first_end = 0;
      // charAt(0) is one UTF-16 unit: a character outside the BMP is half of one and stays as it is.
      if (js::next_code_point(text, &first_end) >= 0x10000) return self;
      SINAN_ASSIGN_OR_RETURN(std::string first, case_mapped(text.substr(0, first_end), true, "capitalize"));
      return Value::string(first + text.substr(first_end));
    });
  }
  if (name == "startswith" || name == "endswith") {
    return method(name, [self, name](Interpreter&, const CallArgs& args) -> Result<Value> {
      SINAN_RETURN_IF_ERROR(no_keywords(args, name));
      if (args.positional.empty()) return Status::errorf("{}() needs an argument", name);
      const std::string& text = self.as_string();
      auto matches = [&](const std::string& affix) {
        if (affix.size() > text.size()) return false;
        return name == "startswith" ? text.compare(0, affix.size(), affix) == 0
                                    : text.compare(text.size() - affix.size(), affix.size(), affix) == 0;
      };
      const Value& pattern = args.positional[0];
      if (pattern.is_string()) return Value::boolean(matches(pattern.as_string()));
      if (pattern.is_list()) {
        for (const Value& item : pattern.as_list()) {
          if (!item.is_string()) return Status::errorf("{}() tuple elements must be strings", name);
          if (matches(item.as_string())) return Value::boolean(true);
        }
        return Value::boolean(false);
      }
      return Status::errorf("{}() argument must be a string or a tuple of strings", name);
    });
  }
  if (name == "split") {
    return method(name, [self](Interpreter&, const CallArgs& args) -> Result<Value> {
      SINAN_RETURN_IF_ERROR(no_keywords(args, "split"));
      Value sep = args.positional.size() > 0 ? args.positional[0] : Value::none();
      if (!sep.is_string() && !sep.is_none())
        return Status::error("split(): separator must be a string or none");
      double maxsplit = -1;
      if (args.positional.size() > 1) {
        if (args.positional[1].kind() != Kind::kInt)
          return Status::error("split(): maxsplit must be an integer");
        maxsplit = args.positional[1].as_number();
        if (maxsplit < -1) return Status::error("split(): maxsplit below -1 is not supported");
      }
      List out;
      const std::string& text = self.as_string();
      if (sep.is_none()) {
        for (auto& word : js::split_whitespace(text, static_cast<int64_t>(maxsplit))) {
          out.push_back(Value::string(std::move(word)));
        }
        return Value::list(std::move(out));
      }
      const std::string& separator = sep.as_string();
      if (separator.empty()) return Status::error("split(): empty separator");
      size_t start = 0;
      while (true) {
        size_t found = text.find(separator, start);
        if (found == std::string::npos || (maxsplit >= 0 && out.size() >= maxsplit)) {
          out.push_back(Value::string(text.substr(start)));
          break;
        }
        out.push_back(Value::string(text.substr(start, found - start)));
        start = found + separator.size();
      }
      return Value::list(std::move(out));
    });
  }
  if (name == "replace") {
    return method(name, [self](Interpreter& in, const CallArgs& args) -> Result<Value> {
      if (args.positional.size() < 2) return Status::error("replace() needs two arguments");
      const Value& old_text = args.positional[0];
      const Value& new_text = args.positional[1];
      if (!old_text.is_string() || !new_text.is_string())
        return Status::error("replace() arguments must be strings");
      const Value* count = args.positional.size() > 2 ? &args.positional[2] : args.find_keyword("count");
      double n = -1;
      if (count && !count->is_none()) {
        if (count->kind() != Kind::kInt) return Status::error("replace() count must be an integer or none");
        n = count->as_number();
      }
      SINAN_ASSIGN_OR_RETURN(
          std::string out, replace_text(in, self.as_string(), old_text.as_string(), new_text.as_string(), n));
      return Value::string(std::move(out));
    });
  }
  return Value();
}

Value dict_method(const Value& self, const std::string& name) {
  if (name == "get") {
    return method(name, [self](Interpreter&, const CallArgs& args) -> Result<Value> {
      SINAN_RETURN_IF_ERROR(no_keywords(args, "get"));
      if (args.positional.empty() || !args.positional[0].is_string()) {
        return Status::error("get(): the key must be a string");
      }
      if (const Value* v = self.as_dict().find(args.positional[0].as_string())) return *v;
      return args.positional.size() > 1 ? args.positional[1] : Value::none();
    });
  }
  if (name == "items" || name == "keys" || name == "values") {
    return method(name, [self, name](Interpreter&, const CallArgs&) -> Result<Value> {
      List out;
      for (const auto& [key, value] : self.as_dict().items()) {
        if (name == "items") {
          out.push_back(Value::list({Value::string(key), value}));
        } else {
          out.push_back(name == "keys" ? Value::string(key) : value);
        }
      }
      return Value::list(std::move(out));
    });
  }
  if (name == "dictsort") {
    return method(name, [self](Interpreter&, const CallArgs& args) -> Result<Value> {
      auto arg = [&](size_t i, std::string_view key) -> const Value* {
        return i < args.positional.size() ? &args.positional[i] : args.find_keyword(key);
      };
      const Value* case_sensitive = arg(0, "case_sensitive");
      const Value* by = arg(1, "by");
      const Value* reverse = arg(2, "reverse");
      if ((case_sensitive && case_sensitive->kind() != Kind::kBool) ||
          (reverse && reverse->kind() != Kind::kBool)) {
        return Status::error("dictsort(): case_sensitive and reverse must be booleans");
      }
      if (by && !(by->is_string() && (by->as_string() == "key" || by->as_string() == "value"))) {
        return Status::error("dictsort(): by must be 'key' or 'value'");
      }
      const size_t index = by && by->as_string() == "value" ? 1 : 0;
      const bool sensitive = case_sensitive && case_sensitive->as_bool();
      const bool descending = reverse && reverse->as_bool();
      List items;
      for (const auto& [key, value] : self.as_dict().items())
        items.push_back(Value::list({Value::string(key), value}));
      Status failure;
      std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
        if (!failure.ok()) return false;
        auto c = compare_values(a.as_list()[index], b.as_list()[index], sensitive);
        if (!c.ok()) {
          failure = c.status();
          return false;
        }
        return descending ? *c > 0 : *c < 0;
      });
      SINAN_RETURN_IF_ERROR(failure);
      return Value::list(std::move(items));
    });
  }
  return Value();
}

std::string strftime_now(const std::string& format) {
  static const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                  "July",    "August",   "September", "October", "November", "December"};
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 >= format.size()) {
      out += format[i];
      continue;
    }
    char f = format[++i];
    switch (f) {
      case 'Y':
        out += fmt::format("{}", local.tm_year + 1900);
        break;
      case 'm':
        out += fmt::format("{:02}", local.tm_mon + 1);
        break;
      case 'd':
        out += fmt::format("{:02}", local.tm_mday);
        break;
      case 'b':
        out += std::string(kMonths[local.tm_mon]).substr(0, 3);
        break;
      case 'B':
        out += kMonths[local.tm_mon];
        break;
      case 'H':
        out += fmt::format("{:02}", local.tm_hour);
        break;
      case 'M':
        out += fmt::format("{:02}", local.tm_min);
        break;
      case '%':
        out += '%';
        break;
      default:
        out += '%', out += f;
    }
  }
  return out;
}

}  // namespace

Value builtin_attribute(const Value& object, const std::string& name) {
  if (object.is_string()) return string_method(object, name);
  if (object.is_dict()) return dict_method(object, name);
  if (object.is_list() && name == "length")
    return Value::integer(static_cast<double>(object.as_list().size()));
  return Value();
}

void install_globals(Scope* scope) {
  scope->set("true", Value::boolean(true));
  scope->set("false", Value::boolean(false));
  scope->set("none", Value::none());
  scope->set("True", Value::boolean(true));
  scope->set("False", Value::boolean(false));
  scope->set("None", Value::none());
  scope->set("namespace",
             Value::function("namespace", [](Interpreter& in, const CallArgs& args) -> Result<Value> {
               if (args.positional.size() > 1)
                 return Status::error("namespace() takes at most one positional argument");
               Dict entries;
               if (!args.positional.empty()) {
                 const Value& source = args.positional[0];
                 if (source.is_dict()) {
                   for (const auto& [key, value] : source.as_dict().items()) entries.set(key, value);
                 } else if (source.is_list()) {
                   for (const Value& pair : source.as_list()) {
                     if (!pair.is_list() || pair.as_list().size() != 2 || !pair.as_list()[0].is_string()) {
                       return Status::error("namespace() expects a dict or a list of [key, value] pairs");
                     }
                     entries.set(pair.as_list()[0].as_string(), pair.as_list()[1]);
                   }
                 } else {
                   return Status::errorf("namespace() cannot take a {}", source.type_name());
                 }
               }
               for (const auto& [key, value] : args.keyword) entries.set(key, value);
               Value ns = Value::namespace_object(std::move(entries));
               SINAN_RETURN_IF_ERROR(in.check_depth(ns));
               in.adopt_namespace(ns);
               return ns;
             }));
  scope->set("raise_exception",
             Value::function("raise_exception", [](Interpreter& in, const CallArgs& args) -> Result<Value> {
               std::string message;
               for (size_t i = 0; i < args.positional.size(); ++i) {
                 if (i > 0) message += ",";
                 auto part = to_concat_string(args.positional[i], in.limits().max_output_bytes);
                 message += part.ok() ? *part : "?";
               }
               return Status::errorf("raise_exception: {}", message);
             }));
  scope->set("range", Value::function("range", [](Interpreter&, const CallArgs& args) -> Result<Value> {
               SINAN_RETURN_IF_ERROR(no_keywords(args, "range"));
               if (args.positional.empty() || args.positional.size() > 3)
                 return Status::error("range() takes 1 to 3 arguments");
               for (const Value& v : args.positional) {
                 if (!v.is_number())
                   return Status::errorf("range() arguments must be numbers, not {}", v.type_name());
               }
               double start = 0, stop, step = 1;
               if (args.positional.size() == 1) {
                 stop = args.positional[0].as_number();
               } else {
                 start = args.positional[0].as_number();
                 stop = args.positional[1].as_number();
                 if (args.positional.size() == 3) step = args.positional[2].as_number();
               }
               if (step == 0) return Status::error("range() step must not be zero");
               if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step)) {
                 return Status::error("range() arguments must be finite");
               }
               double count = std::ceil((stop - start) / step);
               if (count > kMaxRangeLength)
                 return Status::errorf("range() of {} items is over the limit", count);
               List out;
               for (double i = start; step > 0 ? i < stop : i > stop; i += step) {
                 out.push_back(std::trunc(i) == i ? Value::integer(i) : Value::floating(i));
               }
               return Value::list(std::move(out));
             }));
  scope->set("strftime_now",
             Value::function("strftime_now", [](Interpreter&, const CallArgs& args) -> Result<Value> {
               if (args.positional.empty() || !args.positional[0].is_string()) {
                 return Status::error("strftime_now() needs a format string");
               }
               return Value::string(strftime_now(args.positional[0].as_string()));
             }));
}

}  // namespace sinan::jinja
