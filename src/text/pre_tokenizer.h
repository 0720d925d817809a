// Pre-tokenization: cutting normalized text into the pieces that BPE encodes one at a time. Every
// Hugging Face pre-tokenizer sinan supports reduces to two kinds of step applied to each piece in turn:
//   - a regex split with one of HF's five delimiter behaviours (optionally inverted), and
//   - ByteLevel's add_prefix_space (a ' ' in front of each piece that lacks one).
// Steps run in order over all pieces, and each regex sees one piece as its whole subject, exactly like
// HF's PreTokenizedString::split (so a lookahead never sees past the end of a piece).
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "text/regex.h"

namespace sinan::text {

// HF's SplitDelimiterBehavior.
enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Reusable buffers for one encode call.
struct PreTokenizeScratch {
  RegexScratch regex;
  std::vector<Span> matches;
  struct Event {
    size_t begin;
    size_t end;
    bool flag;  // is a match (before behaviour processing) / should be removed (after)
  };
  std::vector<Event> events;
  std::vector<Event> merged;
  std::vector<std::string_view> next;
  std::deque<std::string> owned;  // pieces that got a prefix space (deque: stable addresses)
};

class PreTokenizer {
 public:
  void add_split(Regex regex, SplitBehavior behavior, bool invert);
  void add_prefix_space();

  bool empty() const { return steps_.empty(); }

  // Replaces `pieces` by their pre-tokenized pieces (never empty strings). Views point into the original
  // pieces' storage or into scratch.owned.
  Status split(std::vector<std::string_view>& pieces, PreTokenizeScratch& scratch) const;

  // One line per step, for `sinan tokenize --explain`-style diagnostics and tests.
  std::string describe() const;

 private:
  struct Step {
    bool prefix_space = false;   // a ByteLevel add_prefix_space step; the fields below are unused
    std::optional<Regex> regex;  // set for split steps
    SplitBehavior behavior = SplitBehavior::kIsolated;
    bool invert = false;
  };
  Status split_one(const Step& step, std::string_view piece, PreTokenizeScratch& scratch) const;

  std::vector<Step> steps_;
};

std::string_view split_behavior_name(SplitBehavior behavior);

// The GPT-2 regex that ByteLevel applies when use_regex is true.
inline constexpr std::string_view kGpt2SplitPattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

}  // namespace sinan::text
