// Invariant checks: a failure is a bug in sinan, never a user error, so it aborts with file:line.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace sinan::detail {
[[noreturn]] inline void check_failed(const char* file, int line, const char* condition, const std::string& message) {
  std::fprintf(stderr, "%s:%d: internal check failed: %s%s%s\n", file, line, condition, message.empty() ? "" : ": ",
               message.c_str());
  std::fflush(stderr);
  std::abort();
}
}  // namespace sinan::detail

#define SINAN_CHECK(cond)                                                        \
  do {                                                                           \
    if (!(cond)) [[unlikely]]                                                    \
      ::sinan::detail::check_failed(__FILE__, __LINE__, #cond, std::string());   \
  } while (0)

#define SINAN_CHECK_MSG(cond, ...)                                                       \
  do {                                                                                   \
    if (!(cond)) [[unlikely]]                                                            \
      ::sinan::detail::check_failed(__FILE__, __LINE__, #cond, fmt::format(__VA_ARGS__)); \
  } while (0)
