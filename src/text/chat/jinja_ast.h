// The parsed form of a template: expressions and statements, each with its source position for messages.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "text/chat/jinja_lexer.h"
#include "text/chat/jinja_value.h"

namespace sinan::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// One argument in a call or a macro's parameter list.
struct Arg {
  enum class Kind { kPositional, kKeyword, kSpread, kKeywordSpread } kind = Kind::kPositional;
  std::string name;  // kKeyword: the keyword; in parameter lists, the parameter name
  ExprPtr value;     // kKeyword: the value or default; parameter without default: null
};

struct Expr {
  enum class Kind {
    kLiteral,     // literal
    kIdentifier,  // name
    kList,        // items
    kTuple,       // items
    kDict,        // items: key0, value0, key1, value1...
    kMember,      // object[index], computed; object.name (index is a literal); slice when is_slice
    kCall,        // callee(args)
    kUnary,       // op operand: "not", "-", "+"
    kBinary,      // left op right
    kFilter,      // operand | name(args)
    kTest,        // operand is [not] name
    kTernary,     // then if condition else otherwise; otherwise null: undefined when false
  };
  Kind kind;
  SourcePos pos;
  Value literal;
  std::string name;  // identifier, operator, filter or test name
  std::vector<ExprPtr> items;
  ExprPtr a, b, c;  // member: object, index / slice start, stop (+ step in items[0]); binary: left, right;
                    // ternary: condition, then, otherwise; unary, filter, test: operand in a
  bool is_slice = false;
  bool computed = false;         // member: written with [] rather than a dot
  bool negate = false;           // test: `is not`
  bool has_args = false;         // filter: written with parentheses
  bool trailing_access = false;  // filter: `x | f(a).b`, which the reference parses but cannot run
  std::vector<Arg> args;         // call and filter arguments
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Block = std::vector<StmtPtr>;

struct Stmt {
  enum class Kind {
    kText,         // text
    kOutput,       // {{ expr }}
    kIf,           // if expr: body else otherwise
    kFor,          // for target in expr [if condition]: body else otherwise
    kSet,          // set target = expr, or set target: body (block set)
    kMacro,        // macro name(params): body
    kCallBlock,    // call(params) expr: body
    kFilterBlock,  // filter expr (a kFilter on an empty operand): body
    kBreak,
    kContinue,
  };
  Kind kind;
  SourcePos pos;
  std::string text;
  ExprPtr expr;
  ExprPtr target;
  ExprPtr condition;
  std::vector<Arg> params;
  Block body;
  Block otherwise;
};

}  // namespace sinan::jinja
