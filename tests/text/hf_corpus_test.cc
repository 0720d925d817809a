// Ids identical to Hugging Face tokenizers 0.23 (encode(text, add_special_tokens=False)) on the 194 public
// corpus strings, for the three real tokenizers and for the truncated tokenizers of the fixture models.
#include <gtest/gtest.h>

#include <thread>

#include "text/tokenizer.h"
#include "text_test_util.h"

namespace sinan {
namespace {

struct CorpusCase {
  const char* name;
  std::string tokenizer_path;  // a tokenizer.json
  std::string expected_ids;    // JSON lines of id arrays
};

// Counts and reports every mismatching line, so one run shows the whole picture.
void expect_corpus_matches(const CorpusCase& c) {
  const Tokenizer& tok = shared_tokenizer(c.tokenizer_path);
  const std::vector<std::string> corpus = read_jsonl_strings(test_data("tokenizers/corpus_public.jsonl"));
  const std::vector<std::vector<int32_t>> expected = read_jsonl_ids(c.expected_ids);
  ASSERT_EQ(corpus.size(), 194u);
  ASSERT_EQ(expected.size(), corpus.size());
  size_t matched = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    Result<std::vector<int32_t>> ids = tok.encode(corpus[i]);
    ASSERT_TRUE(ids.ok()) << ids.message();
    if (*ids == expected[i]) {
      ++matched;
    } else {
      ADD_FAILURE() << c.name << " line " << i + 1 << " " << nlohmann::json(corpus[i]).dump()
                    << "\n  got      " << ids_to_string(*ids) << "\n  expected "
                    << ids_to_string(expected[i]);
    }
  }
  EXPECT_EQ(matched, corpus.size()) << c.name;
  std::printf("[ corpus ] %s: %zu/%zu identical\n", c.name, matched, corpus.size());
}

TEST(HfCorpus, DeepSeekV3) {
  expect_corpus_matches({"deepseek_v3", built_data("tokenizers/deepseek_v3/tokenizer.json"),
                         test_data("tokenizers/deepseek_v3/corpus_public.ids.jsonl")});
}

TEST(HfCorpus, Qwen3) {
  expect_corpus_matches({"qwen3", built_data("tokenizers/qwen3/tokenizer.json"),
                         test_data("tokenizers/qwen3/corpus_public.ids.jsonl")});
}

TEST(HfCorpus, Llama3) {
  expect_corpus_matches({"llama3_1", built_data("tokenizers/llama3_1/tokenizer.json"),
                         test_data("tokenizers/llama3_1/corpus_public.ids.jsonl")});
}

// Which truncated tokenizer produced each tiny_corpus file: deepseek_v3's is the tokenizer of the
// deepseek_v3 / deepseek_v2 / deepseek_v3_fp8 fixture models (identical files), not the demo model's
// (which adds <think> and </think> as tokens 2018-2019); qwen3's is the qwen2 model's; llama3_1's is the
// llama model's.
TEST(HfTinyCorpus, DeepSeekV3ModelTokenizer) {
  expect_corpus_matches({"tiny deepseek_v3", test_data("tokenizers/tiny/deepseek_v3/tokenizer.json"),
                         test_data("tokenizers/deepseek_v3/tiny_corpus_public.ids.jsonl")});
}

TEST(HfTinyCorpus, Qwen2ModelTokenizer) {
  expect_corpus_matches({"tiny qwen2", test_data("tokenizers/tiny/qwen2/tokenizer.json"),
                         test_data("tokenizers/qwen3/tiny_corpus_public.ids.jsonl")});
}

TEST(HfTinyCorpus, LlamaModelTokenizer) {
  expect_corpus_matches({"tiny llama", test_data("tokenizers/tiny/llama/tokenizer.json"),
                         test_data("tokenizers/llama3_1/tiny_corpus_public.ids.jsonl")});
}

// The check behind the comment above: the demo model's tokenizer (the same BPE plus <think>, </think>)
// agrees with the tiny deepseek_v3 ids except on the lines that contain those two strings.
TEST(HfTinyCorpus, DemoTokenizerDiffersOnlyOnThinkTags) {
  const Tokenizer& demo = shared_tokenizer(test_data("tokenizers/tiny/demo"));
  const std::vector<std::string> corpus = read_jsonl_strings(test_data("tokenizers/corpus_public.jsonl"));
  const std::vector<std::vector<int32_t>> expected =
      read_jsonl_ids(test_data("tokenizers/deepseek_v3/tiny_corpus_public.ids.jsonl"));
  size_t differing = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const bool has_think = corpus[i].find("think>") != std::string::npos;
    const bool same = *demo.encode(corpus[i]) == expected[i];
    EXPECT_EQ(same, !has_think) << "line " << i + 1;
    differing += !same;
  }
  EXPECT_EQ(differing, 5u);
}

// A Tokenizer is immutable: concurrent encodes give the same ids as sequential ones.
TEST(HfCorpus, ConcurrentEncodingIsDeterministic) {
  const Tokenizer& tok = shared_tokenizer(test_data("tokenizers/tiny/qwen2/tokenizer.json"));
  const std::vector<std::string> corpus = read_jsonl_strings(test_data("tokenizers/corpus_public.jsonl"));
  std::vector<std::vector<int32_t>> sequential;
  for (const std::string& s : corpus) sequential.push_back(*tok.encode(s));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < corpus.size(); ++i) mismatches[t] += *tok.encode(corpus[i]) != sequential[i];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
}  // namespace sinan
