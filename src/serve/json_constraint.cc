#include "serve/json_constraint.h"

#include <algorithm>
#include <limits>

namespace sinan {
namespace {

bool is_whitespace(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(uint8_t c) {
  return c >= '0' && c <= '9';
}
bool is_hex(uint8_t c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

bool JsonPrefixValidator::feed(std::string_view bytes) {
  for (char c : bytes) {
    if (!feed_byte(static_cast<uint8_t>(c))) return false;
  }
  return true;
}

void JsonPrefixValidator::end_value() {
  mode_ = depth_ == 0 ? Mode::kDone : Mode::kAfterValue;
}

bool JsonPrefixValidator::start_value(uint8_t c) {
  switch (c) {
    case '{':
    case '[':
      if (depth_ == kMaxDepth) return fail();
      stack_[depth_++] = static_cast<char>(c);
      mode_ = c == '{' ? Mode::kKeyOrEnd : Mode::kValueOrEnd;
      return true;
    case '"':
      mode_ = Mode::kValueString;
      return true;
    case '-':
      mode_ = Mode::kNumMinus;
      return true;
    case '0':
      mode_ = Mode::kNumZero;
      return true;
    case 't':
      literal_ = "rue";
      literal_left_ = 3;
      mode_ = Mode::kLiteral;
      return true;
    case 'f':
      literal_ = "alse";
      literal_left_ = 4;
      mode_ = Mode::kLiteral;
      return true;
    case 'n':
      literal_ = "ull";
      literal_left_ = 3;
      mode_ = Mode::kLiteral;
      return true;
    default:
      if (c >= '1' && c <= '9') {
        mode_ = Mode::kNumInt;
        digits_ = 1;
        return true;
      }
      return fail();
  }
}

bool JsonPrefixValidator::feed_byte(uint8_t c) {
  if (mode_ == Mode::kFailed || mode_ == Mode::kDone) return fail();  // nothing may follow the object
  if (in_string()) {
    if (escape_ == Escape::kBackslash) {
      if (c == 'u') {
        escape_ = Escape::kUnicode;
        hex_left_ = 4;
        return true;
      }
      if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f' && c != 'n' && c != 'r' && c != 't')
        return fail();
      escape_ = Escape::kNone;
      return true;
    }
    if (escape_ == Escape::kUnicode) {
      if (!is_hex(c)) return fail();
      if (--hex_left_ == 0) escape_ = Escape::kNone;
      return true;
    }
    if (c == '"') {
      if (mode_ == Mode::kKeyString) {
        mode_ = Mode::kColon;
      } else {
        end_value();
      }
      return true;
    }
    if (c == '\\') {
      escape_ = Escape::kBackslash;
      return true;
    }
    return c >= 0x20 ? true : fail();  // control characters must be escaped
  }

  // Numbers and literals; a number ends at the first byte that cannot continue it, which is then read as
  // structure below.
  switch (mode_) {
    case Mode::kNumMinus:
      if (c == '0')
        mode_ = Mode::kNumZero;
      else if (is_digit(c))
        mode_ = Mode::kNumInt;
      else
        return fail();
      digits_ = 1;
      return true;
    case Mode::kNumZero:
    case Mode::kNumInt:
      if (is_digit(c) && mode_ == Mode::kNumInt) return ++digits_ <= kMaxIntegerDigits ? true : fail();
      if (c == '.') {
        mode_ = Mode::kNumDot;
        return true;
      }
      if (c == 'e' || c == 'E') {
        mode_ = Mode::kNumExp;
        return true;
      }
      if (is_digit(c)) return fail();  // no leading zeros
      end_value();
      break;
    case Mode::kNumDot:
      if (!is_digit(c)) return fail();
      mode_ = Mode::kNumFrac;
      return true;
    case Mode::kNumFrac:
      if (is_digit(c)) return true;
      if (c == 'e' || c == 'E') {
        mode_ = Mode::kNumExp;
        return true;
      }
      end_value();
      break;
    case Mode::kNumExp:
      digits_ = 0;
      if (c == '+' || c == '-') {
        mode_ = Mode::kNumExpSign;
        return true;
      }
      [[fallthrough]];
    case Mode::kNumExpSign:
      if (!is_digit(c)) return fail();
      mode_ = Mode::kNumExpDigits;
      digits_ = 1;
      return true;
    case Mode::kNumExpDigits:
      if (is_digit(c)) return ++digits_ <= kMaxExponentDigits ? true : fail();
      end_value();
      break;
    case Mode::kLiteral:
      if (c != static_cast<uint8_t>(*literal_)) return fail();
      ++literal_;
      if (--literal_left_ == 0) end_value();
      return true;
    default:
      break;
  }
  if (mode_ == Mode::kDone)
    return fail();  // a number was the last thing (cannot happen: top level is an object)

  if (is_whitespace(c)) {
    if (++whitespace_run_ > kMaxWhitespaceRun) return fail();
    return true;
  }
  whitespace_run_ = 0;
  switch (mode_) {
    case Mode::kStart:
      if (c != '{') return fail();
      stack_[depth_++] = '{';
      mode_ = Mode::kKeyOrEnd;
      return true;
    case Mode::kKeyOrEnd:
      if (c == '}') {
        --depth_;
        end_value();
        return true;
      }
      [[fallthrough]];
    case Mode::kKey:
      if (c != '"') return fail();
      mode_ = Mode::kKeyString;
      return true;
    case Mode::kColon:
      if (c != ':') return fail();
      mode_ = Mode::kValue;
      return true;
    case Mode::kValueOrEnd:
      if (c == ']') {
        --depth_;
        end_value();
        return true;
      }
      return start_value(c);
    case Mode::kValue:
      return start_value(c);
    case Mode::kAfterValue: {
      const char open = stack_[depth_ - 1];
      if (c == ',') {
        mode_ = open == '{' ? Mode::kKey : Mode::kValue;
        return true;
      }
      if ((open == '{' && c == '}') || (open == '[' && c == ']')) {
        --depth_;
        end_value();
        return true;
      }
      return fail();
    }
    default:
      return fail();
  }
}

int JsonPrefixValidator::closing_length() const {
  const int escape = escape_ == Escape::kBackslash ? 1 : escape_ == Escape::kUnicode ? hex_left_ : 0;
  switch (mode_) {
    case Mode::kStart:
      return 2;  // {}
    case Mode::kKeyOrEnd:
    case Mode::kValueOrEnd:
    case Mode::kAfterValue:
    case Mode::kNumZero:
    case Mode::kNumInt:
    case Mode::kNumFrac:
    case Mode::kNumExpDigits:
      return depth_;
    case Mode::kKey:
      return 4 + depth_;  // "":0
    case Mode::kKeyString:
      return escape + 3 + depth_;  // ":0
    case Mode::kColon:
      return 2 + depth_;  // :0
    case Mode::kValue:
    case Mode::kNumMinus:
    case Mode::kNumDot:
    case Mode::kNumExp:
    case Mode::kNumExpSign:
      return 1 + depth_;  // one digit
    case Mode::kValueString:
      return escape + 1 + depth_;
    case Mode::kLiteral:
      return literal_left_ + depth_;
    case Mode::kDone:
      return 0;
    case Mode::kFailed:
      break;
  }
  return std::numeric_limits<int>::max() / 2;
}

std::string JsonPrefixValidator::closing_suffix() const {
  std::string out;
  if (escape_ == Escape::kBackslash) out += 'n';
  if (escape_ == Escape::kUnicode) out.append(hex_left_, '0');
  switch (mode_) {
    case Mode::kStart:
      return "{}";
    case Mode::kKey:
      out += "\"\":0";
      break;
    case Mode::kKeyString:
      out += "\":0";
      break;
    case Mode::kColon:
      out += ":0";
      break;
    case Mode::kValue:
    case Mode::kNumMinus:
    case Mode::kNumDot:
    case Mode::kNumExp:
    case Mode::kNumExpSign:
      out += "0";
      break;
    case Mode::kValueString:
      out += "\"";
      break;
    case Mode::kLiteral:
      out.append(literal_, literal_left_);
      break;
    case Mode::kFailed:
      return "";
    default:
      break;
  }
  for (int d = depth_ - 1; d >= 0; --d) out += stack_[d] == '{' ? '}' : ']';
  return out;
}

JsonConstraint::JsonConstraint(const std::vector<std::string>* token_bytes,
                               std::span<const int32_t> end_tokens)
    : token_bytes_(token_bytes), end_tokens_(end_tokens.begin(), end_tokens.end()) {}

bool JsonConstraint::is_end_token(int32_t token) const {
  return std::find(end_tokens_.begin(), end_tokens_.end(), token) != end_tokens_.end();
}

bool JsonConstraint::mask(float* logits, int64_t vocab, int64_t tokens_left) const {
  const bool complete = validator_.complete();
  const auto n_known = static_cast<int64_t>(token_bytes_->size());
  bool any = false;
  for (int64_t id = 0; id < vocab; ++id) {
    bool allowed;
    if (is_end_token(static_cast<int32_t>(id))) {
      allowed = complete;
    } else if (complete || id >= n_known || (*token_bytes_)[id].empty()) {
      allowed = false;
    } else {
      JsonPrefixValidator next = validator_;
      allowed = next.feed((*token_bytes_)[id]) && next.closing_length() <= tokens_left - 1;
    }
    if (allowed) {
      any = true;
    } else {
      logits[id] = -std::numeric_limits<float>::infinity();
    }
  }
  return any;
}

bool JsonConstraint::accept(int32_t token) {
  if (is_end_token(token)) return validator_.complete();
  if (token < 0 || token >= static_cast<int32_t>(token_bytes_->size())) return false;
  return validator_.feed((*token_bytes_)[token]);
}

}  // namespace sinan
