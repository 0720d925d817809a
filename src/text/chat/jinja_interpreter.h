// Evaluates a parsed template against a scope of variables, with the semantics of the reference renderer
// (@huggingface/jinja): Python-like truthiness, JavaScript printing of numbers and booleans, a for loop's
// scope shared by its iterations, macros that see their caller's variables. Runaway templates stop with an
// error: the output, each string and each list are size-limited, calls nest to a bounded depth and evaluation
// has a step budget.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "text/chat/jinja_ast.h"
#include "text/chat/jinja_value.h"

namespace sinan::jinja {

struct RenderLimits {
  size_t max_output_bytes = 64u << 20;  // also bounds every string and list built while rendering
  int max_call_depth = 100;             // nested macro and caller() calls
  uint64_t max_steps = 50'000'000;      // statements and expressions evaluated
};

class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent = nullptr) : parent_(std::move(parent)) {}
  const Value* lookup(const std::string& name) const;
  bool has_own(const std::string& name) const { return vars_.count(name) > 0; }
  void set(const std::string& name, Value value) { vars_[name] = std::move(value); }

 private:
  std::shared_ptr<Scope> parent_;
  std::unordered_map<std::string, Value> vars_;
};
using ScopePtr = std::shared_ptr<Scope>;

class Interpreter {
 public:
  explicit Interpreter(const RenderLimits& limits) : limits_(limits) {}
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  Result<std::string> render(const Block& program, const ScopePtr& globals);

  // Calls a function value; `scope` is the caller's scope (macros resolve free names there).
  Result<Value> call(const Value& function, const CallArgs& args, const ScopePtr& scope, SourcePos pos);
  // The scope of the call in progress, for functions that need it (macros).
  const ScopePtr& call_scope() const { return call_scope_; }
  const RenderLimits& limits() const { return limits_; }
  // An error when a string or list of `size` would pass the output limit.
  Status check_size(size_t size) const;
  // An error when `value` nests containers deeper than kMaxValueDepth.
  Status check_depth(const Value& value) const;
  static constexpr uint32_t kMaxValueDepth = 1000;
  // Namespaces are the only mutable values, so the only way to build a reference cycle (`ns.self = ns`); the
  // interpreter empties every namespace it made when it is done, which breaks any cycle.
  void adopt_namespace(const Value& ns) { namespaces_.push_back(ns); }

  // Runs a macro body: binds arguments into a scope under `caller_scope`, returns the rendered text.
  Result<Value> run_macro(const Stmt& macro, const std::vector<Arg>& params, const Block& body,
                          const CallArgs& args, const ScopePtr& parent);

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Result<Flow> exec_block(const Block& block, const ScopePtr& scope, std::string* out);
  Result<Flow> exec(const Stmt& stmt, const ScopePtr& scope, std::string* out);
  Result<Flow> exec_for(const Stmt& stmt, const ScopePtr& scope, std::string* out);
  Status exec_set(const Stmt& stmt, const ScopePtr& scope);
  Status assign(const Expr& target, const Value& value, const ScopePtr& scope);
  Result<Value> eval(const Expr& expr, const ScopePtr& scope);
  Result<Value> eval_member(const Expr& expr, const ScopePtr& scope);
  Result<Value> eval_slice(const Value& object, const Expr& expr, const ScopePtr& scope);
  Result<Value> eval_binary(const Expr& expr, const ScopePtr& scope);
  Result<CallArgs> eval_args(const std::vector<Arg>& args, const ScopePtr& scope);
  Status step(SourcePos pos);
  Status append(std::string* out, const std::string& text) const;

  RenderLimits limits_;
  uint64_t steps_ = 0;
  int call_depth_ = 0;
  ScopePtr call_scope_;
  std::vector<Value> namespaces_;
};

// "at line L, column C: message" for errors while rendering.
Status error_at(SourcePos pos, const std::string& message);

}  // namespace sinan::jinja
