// Added tokens (special and not) and how they are found inside raw text, following Hugging Face's
// AddedVocabulary: two matchers, one for tokens with normalized=false (run on the raw input) and one for
// normalized=true (run on each normalized segment, with the token's own normalized text); leftmost-longest
// non-overlapping matches; then per token: single_word (drop the match unless it stands alone), lstrip and
// rstrip (swallow white space around it). parse_special=false skips special tokens only, like HF's
// split_special_tokens / encode_special_tokens.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "text/regex.h"

namespace sinan::text {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;
  bool normalized = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
};

// A piece of the input: plain text when token < 0, otherwise a recognised added token.
struct Segment {
  size_t begin;
  size_t end;
  int32_t token;
};

class AddedVocabulary {
 public:
  AddedVocabulary();

  // `match_text` is what is searched for: the content, or its normalized form for normalized tokens.
  void add(AddedToken token, std::string match_text);

  bool empty() const { return tokens_.empty(); }
  const std::vector<AddedToken>& tokens() const { return tokens_; }

  // Splits `text` into segments (in order, covering all plain text). `normalized_pass` picks the matcher.
  // Raw text may hold invalid UTF-8: it is matched byte-wise and never decoded beyond white space checks.
  void split(std::string_view text, bool normalized_pass, bool parse_special, RegexScratch& scratch,
             std::vector<Segment>& out) const;

 private:
  // A byte trie over match texts; leftmost-longest search.
  class Matcher {
   public:
    Matcher();
    void insert(std::string_view text, int32_t token_index);
    bool empty() const { return nodes_.size() == 1; }
    struct Match {
      size_t begin;
      size_t end;
      int32_t token_index;
    };
    void find_all(std::string_view text, std::vector<Match>& out) const;

   private:
    struct Node {
      int32_t token_index = -1;
      std::vector<std::pair<uint8_t, int32_t>> children;  // sorted by byte
    };
    int32_t child(int32_t node, uint8_t byte) const;
    std::vector<Node> nodes_;
    std::array<bool, 256> first_byte_{};
  };

  bool is_word_char_before(std::string_view text, size_t pos, RegexScratch& scratch) const;
  bool is_word_char_after(std::string_view text, size_t pos, RegexScratch& scratch) const;

  std::vector<AddedToken> tokens_;
  Matcher raw_matcher_;
  Matcher normalized_matcher_;
  std::optional<Regex> word_char_;  // Rust regex's Unicode \w, for single_word
};

// Unicode White_Space (what Rust's char::is_whitespace and regex \s accept).
bool is_white_space(uint32_t code_point);

}  // namespace sinan::text
