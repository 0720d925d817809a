// Template source -> tokens. Whitespace handling follows the reference renderer: the template loses one
// trailing newline, then lstrip_blocks and trim_blocks are applied to the text (Hugging Face renders with
// both on), then
// `{% generation %}` markers are dropped, then `{%-`/`-%}` (and the `{{ }}`, `{# #}` forms) trim the text
// around tags while tokenizing. Every token remembers where it came from in the original source, for
// messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sinan::jinja {

struct SourcePos {
  uint32_t line = 1;
  uint32_t column = 1;
};

enum class TokenType : uint8_t {
  kText,
  kNumber,  // "12", "1.5", "-3" (a sign directly before digits where an operand is expected)
  kString,  // value holds the unescaped text
  kIdentifier,
  kEquals,
  kOpenParen,
  kCloseParen,
  kOpenStatement,
  kCloseStatement,  // {% %}
  kOpenExpression,
  kCloseExpression,  // {{ }}
  kOpenBracket,
  kCloseBracket,  // [ ]
  kOpenBrace,
  kCloseBrace,  // { }
  kComma,
  kDot,
  kColon,
  kPipe,
  kAdditive,        // + - ~
  kMultiplicative,  // * / // %
  kPower,           // **
  kComparison,      // < > <= >= == !=
  kUnary,           // a lone sign where an operand is expected
  kComment,
};

struct Token {
  TokenType type;
  std::string value;
  SourcePos pos;
};

Result<std::vector<Token>> tokenize(std::string_view source);

// "line L, column C" for messages.
std::string describe(SourcePos pos);

}  // namespace sinan::jinja
