#include "text/chat/jinja_compare.h"

#include <fmt/format.h>

#include "text/chat/js_text.h"

namespace sinan::jinja {
namespace {

std::u16string to_utf16(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    char32_t c = js::next_code_point(s, &i);
    if (c >= 0x10000) {
      out.push_back(static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(c));
    }
  }
  return out;
}

}  // namespace

Result<int> compare_values(const Value& a, const Value& b, bool case_sensitive) {
  if (a.is_none() && b.is_none()) return 0;
  if (a.is_none() || b.is_none())
    return Status::errorf("cannot compare {} with {}", a.type_name(), b.type_name());
  if (a.is_undefined() && b.is_undefined()) return 0;
  if (a.is_undefined() || b.is_undefined()) {
    return Status::errorf("cannot compare {} with {}", a.type_name(), b.type_name());
  }
  auto numeric = [](const Value& v) { return v.is_number() || v.kind() == Kind::kBool; };
  if (numeric(a) && numeric(b)) {
    double x = a.kind() == Kind::kBool ? a.as_bool() : a.as_number();
    double y = b.kind() == Kind::kBool ? b.as_bool() : b.as_number();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.kind() != b.kind()) return Status::errorf("cannot compare {} with {}", a.type_name(), b.type_name());
  if (!a.is_string()) return Status::errorf("cannot order {} values", a.type_name());
  std::string x = a.as_string(), y = b.as_string();
  if (!case_sensitive) {
    auto lx = js::to_lower(x);
    auto ly = js::to_lower(y);
    if (!lx || !ly)
      return Status::error("case-insensitive comparison of text with a capital sigma is not supported");
    x = std::move(*lx);
    y = std::move(*ly);
  }
  std::u16string ux = to_utf16(x), uy = to_utf16(y);
  return ux < uy ? -1 : ux > uy ? 1 : 0;
}

}  // namespace sinan::jinja
