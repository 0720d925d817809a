// The dynamic values a Jinja template computes with. Lists, dicts and namespaces are shared by reference, as
// they are in the reference renderer (so `ns.x = ...` inside a loop is seen after it, and == on two
// containers asks whether they are the same object). Numbers are doubles, as in JavaScript; kInt marks the
// ones written or computed as integers, which print without a decimal point.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sinan::jinja {

class Value;
class Dict;
class Interpreter;
struct CallArgs;

using NativeFunction = std::function<Result<Value>(Interpreter& interpreter, const CallArgs& args)>;

struct Function {
  std::string name;  // for messages: "macro 'foo'", "method 'split'"
  NativeFunction call;
};

using List = std::vector<Value>;

enum class Kind : uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kList,
  kDict,
  kNamespace,
  kFunction
};
const char* kind_name(Kind kind);

class Value {
 public:
  Value() = default;  // undefined
  static Value none();
  static Value boolean(bool b);
  static Value integer(double v);
  static Value floating(double v);
  static Value string(std::string s);
  static Value list(List items);
  static Value tuple(
      List items);  // a list written (a, b): the reference cannot print it or convert it to JSON
  static Value dict(Dict d);
  static Value namespace_object(Dict d);
  static Value function(std::string name, NativeFunction call);
  // JSON as the reference receives it after JSON.parse: integral numbers are integers, and keys that look
  // like array indices ("0", "42") come first in ascending order, as JavaScript objects order them.
  static Value from_json(const nlohmann::ordered_json& json);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_tuple() const { return kind_ == Kind::kList && tuple_; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_attribute_container() const { return kind_ == Kind::kDict || kind_ == Kind::kNamespace; }

  bool as_bool() const { return boolean_; }
  double as_number() const { return number_; }
  const std::string& as_string() const { return *string_; }
  const List& as_list() const { return *list_; }
  const Dict& as_dict() const { return *dict_; }  // dict or namespace
  Dict& mutable_dict() { return *dict_; }
  const Function& as_function() const { return *function_; }
  const void* identity() const;  // the shared object behind a container, for ==
  // How deeply containers nest inside this value (0 for scalars). Renders bound it, since destroying or
  // printing a value recurses through its nesting.
  uint32_t depth() const;

  // Python-style truthiness as the reference computes it (empty containers are false, namespaces true).
  bool truthy() const;
  const char* type_name() const { return kind_name(kind_); }

 private:
  Kind kind_ = Kind::kUndefined;
  bool boolean_ = false;
  bool tuple_ = false;
  uint32_t list_depth_ = 0;
  double number_ = 0;
  std::shared_ptr<const std::string> string_;
  std::shared_ptr<List> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<const Function> function_;
};

// Insertion-ordered string-keyed map; setting an existing key keeps its position.
class Dict {
 public:
  const Value* find(std::string_view key) const;
  void set(const std::string& key, Value value);
  size_t size() const { return items_.size(); }
  uint32_t depth() const { return depth_; }  // 1 + the deepest value ever set
  void clear();
  const std::vector<std::pair<std::string, Value>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, Value>> items_;
  std::unordered_map<std::string, size_t> index_;
  uint32_t depth_ = 1;
};

// Positional and keyword arguments of a call, keywords in the order written.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
  const Value* find_keyword(std::string_view name) const;
};

// How `{{ value }}` prints: strings as is, floats with a decimal point, booleans "true"/"false", containers
// as JSON; undefined and none print nothing. Functions cannot be printed.
Result<std::string> to_output_string(const Value& value, size_t max_bytes = SIZE_MAX);
// How `+` and `~` print an operand (JavaScript's value.toString(): floats without ".0").
Result<std::string> to_concat_string(const Value& value, size_t max_bytes = SIZE_MAX);

struct JsonOptions {
  int indent = 0;  // 0: one line
  bool ensure_ascii = false;
  bool sort_keys = false;
  bool has_separators = false;
  std::string item_separator;
  std::string key_separator;
  bool undefined_as_null = true;  // tojson writes undefined as null; printing a container writes "undefined"
};
// The reference's tojson: JSON.stringify-compatible scalars, ", " and ": " separators by default (",", ": "
// with an indent), insertion order.
Result<std::string> to_json(const Value& value, const JsonOptions& options, size_t max_bytes);

// JavaScript's loose equality on the values the reference compares.
Result<bool> loose_equals(const Value& a, const Value& b);
// Strict equality on the underlying value, as `in` on a list and the equalto test use.
bool strict_equals(const Value& a, const Value& b);

}  // namespace sinan::jinja
