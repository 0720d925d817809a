#include "text/utf8.h"

#include "core/check.h"

namespace sinan::text {
namespace {

// Allowed range of the second byte after a lead byte; later continuation bytes are always 80..BF.
struct LeadInfo {
  uint8_t length;  // 0 for bytes that cannot start a character
  uint8_t second_lo;
  uint8_t second_hi;
};

LeadInfo lead_info(uint8_t b) {
  if (b < 0x80) return {1, 0, 0};
  if (b < 0xC2) return {0, 0, 0};
  if (b < 0xE0) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};  // excludes surrogates
  if (b < 0xF0) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b < 0xF4) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};  // up to U+10FFFF
  return {0, 0, 0};
}

}  // namespace

Utf8Step utf8_step(std::string_view bytes) {
  SINAN_CHECK(!bytes.empty());
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const LeadInfo info = lead_info(p[0]);
  if (info.length == 0) return {Utf8Step::kInvalid, 1};
  if (info.length == 1) return {Utf8Step::kChar, 1};
  for (size_t i = 1; i < info.length; ++i) {
    if (i >= bytes.size()) return {Utf8Step::kIncomplete, i};
    const uint8_t lo = i == 1 ? info.second_lo : 0x80;
    const uint8_t hi = i == 1 ? info.second_hi : 0xBF;
    if (p[i] < lo || p[i] > hi) return {Utf8Step::kInvalid, i};
  }
  return {Utf8Step::kChar, info.length};
}

size_t valid_utf8_prefix(std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    // ASCII fast path: most text is mostly ASCII.
    if (static_cast<uint8_t>(bytes[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const Utf8Step step = utf8_step(bytes.substr(pos));
    if (step.kind != Utf8Step::kChar) break;
    pos += step.length;
  }
  return pos;
}

bool is_valid_utf8(std::string_view bytes) {
  return valid_utf8_prefix(bytes) == bytes.size();
}

void append_utf8_lossy(std::string_view bytes, std::string& out) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t valid = valid_utf8_prefix(bytes.substr(pos));
    out.append(bytes.substr(pos, valid));
    pos += valid;
    if (pos == bytes.size()) break;
    const Utf8Step step = utf8_step(bytes.substr(pos));
    out.append(kReplacementCharacter);
    pos += step.length;
  }
}

void append_code_point(uint32_t cp, std::string& out) {
  SINAN_CHECK(cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF));
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

uint32_t decode_code_point(std::string_view bytes, size_t* length) {
  const Utf8Step step = utf8_step(bytes);
  SINAN_CHECK(step.kind == Utf8Step::kChar);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  *length = step.length;
  switch (step.length) {
    case 1:
      return p[0];
    case 2:
      return (uint32_t{p[0]} & 0x1F) << 6 | (p[1] & 0x3F);
    case 3:
      return (uint32_t{p[0]} & 0x0F) << 12 | (uint32_t{p[1]} & 0x3F) << 6 | (p[2] & 0x3F);
    default:
      return (uint32_t{p[0]} & 0x07) << 18 | (uint32_t{p[1]} & 0x3F) << 12 | (uint32_t{p[2]} & 0x3F) << 6 |
             (p[3] & 0x3F);
  }
}

}  // namespace sinan::text
