#include "text/chat/jinja_lexer.h"

#include <fmt/format.h>

#include <algorithm>

#include "text/chat/js_text.h"

namespace sinan::jinja {

std::string describe(SourcePos pos) {
  return fmt::format("line {}, column {}", pos.line, pos.column);
}

namespace {

// Text after the whitespace rules of the reference, with the original offset of every byte.
struct Preprocessed {
  std::string text;
  std::vector<uint32_t> origin;
  void push(char c, uint32_t from) {
    text.push_back(c);
    origin.push_back(from);
  }
};

bool starts_with_at(std::string_view s, size_t i, std::string_view prefix) {
  return s.size() >= i + prefix.size() && s.compare(i, prefix.size(), prefix) == 0;
}

// Length of the JavaScript-whitespace run starting at s[i].
size_t whitespace_run(std::string_view s, size_t i) {
  size_t j = i;
  while (j < s.size()) {
    size_t next = j;
    if (!js::is_whitespace(js::next_code_point(s, &next))) break;
    j = next;
  }
  return j - i;
}

// lstrip_blocks: drop spaces and tabs between a line start and a `{%`, `{#` (or `{-`) that follows them.
Preprocessed lstrip_blocks(const Preprocessed& in) {
  Preprocessed out;
  std::string_view s = in.text;
  bool line_start = true;
  for (size_t i = 0; i < s.size();) {
    if (line_start) {
      size_t j = i;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
      if (j + 1 < s.size() && s[j] == '{' && (s[j + 1] == '#' || s[j + 1] == '%' || s[j + 1] == '-')) i = j;
    }
    size_t next = i;
    char32_t c = js::next_code_point(s, &next);
    for (size_t k = i; k < next; ++k) out.push(s[k], in.origin[k]);
    line_start = js::is_line_terminator(c);
    i = next;
  }
  return out;
}

// trim_blocks: drop the newline right after `%}`, `#}` (or `-}`).
Preprocessed trim_blocks(const Preprocessed& in) {
  Preprocessed out;
  std::string_view s = in.text;
  for (size_t i = 0; i < s.size();) {
    if (i + 2 < s.size() && (s[i] == '#' || s[i] == '%' || s[i] == '-') && s[i + 1] == '}' &&
        s[i + 2] == '\n') {
      out.push(s[i], in.origin[i]);
      out.push(s[i + 1], in.origin[i + 1]);
      i += 3;
      continue;
    }
    out.push(s[i], in.origin[i]);
    ++i;
  }
  return out;
}

// Matches `{%-? generation -?%}` or `endgeneration` at s[i]; returns its length (0: no match) and its dashes.
size_t match_generation_tag(std::string_view s, size_t i, bool* lstrip, bool* rstrip) {
  if (!starts_with_at(s, i, "{%")) return 0;
  size_t j = i + 2;
  *lstrip = j < s.size() && s[j] == '-';
  if (*lstrip) ++j;
  j += whitespace_run(s, j);
  if (starts_with_at(s, j, "end")) j += 3;
  if (!starts_with_at(s, j, "generation")) return 0;
  j += 10;
  j += whitespace_run(s, j);
  *rstrip = j < s.size() && s[j] == '-';
  if (*rstrip) ++j;
  if (!starts_with_at(s, j, "%}")) return 0;
  return j + 2 - i;
}

// Drops `{% generation %}` / `{% endgeneration %}` (assistant-mask markers, meaningless for rendering); a
// dash also drops the whitespace on its side.
Preprocessed drop_generation_tags(const Preprocessed& in) {
  Preprocessed out;
  std::string_view s = in.text;
  size_t consumed = 0;  // whitespace before a tag cannot reach back past the previous tag's match
  for (size_t i = 0; i < s.size();) {
    bool lstrip = false, rstrip = false;
    size_t length = match_generation_tag(s, i, &lstrip, &rstrip);
    if (length == 0) {
      out.push(s[i], in.origin[i]);
      ++i;
      continue;
    }
    if (lstrip) {
      // Remove the whitespace run already copied just before the tag.
      while (out.text.size() > consumed) {
        size_t cp_start = out.text.size() - 1;
        while (cp_start > consumed && (static_cast<unsigned char>(out.text[cp_start]) & 0xC0) == 0x80)
          --cp_start;
        size_t k = cp_start;
        if (!js::is_whitespace(js::next_code_point(out.text, &k))) break;
        out.text.resize(cp_start);
        out.origin.resize(cp_start);
      }
    }
    i += length;
    size_t after = whitespace_run(s, i);
    if (!rstrip) {
      for (size_t k = i; k < i + after; ++k) out.push(s[k], in.origin[k]);
    }
    i += after;
    consumed = out.text.size();
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view original, Preprocessed pre)
      : original_(original), pre_(std::move(pre)), src_(pre_.text) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < original_.size(); ++i) {
      if (original_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  Result<std::vector<Token>> run() {
    while (pos_ < src_.size()) SINAN_RETURN_IF_ERROR(step());
    return std::move(tokens_);
  }

 private:
  SourcePos position_of(size_t i) const {
    size_t offset = i < pre_.origin.size() ? pre_.origin[i] : original_.size();
    auto line = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1;
    SourcePos p;
    p.line = static_cast<uint32_t>(line - line_starts_.begin()) + 1;
    for (size_t k = *line; k < offset && k < original_.size(); ++p.column) js::next_code_point(original_, &k);
    return p;
  }

  Status error_at(size_t i, const std::string& message) const {
    return Status::errorf("template syntax error at {}: {}", describe(position_of(i)), message);
  }

  void push(TokenType type, std::string value, size_t at) {
    tokens_.push_back(Token{type, std::move(value), position_of(at)});
  }

  bool last_is(std::initializer_list<TokenType> types) const {
    if (tokens_.empty()) return false;
    for (TokenType t : types) {
      if (tokens_.back().type == t) return true;
    }
    return false;
  }

  void strip_trailing_whitespace() {
    if (tokens_.empty() || tokens_.back().type != TokenType::kText) return;
    std::string trimmed(js::trim(tokens_.back().value, false, true));
    if (trimmed.empty()) {
      tokens_.pop_back();
    } else {
      tokens_.back().value = std::move(trimmed);
    }
  }

  void skip_leading_whitespace() { pos_ += whitespace_run(src_, pos_); }

  bool at(std::string_view s) const { return starts_with_at(src_, pos_, s); }

  Status step() {
    if (tokens_.empty() ||
        last_is({TokenType::kCloseStatement, TokenType::kCloseExpression, TokenType::kComment})) {
      size_t start = pos_;
      while (pos_ < src_.size() &&
             !(src_[pos_] == '{' && pos_ + 1 < src_.size() &&
               (src_[pos_ + 1] == '%' || src_[pos_ + 1] == '{' || src_[pos_ + 1] == '#'))) {
        ++pos_;
      }
      if (pos_ > start) {
        push(TokenType::kText, std::string(src_.substr(start, pos_ - start)), start);
        return Status();
      }
    }
    if (at("{#")) return comment();
    if (at("{%-")) {
      strip_trailing_whitespace();
      push(TokenType::kOpenStatement, "{%", pos_);
      pos_ += 3;
      return Status();
    }
    if (at("{{-")) {
      strip_trailing_whitespace();
      push(TokenType::kOpenExpression, "{{", pos_);
      brace_depth_ = 0;
      pos_ += 3;
      return Status();
    }
    pos_ += whitespace_run(src_, pos_);
    if (pos_ >= src_.size()) return error_at(pos_, "unexpected end of template inside a tag");
    if (at("-%}")) {
      push(TokenType::kCloseStatement, "%}", pos_);
      pos_ += 3;
      skip_leading_whitespace();
      return Status();
    }
    if (at("-}}")) {
      push(TokenType::kCloseExpression, "}}", pos_);
      pos_ += 3;
      skip_leading_whitespace();
      return Status();
    }
    char c = src_[pos_];
    if (c == '-' || c == '+') {
      if (tokens_.empty() || last_is({TokenType::kText})) {
        return error_at(pos_, fmt::format("unexpected character '{}'", c));
      }
      if (!last_is({TokenType::kIdentifier, TokenType::kNumber, TokenType::kString, TokenType::kCloseParen,
                    TokenType::kCloseBracket})) {
        // A sign where an operand is expected: part of a number literal, or a unary operator.
        size_t start = pos_++;
        std::string number = digits();
        if (!number.empty() && pos_ + 1 < src_.size() && src_[pos_] == '.' && is_digit(src_[pos_ + 1])) {
          ++pos_;
          number += "." + digits();
        }
        push(number.empty() ? TokenType::kUnary : TokenType::kNumber, std::string(1, c) + number, start);
        return Status();
      }
    }
    if (symbol()) return Status();
    if (c == '\'' || c == '"') return string_literal(c);
    if (is_digit(c)) {
      size_t start = pos_;
      std::string number = digits();
      if (!last_is({TokenType::kDot}) && pos_ + 1 < src_.size() && src_[pos_] == '.' &&
          is_digit(src_[pos_ + 1])) {
        ++pos_;
        number += "." + digits();
      }
      push(TokenType::kNumber, std::move(number), start);
      return Status();
    }
    if (is_word(c)) {
      size_t start = pos_;
      while (pos_ < src_.size() && is_word(src_[pos_])) ++pos_;
      push(TokenType::kIdentifier, std::string(src_.substr(start, pos_ - start)), start);
      return Status();
    }
    size_t end = pos_;
    js::next_code_point(src_, &end);
    return error_at(pos_, fmt::format("unexpected character '{}'", src_.substr(pos_, end - pos_)));
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
  }

  std::string digits() {
    size_t start = pos_;
    while (pos_ < src_.size() && is_digit(src_[pos_])) ++pos_;
    return std::string(src_.substr(start, pos_ - start));
  }

  Status comment() {
    size_t start = pos_;
    pos_ += 2;
    bool strip_before = pos_ < src_.size() && src_[pos_] == '-';
    if (strip_before) ++pos_;
    size_t end = src_.find("#}", pos_);
    if (end == std::string_view::npos) return error_at(start, "comment is not closed with #}");
    std::string text(src_.substr(pos_, end - pos_));
    bool strip_after = !text.empty() && text.back() == '-';
    if (strip_after) text.pop_back();
    if (strip_before) strip_trailing_whitespace();
    push(TokenType::kComment, std::move(text), start);
    pos_ = end + 2;
    if (strip_after) skip_leading_whitespace();
    return Status();
  }

  bool symbol() {
    struct Symbol {
      std::string_view text;
      TokenType type;
    };
    // Longer symbols first where one is a prefix of another.
    static constexpr Symbol kSymbols[] = {
        {"{%", TokenType::kOpenStatement},  {"%}", TokenType::kCloseStatement},
        {"{{", TokenType::kOpenExpression}, {"}}", TokenType::kCloseExpression},
        {"(", TokenType::kOpenParen},       {")", TokenType::kCloseParen},
        {"{", TokenType::kOpenBrace},       {"}", TokenType::kCloseBrace},
        {"[", TokenType::kOpenBracket},     {"]", TokenType::kCloseBracket},
        {",", TokenType::kComma},           {".", TokenType::kDot},
        {":", TokenType::kColon},           {"|", TokenType::kPipe},
        {"<=", TokenType::kComparison},     {">=", TokenType::kComparison},
        {"==", TokenType::kComparison},     {"!=", TokenType::kComparison},
        {"<", TokenType::kComparison},      {">", TokenType::kComparison},
        {"+", TokenType::kAdditive},        {"-", TokenType::kAdditive},
        {"~", TokenType::kAdditive},        {"**", TokenType::kPower},
        {"*", TokenType::kMultiplicative},  {"//", TokenType::kMultiplicative},
        {"/", TokenType::kMultiplicative},  {"%", TokenType::kMultiplicative},
        {"=", TokenType::kEquals},
    };
    for (const Symbol& symbol : kSymbols) {
      // Inside a dict literal `}}` closes braces, not the expression.
      if (symbol.type == TokenType::kCloseExpression && brace_depth_ > 0) continue;
      if (!at(symbol.text)) continue;
      push(symbol.type, std::string(symbol.text), pos_);
      if (symbol.type == TokenType::kOpenExpression) brace_depth_ = 0;
      if (symbol.type == TokenType::kOpenBrace) ++brace_depth_;
      if (symbol.type == TokenType::kCloseBrace) --brace_depth_;
      pos_ += symbol.text.size();
      return true;
    }
    return false;
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  Status string_literal(char quote) {
    size_t start = pos_++;
    std::string value;
    char32_t pending_high = 0;  // a \uD8xx escape waiting for its low surrogate
    while (true) {
      if (pos_ >= src_.size()) return error_at(start, "string literal is not closed");
      char c = src_[pos_];
      if (c == quote) break;
      if (c != '\\') {
        if (pending_high) return error_at(pos_, "unpaired surrogate in \\u escape");
        value.push_back(c);
        ++pos_;
        continue;
      }
      if (++pos_ >= src_.size()) return error_at(start, "string literal is not closed");
      char e = src_[pos_++];
      if (e == 'x' || e == 'u') {
        size_t length = e == 'x' ? 2 : 4;
        char32_t code = 0;
        for (size_t k = 0; k < length; ++k) {
          int h = pos_ + k < src_.size() ? hex_value(src_[pos_ + k]) : -1;
          if (h < 0) return error_at(pos_ - 2, fmt::format("invalid \\{} escape", e));
          code = code * 16 + h;
        }
        pos_ += length;
        if (code >= 0xD800 && code <= 0xDBFF && !pending_high) {
          pending_high = code;
          continue;
        }
        if (code >= 0xDC00 && code <= 0xDFFF && pending_high) {
          js::append_utf8(&value, 0x10000 + ((pending_high - 0xD800) << 10) + (code - 0xDC00));
          pending_high = 0;
          continue;
        }
        if (pending_high || (code >= 0xD800 && code <= 0xDFFF)) {
          return error_at(pos_ - length - 2, "unpaired surrogate in \\u escape");
        }
        js::append_utf8(&value, code);
        continue;
      }
      if (pending_high) return error_at(pos_ - 2, "unpaired surrogate in \\u escape");
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'v':
          value += '\v';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case '\\':
          value += '\\';
          break;
        default:
          return error_at(pos_ - 2, fmt::format("unknown escape \\{}", e));
      }
    }
    if (pending_high) return error_at(pos_, "unpaired surrogate in \\u escape");
    ++pos_;  // closing quote
    push(TokenType::kString, std::move(value), start);
    return Status();
  }

  std::string_view original_;
  std::vector<size_t> line_starts_;
  Preprocessed pre_;
  std::string_view src_;
  size_t pos_ = 0;
  int brace_depth_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view source) {
  if (auto bad = js::find_invalid_utf8(source)) {
    return Status::errorf("template is not valid UTF-8 (byte offset {})", *bad);
  }
  Preprocessed pre;
  size_t length = source.size();
  if (length > 0 && source[length - 1] == '\n') --length;  // the reference drops one trailing newline
  for (size_t i = 0; i < length; ++i) pre.push(source[i], static_cast<uint32_t>(i));
  Lexer lexer(source, drop_generation_tags(trim_blocks(lstrip_blocks(pre))));
  return lexer.run();
}

}  // namespace sinan::jinja
