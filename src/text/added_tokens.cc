#include "text/added_tokens.h"

#include <algorithm>

#include "core/check.h"
#include "text/utf8.h"

namespace sinan::text {
namespace {

// Rust regex's Unicode \w: Alphabetic, marks, decimal digits, connector punctuation, joiners.
constexpr std::string_view kWordCharPattern = "^[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}]";

// The complete valid character ending at `pos`, if any: its length (1..4), else 0.
size_t char_length_ending_at(std::string_view text, size_t pos) {
  for (size_t length = 1; length <= 4 && length <= pos; ++length) {
    const Utf8Step step = utf8_step(text.substr(pos - length, length));
    if (step.kind == Utf8Step::kChar && step.length == length) return length;
  }
  return 0;
}

size_t white_space_length_ending_at(std::string_view text, size_t pos) {
  const size_t length = char_length_ending_at(text, pos);
  if (length == 0) return 0;
  size_t decoded = 0;
  return is_white_space(decode_code_point(text.substr(pos - length), &decoded)) ? length : 0;
}

size_t white_space_length_starting_at(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  const Utf8Step step = utf8_step(text.substr(pos));
  if (step.kind != Utf8Step::kChar) return 0;
  size_t length = 0;
  return is_white_space(decode_code_point(text.substr(pos), &length)) ? length : 0;
}

}  // namespace

bool is_white_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

AddedVocabulary::Matcher::Matcher() : nodes_(1) {}

int32_t AddedVocabulary::Matcher::child(int32_t node, uint8_t byte) const {
  const auto& children = nodes_[node].children;
  auto it = std::lower_bound(children.begin(), children.end(), byte,
                             [](const std::pair<uint8_t, int32_t>& c, uint8_t b) { return c.first < b; });
  return it != children.end() && it->first == byte ? it->second : -1;
}

void AddedVocabulary::Matcher::insert(std::string_view text, int32_t token_index) {
  if (text.empty()) return;  // HF ignores empty added tokens
  first_byte_[static_cast<uint8_t>(text[0])] = true;
  int32_t node = 0;
  for (char c : text) {
    const auto byte = static_cast<uint8_t>(c);
    int32_t next = child(node, byte);
    if (next < 0) {
      next = static_cast<int32_t>(nodes_.size());
      nodes_.emplace_back();
      auto& children = nodes_[node].children;
      auto it = std::lower_bound(children.begin(), children.end(), byte,
                                 [](const std::pair<uint8_t, int32_t>& c, uint8_t b) { return c.first < b; });
      children.insert(it, {byte, next});
    }
    node = next;
  }
  nodes_[node].token_index = token_index;  // a later token with the same text replaces it, as in HF
}

void AddedVocabulary::Matcher::find_all(std::string_view text, std::vector<Match>& out) const {
  size_t pos = 0;
  while (pos < text.size()) {
    if (!first_byte_[static_cast<uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    int32_t node = 0;
    int32_t best = -1;
    size_t best_end = 0;
    for (size_t i = pos; i < text.size(); ++i) {
      node = child(node, static_cast<uint8_t>(text[i]));
      if (node < 0) break;
      if (nodes_[node].token_index >= 0) {
        best = nodes_[node].token_index;
        best_end = i + 1;
      }
    }
    if (best >= 0) {
      out.push_back({pos, best_end, best});
      pos = best_end;
    } else {
      ++pos;
    }
  }
}

AddedVocabulary::AddedVocabulary() {
  Result<Regex> word_char = Regex::compile(kWordCharPattern);
  SINAN_CHECK_MSG(word_char.ok(), "{}", word_char.message());
  word_char_ = std::move(word_char).value();
}

void AddedVocabulary::add(AddedToken token, std::string match_text) {
  const auto index = static_cast<int32_t>(tokens_.size());
  (token.normalized ? normalized_matcher_ : raw_matcher_).insert(match_text, index);
  tokens_.push_back(std::move(token));
}

bool AddedVocabulary::is_word_char_before(std::string_view text, size_t pos, RegexScratch& scratch) const {
  const size_t length = char_length_ending_at(text, pos);
  if (length == 0) return false;
  std::vector<Span> matches;
  const Status status = word_char_->find_all(text.substr(pos - length, length), scratch, matches);
  return status.ok() && !matches.empty();
}

bool AddedVocabulary::is_word_char_after(std::string_view text, size_t pos, RegexScratch& scratch) const {
  if (pos >= text.size()) return false;
  const Utf8Step step = utf8_step(text.substr(pos));
  if (step.kind != Utf8Step::kChar) return false;
  std::vector<Span> matches;
  const Status status = word_char_->find_all(text.substr(pos, step.length), scratch, matches);
  return status.ok() && !matches.empty();
}

void AddedVocabulary::split(std::string_view text, bool normalized_pass, bool parse_special,
                            RegexScratch& scratch, std::vector<Segment>& out) const {
  const Matcher& matcher = normalized_pass ? normalized_matcher_ : raw_matcher_;
  if (text.empty()) return;
  if (matcher.empty()) {
    out.push_back({0, text.size(), -1});
    return;
  }
  std::vector<Matcher::Match> matches;
  matcher.find_all(text, matches);
  size_t start_offset = 0;
  for (const Matcher::Match& m : matches) {
    const AddedToken& token = tokens_[m.token_index];
    if (!parse_special && token.special) continue;
    size_t start = m.begin;
    size_t stop = m.end;
    if (token.single_word) {
      const bool alone_left = start == 0 || !is_word_char_before(text, start, scratch);
      const bool alone_right = stop == text.size() || !is_word_char_after(text, stop, scratch);
      if (!alone_left || !alone_right) continue;
    }
    if (token.lstrip) {
      size_t new_start = start;
      while (size_t n = white_space_length_ending_at(text, new_start)) new_start -= n;
      start = std::max(new_start, start_offset);
    }
    if (token.rstrip) {
      while (size_t n = white_space_length_starting_at(text, stop)) stop += n;
    }
    if (start_offset < start) out.push_back({start_offset, start, -1});
    out.push_back({start, stop, token.id});
    start_offset = stop;
  }
  if (start_offset < text.size()) out.push_back({start_offset, text.size(), -1});
}

}  // namespace sinan::text
