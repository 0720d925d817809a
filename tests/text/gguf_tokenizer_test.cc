// Tokenizers read from GGUF metadata (the fixture models converted by llama.cpp's convert_hf_to_gguf.py)
// give the same ids as the tokenizer.json they were converted from.
#include <gtest/gtest.h>

#include <random>

#include "io/gguf.h"
#include "text/tokenizer.h"
#include "text_test_util.h"

namespace sinan {
namespace {

void expect_same_ids(const std::string& gguf_path, const std::string& json_path,
                     const std::string& expected_ids_path) {
  const Tokenizer& from_gguf = shared_tokenizer(gguf_path);
  const Tokenizer& from_json = shared_tokenizer(json_path);
  const std::vector<std::string> corpus = read_jsonl_strings(test_data("tokenizers/corpus_public.jsonl"));
  const std::vector<std::vector<int32_t>> expected = read_jsonl_ids(expected_ids_path);
  ASSERT_EQ(expected.size(), corpus.size());
  size_t matched = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    Result<std::vector<int32_t>> a = from_gguf.encode(corpus[i]);
    Result<std::vector<int32_t>> b = from_json.encode(corpus[i]);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b) << gguf_path << " line " << i + 1 << " " << nlohmann::json(corpus[i]).dump();
    if (*a == expected[i]) ++matched;
  }
  EXPECT_EQ(matched, corpus.size());
  std::printf("[ gguf   ] %s: %zu/%zu identical to HF\n", gguf_path.c_str(), matched, corpus.size());
}

TEST(GgufTokenizer, DeepSeekV3MatchesTokenizerJson) {
  expect_same_ids(test_data("gguf/deepseek_v3-bf16.gguf"),
                  test_data("tokenizers/tiny/deepseek_v3/tokenizer.json"),
                  test_data("tokenizers/deepseek_v3/tiny_corpus_public.ids.jsonl"));
}

TEST(GgufTokenizer, DeepSeekV2ModelUsesTheV3Tokenizer) {
  expect_same_ids(test_data("gguf/deepseek_v2-bf16.gguf"),
                  test_data("tokenizers/tiny/deepseek_v3/tokenizer.json"),
                  test_data("tokenizers/deepseek_v3/tiny_corpus_public.ids.jsonl"));
}

TEST(GgufTokenizer, Qwen2MatchesTokenizerJson) {
  expect_same_ids(test_data("gguf/qwen2-bf16.gguf"), test_data("tokenizers/tiny/qwen2/tokenizer.json"),
                  test_data("tokenizers/qwen3/tiny_corpus_public.ids.jsonl"));
}

TEST(GgufTokenizer, LlamaMatchesTokenizerJson) {
  expect_same_ids(test_data("gguf/llama-bf16.gguf"), test_data("tokenizers/tiny/llama/tokenizer.json"),
                  test_data("tokenizers/llama3_1/tiny_corpus_public.ids.jsonl"));
}

TEST(GgufTokenizer, SpecialTokensAndFlags) {
  const Tokenizer& v3 = shared_tokenizer(test_data("gguf/deepseek_v3-bf16.gguf"));
  EXPECT_EQ(v3.n_vocab(), 2018);
  EXPECT_EQ(v3.bos_id(), 0);
  EXPECT_EQ(v3.eos_id(), 1);
  EXPECT_TRUE(v3.add_bos_by_default());
  EXPECT_TRUE(v3.is_special(0));
  EXPECT_EQ(v3.find_token("<｜Assistant｜>").has_value(), true);
  Result<std::vector<int32_t>> with_bos = v3.encode("Hi", {.add_bos = true});
  ASSERT_TRUE(with_bos.ok());
  EXPECT_EQ(with_bos->front(), 0);

  const Tokenizer& qwen = shared_tokenizer(test_data("gguf/qwen2-bf16.gguf"));
  EXPECT_FALSE(qwen.bos_id().has_value());
  EXPECT_FALSE(qwen.add_bos_by_default());
  EXPECT_EQ(qwen.eos_id(), 2002);
  // <think> is a user-defined (non-special) token: recognised even when special tokens are not parsed.
  const std::optional<int32_t> think = qwen.find_token("<think>");
  ASSERT_TRUE(think.has_value());
  EXPECT_FALSE(qwen.is_special(*think));
  Result<std::vector<int32_t>> ids = qwen.encode("<think><|im_end|>", {.parse_special = false});
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->front(), *think);
  EXPECT_GT(ids->size(), 2u);  // <|im_end|> spelled out
}

TEST(GgufTokenizer, MatchesHfLoaderOnBosEosAndVocabulary) {
  for (const char* name : {"deepseek_v3", "qwen2", "llama"}) {
    const std::string gguf_name = std::string(name) + "-bf16.gguf";
    const Tokenizer& g = shared_tokenizer(test_data("gguf/" + gguf_name));
    const Tokenizer& h =
        shared_tokenizer(test_data("tokenizers/tiny/" + std::string(name) + "/tokenizer.json"));
    EXPECT_EQ(g.bos_id(), h.bos_id()) << name;
    EXPECT_EQ(g.eos_id(), h.eos_id()) << name;
    EXPECT_EQ(g.add_bos_by_default(), h.add_bos_by_default()) << name;
    const int32_t n = std::min(g.n_vocab(), h.n_vocab());
    for (int32_t id = 0; id < n; ++id) {
      ASSERT_EQ(g.token_bytes(id), h.token_bytes(id)) << name << " id " << id;
      // llama.cpp's converter marks tokens that look special ("<｜...｜>", "<|...|>") as control tokens even
      // when tokenizer.json calls them non-special, e.g. DeepSeek's <｜fim▁hole｜>. Only that may differ.
      const std::string_view text = g.token_text(id);
      const bool looks_special = (text.starts_with("<｜") && text.ends_with("｜>")) ||
                                 (text.starts_with("<|") && text.ends_with("|>"));
      if (!looks_special) {
        ASSERT_EQ(g.is_special(id), h.is_special(id)) << name << " id " << id << " " << text;
      }
    }
  }
}

// The built-in pre-tokenizers for GGUF names against the patterns of the tokenizer.json files, on random
// mixtures of scripts, digits, marks, odd white space and contractions.
TEST(GgufTokenizer, PresetsAgreeWithTokenizerJsonOnRandomText) {
  const std::vector<std::string> alphabet = {
      "a",      "Z",      "é",      "e\u0301", "ß",      "ſ",      "'",      "'s", "'S", "'ll",
      "'Ve",    "0",      "7",      "١",       "½",      "Ⅻ",      " ",      "  ", "\t", "\n",
      "\r\n",   "\u00A0", "\u3000", "\u180E",  "\u2028", "\u0085", "\u000B", "中", "的", "ひ",
      "カ",     "ｶ",      "한",     "ก",       "น",      "ั",       "्",       "म",  "😀",  "👍🏽",
      "\u200D", "\uFE0F", ".",      ",",       "!",      "?",      "-",      "—",  "$",  "+",
      "<",      ">",      "|",      "(",       "[",      "{",      "@",      "#",  "_",  "\\",
      "/",      "~",      "^",      "`",       "\"",     "ℝ",      "𝔸"};
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"gguf/deepseek_v3-bf16.gguf", "tokenizers/tiny/deepseek_v3/tokenizer.json"},
      {"gguf/qwen2-bf16.gguf", "tokenizers/tiny/qwen2/tokenizer.json"},
      {"gguf/llama-bf16.gguf", "tokenizers/tiny/llama/tokenizer.json"},
  };
  std::mt19937 rng(7);
  for (const auto& [gguf, json] : pairs) {
    const Tokenizer& a = shared_tokenizer(test_data(gguf));
    const Tokenizer& b = shared_tokenizer(test_data(json));
    for (int trial = 0; trial < 2000; ++trial) {
      std::string text;
      const int length = 1 + static_cast<int>(rng() % 24);
      for (int i = 0; i < length; ++i) text += alphabet[rng() % alphabet.size()];
      ASSERT_EQ(*a.encode(text), *b.encode(text)) << gguf << " " << nlohmann::json(text).dump();
    }
  }
}

}  // namespace
}  // namespace sinan
