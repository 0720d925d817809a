// GPT-2's byte-level alphabet: a reversible map from the 256 byte values to 256 printable code points.
// Bytes that are printable in Latin-1 ('!'..'~', 0xA1..0xAC, 0xAE..0xFF) keep their own code point; the
// other 68 are given U+0100, U+0101, ... in byte order (so ' ' is 'Ġ' U+0120 and '\n' is 'Ċ' U+010A).
// Byte-level BPE vocabularies store tokens in this alphabet.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sinan::text {

uint32_t byte_level_code_point(uint8_t byte);

// The byte a code point stands for, or nullopt when it is outside the alphabet.
std::optional<uint8_t> byte_level_byte(uint32_t code_point);

// Raw bytes -> their byte-level spelling (always valid UTF-8).
std::string to_byte_level(std::string_view bytes);

// Byte-level spelling -> raw bytes; nullopt when `text` is not valid UTF-8 or has a character outside the
// alphabet (such tokens, e.g. "<｜begin▁of▁sentence｜>", are not reachable by byte-level BPE).
std::optional<std::string> from_byte_level(std::string_view text);

}  // namespace sinan::text
