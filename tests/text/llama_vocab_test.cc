// llama.cpp's tokenizer test vectors (fixtures/vocab): a .inp file of test strings separated by
// "\n__ggml_vocab_test__\n" lines and a .out file with one line of space-separated ids per string, made by
// llama.cpp's convert_hf_to_gguf_update.py with Hugging Face's encode(add_special_tokens=False).
// deepseek-llm and deepseek-coder run from their vocab-only GGUFs; the qwen2 and llama-bpe GGUFs are not
// in the fixtures, so those vectors run on the real Qwen3 and Llama 3 tokenizer.json files (same BPE).
#include <gtest/gtest.h>

#include <sstream>

#include "text/tokenizer.h"
#include "text_test_util.h"

namespace sinan {
namespace {

struct VocabVectors {
  std::vector<std::string> inputs;
  std::vector<std::vector<int32_t>> ids;
};

VocabVectors read_vocab_vectors(const std::string& stem) {
  VocabVectors v;
  const std::vector<char> inp = read_binary(test_data("vocab/" + stem + ".inp"));
  const std::string text(inp.begin(), inp.end());
  const std::string marker = "\n__ggml_vocab_test__\n";
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = text.find(marker, pos);
    if (end == std::string::npos) break;
    v.inputs.push_back(text.substr(pos, end - pos));
    pos = end + marker.size();
  }
  for (const std::string& line : read_lines(test_data("vocab/" + stem + ".out"))) {
    std::istringstream in(line);
    std::vector<int32_t> ids;
    int32_t id;
    while (in >> id) ids.push_back(id);
    v.ids.push_back(ids);
  }
  return v;
}

void expect_vectors_match(const std::string& stem, const std::string& tokenizer_path) {
  const VocabVectors v = read_vocab_vectors(stem);
  ASSERT_EQ(v.inputs.size(), 46u) << stem;
  ASSERT_EQ(v.ids.size(), v.inputs.size()) << stem;
  const Tokenizer& tok = shared_tokenizer(tokenizer_path);
  size_t matched = 0;
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    Result<std::vector<int32_t>> ids = tok.encode(v.inputs[i]);
    ASSERT_TRUE(ids.ok()) << ids.message();
    if (*ids == v.ids[i]) {
      ++matched;
    } else {
      ADD_FAILURE() << stem << " test " << i << " " << nlohmann::json(v.inputs[i]).dump() << "\n  got      "
                    << ids_to_string(*ids) << "\n  expected " << ids_to_string(v.ids[i]);
    }
  }
  std::printf("[ vocab  ] %s: %zu/%zu identical\n", stem.c_str(), matched, v.inputs.size());
}

TEST(LlamaCppVocab, DeepSeekLlmGguf) {
  expect_vectors_match("ggml-vocab-deepseek-llm.gguf", built_data("vocab/ggml-vocab-deepseek-llm.gguf"));
}

TEST(LlamaCppVocab, DeepSeekCoderGguf) {
  expect_vectors_match("ggml-vocab-deepseek-coder.gguf", built_data("vocab/ggml-vocab-deepseek-coder.gguf"));
}

TEST(LlamaCppVocab, Qwen2VectorsOnQwen3TokenizerJson) {
  expect_vectors_match("ggml-vocab-qwen2.gguf", built_data("tokenizers/qwen3/tokenizer.json"));
}

TEST(LlamaCppVocab, LlamaBpeVectorsOnLlama3TokenizerJson) {
  expect_vectors_match("ggml-vocab-llama-bpe.gguf", built_data("tokenizers/llama3_1/tokenizer.json"));
}

}  // namespace
}  // namespace sinan
