#include "text/regex.h"

#include <gtest/gtest.h>

#include "text/added_tokens.h"
#include "text/utf8.h"

namespace sinan::text {
namespace {

std::vector<std::string> matches(std::string_view pattern, std::string_view text) {
  Result<Regex> regex = Regex::compile(pattern);
  EXPECT_TRUE(regex.ok()) << regex.message();
  RegexScratch scratch;
  std::vector<Span> spans;
  EXPECT_TRUE(regex->find_all(text, scratch, spans).ok());
  std::vector<std::string> out;
  for (const Span& s : spans) out.emplace_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

using Strings = std::vector<std::string>;

TEST(Regex, TranslatesOnigurumaWhiteSpace) {
  EXPECT_EQ(translate_oniguruma_pattern("a\\sb").value(),
            "a[\\x{9}-\\x{D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-"
            "\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]b");
  EXPECT_TRUE(translate_oniguruma_pattern("[^\\s\\p{L}]").ok());
  EXPECT_FALSE(translate_oniguruma_pattern("[a-z&&[^aeiou]]").ok());
  EXPECT_FALSE(translate_oniguruma_pattern("[abc").ok());
  EXPECT_FALSE(translate_oniguruma_pattern("abc\\").ok());
  EXPECT_EQ(translate_oniguruma_pattern("[]a]").value(), "[\\]a]");
  EXPECT_EQ(translate_oniguruma_pattern("[[:alpha:]]").value(), "[[:alpha:]]");
}

TEST(Regex, WhiteSpaceClassIsExactlyUnicodeWhiteSpace) {
  Result<Regex> space = Regex::compile("\\s");
  Result<Regex> not_space = Regex::compile("\\S");
  ASSERT_TRUE(space.ok() && not_space.ok());
  RegexScratch scratch;
  std::vector<Span> spans;
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s;
    append_code_point(cp, s);
    spans.clear();
    ASSERT_TRUE(space->find_all(s, scratch, spans).ok());
    ASSERT_EQ(!spans.empty(), is_white_space(cp)) << std::hex << cp;
    spans.clear();
    ASSERT_TRUE(not_space->find_all(s, scratch, spans).ok());
    ASSERT_EQ(spans.empty(), is_white_space(cp)) << std::hex << cp;
  }
}

TEST(Regex, UnicodePropertiesAcrossScripts) {
  EXPECT_EQ(matches("\\p{L}+", "héllo мир 中文 नमस्ते"), (Strings{"héllo", "мир", "中文", "नमस", "त"}));
  EXPECT_EQ(matches("[\\p{L}\\p{M}]+", "नमस्ते"), (Strings{"नमस्ते"}));
  EXPECT_EQ(matches("\\p{N}", "1٢३Ⅻ½"), (Strings{"1", "٢", "३", "Ⅻ", "½"}));
  EXPECT_EQ(matches("\\p{S}", "$+^😀"), (Strings{"$", "+", "^", "😀"}));
  EXPECT_EQ(matches("\\p{P}+", "a,.!b"), (Strings{",.!"}));
}

TEST(Regex, CaseInsensitiveGroupAndLookahead) {
  EXPECT_EQ(matches("(?i:'s|'re)", "it's THEY'RE"), (Strings{"'s", "'RE"}));
  EXPECT_EQ(matches("\\s+(?!\\S)|\\s+", "a   b  "), (Strings{"  ", " ", "  "}));
}

TEST(Regex, DollarIsALineAnchorAsInOniguruma) {
  EXPECT_EQ(matches("\\s+$", "a \nb  "), (Strings{" ", "  "}));
}

// Oniguruma's find_iter skips an empty match adjacent to the previous match.
TEST(Regex, EmptyMatchesIterateLikeOniguruma) {
  EXPECT_EQ(matches("a*", "baaac"), (Strings{"", "aaa", ""}));
  EXPECT_EQ(matches("x*", ""), (Strings{""}));
}

TEST(Regex, LiteralEscapesEverything) {
  Result<Regex> literal = Regex::literal("a.b(c)\n");
  ASSERT_TRUE(literal.ok()) << literal.message();
  RegexScratch scratch;
  std::vector<Span> spans;
  ASSERT_TRUE(literal->find_all("axb(c)\n a.b(c)\n", scratch, spans).ok());
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].begin, 8u);
}

TEST(Regex, InvalidPatternsAreErrors) {
  EXPECT_FALSE(Regex::compile("(unclosed").ok());
  EXPECT_FALSE(Regex::compile("a{2,1}").ok());
  EXPECT_FALSE(Regex::compile("\xFF").ok());
}

TEST(Regex, LongInputsDoNotExhaustTheStack) {
  const std::string spaces(1 << 20, ' ');
  EXPECT_EQ(matches("\\s+(?!\\S)|\\s+", spaces).size(), 1u);
  const std::string letters(1 << 20, 'a');
  EXPECT_EQ(matches("[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}", letters).size(), 1u);
}

}  // namespace
}  // namespace sinan::text
