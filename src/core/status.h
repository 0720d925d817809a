// Errors that user input can reach: a Status (ok or a message) and Result<T> (a value or a Status).
// Invariants use SINAN_CHECK (check.h) instead and abort with file:line.
#pragma once

#include <fmt/format.h>

#include <string>
#include <utility>
#include <variant>

namespace sinan {

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  static Status error(std::string message) { return Status(std::move(message)); }
  template <typename... Args>
  static Status errorf(fmt::format_string<Args...> format, Args&&... args) {
    return Status(fmt::format(format, std::forward<Args>(args)...));
  }

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

  // Adds context in front of the message: "reading model.gguf: tensor blk.0...".
  Status with_context(const std::string& context) const {
    if (ok()) return *this;
    return Status(context + ": " + message_);
  }

 private:
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}
  bool failed_ = false;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(state_).ok()) state_ = Status::error("internal: Result built from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  Status status() const { return ok() ? Status() : std::get<Status>(state_); }
  const std::string& message() const {
    static const std::string kEmpty;
    return ok() ? kEmpty : std::get<Status>(state_).message();
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace sinan

#define SINAN_CONCAT_INNER(a, b) a##b
#define SINAN_CONCAT(a, b) SINAN_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` failed.
#define SINAN_RETURN_IF_ERROR(expr)                  \
  do {                                               \
    ::sinan::Status sinan_status_ = (expr);          \
    if (!sinan_status_.ok()) return sinan_status_;   \
  } while (0)

// `lhs = value of expr`, or returns its Status from the enclosing function.
#define SINAN_ASSIGN_OR_RETURN(lhs, expr) \
  SINAN_ASSIGN_OR_RETURN_IMPL(SINAN_CONCAT(sinan_result_, __LINE__), lhs, expr)
#define SINAN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
