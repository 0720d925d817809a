// Decoding: encode-then-decode gives the input back (NFC-normalized where the tokenizer normalizes), and
// the incremental decoder streams the same text without ever splitting a character.
#include <gtest/gtest.h>

#include "text/incremental_decoder.h"
#include "text/normalizer.h"
#include "text/tokenizer.h"
#include "text/utf8.h"
#include "text_test_util.h"

namespace sinan {
namespace {

struct Named {
  std::string name;
  std::string path;
  bool nfc;
};

std::vector<Named> all_tokenizers() {
  return {
      {"deepseek_v3", built_data("tokenizers/deepseek_v3/tokenizer.json"), false},
      {"qwen3", built_data("tokenizers/qwen3/tokenizer.json"), true},
      {"llama3_1", built_data("tokenizers/llama3_1/tokenizer.json"), false},
      {"tiny deepseek_v3", test_data("tokenizers/tiny/deepseek_v3/tokenizer.json"), false},
      {"tiny demo", test_data("tokenizers/tiny/demo"), false},
      {"tiny qwen2", test_data("tokenizers/tiny/qwen2/tokenizer.json"), true},
      {"tiny llama", test_data("tokenizers/tiny/llama/tokenizer.json"), false},
      {"gguf deepseek_v3", test_data("gguf/deepseek_v3-bf16.gguf"), false},
      {"gguf qwen2", test_data("gguf/qwen2-bf16.gguf"), true},
      {"gguf llama", test_data("gguf/llama-bf16.gguf"), false},
      {"gguf deepseek-llm", built_data("vocab/ggml-vocab-deepseek-llm.gguf"), false},
      {"gguf deepseek-coder", built_data("vocab/ggml-vocab-deepseek-coder.gguf"), false},
  };
}

std::vector<std::string> corpus() {
  return read_jsonl_strings(test_data("tokenizers/corpus_public.jsonl"));
}

TEST(Decode, RoundTripsTheCorpus) {
  const std::vector<std::string> strings = corpus();
  for (const Named& n : all_tokenizers()) {
    const Tokenizer& tok = shared_tokenizer(n.path);
    size_t exact = 0;
    for (const std::string& s : strings) {
      Result<std::vector<int32_t>> ids = tok.encode(s);
      ASSERT_TRUE(ids.ok());
      const std::string expected = n.nfc ? text::normalize_unicode(s, text::NormalForm::kNFC) : s;
      EXPECT_EQ(tok.decode(*ids), expected) << n.name << ": " << nlohmann::json(s).dump();
      exact += tok.decode(*ids) == expected;
    }
    std::printf("[ decode ] %s: %zu/%zu round trips\n", n.name.c_str(), exact, strings.size());
  }
}

TEST(Decode, InvalidUtf8RoundTripsAsBytes) {
  const std::string input = "ok \x80\xBF caf\xC3 \xE4\xB8 end\xF0\x9F";
  for (const Named& n : all_tokenizers()) {
    const Tokenizer& tok = shared_tokenizer(n.path);
    Result<std::vector<int32_t>> ids = tok.encode(input);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(tok.decode_bytes(*ids), input) << n.name;
    std::string lossy;
    text::append_utf8_lossy(input, lossy);
    EXPECT_EQ(tok.decode(*ids), lossy) << n.name;
  }
}

// DeepSeek LLM / Coder have no byte tokens for C0, C1 and F5..FF (bytes no UTF-8 text contains); like HF
// with a character missing from the vocabulary, such bytes are dropped.
TEST(Decode, BytesWithoutATokenAreDropped) {
  const std::string input = "a\xFF\xC0z";
  const Tokenizer& llm = shared_tokenizer(built_data("vocab/ggml-vocab-deepseek-llm.gguf"));
  Result<std::vector<int32_t>> ids = llm.encode(input);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(llm.decode_bytes(*ids), "az");
  const Tokenizer& v3 = shared_tokenizer(built_data("tokenizers/deepseek_v3/tokenizer.json"));
  ids = v3.encode(input);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(v3.decode_bytes(*ids), input);
}

TEST(Decode, SkipsSpecialTokensAndUnknownIds) {
  const Tokenizer& tok = shared_tokenizer(built_data("tokenizers/deepseek_v3/tokenizer.json"));
  Result<std::vector<int32_t>> ids = tok.encode("<｜begin▁of▁sentence｜>Hi<｜end▁of▁sentence｜>");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->front(), 0);
  EXPECT_EQ(ids->back(), 1);
  EXPECT_EQ(tok.decode(*ids), "<｜begin▁of▁sentence｜>Hi<｜end▁of▁sentence｜>");
  EXPECT_EQ(tok.decode(*ids, {.skip_special = true}), "Hi");
  EXPECT_EQ(tok.decode(std::vector<int32_t>{-1, 1 << 29}), "");
}

// DeepSeek LLM (V2) has added tokens "ö", "ü", ...: they decode to their text (HF would give U+FFFD).
TEST(Decode, AddedTokensDecodeToTheirContent) {
  const Tokenizer& tok = shared_tokenizer(built_data("vocab/ggml-vocab-deepseek-llm.gguf"));
  Result<std::vector<int32_t>> ids = tok.encode("Ångström ÷");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{125, 214, 950, 2017, 100003, 76, 207, 100007}));
  EXPECT_EQ(tok.decode(*ids), "Ångström ÷");
}

// Every pushed piece is valid UTF-8, never splits a character, and all pieces add up to decode().
void expect_streams_like_decode(const Tokenizer& tok, const std::vector<int32_t>& ids,
                                const std::string& label, size_t* held_back) {
  IncrementalDecoder stream(tok);
  std::string streamed;
  for (int32_t id : ids) {
    const std::string piece = stream.push(id);
    ASSERT_TRUE(text::is_valid_utf8(piece)) << label;
    streamed += piece;
    *held_back += stream.pending_bytes() > 0;
  }
  streamed += stream.finish();
  EXPECT_EQ(streamed, tok.decode(ids)) << label;
}

TEST(IncrementalDecoder, NeverSplitsCharacters) {
  const std::vector<std::string> strings = corpus();
  for (const Named& n : all_tokenizers()) {
    const Tokenizer& tok = shared_tokenizer(n.path);
    size_t held_back = 0;
    for (const std::string& s : strings) {
      Result<std::vector<int32_t>> ids = tok.encode(s);
      ASSERT_TRUE(ids.ok());
      expect_streams_like_decode(tok, *ids, n.name + ": " + s, &held_back);
    }
    // CJK and emoji split across byte tokens must have made the decoder wait at least once.
    EXPECT_GT(held_back, 0u) << n.name;
  }
}

TEST(IncrementalDecoder, HoldsAnEmojiUntilItsLastByte) {
  const Tokenizer& tok = shared_tokenizer(test_data("tokenizers/tiny/deepseek_v3/tokenizer.json"));
  // Byte by byte: the tiny vocabulary has no token for 😀, so it is four byte tokens.
  Result<std::vector<int32_t>> ids = tok.encode("😀!");
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->size(), 5u);
  IncrementalDecoder stream(tok);
  EXPECT_EQ(stream.push((*ids)[0]), "");
  EXPECT_EQ(stream.push((*ids)[1]), "");
  EXPECT_EQ(stream.push((*ids)[2]), "");
  EXPECT_EQ(stream.pending_bytes(), 3u);
  EXPECT_EQ(stream.push((*ids)[3]), "😀");
  EXPECT_EQ(stream.push((*ids)[4]), "!");
  EXPECT_EQ(stream.finish(), "");
}

TEST(IncrementalDecoder, InvalidBytesBecomeReplacementsLikeDecode) {
  const Tokenizer& tok = shared_tokenizer(test_data("tokenizers/tiny/qwen2/tokenizer.json"));
  const std::string input =
      "a\xE4\xB8"
      "b\xFF\xF0\x9F\x98";  // cut characters, a stray byte, a cut at the end
  Result<std::vector<int32_t>> ids = tok.encode(input);
  ASSERT_TRUE(ids.ok());
  size_t held_back = 0;
  expect_streams_like_decode(tok, *ids, "invalid", &held_back);
  IncrementalDecoder skip(tok, {.skip_special = true});
  EXPECT_EQ(skip.push(*tok.find_token("<|im_end|>")), "");
}

}  // namespace
}  // namespace sinan
