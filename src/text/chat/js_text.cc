#include "text/chat/js_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iterator>

namespace sinan::jinja::js {

bool is_whitespace(char32_t c) {
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

bool is_line_terminator(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

char32_t next_code_point(std::string_view s, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(*i);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int extra = b0 >= 0xF0 ? 3 : b0 >= 0xE0 ? 2 : 1;
  char32_t c = b0 & (0x3F >> extra);
  size_t k = *i + 1;
  for (int n = 0; n < extra && k < s.size(); ++n, ++k) c = (c << 6) | (byte(k) & 0x3F);
  *i = k;
  return c;
}

void append_utf8(std::string* out, char32_t c) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::optional<size_t> find_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    int extra;
    char32_t min;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      extra = 1, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      extra = 2, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      extra = 3, min = 0x10000;
    } else {
      return i;
    }
    if (i + extra >= s.size()) return i;  // truncated sequence
    char32_t c = b0 & (0x3F >> extra);
    for (int n = 1; n <= extra; ++n) {
      unsigned char b = static_cast<unsigned char>(s[i + n]);
      if ((b & 0xC0) != 0x80) return i;
      c = (c << 6) | (b & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return i;
    i += extra + 1;
  }
  return std::nullopt;
}

size_t utf16_length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) n += next_code_point(s, &i) >= 0x10000 ? 2 : 1;
  return n;
}

std::vector<std::string> code_points(std::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    next_code_point(s, &i);
    out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

std::string_view trim(std::string_view s, bool start, bool end) {
  size_t begin = 0;
  if (start) {
    while (begin < s.size()) {
      size_t next = begin;
      if (!is_whitespace(next_code_point(s, &next))) break;
      begin = next;
    }
  }
  size_t stop = s.size();
  if (end) {
    while (stop > begin) {
      size_t cp_start = stop - 1;
      while (cp_start > begin && (static_cast<unsigned char>(s[cp_start]) & 0xC0) == 0x80) --cp_start;
      size_t i = cp_start;
      if (!is_whitespace(next_code_point(s, &i))) break;
      stop = cp_start;
    }
  }
  return s.substr(begin, stop - begin);
}

std::vector<std::string> split_whitespace(std::string_view s, int64_t maxsplit) {
  std::vector<std::string> out;
  std::string_view text = trim(s, true, false);
  size_t i = 0;
  while (i < text.size()) {
    size_t word_start = i;
    size_t word_end = i;
    while (word_end < text.size()) {
      size_t next = word_end;
      if (is_whitespace(next_code_point(text, &next))) break;
      word_end = next;
    }
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
      out.emplace_back(text.substr(word_start));
      return out;
    }
    out.emplace_back(text.substr(word_start, word_end - word_start));
    i = word_end;
    while (i < text.size()) {
      size_t next = i;
      if (!is_whitespace(next_code_point(text, &next))) break;
      i = next;
    }
  }
  return out;
}

namespace {

struct CaseRange {
  char32_t first, last;  // code points first, first + step, ... last map to code point + delta
  int step;
  int delta;
};
struct CaseSpecial {
  char32_t from;
  char32_t to[3];  // unused entries are 0
};
#include "text/chat/js_case_table.inc"

template <size_t R, size_t S>
std::optional<std::string> map_case(std::string_view s, const CaseRange (&ranges)[R],
                                    const CaseSpecial (&specials)[S], bool lower) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t c = next_code_point(s, &i);
    // Final sigma depends on the surrounding letters; sinan does not carry the properties that decide it.
    if (lower && c == 0x03A3) return std::nullopt;
    const CaseSpecial* special = nullptr;
    for (const CaseSpecial& sp : specials) {
      if (sp.from == c && sp.from != 0) special = &sp;
    }
    if (special) {
      for (char32_t t : special->to) {
        if (t) append_utf8(&out, t);
      }
      continue;
    }
    auto it = std::upper_bound(std::begin(ranges), std::end(ranges), c,
                               [](char32_t v, const CaseRange& r) { return v < r.first; });
    if (it != std::begin(ranges)) {
      const CaseRange& r = *(it - 1);
      if (c <= r.last && (c - r.first) % r.step == 0)
        c = static_cast<char32_t>(static_cast<int64_t>(c) + r.delta);
    }
    append_utf8(&out, c);
  }
  return out;
}

}  // namespace

std::optional<std::string> to_upper(std::string_view s) {
  return map_case(s, kUpperRanges, kUpperSpecials, false);
}
std::optional<std::string> to_lower(std::string_view s) {
  return map_case(s, kLowerRanges, kLowerSpecials, true);
}

std::string number_to_string(double v) {
  if (std::isnan(v)) return "NaN";
  if (v == 0) return "0";
  if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
  std::string sign = v < 0 ? "-" : "";
  // Shortest round-trip digits in scientific form, "d.ddde+XX", then laid out by ECMAScript's rules.
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), std::fabs(v), std::chars_format::scientific);
  std::string_view sci(buffer, result.ptr - buffer);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  int k = static_cast<int>(digits.size());
  int n = exponent + 1;  // value = 0.digits * 10^n
  std::string out = sign;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, n);
    out += '.';
    out.append(digits, n, std::string::npos);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    out += fmt::format("e{}{}", n - 1 >= 0 ? "+" : "-", std::abs(n - 1));
  }
  return out;
}

std::string float_to_string(double v) {
  if (v == 0 && std::signbit(v)) return "-0.0";
  if (std::isfinite(v) && std::fmod(v, 1.0) == 0) {
    // toFixed(1): the exact integer below 1e21, the ordinary Number form from there on.
    if (std::fabs(v) < 1e21) return fmt::format("{:.1f}", v);
    return number_to_string(v);
  }
  return number_to_string(v);
}

std::string json_quote(std::string_view s, bool ensure_ascii) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    char32_t c = next_code_point(s, &i);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else if (ensure_ascii && c >= 0x7F) {
      if (c >= 0x10000) {
        char32_t u = c - 0x10000;
        out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (u >> 10), 0xDC00 + (u & 0x3FF));
      } else {
        out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
      }
    } else {
      append_utf8(&out, c);
    }
  }
  out += "\"";
  return out;
}

double string_to_number(std::string_view s) {
  std::string_view t = trim(s, true, true);
  if (t.empty()) return 0;
  const double nan = std::nan("");
  if (t.size() > 2 && t[0] == '0' &&
      (t[1] == 'x' || t[1] == 'X' || t[1] == 'o' || t[1] == 'O' || t[1] == 'b' || t[1] == 'B')) {
    int base = (t[1] == 'x' || t[1] == 'X') ? 16 : (t[1] == 'o' || t[1] == 'O') ? 8 : 2;
    double v = 0;
    for (char c : t.substr(2)) {
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : 99;
      if (d >= base) return nan;
      v = v * base + d;
    }
    return v;
  }
  std::string_view body = t;
  bool negative = false;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "Infinity") return negative ? -INFINITY : INFINITY;
  // StrDecimalLiteral: digits, optional fraction, optional exponent; at least one digit in the mantissa.
  size_t i = 0;
  size_t mantissa_digits = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++mantissa_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return nan;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return nan;
  }
  if (i != body.size()) return nan;
  double v = std::strtod(std::string(t).c_str(), nullptr);
  return v;
}

}  // namespace sinan::jinja::js
