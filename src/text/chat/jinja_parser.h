// Tokens -> statements, following the grammar and operator precedence of the reference renderer (loosest
// first): `a if b else c`, or, and, not, comparisons and in, + - ~, * / // %, **, is-tests, |filters, unary
// signs, calls and member access. Errors name the template line and column.
#pragma once

#include <vector>

#include "core/status.h"
#include "text/chat/jinja_ast.h"
#include "text/chat/jinja_lexer.h"

namespace sinan::jinja {

Result<Block> parse(const std::vector<Token>& tokens);

}  // namespace sinan::jinja
