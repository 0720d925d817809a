#include "text/chat/jinja_parser.h"

#include <fmt/format.h>

#include <cstdlib>
#include <set>

namespace sinan::jinja {
namespace {

constexpr int kMaxNesting =
    200;  // expression and block nesting: deeper templates are rejected, not recursed into

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : tokens_(tokens) {}

  Result<Block> parse_template() {
    Block program;
    while (current_ < tokens_.size()) {
      SINAN_ASSIGN_OR_RETURN(StmtPtr stmt, parse_any());
      if (stmt) program.push_back(std::move(stmt));
    }
    return program;
  }

 private:
  // Nesting guard: one per recursive descent step.
  struct DepthGuard {
    explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
    ~DepthGuard() { --*depth_; }
    int* depth_;
  };

  bool at_end() const { return current_ >= tokens_.size(); }
  const Token* peek(size_t ahead = 0) const {
    return current_ + ahead < tokens_.size() ? &tokens_[current_ + ahead] : nullptr;
  }
  bool is(TokenType type, size_t ahead = 0) const {
    const Token* t = peek(ahead);
    return t && t->type == type;
  }
  bool is_identifier(std::string_view name, size_t ahead = 0) const {
    const Token* t = peek(ahead);
    return t && t->type == TokenType::kIdentifier && t->value == name;
  }
  bool is_statement(std::initializer_list<std::string_view> names) const {
    if (!is(TokenType::kOpenStatement) || !is(TokenType::kIdentifier, 1)) return false;
    for (std::string_view name : names) {
      if (tokens_[current_ + 1].value == name) return true;
    }
    return false;
  }
  SourcePos here() const {
    return at_end() ? (tokens_.empty() ? SourcePos{} : tokens_.back().pos) : peek()->pos;
  }

  Status error(const std::string& message) const {
    if (at_end()) return Status::errorf("template syntax error at end of template: {}", message);
    return Status::errorf("template syntax error at {}: {}", describe(here()), message);
  }

  Result<Token> expect(TokenType type, std::string_view what) {
    if (!is(type)) {
      return error(at_end() ? fmt::format("expected {}", what)
                            : fmt::format("expected {}, found '{}'", what, peek()->value));
    }
    return tokens_[current_++];
  }
  Status expect_identifier(std::string_view name) {
    if (!is_identifier(name)) return error(fmt::format("expected '{}'", name));
    ++current_;
    return Status();
  }
  // `{% name %}` closing a block.
  Status expect_end(std::string_view name) {
    SINAN_RETURN_IF_ERROR(expect(TokenType::kOpenStatement, fmt::format("{{% {} %}}", name)).status());
    SINAN_RETURN_IF_ERROR(expect_identifier(name));
    return expect(TokenType::kCloseStatement, "%}").status();
  }
  // Statements up to (not including) one of `ends`.
  Result<Block> parse_until(std::initializer_list<std::string_view> ends, std::string_view closer) {
    Block block;
    while (!is_statement(ends)) {
      if (at_end()) return error(fmt::format("missing {{% {} %}}", closer));
      SINAN_ASSIGN_OR_RETURN(StmtPtr stmt, parse_any());
      if (stmt) block.push_back(std::move(stmt));
    }
    return block;
  }

  static StmtPtr make_stmt(Stmt::Kind kind, SourcePos pos) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->pos = pos;
    return s;
  }
  static ExprPtr make_expr(Expr::Kind kind, SourcePos pos) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    return e;
  }

  Result<StmtPtr> parse_any() {
    DepthGuard guard(&depth_);
    if (depth_ > kMaxNesting) return error("blocks nested too deeply");
    const Token& token = *peek();
    switch (token.type) {
      case TokenType::kComment:
        ++current_;
        return StmtPtr();
      case TokenType::kText: {
        auto s = make_stmt(Stmt::Kind::kText, token.pos);
        s->text = token.value;
        ++current_;
        return s;
      }
      case TokenType::kOpenStatement:
        return parse_statement();
      case TokenType::kOpenExpression: {
        auto s = make_stmt(Stmt::Kind::kOutput, token.pos);
        ++current_;
        SINAN_ASSIGN_OR_RETURN(s->expr, parse_expression());
        SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseExpression, "}}").status());
        return s;
      }
      default:
        return error(fmt::format("unexpected '{}'", token.value));
    }
  }

  Result<StmtPtr> parse_statement() {
    SourcePos pos = peek()->pos;
    ++current_;  // {%
    if (!is(TokenType::kIdentifier)) return error("expected a statement name after {%");
    std::string name = peek()->value;
    ++current_;
    if (name == "set") return parse_set(pos);
    if (name == "if") {
      SINAN_ASSIGN_OR_RETURN(StmtPtr s, parse_if(pos));
      SINAN_RETURN_IF_ERROR(expect_end("endif"));
      return s;
    }
    if (name == "for") return parse_for(pos);
    if (name == "macro") return parse_macro(pos);
    if (name == "call") return parse_call_block(pos);
    if (name == "filter") return parse_filter_block(pos);
    if (name == "break" || name == "continue") {
      SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseStatement, "%}").status());
      return make_stmt(name == "break" ? Stmt::Kind::kBreak : Stmt::Kind::kContinue, pos);
    }
    current_ -= 1;
    return error(fmt::format("unsupported or unexpected statement '{}'", name));
  }

  Result<StmtPtr> parse_set(SourcePos pos) {
    auto s = make_stmt(Stmt::Kind::kSet, pos);
    SINAN_ASSIGN_OR_RETURN(s->target, parse_expression_sequence(false));
    if (s->target->kind != Expr::Kind::kIdentifier && s->target->kind != Expr::Kind::kTuple &&
        !(s->target->kind == Expr::Kind::kMember && !s->target->is_slice)) {
      return Status::errorf("template syntax error at {}: cannot assign to this expression", describe(pos));
    }
    if (is(TokenType::kEquals)) {
      ++current_;
      SINAN_ASSIGN_OR_RETURN(s->expr, parse_expression_sequence(false));
    } else {
      SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseStatement, "%}").status());
      SINAN_ASSIGN_OR_RETURN(s->body, parse_until({"endset"}, "endset"));
      ++current_;  // {%
      ++current_;  // endset
    }
    SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseStatement, "%}").status());
    return s;
  }

  Result<StmtPtr> parse_if(SourcePos pos) {
    auto s = make_stmt(Stmt::Kind::kIf, pos);
    SINAN_ASSIGN_OR_RETURN(s->condition, parse_expression());
    SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseStatement, "%}").status());
    SINAN_ASSIGN_OR_RETURN(s->body, parse_until({"elif", "else", "endif"}, "endif"));
    if (is_statement({"elif"})) {
      SourcePos elif_pos = peek()->pos;
      current_ += 2;
      SINAN_ASSIGN_OR_RETURN(StmtPtr nested, parse_if(elif_pos));
      s->otherwise.push_back(std::move(nested));
    } else if (is_statement({"else"})) {
      current_ += 2;
      SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseStatement, "%}").status());
      SINAN_ASSIGN_OR_RETURN(s->otherwise, parse_until({"endif"}, "endif"));
    }
    return s;
  }

  Result<StmtPtr> parse_for(SourcePos pos) {
    auto s = make_stmt(Stmt::Kind::kFor, pos);
    SINAN_ASSIGN_OR_RETURN(s->target, parse_expression_sequence(true));
    if (s->target->kind != Expr::Kind::kIdentifier && s->target->kind != Expr::Kind::kTuple) {
      return error("expected a name or names for the loop variable");
    }
    SINAN_RETURN_IF_ERROR(expect_identifier("in"));
    SINAN_ASSIGN_OR_RETURN(ExprPtr iterable, parse_expression());
    if (iterable->kind == Expr::Kind::kTernary && !iterable->c) {
      // `for x in items if test`: a loop filter.
      s->condition = std::move(iterable->a);
      s->expr = std::move(iterable->b);
    } else {
      s->expr = std::move(iterable);
    }
    SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseStatement, "%}").status());
    SINAN_ASSIGN_OR_RETURN(s->body, parse_until({"endfor", "else"}, "endfor"));
    if (is_statement({"else"})) {
      current_ += 2;
      SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseStatement, "%}").status());
      SINAN_ASSIGN_OR_RETURN(s->otherwise, parse_until({"endfor"}, "endfor"));
    }
    SINAN_RETURN_IF_ERROR(expect_end("endfor"));
    return s;
  }

  Result<StmtPtr> parse_macro(SourcePos pos) {
    auto s = make_stmt(Stmt::Kind::kMacro, pos);
    if (!is(TokenType::kIdentifier)) return error("expected a macro name");
    s->text = peek()->value;
    ++current_;
    SINAN_ASSIGN_OR_RETURN(s->params, parse_args(/*parameters=*/true));
    SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseStatement, "%}").status());
    SINAN_ASSIGN_OR_RETURN(s->body, parse_until({"endmacro"}, "endmacro"));
    SINAN_RETURN_IF_ERROR(expect_end("endmacro"));
    return s;
  }

  Result<StmtPtr> parse_call_block(SourcePos pos) {
    auto s = make_stmt(Stmt::Kind::kCallBlock, pos);
    if (is(TokenType::kOpenParen)) {
      SINAN_ASSIGN_OR_RETURN(s->params, parse_args(true));
    }
    if (!is(TokenType::kIdentifier)) return error("expected a macro name after call");
    auto call = make_expr(Expr::Kind::kCall, here());
    call->a = make_expr(Expr::Kind::kIdentifier, here());
    call->a->name = peek()->value;
    ++current_;
    SINAN_ASSIGN_OR_RETURN(call->args, parse_args(false));
    s->expr = std::move(call);
    SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseStatement, "%}").status());
    SINAN_ASSIGN_OR_RETURN(s->body, parse_until({"endcall"}, "endcall"));
    SINAN_RETURN_IF_ERROR(expect_end("endcall"));
    return s;
  }

  Result<StmtPtr> parse_filter_block(SourcePos pos) {
    auto s = make_stmt(Stmt::Kind::kFilterBlock, pos);
    SINAN_ASSIGN_OR_RETURN(s->expr, parse_filter_spec(nullptr));
    SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseStatement, "%}").status());
    SINAN_ASSIGN_OR_RETURN(s->body, parse_until({"endfilter"}, "endfilter"));
    SINAN_RETURN_IF_ERROR(expect_end("endfilter"));
    return s;
  }

  // `a, b, c` as a tuple, or a single expression. For loop targets only primary expressions are allowed.
  Result<ExprPtr> parse_expression_sequence(bool primary) {
    SourcePos pos = here();
    SINAN_ASSIGN_OR_RETURN(ExprPtr first, primary ? parse_primary() : parse_expression());
    if (!is(TokenType::kComma)) return first;
    auto tuple = make_expr(Expr::Kind::kTuple, pos);
    tuple->items.push_back(std::move(first));
    while (is(TokenType::kComma)) {
      ++current_;
      SINAN_ASSIGN_OR_RETURN(ExprPtr next, primary ? parse_primary() : parse_expression());
      tuple->items.push_back(std::move(next));
    }
    return tuple;
  }

  Result<ExprPtr> parse_expression() {
    DepthGuard guard(&depth_);
    if (depth_ > kMaxNesting) return error("expression nested too deeply");
    SourcePos pos = here();
    SINAN_ASSIGN_OR_RETURN(ExprPtr value, parse_or());
    if (!is_identifier("if")) return value;
    ++current_;
    auto ternary = make_expr(Expr::Kind::kTernary, pos);
    SINAN_ASSIGN_OR_RETURN(ternary->a, parse_or());
    ternary->b = std::move(value);
    if (is_identifier("else")) {
      ++current_;
      SINAN_ASSIGN_OR_RETURN(ternary->c, parse_expression());
    }
    return ternary;
  }

  Result<ExprPtr> binary(std::string op, SourcePos pos, ExprPtr left, ExprPtr right) {
    auto e = make_expr(Expr::Kind::kBinary, pos);
    e->name = std::move(op);
    e->a = std::move(left);
    e->b = std::move(right);
    return e;
  }

  Result<ExprPtr> parse_or() {
    SINAN_ASSIGN_OR_RETURN(ExprPtr left, parse_and());
    while (is_identifier("or")) {
      SourcePos pos = here();
      ++current_;
      SINAN_ASSIGN_OR_RETURN(ExprPtr right, parse_and());
      SINAN_ASSIGN_OR_RETURN(left, binary("or", pos, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> parse_and() {
    SINAN_ASSIGN_OR_RETURN(ExprPtr left, parse_not());
    while (is_identifier("and")) {
      SourcePos pos = here();
      ++current_;
      SINAN_ASSIGN_OR_RETURN(ExprPtr right, parse_not());
      SINAN_ASSIGN_OR_RETURN(left, binary("and", pos, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> parse_not() {
    if (!is_identifier("not")) return parse_comparison();
    DepthGuard guard(&depth_);
    if (depth_ > kMaxNesting) return error("expression nested too deeply");
    auto e = make_expr(Expr::Kind::kUnary, here());
    e->name = "not";
    ++current_;
    SINAN_ASSIGN_OR_RETURN(e->a, parse_not());
    return e;
  }

  Result<ExprPtr> parse_comparison() {
    SINAN_ASSIGN_OR_RETURN(ExprPtr left, parse_additive());
    while (true) {
      SourcePos pos = here();
      std::string op;
      if (is_identifier("not") && is_identifier("in", 1)) {
        op = "not in";
        current_ += 2;
      } else if (is_identifier("in")) {
        op = "in";
        ++current_;
      } else if (is(TokenType::kComparison)) {
        op = tokens_[current_++].value;
      } else {
        return left;
      }
      SINAN_ASSIGN_OR_RETURN(ExprPtr right, parse_additive());
      SINAN_ASSIGN_OR_RETURN(left, binary(op, pos, std::move(left), std::move(right)));
    }
  }

  Result<ExprPtr> parse_additive() {
    SINAN_ASSIGN_OR_RETURN(ExprPtr left, parse_multiplicative());
    while (is(TokenType::kAdditive)) {
      SourcePos pos = here();
      std::string op = tokens_[current_++].value;
      SINAN_ASSIGN_OR_RETURN(ExprPtr right, parse_multiplicative());
      SINAN_ASSIGN_OR_RETURN(left, binary(op, pos, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> parse_multiplicative() {
    SINAN_ASSIGN_OR_RETURN(ExprPtr left, parse_power());
    while (is(TokenType::kMultiplicative)) {
      SourcePos pos = here();
      std::string op = tokens_[current_++].value;
      SINAN_ASSIGN_OR_RETURN(ExprPtr right, parse_power());
      SINAN_ASSIGN_OR_RETURN(left, binary(op, pos, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> parse_power() {
    SINAN_ASSIGN_OR_RETURN(ExprPtr left, parse_test());
    while (is(TokenType::kPower)) {
      SourcePos pos = here();
      ++current_;
      SINAN_ASSIGN_OR_RETURN(ExprPtr right, parse_test());
      SINAN_ASSIGN_OR_RETURN(left, binary("**", pos, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> parse_test() {
    SINAN_ASSIGN_OR_RETURN(ExprPtr operand, parse_filter());
    while (is_identifier("is")) {
      auto e = make_expr(Expr::Kind::kTest, here());
      ++current_;
      if (is_identifier("not")) {
        e->negate = true;
        ++current_;
      }
      if (!is(TokenType::kIdentifier)) return error("expected a test name after 'is'");
      e->name = tokens_[current_++].value;
      e->a = std::move(operand);
      operand = std::move(e);
    }
    return operand;
  }

  // `name` or `name(args)` after a pipe (or in a filter block); the operand is filled in by the caller.
  Result<ExprPtr> parse_filter_spec(ExprPtr operand) {
    if (!is(TokenType::kIdentifier)) return error("expected a filter name");
    auto e = make_expr(Expr::Kind::kFilter, here());
    e->name = tokens_[current_++].value;
    e->a = std::move(operand);
    if (is(TokenType::kOpenParen)) {
      e->has_args = true;
      SINAN_ASSIGN_OR_RETURN(e->args, parse_args(false));
      if (is(TokenType::kDot) || is(TokenType::kOpenBracket) || is(TokenType::kOpenParen)) {
        // Parsed (and dropped) so that the template still parses; evaluating it is an error.
        SINAN_ASSIGN_OR_RETURN(ExprPtr chain, parse_member(make_expr(Expr::Kind::kLiteral, here())));
        if (is(TokenType::kOpenParen)) {
          SINAN_ASSIGN_OR_RETURN(chain, parse_call(std::move(chain)));
        }
        e->trailing_access = true;
      }
    }
    return e;
  }

  Result<ExprPtr> parse_filter() {
    SINAN_ASSIGN_OR_RETURN(ExprPtr operand, parse_unary_sign());
    while (is(TokenType::kPipe)) {
      ++current_;
      SINAN_ASSIGN_OR_RETURN(operand, parse_filter_spec(std::move(operand)));
    }
    return operand;
  }

  Result<ExprPtr> parse_unary_sign() {
    const Token* t = peek();
    if (t && (t->type == TokenType::kUnary || t->type == TokenType::kAdditive) &&
        (t->value == "-" || t->value == "+")) {
      DepthGuard guard(&depth_);
      if (depth_ > kMaxNesting) return error("expression nested too deeply");
      auto e = make_expr(Expr::Kind::kUnary, t->pos);
      e->name = t->value;
      ++current_;
      SINAN_ASSIGN_OR_RETURN(e->a, parse_unary_sign());
      return e;
    }
    SINAN_ASSIGN_OR_RETURN(ExprPtr primary, parse_primary());
    SINAN_ASSIGN_OR_RETURN(ExprPtr member, parse_member(std::move(primary)));
    if (is(TokenType::kOpenParen)) return parse_call(std::move(member));
    return member;
  }

  Result<ExprPtr> parse_call(ExprPtr callee) {
    while (true) {
      auto call = make_expr(Expr::Kind::kCall, callee->pos);
      call->a = std::move(callee);
      SINAN_ASSIGN_OR_RETURN(call->args, parse_args(false));
      SINAN_ASSIGN_OR_RETURN(callee, parse_member(std::move(call)));
      if (!is(TokenType::kOpenParen)) return callee;
    }
  }

  // `(a, b=1, *rest, **named)`; with parameters=true, a macro's parameter list (names and defaults only).
  Result<std::vector<Arg>> parse_args(bool parameters) {
    SINAN_RETURN_IF_ERROR(expect(TokenType::kOpenParen, "(").status());
    std::vector<Arg> args;
    std::set<std::string> names;
    bool saw_keyword = false, saw_spread = false;
    while (!is(TokenType::kCloseParen)) {
      if (at_end()) return error("expected )");
      Arg arg;
      const bool keyword_spread = is(TokenType::kPower);
      const bool spread = is(TokenType::kMultiplicative) && peek()->value == "*";
      if (parameters && (keyword_spread || spread)) return error("argument unpacking in a parameter list");
      if (keyword_spread) {
        ++current_;
        arg.kind = Arg::Kind::kKeywordSpread;
        SINAN_ASSIGN_OR_RETURN(arg.value, parse_expression());
        args.push_back(std::move(arg));
        if (is(TokenType::kComma)) ++current_;
        if (!is(TokenType::kCloseParen)) return error("** must be applied to the last argument");
        break;
      }
      if (spread) {
        if (saw_spread) return error("only one * argument is allowed");
        saw_spread = true;
        ++current_;
        arg.kind = Arg::Kind::kSpread;
        SINAN_ASSIGN_OR_RETURN(arg.value, parse_expression());
      } else {
        SINAN_ASSIGN_OR_RETURN(ExprPtr value, parse_expression());
        if (is(TokenType::kEquals)) {
          ++current_;
          if (value->kind != Expr::Kind::kIdentifier) return error("expected a name before =");
          arg.kind = Arg::Kind::kKeyword;
          arg.name = value->name;
          SINAN_ASSIGN_OR_RETURN(arg.value, parse_expression());
        } else {
          arg.value = std::move(value);
        }
        if (parameters) {
          if (arg.kind == Arg::Kind::kPositional) {
            if (arg.value->kind != Expr::Kind::kIdentifier) return error("expected a parameter name");
            arg.name = arg.value->name;
            arg.value.reset();
          }
          if (!names.insert(arg.name).second) return error(fmt::format("duplicate parameter '{}'", arg.name));
        }
        if (arg.kind == Arg::Kind::kKeyword) {
          saw_keyword = true;
        } else if (saw_keyword) {
          return error(parameters ? "parameter without default after one with a default"
                                  : "positional argument after a keyword argument");
        } else if (saw_spread) {
          return error("positional argument after * unpacking");
        }
      }
      args.push_back(std::move(arg));
      if (is(TokenType::kComma)) ++current_;
    }
    ++current_;  // )
    return args;
  }

  Result<ExprPtr> parse_member(ExprPtr object) {
    while (is(TokenType::kDot) || is(TokenType::kOpenBracket)) {
      auto e = make_expr(Expr::Kind::kMember, here());
      const bool computed = is(TokenType::kOpenBracket);
      ++current_;
      e->a = std::move(object);
      e->computed = computed;
      if (computed) {
        SINAN_RETURN_IF_ERROR(parse_subscript(e.get()));
        SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseBracket, "]").status());
      } else {
        SINAN_ASSIGN_OR_RETURN(ExprPtr name, parse_primary());
        const bool integer = name->kind == Expr::Kind::kLiteral && name->literal.kind() == Kind::kInt;
        if (name->kind == Expr::Kind::kIdentifier) {
          auto literal = make_expr(Expr::Kind::kLiteral, name->pos);
          literal->literal = Value::string(name->name);
          name = std::move(literal);
        } else if (!integer) {
          return Status::errorf("template syntax error at {}: expected a name or integer after '.'",
                                describe(name->pos));
        }
        e->b = std::move(name);
      }
      object = std::move(e);
    }
    return object;
  }

  // The inside of `[...]`: one index, or up to three slice parts.
  Status parse_subscript(Expr* member) {
    std::vector<ExprPtr> parts;
    bool slice = false;
    while (!is(TokenType::kCloseBracket)) {
      if (at_end()) return error("expected ]");
      if (is(TokenType::kColon)) {
        parts.push_back(nullptr);
        ++current_;
        slice = true;
      } else {
        SINAN_ASSIGN_OR_RETURN(ExprPtr part, parse_expression());
        parts.push_back(std::move(part));
        if (is(TokenType::kColon)) {
          ++current_;
          slice = true;
        }
      }
    }
    if (parts.empty()) return error("empty subscript []");
    if (!slice) {
      if (parts.size() != 1) return error("expected ] after the index");
      member->b = std::move(parts[0]);
      return Status();
    }
    if (parts.size() > 3) return error("a slice has at most three parts");
    parts.resize(3);
    member->is_slice = true;
    member->b = std::move(parts[0]);
    member->c = std::move(parts[1]);
    member->items.push_back(std::move(parts[2]));
    return Status();
  }

  Result<ExprPtr> parse_primary() {
    if (at_end()) return error("unexpected end of template in an expression");
    const Token& token = tokens_[current_++];
    switch (token.type) {
      case TokenType::kNumber: {
        auto e = make_expr(Expr::Kind::kLiteral, token.pos);
        double v = std::strtod(token.value.c_str(), nullptr);
        e->literal = token.value.find('.') != std::string::npos ? Value::floating(v) : Value::integer(v);
        return e;
      }
      case TokenType::kString: {
        auto e = make_expr(Expr::Kind::kLiteral, token.pos);
        std::string value = token.value;
        while (is(TokenType::kString)) value += tokens_[current_++].value;  // 'a' 'b' is 'ab'
        e->literal = Value::string(std::move(value));
        return e;
      }
      case TokenType::kIdentifier: {
        auto e = make_expr(Expr::Kind::kIdentifier, token.pos);
        e->name = token.value;
        return e;
      }
      case TokenType::kOpenParen: {
        SINAN_ASSIGN_OR_RETURN(ExprPtr inner, parse_expression_sequence(false));
        SINAN_RETURN_IF_ERROR(expect(TokenType::kCloseParen, ")").status());
        return inner;
      }
      case TokenType::kOpenBracket: {
        auto e = make_expr(Expr::Kind::kList, token.pos);
        while (!is(TokenType::kCloseBracket)) {
          if (at_end()) return error("expected ]");
          SINAN_ASSIGN_OR_RETURN(ExprPtr item, parse_expression());
          e->items.push_back(std::move(item));
          if (is(TokenType::kComma)) ++current_;
        }
        ++current_;
        return e;
      }
      case TokenType::kOpenBrace: {
        auto e = make_expr(Expr::Kind::kDict, token.pos);
        while (!is(TokenType::kCloseBrace)) {
          if (at_end()) return error("expected }");
          SINAN_ASSIGN_OR_RETURN(ExprPtr key, parse_expression());
          SINAN_RETURN_IF_ERROR(expect(TokenType::kColon, ": between key and value").status());
          SINAN_ASSIGN_OR_RETURN(ExprPtr value, parse_expression());
          e->items.push_back(std::move(key));
          e->items.push_back(std::move(value));
          if (is(TokenType::kComma)) ++current_;
        }
        ++current_;
        return e;
      }
      default:
        --current_;
        return error(fmt::format("unexpected '{}' in an expression", token.value));
    }
  }

  const std::vector<Token>& tokens_;
  size_t current_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Block> parse(const std::vector<Token>& tokens) {
  return Parser(tokens).parse_template();
}

}  // namespace sinan::jinja
