// The JavaScript string and number semantics that show in the reference renderer's output. The reference
// (@huggingface/jinja, the renderer Hugging Face ships for chat templates) runs on JavaScript strings, so its
// lengths count UTF-16 units, trim() uses JavaScript's whitespace set, numbers print as
// Number.prototype.toString does and tojson is JSON.stringify. sinan keeps text in UTF-8 and reproduces those
// rules here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinan::jinja::js {

// WhiteSpace and LineTerminator of ECMAScript: what \s matches and what trim() removes.
bool is_whitespace(char32_t c);
// Line terminators, where a multiline regex ^ matches: \n \r U+2028 U+2029.
bool is_line_terminator(char32_t c);

// Decodes the code point at s[*i] and advances *i. Input must be valid UTF-8 (see valid_utf8).
char32_t next_code_point(std::string_view s, size_t* i);
void append_utf8(std::string* out, char32_t c);
// The byte offset of the first invalid UTF-8 sequence, or nullopt when `s` is valid.
std::optional<size_t> find_invalid_utf8(std::string_view s);

// Number of UTF-16 code units: String.prototype.length.
size_t utf16_length(std::string_view s);
// The string's code points, each as its UTF-8 bytes: Array.from(string).
std::vector<std::string> code_points(std::string_view s);

// String.prototype.trim / trimStart / trimEnd.
std::string_view trim(std::string_view s, bool start, bool end);
// Whitespace-separated words as str.split() with no separator does; maxsplit < 0 means no limit.
std::vector<std::string> split_whitespace(std::string_view s, int64_t maxsplit);

// ASCII-only case mapping; nullopt when the text has letters outside ASCII, whose JavaScript case mapping
// sinan does not carry (the caller reports that instead of guessing).
std::optional<std::string> to_upper(std::string_view s);
std::optional<std::string> to_lower(std::string_view s);

// Number.prototype.toString(): 1 -> "1", 0.5 -> "0.5", 1e21 -> "1e+21", NaN -> "NaN".
std::string number_to_string(double v);
// How the reference prints a float value: integral values keep one decimal (2 -> "2.0", -0 -> "-0.0").
std::string float_to_string(double v);
// JSON.stringify of a string; with ensure_ascii every UTF-16 unit from U+007F up is escaped as \uXXXX.
std::string json_quote(std::string_view s, bool ensure_ascii);
// ToNumber(string) as loose equality (==) applies it: trimmed decimal, hex/octal/binary integers, Infinity;
// "" -> 0; anything else NaN.
double string_to_number(std::string_view s);

}  // namespace sinan::jinja::js
