// response_format {"type": "json_object"}: the answer must be one JSON object. Sampling is constrained
// token by token: a token is allowed only if its bytes keep the answer a valid prefix of a JSON object AND
// the shortest way to finish the object still fits in the tokens left, so a max_tokens limit closes the
// object instead of cutting it. Once the object is closed only end tokens are allowed.
//
// JsonPrefixValidator is the byte-level pushdown automaton (pure, cheap to copy: no allocation);
// JsonConstraint applies it to a vocabulary and masks logits.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sinan {

class JsonPrefixValidator {
 public:
  static constexpr int kMaxDepth = 64;          // deeper nesting is refused
  static constexpr int kMaxWhitespaceRun = 16;  // whitespace bytes in a row outside strings
  // Numbers stay within double range, so every parser reads them (1e999 is valid JSON that many reject).
  static constexpr int kMaxIntegerDigits = 100;
  static constexpr int kMaxExponentDigits = 2;

  // Feeds bytes; returns false (and leaves the validator unusable) at the first byte that cannot continue a
  // JSON object. Bytes >= 0x80 are accepted inside strings as they come (the detokenizer repairs UTF-8).
  bool feed(std::string_view bytes);
  bool feed_byte(uint8_t c);

  // The object is complete: nothing but an end token may follow.
  bool complete() const { return mode_ == Mode::kDone; }
  bool failed() const { return mode_ == Mode::kFailed; }
  // Bytes needed at least to finish the object from here (0 when complete).
  int closing_length() const;
  // One shortest way to finish it (for tests; closing_length() == closing_suffix().size()).
  std::string closing_suffix() const;

 private:
  enum class Mode : uint8_t {
    kStart,         // before the top-level '{'
    kKeyOrEnd,      // after '{': a key or '}'
    kKey,           // after ',' in an object: a key
    kKeyString,     // inside a key
    kColon,         // after a key
    kValue,         // after ':' or ',' in an array
    kValueOrEnd,    // after '[': a value or ']'
    kValueString,   // inside a string value
    kAfterValue,    // after a value inside a container: ',' or the closer
    kNumMinus,      // "-": a digit must follow
    kNumZero,       // "0" or "-0": '.', 'e' or the end
    kNumInt,        // integer digits
    kNumDot,        // "1.": a digit must follow
    kNumFrac,       // fraction digits
    kNumExp,        // "1e": sign or digit
    kNumExpSign,    // "1e+": a digit must follow
    kNumExpDigits,  // exponent digits
    kLiteral,       // inside true / false / null
    kDone,          // the top-level object is closed
    kFailed,
  };
  // Escapes inside strings, tracked apart from the mode (which says key or value).
  enum class Escape : uint8_t { kNone, kBackslash, kUnicode };

  bool in_string() const { return mode_ == Mode::kKeyString || mode_ == Mode::kValueString; }
  bool start_value(uint8_t c);
  void end_value();
  bool fail() {
    mode_ = Mode::kFailed;
    return false;
  }

  Mode mode_ = Mode::kStart;
  Escape escape_ = Escape::kNone;
  uint8_t hex_left_ = 0;           // \uXXXX digits still to come
  uint8_t literal_left_ = 0;       // bytes of true/false/null still to come
  const char* literal_ = nullptr;  // the rest of that literal
  uint8_t whitespace_run_ = 0;
  uint8_t digits_ = 0;  // integer or exponent digits of the current number so far
  int depth_ = 0;
  std::array<char, kMaxDepth> stack_{};  // '{' or '[' per open container
};

class JsonConstraint {
 public:
  // token_bytes[id]: the raw bytes of each token (empty for tokens that produce no text).
  JsonConstraint(const std::vector<std::string>* token_bytes, std::span<const int32_t> end_tokens);

  // Sets logits of forbidden tokens to -infinity. `tokens_left` counts this token too (>= 1).
  // Returns false when no token is allowed (cannot happen while closing_length() < tokens_left).
  bool mask(float* logits, int64_t vocab, int64_t tokens_left) const;
  // Advances over the chosen token's bytes; false if they are not a valid continuation.
  bool accept(int32_t token);
  // Feeds text that belongs to the answer but came with the token that ended the reasoning.
  bool accept_text(std::string_view text) { return validator_.feed(text); }

  const JsonPrefixValidator& validator() const { return validator_; }

 private:
  bool is_end_token(int32_t token) const;

  const std::vector<std::string>* token_bytes_;
  std::vector<int32_t> end_tokens_;
  JsonPrefixValidator validator_;
};

}  // namespace sinan
