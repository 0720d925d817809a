// UTF-8 helpers for the tokenizer: validity scanning, lossy conversion with the same replacement rule as
// Rust's String::from_utf8_lossy (which Hugging Face tokenizers uses when decoding), and code point encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sinan::text {

// What the bytes at the start of a buffer hold.
struct Utf8Step {
  enum Kind : uint8_t {
    kChar,        // a complete, valid character of `length` bytes
    kInvalid,     // `length` bytes that can never start a valid character (one U+FFFD)
    kIncomplete,  // a valid but truncated prefix of a character: more bytes may complete it
  };
  Kind kind;
  size_t length;
};

// Classifies the sequence at the start of `bytes` (which must be non-empty). Invalid subsequences are cut
// at the first byte that cannot continue them ("maximal subpart" rule of Unicode chapter 3).
Utf8Step utf8_step(std::string_view bytes);

// True when `bytes` is entirely well-formed UTF-8.
bool is_valid_utf8(std::string_view bytes);

// Length of the longest prefix of `bytes` that is well-formed UTF-8.
size_t valid_utf8_prefix(std::string_view bytes);

// Appends `bytes` to `out`, replacing each maximal invalid subpart (and a truncated sequence at the end)
// by U+FFFD, exactly as String::from_utf8_lossy does.
void append_utf8_lossy(std::string_view bytes, std::string& out);

// Appends the UTF-8 encoding of a code point (which must be a Unicode scalar value).
void append_code_point(uint32_t code_point, std::string& out);

// Decodes the valid character at the start of `bytes`; `length` receives its size. Precondition: bytes
// starts with a complete valid character.
uint32_t decode_code_point(std::string_view bytes, size_t* length);

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

}  // namespace sinan::text
