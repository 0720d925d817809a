#include "api/request.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace sinan::api {
namespace {

using Json = nlohmann::ordered_json;

const char* type_name(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::discarded:
      return "invalid";
    default:
      return "a number";
  }
}

ApiError wrong_type(const std::string& param, const char* expected, const Json& got) {
  return ApiError::invalid(fmt::format("{} must be {}, not {}", param, expected, type_name(got)), param);
}

// Reads body[key] when present and not null. Each returns an error or nullopt.
class FieldReader {
 public:
  explicit FieldReader(const Json& body) : body_(body) {}

  const Json* get(const char* key) const {
    const auto it = body_.find(key);
    if (it == body_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  std::optional<ApiError> number(const char* key, double lo, double hi, std::optional<float>* out) const {
    const Json* v = get(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number()) return wrong_type(key, "a number", *v);
    const double d = v->get<double>();
    if (!std::isfinite(d) || d < lo || d > hi) {
      return ApiError::invalid(fmt::format("{} must be between {} and {}, got {}", key, lo, hi, d), key);
    }
    *out = static_cast<float>(d);
    return std::nullopt;
  }

  std::optional<ApiError> integer(const char* key, int64_t lo, int64_t hi,
                                  std::optional<int64_t>* out) const {
    const Json* v = get(key);
    if (v == nullptr) return std::nullopt;
    if (v->is_number_float()) {
      const double d = v->get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9e15) {  // 5.0 is an integer
        return check_range(key, static_cast<int64_t>(d), lo, hi, out);
      }
      return wrong_type(key, "an integer", *v);
    }
    if (v->is_number_unsigned()) {
      const uint64_t u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return ApiError::invalid(fmt::format("{} must be at most {}", key, hi), key);
      }
      return check_range(key, static_cast<int64_t>(u), lo, hi, out);
    }
    if (!v->is_number_integer()) return wrong_type(key, "an integer", *v);
    return check_range(key, v->get<int64_t>(), lo, hi, out);
  }

  std::optional<ApiError> boolean(const char* key, bool* out) const {
    const Json* v = get(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_boolean()) return wrong_type(key, "a boolean", *v);
    *out = v->get<bool>();
    return std::nullopt;
  }

  std::optional<ApiError> string(const char* key, std::string* out) const {
    const Json* v = get(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return wrong_type(key, "a string", *v);
    *out = v->get<std::string>();
    return std::nullopt;
  }

 private:
  static std::optional<ApiError> check_range(const char* key, int64_t value, int64_t lo, int64_t hi,
                                             std::optional<int64_t>* out) {
    if (value < lo || value > hi) {
      return ApiError::invalid(fmt::format("{} must be between {} and {}, got {}", key, lo, hi, value), key);
    }
    *out = value;
    return std::nullopt;
  }

  const Json& body_;
};

#define SINAN_API_TRY(expr)                                      \
  do {                                                           \
    if (auto sinan_api_error_ = (expr)) return sinan_api_error_; \
  } while (0)

std::optional<ApiError> parse_body(std::string_view body, const RequestLimits& limits, Json* out) {
  if (json_nesting_depth(body) > limits.max_nesting) {
    return ApiError::invalid(
        fmt::format("the request body nests arrays and objects deeper than {} levels", limits.max_nesting));
  }
  try {
    *out = Json::parse(body.begin(), body.end());
  } catch (const std::exception& e) {
    return ApiError::invalid(fmt::format("the request body is not valid JSON: {}", e.what()));
  }
  if (!out->is_object()) return ApiError::invalid("the request body must be a JSON object");
  return std::nullopt;
}

std::optional<ApiError> parse_stop(const FieldReader& r, const RequestLimits& limits,
                                   std::vector<std::string>* out) {
  const Json* v = r.get("stop");
  if (v == nullptr) return std::nullopt;
  auto add = [&](const Json& s, const std::string& param) -> std::optional<ApiError> {
    if (!s.is_string()) return wrong_type(param, "a string", s);
    const auto& text = s.get_ref<const std::string&>();
    if (text.size() > limits.max_stop_bytes) {
      return ApiError::invalid(fmt::format("{} is longer than {} bytes", param, limits.max_stop_bytes),
                               param);
    }
    if (!text.empty()) out->push_back(text);
    return std::nullopt;
  };
  if (v->is_string()) return add(*v, "stop");
  if (!v->is_array()) return wrong_type("stop", "a string or an array of strings", *v);
  if (v->size() > limits.max_stop_strings) {
    return ApiError::invalid(
        fmt::format("stop takes at most {} strings, got {}", limits.max_stop_strings, v->size()), "stop");
  }
  for (size_t i = 0; i < v->size(); ++i) SINAN_API_TRY(add((*v)[i], fmt::format("stop[{}]", i)));
  return std::nullopt;
}

std::optional<ApiError> parse_logit_bias(const FieldReader& r, std::vector<std::pair<int32_t, float>>* out) {
  const Json* v = r.get("logit_bias");
  if (v == nullptr) return std::nullopt;
  if (!v->is_object()) return wrong_type("logit_bias", "an object of token ids to numbers", *v);
  if (v->size() > 1024) return ApiError::invalid("logit_bias takes at most 1024 tokens", "logit_bias");
  for (const auto& [key, value] : v->items()) {
    const std::string param = fmt::format("logit_bias[{}]", key);
    int64_t id = -1;
    try {
      size_t used = 0;
      id = std::stoll(key, &used);
      if (used != key.size()) id = -1;
    } catch (const std::exception&) {
      id = -1;
    }
    if (id < 0 || id > std::numeric_limits<int32_t>::max()) {
      return ApiError::invalid(fmt::format("logit_bias keys must be token ids, got \"{}\"", key),
                               "logit_bias");
    }
    if (!value.is_number()) return wrong_type(param, "a number", value);
    const double bias = value.get<double>();
    if (!std::isfinite(bias) || bias < -100 || bias > 100) {
      return ApiError::invalid(fmt::format("{} must be between -100 and 100", param), param);
    }
    out->emplace_back(static_cast<int32_t>(id), static_cast<float>(bias));
  }
  return std::nullopt;
}

std::optional<ApiError> parse_fields(const Json& body, const RequestLimits& limits, GenerationFields* f) {
  const FieldReader r(body);
  SINAN_API_TRY(r.string("model", &f->model));
  SINAN_API_TRY(r.boolean("stream", &f->stream));
  if (const Json* so = r.get("stream_options")) {
    if (!so->is_object()) return wrong_type("stream_options", "an object", *so);
    SINAN_API_TRY(FieldReader(*so).boolean("include_usage", &f->include_usage));
  }
  std::optional<int64_t> n;
  SINAN_API_TRY(r.integer("n", 1, std::numeric_limits<int32_t>::max(), &n));
  if (n && *n != 1)
    return ApiError::invalid("n: this server returns one choice per request; send n=1 or leave it out", "n");
  SINAN_API_TRY(r.number("temperature", 0, 2, &f->temperature));
  SINAN_API_TRY(r.number("top_p", 0, 1, &f->top_p));
  SINAN_API_TRY(r.number("min_p", 0, 1, &f->min_p));
  SINAN_API_TRY(r.number("repetition_penalty", 0.01, 10, &f->repetition_penalty));
  std::optional<int64_t> top_k;
  SINAN_API_TRY(r.integer("top_k", -1, std::numeric_limits<int32_t>::max(), &top_k));
  if (top_k) f->top_k = static_cast<int>(std::max<int64_t>(*top_k, 0));  // -1 (vLLM) and 0 mean off
  std::optional<float> presence, frequency;
  SINAN_API_TRY(r.number("presence_penalty", -2, 2, &presence));
  SINAN_API_TRY(r.number("frequency_penalty", -2, 2, &frequency));
  f->presence_penalty = presence.value_or(0.0f);
  f->frequency_penalty = frequency.value_or(0.0f);
  if (const Json* seed = r.get("seed")) {
    if (seed->is_number_unsigned()) {
      f->seed = seed->get<uint64_t>();
    } else if (seed->is_number_integer()) {
      f->seed = static_cast<uint64_t>(seed->get<int64_t>());
    } else {
      return wrong_type("seed", "an integer", *seed);
    }
  }
  std::optional<int64_t> max_tokens, max_completion_tokens;
  SINAN_API_TRY(r.integer("max_tokens", 1, std::numeric_limits<int64_t>::max(), &max_tokens));
  SINAN_API_TRY(
      r.integer("max_completion_tokens", 1, std::numeric_limits<int64_t>::max(), &max_completion_tokens));
  f->max_tokens = max_completion_tokens ? max_completion_tokens : max_tokens;
  SINAN_API_TRY(parse_stop(r, limits, &f->stop));
  SINAN_API_TRY(parse_logit_bias(r, &f->logit_bias));
  SINAN_API_TRY(r.boolean("ignore_eos", &f->ignore_eos));
  return std::nullopt;
}

// Text of a message's content: a string, or text parts joined by newlines.
std::optional<ApiError> message_text(const Json& content, const std::string& param, Json* out) {
  if (content.is_string()) {
    *out = content;
    return std::nullopt;
  }
  if (!content.is_array()) return wrong_type(param, "a string or an array of content parts", content);
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const Json& part = content[i];
    const std::string part_param = fmt::format("{}[{}]", param, i);
    if (!part.is_object()) return wrong_type(part_param, "an object", part);
    const auto type = part.find("type");
    if (type == part.end() || !type->is_string()) {
      return ApiError::invalid(part_param + ".type must be a string", part_param + ".type");
    }
    if (*type != "text") {
      return ApiError::invalid(fmt::format("{}.type \"{}\" is not supported: this model reads text only",
                                           part_param, type->get<std::string>()),
                               part_param + ".type");
    }
    const auto part_text = part.find("text");
    if (part_text == part.end() || !part_text->is_string()) {
      return ApiError::invalid(part_param + ".text must be a string", part_param + ".text");
    }
    if (i > 0) text += "\n";
    text += part_text->get<std::string>();
  }
  *out = text;
  return std::nullopt;
}

std::optional<ApiError> parse_tool_call(const Json& call, const std::string& param, Json* out) {
  if (!call.is_object()) return wrong_type(param, "an object", call);
  const auto function = call.find("function");
  if (function == call.end() || !function->is_object()) {
    return ApiError::invalid(param + ".function must be an object", param + ".function");
  }
  const auto name = function->find("name");
  if (name == function->end() || !name->is_string()) {
    return ApiError::invalid(param + ".function.name must be a string", param + ".function.name");
  }
  Json arguments = "{}";
  if (const auto a = function->find("arguments"); a != function->end() && !a->is_null()) {
    if (a->is_string()) {
      arguments = *a;
    } else if (a->is_object()) {
      arguments = a->dump();  // some clients send the object itself
    } else {
      return wrong_type(param + ".function.arguments", "a string", *a);
    }
  }
  *out = Json::object();
  if (const auto id = call.find("id"); id != call.end() && id->is_string()) (*out)["id"] = *id;
  (*out)["type"] = "function";
  (*out)["function"] = Json{{"name", *name}, {"arguments", arguments}};
  return std::nullopt;
}

std::optional<ApiError> parse_messages(const Json& body, Json* out) {
  const auto it = body.find("messages");
  if (it == body.end() || it->is_null()) return ApiError::invalid("messages is required", "messages");
  if (!it->is_array()) return wrong_type("messages", "an array", *it);
  if (it->empty()) return ApiError::invalid("messages must hold at least one message", "messages");
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& m = (*it)[i];
    const std::string param = fmt::format("messages[{}]", i);
    if (!m.is_object()) return wrong_type(param, "an object", m);
    const auto role_it = m.find("role");
    if (role_it == m.end() || !role_it->is_string()) {
      return ApiError::invalid(param + ".role must be a string", param + ".role");
    }
    std::string role = role_it->get<std::string>();
    if (role == "developer") role = "system";  // OpenAI's newer name for system messages
    if (role != "system" && role != "user" && role != "assistant" && role != "tool") {
      return ApiError::invalid(
          fmt::format("{}.role \"{}\" is unknown: use system, developer, user, assistant or tool", param,
                      role_it->get<std::string>()),
          param + ".role");
    }
    Json message = Json::object();
    message["role"] = role;
    const auto content = m.find("content");
    const bool has_content = content != m.end() && !content->is_null();
    Json text = nullptr;
    if (has_content) SINAN_API_TRY(message_text(*content, param + ".content", &text));
    Json calls = nullptr;
    if (const auto tc = m.find("tool_calls"); tc != m.end() && !tc->is_null()) {
      if (role != "assistant")
        return ApiError::invalid(param + ".tool_calls is only for assistant messages", param + ".tool_calls");
      if (!tc->is_array()) return wrong_type(param + ".tool_calls", "an array", *tc);
      calls = Json::array();
      for (size_t k = 0; k < tc->size(); ++k) {
        Json call;
        SINAN_API_TRY(parse_tool_call((*tc)[k], fmt::format("{}.tool_calls[{}]", param, k), &call));
        calls.push_back(std::move(call));
      }
      if (calls.empty()) calls = nullptr;
    }
    if (!has_content && !(role == "assistant" && !calls.is_null())) {
      return ApiError::invalid(param + ".content is required", param + ".content");
    }
    message["content"] = text;
    if (const auto name = m.find("name"); name != m.end() && !name->is_null()) {
      if (!name->is_string()) return wrong_type(param + ".name", "a string", *name);
      message["name"] = *name;
    }
    if (!calls.is_null()) message["tool_calls"] = std::move(calls);
    if (const auto id = m.find("tool_call_id"); id != m.end() && !id->is_null()) {
      if (!id->is_string()) return wrong_type(param + ".tool_call_id", "a string", *id);
      message["tool_call_id"] = *id;
    }
    // reasoning_content of earlier turns is dropped: R1's template leaves old reasoning out anyway.
    out->push_back(std::move(message));
  }
  return std::nullopt;
}

std::optional<ApiError> parse_tools(const Json& body, Json* out) {
  *out = nullptr;
  const FieldReader r(body);
  bool none = false;
  if (const Json* choice = r.get("tool_choice")) {
    if (choice->is_string()) {
      const auto& c = choice->get_ref<const std::string&>();
      if (c != "none" && c != "auto" && c != "required") {
        return ApiError::invalid("tool_choice must be \"none\", \"auto\", \"required\" or a function",
                                 "tool_choice");
      }
      none = c == "none";
    } else if (!choice->is_object()) {
      return wrong_type("tool_choice", "a string or an object", *choice);
    }
  }
  const Json* tools = r.get("tools");
  if (tools == nullptr) return std::nullopt;
  if (!tools->is_array()) return wrong_type("tools", "an array", *tools);
  for (size_t i = 0; i < tools->size(); ++i) {
    const Json& t = (*tools)[i];
    const std::string param = fmt::format("tools[{}]", i);
    if (!t.is_object()) return wrong_type(param, "an object", t);
    const auto type = t.find("type");
    if (type == t.end() || !type->is_string() || *type != "function") {
      return ApiError::invalid(param + ".type must be \"function\"", param + ".type");
    }
    const auto function = t.find("function");
    if (function == t.end() || !function->is_object()) {
      return ApiError::invalid(param + ".function must be an object", param + ".function");
    }
    const auto name = function->find("name");
    if (name == function->end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
      return ApiError::invalid(param + ".function.name must be a non-empty string", param + ".function.name");
    }
    if (const auto p = function->find("parameters");
        p != function->end() && !p->is_null() && !p->is_object()) {
      return wrong_type(param + ".function.parameters", "an object", *p);
    }
    if (const auto d = function->find("description");
        d != function->end() && !d->is_null() && !d->is_string()) {
      return wrong_type(param + ".function.description", "a string", *d);
    }
  }
  if (!tools->empty() && !none) *out = *tools;
  return std::nullopt;
}

}  // namespace

int json_nesting_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::optional<ApiError> parse_chat_request(std::string_view body_text, const RequestLimits& limits,
                                           ChatRequest* out) {
  Json body;
  SINAN_API_TRY(parse_body(body_text, limits, &body));
  SINAN_API_TRY(parse_fields(body, limits, &out->fields));
  GenerationFields& f = out->fields;
  const FieldReader r(body);
  SINAN_API_TRY(r.boolean("logprobs", &f.logprobs));
  std::optional<int64_t> top_logprobs;
  SINAN_API_TRY(r.integer("top_logprobs", 0, limits.max_top_logprobs, &top_logprobs));
  if (top_logprobs && *top_logprobs > 0 && !f.logprobs) {
    return ApiError::invalid("top_logprobs needs logprobs set to true", "top_logprobs");
  }
  f.top_logprobs = static_cast<int>(top_logprobs.value_or(0));
  SINAN_API_TRY(parse_messages(body, &out->messages));
  SINAN_API_TRY(parse_tools(body, &out->tools));
  if (const Json* rf = r.get("response_format")) {
    if (!rf->is_object()) return wrong_type("response_format", "an object", *rf);
    const auto type = rf->find("type");
    if (type == rf->end() || !type->is_string()) {
      return ApiError::invalid("response_format.type must be a string", "response_format.type");
    }
    if (*type == "json_object") {
      out->json_object = true;
    } else if (*type == "json_schema") {
      return ApiError::invalid(
          "response_format json_schema is not supported; use {\"type\": \"json_object\"}",
          "response_format.type");
    } else if (*type != "text") {
      return ApiError::invalid("response_format.type must be \"text\" or \"json_object\"",
                               "response_format.type");
    }
  }
  if (const Json* kwargs = r.get("chat_template_kwargs")) {
    if (!kwargs->is_object()) return wrong_type("chat_template_kwargs", "an object", *kwargs);
    out->template_vars = *kwargs;
  }
  return std::nullopt;
}

std::optional<ApiError> parse_completion_request(std::string_view body_text, const RequestLimits& limits,
                                                 CompletionRequest* out) {
  Json body;
  SINAN_API_TRY(parse_body(body_text, limits, &body));
  SINAN_API_TRY(parse_fields(body, limits, &out->fields));
  GenerationFields& f = out->fields;
  if (!f.max_tokens) f.max_tokens = 16;  // OpenAI's default for completions
  const FieldReader r(body);
  // logprobs is a number here: how many alternatives to report per token (0..5).
  std::optional<int64_t> logprobs;
  SINAN_API_TRY(r.integer("logprobs", 0, 5, &logprobs));
  if (logprobs) {
    f.logprobs = true;
    f.top_logprobs = static_cast<int>(*logprobs);
  }
  SINAN_API_TRY(r.boolean("echo", &out->echo));
  std::optional<int64_t> best_of;
  SINAN_API_TRY(r.integer("best_of", 1, std::numeric_limits<int32_t>::max(), &best_of));
  if (best_of && *best_of != 1) return ApiError::invalid("best_of: only 1 is supported", "best_of");
  std::string suffix;
  SINAN_API_TRY(r.string("suffix", &suffix));
  if (!suffix.empty()) return ApiError::invalid("suffix is not supported", "suffix");

  const Json* prompt = r.get("prompt");
  if (prompt == nullptr) return ApiError::invalid("prompt is required", "prompt");
  const Json* p = prompt;
  if (p->is_array() && !p->empty() && (p->front().is_string() || p->front().is_array())) {
    if (p->size() != 1) {
      return ApiError::invalid("prompt: send one prompt per request (this server returns one choice)",
                               "prompt");
    }
    p = &p->front();
  }
  if (p->is_string()) {
    out->prompt = p->get<std::string>();
    if (out->prompt.empty()) return ApiError::invalid("prompt is empty", "prompt");
    return std::nullopt;
  }
  if (!p->is_array()) return wrong_type("prompt", "a string or an array of token ids", *p);
  if (p->empty()) return ApiError::invalid("prompt is empty", "prompt");
  out->prompt_is_ids = true;
  for (size_t i = 0; i < p->size(); ++i) {
    const Json& id = (*p)[i];
    if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
        id.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return ApiError::invalid(fmt::format("prompt[{}] must be a token id (a non-negative integer)", i),
                               "prompt");
    }
    out->prompt_ids.push_back(static_cast<int32_t>(id.get<int64_t>()));
  }
  return std::nullopt;
}

}  // namespace sinan::api
