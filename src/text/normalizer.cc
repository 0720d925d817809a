#include "text/normalizer.h"

#include <utf8proc.h>

#include <cstdlib>

#include "core/check.h"

namespace sinan::text {
namespace {

bool is_ascii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

std::string normalize_unicode(std::string_view text, NormalForm form) {
  // ASCII is invariant under every normal form; skipping utf8proc keeps English text fast.
  if (is_ascii(text)) return std::string(text);
  int options = UTF8PROC_STABLE;
  switch (form) {
    case NormalForm::kNFC:
      options |= UTF8PROC_COMPOSE;
      break;
    case NormalForm::kNFD:
      options |= UTF8PROC_DECOMPOSE;
      break;
    case NormalForm::kNFKC:
      options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
      break;
    case NormalForm::kNFKD:
      options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
      break;
  }
  utf8proc_uint8_t* result = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                          static_cast<utf8proc_ssize_t>(text.size()), &result,
                                          static_cast<utf8proc_option_t>(options));
  // utf8proc fails only on invalid UTF-8 or out of memory; callers pass valid UTF-8.
  SINAN_CHECK_MSG(n >= 0, "utf8proc_map failed: {}", utf8proc_errmsg(n));
  std::string out(reinterpret_cast<const char*>(result), static_cast<size_t>(n));
  std::free(result);
  return out;
}

std::string Normalizer::describe() const {
  if (steps_.empty()) return "none";
  std::string out;
  for (NormalForm form : steps_) {
    if (!out.empty()) out += " then ";
    switch (form) {
      case NormalForm::kNFC:
        out += "NFC";
        break;
      case NormalForm::kNFD:
        out += "NFD";
        break;
      case NormalForm::kNFKC:
        out += "NFKC";
        break;
      case NormalForm::kNFKD:
        out += "NFKD";
        break;
    }
  }
  return out;
}

std::string Normalizer::apply(std::string_view text) const {
  std::string current(text);
  for (NormalForm form : steps_) current = normalize_unicode(current, form);
  return current;
}

}  // namespace sinan::text
