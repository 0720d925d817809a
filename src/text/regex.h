// Regular expressions as Hugging Face tokenizers runs them (Oniguruma), implemented on PCRE2 with UTF,
// Unicode properties (UCP) and JIT. Oniguruma and PCRE2 agree on the syntax tokenizer files use
// (\p{L}, \p{N}, (?i:...), lookahead, classes); the few semantic differences are translated:
//   - \s is Unicode White_Space in Oniguruma; PCRE2's UCP \s also matches U+180E. We spell it out.
//   - \h is a hex digit in Oniguruma (a horizontal space in PCRE2).
//   - ^ and $ are line anchors in Oniguruma (PCRE2_MULTILINE).
// Iteration follows Oniguruma's find_iter: an empty match right after the previous match is skipped.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sinan::text {

// A half-open byte range [begin, end) inside some text.
struct Span {
  size_t begin;
  size_t end;
};

struct RegexCode;
struct RegexScratchState;

// Per-call match state (PCRE2 match data and, when needed, a larger JIT stack). Not thread-safe; make one
// per thread or per call. Cheap to create.
class RegexScratch {
 public:
  RegexScratch();
  ~RegexScratch();
  RegexScratch(const RegexScratch&) = delete;
  RegexScratch& operator=(const RegexScratch&) = delete;

 private:
  friend class Regex;
  std::unique_ptr<RegexScratchState> state_;
};

class Regex {
 public:
  // Compiles a pattern written for Oniguruma (a tokenizer.json "Regex" value).
  static Result<Regex> compile(std::string_view oniguruma_pattern);
  // A pattern that matches `text` literally (a tokenizer.json "String" split pattern).
  static Result<Regex> literal(std::string_view text);

  // Appends every match in `text` (valid UTF-8), left to right, non-overlapping.
  Status find_all(std::string_view text, RegexScratch& scratch, std::vector<Span>& out) const;

  // The pattern as given (before translation).
  const std::string& pattern() const;

 private:
  explicit Regex(std::shared_ptr<const RegexCode> code) : code_(std::move(code)) {}
  std::shared_ptr<const RegexCode> code_;  // shared: compiled code is immutable, so copies are cheap
};

// Oniguruma pattern -> equivalent PCRE2 pattern (see the file comment). Exposed for tests.
Result<std::string> translate_oniguruma_pattern(std::string_view pattern);

}  // namespace sinan::text
