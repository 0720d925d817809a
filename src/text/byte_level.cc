#include "text/byte_level.h"

#include <array>

#include "text/utf8.h"

namespace sinan::text {
namespace {

constexpr bool keeps_own_code_point(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

constexpr std::array<uint16_t, 256> make_byte_to_code_point() {
  std::array<uint16_t, 256> table{};
  int next_shifted = 0;
  for (int b = 0; b < 256; ++b) {
    table[b] =
        keeps_own_code_point(b) ? static_cast<uint16_t>(b) : static_cast<uint16_t>(256 + next_shifted++);
  }
  return table;
}

// Code points used by the alphabet are all below U+0144, so the inverse is a small array.
constexpr int kMaxCodePoint = 256 + 68;

constexpr std::array<int16_t, kMaxCodePoint> make_code_point_to_byte() {
  std::array<int16_t, kMaxCodePoint> table{};
  for (auto& v : table) v = -1;
  const auto forward = make_byte_to_code_point();
  for (int b = 0; b < 256; ++b) table[forward[b]] = static_cast<int16_t>(b);
  return table;
}

constexpr std::array<uint16_t, 256> kByteToCodePoint = make_byte_to_code_point();
constexpr std::array<int16_t, kMaxCodePoint> kCodePointToByte = make_code_point_to_byte();

}  // namespace

uint32_t byte_level_code_point(uint8_t byte) {
  return kByteToCodePoint[byte];
}

std::optional<uint8_t> byte_level_byte(uint32_t code_point) {
  if (code_point >= kMaxCodePoint || kCodePointToByte[code_point] < 0) return std::nullopt;
  return static_cast<uint8_t>(kCodePointToByte[code_point]);
}

std::string to_byte_level(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) append_code_point(kByteToCodePoint[static_cast<uint8_t>(c)], out);
  return out;
}

std::optional<std::string> from_byte_level(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    if (utf8_step(text.substr(pos)).kind != Utf8Step::kChar) return std::nullopt;
    size_t length = 0;
    const uint32_t cp = decode_code_point(text.substr(pos), &length);
    const std::optional<uint8_t> byte = byte_level_byte(cp);
    if (!byte) return std::nullopt;
    out.push_back(static_cast<char>(*byte));
    pos += length;
  }
  return out;
}

}  // namespace sinan::text
