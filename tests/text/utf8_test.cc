#include "text/utf8.h"

#include <gtest/gtest.h>

#include "text/added_tokens.h"
#include "text/byte_level.h"

namespace sinan::text {
namespace {

std::string lossy(std::string_view bytes) {
  std::string out;
  append_utf8_lossy(bytes, out);
  return out;
}

TEST(Utf8, StepClassifiesSequences) {
  EXPECT_EQ(utf8_step("a").kind, Utf8Step::kChar);
  EXPECT_EQ(utf8_step("é").length, 2u);
  EXPECT_EQ(utf8_step("中").length, 3u);
  EXPECT_EQ(utf8_step("😀").length, 4u);
  // Overlong, surrogate and out-of-range forms are invalid at their first byte.
  EXPECT_EQ(utf8_step("\xC0\x80").kind, Utf8Step::kInvalid);
  EXPECT_EQ(utf8_step("\xE0\x80\x80").length, 1u);
  EXPECT_EQ(utf8_step("\xED\xA0\x80").kind, Utf8Step::kInvalid);
  EXPECT_EQ(utf8_step("\xF4\x90\x80\x80").kind, Utf8Step::kInvalid);
  EXPECT_EQ(utf8_step("\x80").kind, Utf8Step::kInvalid);
  // A truncated character is incomplete; one cut by a wrong byte is invalid up to that byte.
  EXPECT_EQ(utf8_step("\xE4\xB8").kind, Utf8Step::kIncomplete);
  EXPECT_EQ(utf8_step("\xE4\xB8").length, 2u);
  EXPECT_EQ(utf8_step("\xE4\xB8"
                      "A")
                .kind,
            Utf8Step::kInvalid);
  EXPECT_EQ(utf8_step("\xE4\xB8"
                      "A")
                .length,
            2u);
}

// The replacement rule of Rust's String::from_utf8_lossy (Unicode's "maximal subpart" practice).
TEST(Utf8, LossyMatchesRust) {
  EXPECT_EQ(lossy("Hello\xF0\x90\x80World"), "Hello\uFFFDWorld");
  EXPECT_EQ(lossy("\xE0\x80\x80"), "\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(lossy("\xF1\x80\x80\xE1\x80\xC2"), "\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(lossy("a\xFF"
                  "b"),
            "a\uFFFDb");
  EXPECT_EQ(lossy("ok ✓"), "ok ✓");
  EXPECT_EQ(lossy("\xE4\xB8"), "\uFFFD");
}

TEST(Utf8, ValidPrefixAndCodePoints) {
  EXPECT_TRUE(is_valid_utf8("naïve 😀"));
  EXPECT_FALSE(is_valid_utf8("a\xC3"));
  EXPECT_EQ(valid_utf8_prefix("ab\xC3"), 2u);
  for (uint32_t cp : {0x24u, 0xA2u, 0x939u, 0x20ACu, 0xD55Cu, 0x10348u, 0x10FFFFu}) {
    std::string s;
    append_code_point(cp, s);
    size_t length = 0;
    EXPECT_EQ(decode_code_point(s, &length), cp);
    EXPECT_EQ(length, s.size());
  }
}

TEST(ByteLevel, AlphabetIsGpt2s) {
  EXPECT_EQ(to_byte_level(" "), "Ġ");
  EXPECT_EQ(to_byte_level("\n"), "Ċ");
  EXPECT_EQ(to_byte_level("hello"), "hello");
  EXPECT_EQ(to_byte_level("\xE4\xB8\xAD"), "ä¸Ń");  // 中
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_EQ(from_byte_level(to_byte_level(all)), all);
  EXPECT_EQ(from_byte_level("<｜begin▁of▁sentence｜>"), std::nullopt);
  EXPECT_EQ(from_byte_level(" "), std::nullopt);  // a raw space is not in the alphabet
}

TEST(WhiteSpace, IsUnicodeWhiteSpaceProperty) {
  int count = 0;
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) count += is_white_space(cp);
  EXPECT_EQ(count, 25);  // Unicode's White_Space has 25 code points
  EXPECT_FALSE(is_white_space(0x180E));
  EXPECT_FALSE(is_white_space(0x200B));
}

}  // namespace
}  // namespace sinan::text
