#include "text/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cctype>

#include "core/check.h"
#include "text/utf8.h"

namespace sinan::text {
namespace {

// Oniguruma's Unicode \s: White_Space = 0009-000D, 0020, 0085, 00A0, 1680, 2000-200A, 2028, 2029, 202F,
// 205F, 3000. Written as the inside of a character class.
constexpr std::string_view kWhiteSpaceClassBody =
    "\\x{9}-\\x{D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}"
    "\\x{3000}";
constexpr std::string_view kHexDigitClassBody = "0-9a-fA-F";

// Larger JIT stack used only when a match runs out of the default 32 KiB machine stack.
constexpr size_t kJitStackStart = 64 * 1024;
constexpr size_t kJitStackMax = 64 * 1024 * 1024;

std::string pcre2_error_text(int code) {
  PCRE2_UCHAR buffer[256];
  const int n = pcre2_get_error_message(code, buffer, sizeof(buffer));
  return n < 0 ? fmt::format("PCRE2 error {}", code) : std::string(reinterpret_cast<char*>(buffer));
}

}  // namespace

struct RegexCode {
  std::string pattern;
  pcre2_code* code = nullptr;
  bool jit = false;
  ~RegexCode() { pcre2_code_free(code); }
};

struct RegexScratchState {
  pcre2_match_data* match_data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  ~RegexScratchState() {
    pcre2_match_data_free(match_data);
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(jit_stack);
  }
};

RegexScratch::RegexScratch() : state_(std::make_unique<RegexScratchState>()) {
  // One ovector pair suffices: we only read the overall match (PCRE2 then returns 0 instead of the group
  // count, which still means "matched").
  state_->match_data = pcre2_match_data_create(1, nullptr);
  SINAN_CHECK(state_->match_data != nullptr);
}

RegexScratch::~RegexScratch() = default;

Result<std::string> translate_oniguruma_pattern(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 64);
  bool in_class = false;
  size_t i = 0;
  while (i < p.size()) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return Status::error("pattern ends with a lone backslash");
      const char d = p[i + 1];
      if (d == 's') {
        if (in_class) {
          out.append(kWhiteSpaceClassBody);
        } else {
          out.append("[").append(kWhiteSpaceClassBody).append("]");
        }
      } else if (d == 'S' && !in_class) {
        out.append("[^").append(kWhiteSpaceClassBody).append("]");
      } else if (d == 'h') {
        if (in_class) {
          out.append(kHexDigitClassBody);
        } else {
          out.append("[").append(kHexDigitClassBody).append("]");
        }
      } else if (d == 'H' && !in_class) {
        out.append("[^").append(kHexDigitClassBody).append("]");
      } else if ((d == 'S' || d == 'H') && in_class) {
        return Status::errorf("'\\{}' inside a character class is not supported", d);
      } else {
        out.push_back(c);
        out.push_back(d);
      }
      i += 2;
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out.push_back(c);
      ++i;
      // A leading '^' negates; a ']' right after the opening (or after '^') is a literal.
      if (i < p.size() && p[i] == '^') out.push_back(p[i++]);
      if (i < p.size() && p[i] == ']') {
        out.append("\\]");
        ++i;
      }
      continue;
    }
    if (in_class && c == '[') {
      // POSIX classes such as [:alpha:] mean the same in both engines; nested sets do not exist in PCRE2.
      if (i + 1 < p.size() && p[i + 1] == ':') {
        const size_t close = p.find(":]", i + 2);
        if (close == std::string_view::npos) return Status::error("unterminated POSIX class");
        out.append(p.substr(i, close + 2 - i));
        i = close + 2;
        continue;
      }
      return Status::error("nested character classes (Oniguruma set operations) are not supported");
    }
    if (in_class && c == '&' && i + 1 < p.size() && p[i + 1] == '&') {
      return Status::error("character class intersection '&&' is not supported");
    }
    if (in_class && c == ']') in_class = false;
    out.push_back(c);
    ++i;
  }
  if (in_class) return Status::error("unterminated character class");
  return out;
}

Result<Regex> Regex::compile(std::string_view oniguruma_pattern) {
  if (!is_valid_utf8(oniguruma_pattern)) return Status::error("regex pattern is not valid UTF-8");
  SINAN_ASSIGN_OR_RETURN(std::string translated, translate_oniguruma_pattern(oniguruma_pattern));
  auto code = std::make_shared<RegexCode>();
  code->pattern = std::string(oniguruma_pattern);
  pcre2_compile_context* context = pcre2_compile_context_create(nullptr);
  SINAN_CHECK(context != nullptr);
  pcre2_set_newline(context, PCRE2_NEWLINE_LF);
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  code->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                             PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE | PCRE2_ALT_CIRCUMFLEX, &error_code,
                             &error_offset, context);
  pcre2_compile_context_free(context);
  if (code->code == nullptr) {
    return Status::errorf("invalid regex '{}': {} (at offset {} of the translated pattern)",
                          oniguruma_pattern, pcre2_error_text(error_code), error_offset);
  }
  // Without JIT (e.g. an unsupported CPU) the interpreter gives the same results, only slower.
  code->jit = pcre2_jit_compile(code->code, PCRE2_JIT_COMPLETE) == 0;
  return Regex(std::move(code));
}

Result<Regex> Regex::literal(std::string_view text) {
  std::string pattern;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    // Escape every ASCII character that is not alphanumeric; UTF-8 bytes >= 0x80 pass through.
    if (u < 0x80 && !std::isalnum(u)) {
      if (c == '\n') {
        pattern.append("\\n");
        continue;
      }
      pattern.push_back('\\');
    }
    pattern.push_back(c);
  }
  SINAN_ASSIGN_OR_RETURN(Regex regex, compile(pattern));
  return regex;
}

const std::string& Regex::pattern() const {
  return code_->pattern;
}

Status Regex::find_all(std::string_view text, RegexScratch& scratch, std::vector<Span>& out) const {
  RegexScratchState& state = *scratch.state_;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t search_from = 0;
  bool have_last_end = false;
  size_t last_end = 0;
  while (search_from <= text.size()) {
    int rc;
    if (code_->jit) {
      rc =
          pcre2_jit_match(code_->code, subject, text.size(), search_from, 0, state.match_data, state.context);
      if (rc == PCRE2_ERROR_JIT_STACKLIMIT && state.jit_stack == nullptr) {
        state.jit_stack = pcre2_jit_stack_create(kJitStackStart, kJitStackMax, nullptr);
        state.context = pcre2_match_context_create(nullptr);
        SINAN_CHECK(state.jit_stack != nullptr && state.context != nullptr);
        pcre2_jit_stack_assign(state.context, nullptr, state.jit_stack);
        continue;  // retry the same search with the larger stack
      }
    } else {
      rc = pcre2_match(code_->code, subject, text.size(), search_from, PCRE2_NO_UTF_CHECK, state.match_data,
                       state.context);
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      return Status::errorf("regex '{}' failed on a {}-byte piece: {}", code_->pattern, text.size(),
                            pcre2_error_text(rc));
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.match_data);
    const size_t begin = ovector[0];
    const size_t end = ovector[1];
    if (begin == end && have_last_end && last_end == end) {
      // Oniguruma skips an empty match that touches the previous match and moves on one character.
      if (search_from >= text.size()) break;
      const Utf8Step step = utf8_step(text.substr(search_from));
      search_from += step.length;
      continue;
    }
    out.push_back({begin, end});
    have_last_end = true;
    last_end = end;
    search_from = end;
  }
  return Status();
}

}  // namespace sinan::text
