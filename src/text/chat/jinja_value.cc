#include "text/chat/jinja_value.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "text/chat/js_text.h"

namespace sinan::jinja {

const Value* CallArgs::find_keyword(std::string_view name) const {
  for (const auto& [key, value] : keyword) {
    if (key == name) return &value;
  }
  return nullptr;
}

const Value* Dict::find(std::string_view key) const {
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &items_[it->second].second;
}

void Dict::set(const std::string& key, Value value) {
  depth_ = std::max(depth_, value.depth() + 1);
  auto it = index_.find(key);
  if (it != index_.end()) {
    items_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(key, items_.size());
  items_.emplace_back(key, std::move(value));
}

void Dict::clear() {
  items_.clear();
  index_.clear();
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kUndefined:
      return "undefined";
    case Kind::kNone:
      return "none";
    case Kind::kBool:
      return "boolean";
    case Kind::kInt:
      return "integer";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return "dict";
    case Kind::kNamespace:
      return "namespace";
    case Kind::kFunction:
      return "function";
  }
  return "?";
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.boolean_ = b;
  return v;
}
Value Value::integer(double n) {
  Value v;
  v.kind_ = Kind::kInt;
  v.number_ = n;
  return v;
}
Value Value::floating(double n) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.number_ = n;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.string_ = std::make_shared<const std::string>(std::move(s));
  return v;
}
Value Value::list(List items) {
  Value v;
  v.kind_ = Kind::kList;
  uint32_t depth = 0;
  for (const Value& item : items) depth = std::max(depth, item.depth());
  v.list_depth_ = depth + 1;
  v.list_ = std::make_shared<List>(std::move(items));
  return v;
}
Value Value::tuple(List items) {
  Value v = list(std::move(items));
  v.tuple_ = true;
  return v;
}
Value Value::dict(Dict d) {
  Value v;
  v.kind_ = Kind::kDict;
  v.dict_ = std::make_shared<Dict>(std::move(d));
  return v;
}
Value Value::namespace_object(Dict d) {
  Value v;
  v.kind_ = Kind::kNamespace;
  v.dict_ = std::make_shared<Dict>(std::move(d));
  return v;
}
Value Value::function(std::string name, NativeFunction call) {
  Value v;
  v.kind_ = Kind::kFunction;
  v.function_ = std::make_shared<const Function>(Function{std::move(name), std::move(call)});
  return v;
}

namespace {
// A canonical array index ("0", "17", not "01" or "-1"), which JavaScript objects enumerate first.
bool is_array_index(const std::string& key) {
  if (key.empty() || key.size() > 10) return false;
  if (key.size() > 1 && key[0] == '0') return false;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
  }
  return std::stoull(key) < 4294967295ULL;
}
}  // namespace

Value Value::from_json(const nlohmann::ordered_json& json) {
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null:
      return none();
    case nlohmann::ordered_json::value_t::boolean:
      return boolean(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return integer(static_cast<double>(json.get<int64_t>()));
    case nlohmann::ordered_json::value_t::number_unsigned:
      return integer(static_cast<double>(json.get<uint64_t>()));
    case nlohmann::ordered_json::value_t::number_float: {
      double d = json.get<double>();
      return std::isfinite(d) && std::trunc(d) == d ? integer(d) : floating(d);
    }
    case nlohmann::ordered_json::value_t::string:
      return string(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      List items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(from_json(item));
      return list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      std::vector<std::pair<uint64_t, const std::string*>> indices;
      for (const auto& [key, item] : json.items()) {
        if (is_array_index(key)) indices.emplace_back(std::stoull(key), &key);
      }
      std::sort(indices.begin(), indices.end());
      Dict d;
      for (const auto& [number, key] : indices) d.set(*key, from_json(json.at(*key)));
      for (const auto& [key, item] : json.items()) {
        if (!is_array_index(key)) d.set(key, from_json(item));
      }
      return dict(std::move(d));
    }
    default:
      return Value();  // binary and discarded values do not come out of JSON text
  }
}

uint32_t Value::depth() const {
  if (kind_ == Kind::kList) return list_depth_;
  if (kind_ == Kind::kDict || kind_ == Kind::kNamespace) return dict_->depth();
  return 0;
}

const void* Value::identity() const {
  if (list_) return list_.get();
  if (dict_) return dict_.get();
  if (function_) return function_.get();
  return nullptr;
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return boolean_;
    case Kind::kInt:
    case Kind::kFloat:
      return number_ != 0 && !std::isnan(number_);
    case Kind::kString:
      return !string_->empty();
    case Kind::kList:
      return !list_->empty();
    case Kind::kDict:
      return dict_->size() > 0;
    case Kind::kNamespace:
    case Kind::kFunction:
      return true;
  }
  return false;
}

Result<std::string> to_output_string(const Value& value, size_t max_bytes) {
  switch (value.kind()) {
    case Kind::kUndefined:
      return std::string("undefined");
    case Kind::kNone:  // the reference's none holds JavaScript's undefined, which prints so
      return std::string("undefined");
    case Kind::kBool:
      return std::string(value.as_bool() ? "true" : "false");
    case Kind::kInt:
      return js::number_to_string(value.as_number());
    case Kind::kFloat:
      return js::float_to_string(value.as_number());
    case Kind::kString:
      return value.as_string();
    case Kind::kList:
    case Kind::kDict:
    case Kind::kNamespace: {
      JsonOptions options;
      options.undefined_as_null = false;
      return to_json(value, options, max_bytes);
    }
    case Kind::kFunction:
      break;
  }
  return Status::errorf("cannot print {}", value.as_function().name);
}

Result<std::string> to_concat_string(const Value& value, size_t max_bytes) {
  switch (value.kind()) {
    case Kind::kInt:
    case Kind::kFloat:
      return js::number_to_string(value.as_number());
    case Kind::kList: {
      std::string out;
      for (size_t i = 0; i < value.as_list().size(); ++i) {
        if (i > 0) out += ",";
        SINAN_ASSIGN_OR_RETURN(std::string item, to_output_string(value.as_list()[i], max_bytes));
        out += item;
        if (out.size() > max_bytes) return Status::errorf("text exceeds the {} byte limit", max_bytes);
      }
      return out;
    }
    case Kind::kDict:
    case Kind::kNamespace:
      return std::string("[object Map]");
    default:
      return to_output_string(value, max_bytes);
  }
}

namespace {
// The reference sorts keys with localeCompare (ICU's root collation). On printable ASCII that is:
// punctuation, then digits, then letters, each letter's case ignored at first (a, A, b, B...); ties are
// broken left to right with the lowercase letter first. The order below was read from Node's localeCompare.
constexpr std::string_view kCollationOrder =
    " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz";

bool collation_supported(const std::string& s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

int collation_compare(const std::string& a, const std::string& b) {
  auto primary = [](char c) {
    char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    return kCollationOrder.find(lower);
  };
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    size_t pa = primary(a[i]), pb = primary(b[i]);
    if (pa != pb) return pa < pb ? -1 : 1;
  }
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i])
      return a[i] > b[i] ? -1 : 1;  // same letter, different case: lowercase (the larger byte) first
  }
  return 0;
}

class JsonWriter {
 public:
  JsonWriter(const JsonOptions& options, size_t max_bytes) : options_(options), max_bytes_(max_bytes) {
    if (options.has_separators) {
      item_separator_ = options.item_separator;
      key_separator_ = options.key_separator;
    } else {
      item_separator_ = options.indent > 0 ? "," : ", ";
      key_separator_ = ": ";
    }
  }

  Status write(const Value& value, int depth, std::string* out) {
    if (out->size() > max_bytes_)
      return Status::errorf("tojson output exceeds the {} byte limit", max_bytes_);
    if (depth > 512) return Status::error("tojson: value nested too deeply");
    switch (value.kind()) {
      case Kind::kUndefined:
        *out += options_.undefined_as_null ? "null" : "undefined";
        return Status();
      case Kind::kNone:
        *out += "null";
        return Status();
      case Kind::kBool:
        *out += value.as_bool() ? "true" : "false";
        return Status();
      case Kind::kInt:
      case Kind::kFloat:
        *out += std::isfinite(value.as_number()) ? js::number_to_string(value.as_number()) : "null";
        return Status();
      case Kind::kString:
        *out += js::json_quote(value.as_string(), options_.ensure_ascii);
        return Status();
      case Kind::kFunction:
        return Status::errorf("cannot convert {} to JSON", value.as_function().name);
      case Kind::kList: {
        if (value.is_tuple()) return Status::error("cannot convert a tuple to JSON or print it");
        const List& items = value.as_list();
        *out += "[";
        for (size_t i = 0; i < items.size(); ++i) {
          if (i > 0) *out += item_separator_;
          newline(depth + 1, out);
          SINAN_RETURN_IF_ERROR(write(items[i], depth + 1, out));
        }
        if (!items.empty()) newline(depth, out);
        *out += "]";
        return Status();
      }
      case Kind::kDict:
      case Kind::kNamespace: {
        std::vector<const std::pair<std::string, Value>*> items;
        for (const auto& item : value.as_dict().items()) items.push_back(&item);
        if (options_.sort_keys) {
          for (const auto* item : items) {
            if (!collation_supported(item->first)) {
              return Status::errorf(
                  "tojson(sort_keys=true): key \"{}\" has characters outside printable ASCII, whose locale "
                  "collation order sinan does not reproduce",
                  item->first);
            }
          }
          std::stable_sort(items.begin(), items.end(),
                           [](auto* a, auto* b) { return collation_compare(a->first, b->first) < 0; });
        }
        *out += "{";
        for (size_t i = 0; i < items.size(); ++i) {
          if (i > 0) *out += item_separator_;
          newline(depth + 1, out);
          *out += js::json_quote(items[i]->first, options_.ensure_ascii);
          *out += key_separator_;
          SINAN_RETURN_IF_ERROR(write(items[i]->second, depth + 1, out));
        }
        if (!items.empty()) newline(depth, out);
        *out += "}";
        return Status();
      }
    }
    return Status();
  }

 private:
  void newline(int depth, std::string* out) const {
    if (options_.indent <= 0) return;
    *out += "\n";
    out->append(static_cast<size_t>(options_.indent) * depth, ' ');
  }

  const JsonOptions& options_;
  size_t max_bytes_;
  std::string item_separator_;
  std::string key_separator_;
};

// ToPrimitive of a container, for loose equality with a scalar.
Result<Value> to_primitive(const Value& v) {
  if (v.kind() == Kind::kFunction) return Status::error("cannot compare a function with ==");
  if (v.is_list() || v.is_attribute_container()) {
    SINAN_ASSIGN_OR_RETURN(std::string s, to_concat_string(v));
    return Value::string(std::move(s));
  }
  return v;
}

double scalar_to_number(const Value& v) {
  if (v.kind() == Kind::kBool) return v.as_bool() ? 1 : 0;
  if (v.is_string()) return js::string_to_number(v.as_string());
  return v.as_number();
}
}  // namespace

Result<std::string> to_json(const Value& value, const JsonOptions& options, size_t max_bytes) {
  std::string out;
  JsonWriter writer(options, max_bytes);
  SINAN_RETURN_IF_ERROR(writer.write(value, 0, &out));
  return out;
}

bool strict_equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return a.as_number() == b.as_number();
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kBool:
      return a.as_bool() == b.as_bool();
    case Kind::kString:
      return a.as_string() == b.as_string();
    default:
      return a.identity() == b.identity();
  }
}

Result<bool> loose_equals(const Value& a, const Value& b) {
  const bool a_nullish = a.is_undefined() || a.is_none();
  const bool b_nullish = b.is_undefined() || b.is_none();
  if (a_nullish || b_nullish) return a_nullish && b_nullish;
  const bool a_object = a.is_list() || a.is_attribute_container() || a.kind() == Kind::kFunction;
  const bool b_object = b.is_list() || b.is_attribute_container() || b.kind() == Kind::kFunction;
  if (a_object && b_object) return a.identity() == b.identity();
  if (a_object || b_object) {
    SINAN_ASSIGN_OR_RETURN(Value pa, to_primitive(a));
    SINAN_ASSIGN_OR_RETURN(Value pb, to_primitive(b));
    return loose_equals(pa, pb);
  }
  if (a.kind() == b.kind() || (a.is_number() && b.is_number())) return strict_equals(a, b);
  if (a.is_string() && b.is_string()) return a.as_string() == b.as_string();
  return scalar_to_number(a) == scalar_to_number(b);
}

}  // namespace sinan::jinja
