// Added tokens inside raw text, with the flags of Hugging Face's AddedToken.
#include <gtest/gtest.h>

#include "text/tokenizer.h"
#include "tiny_json.h"

namespace sinan {
namespace {

using Ids = std::vector<int32_t>;

Tokenizer make(const TinyTokenizerJson& json, const std::string& config = "") {
  Result<Tokenizer> tok = Tokenizer::from_hf_json(json.text(), config, "test tokenizer.json");
  EXPECT_TRUE(tok.ok()) << tok.message();
  return std::move(tok).value();
}

Ids encode(const Tokenizer& tok, std::string_view text, EncodeOptions options = {}) {
  Result<Ids> ids = tok.encode(text, options);
  EXPECT_TRUE(ids.ok()) << ids.message();
  return ids.ok() ? *ids : Ids{};
}

TEST(AddedTokens, LeftmostLongestAndSpecialFlag) {
  TinyTokenizerJson json;
  json.added_tokens = {added_token(300, "<a>", true), added_token(301, "<a><b>", true),
                       added_token(302, "<think>", false)};
  const Tokenizer tok = make(json);
  EXPECT_EQ(encode(tok, "<a><b><a>"), (Ids{301, 300}));
  EXPECT_EQ(encode(tok, "x<think>y"), (Ids{'x', 302, 'y'}));
  // Without special-token parsing only the non-special <think> is still recognised.
  EXPECT_EQ(encode(tok, "<a><think>", {.parse_special = false}), (Ids{'<', 'a', '>', 302}));
  EXPECT_TRUE(tok.is_special(300));
  EXPECT_FALSE(tok.is_special(302));
  EXPECT_EQ(tok.find_token("<think>"), 302);
}

TEST(AddedTokens, LstripAndRstripSwallowWhiteSpace) {
  TinyTokenizerJson json;
  json.added_tokens = {added_token(300, "<mask>", true, {{"lstrip", true}}),
                       added_token(301, "<eot>", true, {{"rstrip", true}})};
  const Tokenizer tok = make(json);
  EXPECT_EQ(encode(tok, "a \t<mask>b"), (Ids{'a', 300, 'b'}));
  EXPECT_EQ(encode(tok, "a<eot> \u3000 b"), (Ids{'a', 301, 'b'}));
  EXPECT_EQ(encode(tok, "a <eot> b"), (Ids{'a', ' ', 301, 'b'}));
}

TEST(AddedTokens, SingleWordMatchesOnlyAlone) {
  TinyTokenizerJson json;
  json.added_tokens = {added_token(300, "cat", false, {{"single_word", true}})};
  const Tokenizer tok = make(json);
  EXPECT_EQ(encode(tok, "a cat."), (Ids{'a', ' ', 300, '.'}));
  EXPECT_EQ(encode(tok, "cats"), (Ids{'c', 'a', 't', 's'}));
  EXPECT_EQ(encode(tok, "écat"), (Ids{0xC3, 0xA9, 'c', 'a', 't'}));  // é is a word character
}

TEST(AddedTokens, NormalizedTokensMatchAfterNormalization) {
  TinyTokenizerJson json;
  json.normalizer = {{"type", "NFC"}};
  json.added_tokens = {added_token(300, "café", false, {{"normalized", true}}),
                       added_token(301, "niño", false, {{"normalized", false}})};
  const Tokenizer tok = make(json);
  // "e" + combining acute becomes "é" under NFC, and the normalized token then matches.
  EXPECT_EQ(encode(tok, "cafe\u0301"), (Ids{300}));
  // A non-normalized token matches the raw text only: NFC of "n" + combining tilde is "ñ", but too late.
  EXPECT_EQ(encode(tok, "nin\u0303o"), (Ids{'n', 'i', 0xC3, 0xB1, 'o'}));
  EXPECT_EQ(encode(tok, "niño"), (Ids{301}));
}

// An added token whose text is already a model token takes the model's id, as in HF.
TEST(AddedTokens, ContentInTheVocabularyKeepsTheModelId) {
  TinyTokenizerJson json;
  json.added_tokens = {added_token(300, "é", false)};  // "é" is the byte-level spelling of byte 0xE9
  const Tokenizer tok = make(json);
  EXPECT_EQ(encode(tok, "é"), (Ids{0xE9}));
  EXPECT_EQ(tok.n_vocab(), 256);
}

TEST(AddedTokens, AddedTokenBreaksPreTokenizerContext) {
  TinyTokenizerJson json;
  json.merges = {{" ", " "}};
  json.added_tokens = {added_token(400, "<x>", true)};
  const Tokenizer tok = make(json);
  // Spaces before an added token end their segment, so \s+(?!\S) takes both spaces together.
  EXPECT_EQ(encode(tok, "a  <x>"), (Ids{'a', TinyTokenizerJson::merged_id(0), 400}));
}

TEST(AddedTokens, BosEosFromTokenizerConfig) {
  TinyTokenizerJson json;
  json.added_tokens = {added_token(300, "<s>", true), added_token(301, "</s>", true)};
  const Tokenizer tok =
      make(json, R"({"bos_token": {"content": "<s>"}, "eos_token": "</s>", "add_bos_token": true})");
  EXPECT_EQ(tok.bos_id(), 300);
  EXPECT_EQ(tok.eos_id(), 301);
  EXPECT_TRUE(tok.add_bos_by_default());
  EXPECT_EQ(encode(tok, "a", {.add_bos = true}), (Ids{300, 'a'}));
  EXPECT_EQ(tok.decode(Ids{300, 'a', 301}), "<s>a</s>");
  EXPECT_EQ(tok.decode(Ids{300, 'a', 301}, {.skip_special = true}), "a");
}

}  // namespace
}  // namespace sinan
