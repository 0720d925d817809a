#include "text/pre_tokenizer.h"

#include <gtest/gtest.h>

#include "text/tokenizer.h"
#include "tiny_json.h"

namespace sinan::text {
namespace {

using Strings = std::vector<std::string>;

Strings run(const PreTokenizer& pre, std::string_view text) {
  PreTokenizeScratch scratch;
  std::vector<std::string_view> pieces{text};
  EXPECT_TRUE(pre.split(pieces, scratch).ok());
  return Strings(pieces.begin(), pieces.end());
}

PreTokenizer single_split(std::string_view pattern, SplitBehavior behavior, bool invert = false) {
  PreTokenizer pre;
  pre.add_split(Regex::compile(pattern).value(), behavior, invert);
  return pre;
}

// The examples of Hugging Face's documentation for Split's delimiter behaviours.
TEST(PreTokenizer, SplitBehavioursMatchHuggingFace) {
  const std::string text = "the-final--countdown";
  EXPECT_EQ(run(single_split("-", SplitBehavior::kRemoved), text), (Strings{"the", "final", "countdown"}));
  EXPECT_EQ(run(single_split("-", SplitBehavior::kIsolated), text),
            (Strings{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(run(single_split("-", SplitBehavior::kMergedWithPrevious), text),
            (Strings{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(run(single_split("-", SplitBehavior::kMergedWithNext), text),
            (Strings{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(run(single_split("-", SplitBehavior::kContiguous), text),
            (Strings{"the", "-", "final", "--", "countdown"}));
}

TEST(PreTokenizer, InvertKeepsTheMatches) {
  EXPECT_EQ(run(single_split("\\w+", SplitBehavior::kRemoved, /*invert=*/true), "Hey, you!"),
            (Strings{"Hey", "you"}));
}

TEST(PreTokenizer, EachStepSeesOnePieceAsItsWholeText) {
  PreTokenizer pre;
  pre.add_split(Regex::compile("\\p{N}{1,3}").value(), SplitBehavior::kIsolated, false);
  pre.add_split(Regex::compile("\\s+(?!\\S)|\\s+").value(), SplitBehavior::kIsolated, false);
  // After the digits split, "a  " ends its piece, so (?!\S) lets the whole run of spaces go together.
  EXPECT_EQ(run(pre, "a  1234"), (Strings{"a", "  ", "123", "4"}));
}

TEST(PreTokenizer, PrefixSpaceIsAddedPerPiece) {
  PreTokenizer pre;
  pre.add_split(Regex::compile("\\p{N}").value(), SplitBehavior::kIsolated, false);
  pre.add_prefix_space();
  EXPECT_EQ(run(pre, "ab1 c"), (Strings{" ab", " 1", " c"}));
}

// tokenizer.json pre-tokenizers other than Split/ByteLevel reduce to regex splits too.
TEST(PreTokenizer, DigitsWhitespaceAndPunctuationFromJson) {
  TinyTokenizerJson json;
  json.pre_tokenizer = {{"type", "Sequence"},
                        {"pretokenizers",
                         {{{"type", "WhitespaceSplit"}},
                          {{"type", "Digits"}, {"individual_digits", false}},
                          {{"type", "Punctuation"}},
                          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
  Result<Tokenizer> tok = Tokenizer::from_hf_json(json.text(), "", "test");
  ASSERT_TRUE(tok.ok()) << tok.message();
  // With only byte tokens, every byte of every piece is one id; the pieces themselves are not visible, but
  // removed white space is: "ab 12,c" keeps a, b, 1, 2, ',', c.
  Result<std::vector<int32_t>> ids = tok->encode("ab 12,c");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{'a', 'b', '1', '2', ',', 'c'}));
}

}  // namespace
}  // namespace sinan::text
