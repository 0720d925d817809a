// Malformed tokenizer files give clear errors naming the file and field, never a crash.
#include <gtest/gtest.h>

#include "gguf_writer.h"
#include "io/gguf.h"
#include "text/tokenizer.h"
#include "text_test_util.h"
#include "tiny_json.h"

namespace sinan {
namespace {

using json = nlohmann::json;

// Loading fails and the message contains every expected fragment.
void expect_json_error(const std::string& text, std::vector<std::string> fragments) {
  Result<Tokenizer> tok = Tokenizer::from_hf_json(text, "", "bad/tokenizer.json");
  ASSERT_FALSE(tok.ok()) << "loaded: " << text.substr(0, 200);
  fragments.push_back("bad/tokenizer.json");
  for (const std::string& f : fragments) EXPECT_NE(tok.message().find(f), std::string::npos) << tok.message();
}

json tiny() {
  return TinyTokenizerJson{.merges = {{"a", "b"}}}.build();
}

TEST(BadTokenizerJson, SyntaxAndShape) {
  expect_json_error("{\"model\": ", {"not valid JSON"});
  expect_json_error("[]", {"top level", "expected an object"});
  json j = tiny();
  j.erase("model");
  expect_json_error(j.dump(), {"missing 'model'"});
}

TEST(BadTokenizerJson, ModelFields) {
  json j = tiny();
  j["model"]["vocab"] = json::array();
  expect_json_error(j.dump(), {"model.vocab", "expected an object, found array"});
  j = tiny();
  j["model"]["vocab"]["x"] = "seven";
  expect_json_error(j.dump(), {"model.vocab[\"x\"]", "expected an integer id"});
  j = tiny();
  j["model"]["vocab"]["x"] = -3;
  expect_json_error(j.dump(), {"out of range"});
  j = tiny();
  j["model"]["merges"].push_back(7);
  expect_json_error(j.dump(), {"model.merges[1]", "expected a string"});
  j = tiny();
  j["model"]["merges"].push_back("q z");
  expect_json_error(j.dump(), {"model.merges[1]", "merge 'q z'"});
  j = tiny();
  j["model"]["merges"].push_back("q zz");
  expect_json_error(j.dump(), {"model.merges[1]", "uses 'zz', which is not in the vocabulary"});
  j = tiny();
  j["model"]["merges"] = {"a b c"};
  expect_json_error(j.dump(), {"model.merges[0]", "one space"});
  j = tiny();
  j["model"]["merges"].push_back({"b", "a"});  // "ba" is not a token
  expect_json_error(j.dump(), {"model.merges[1]", "merged token"});
  j = tiny();
  j["model"]["type"] = "WordPiece";
  expect_json_error(j.dump(), {"model.type", "WordPiece"});
  j = tiny();
  j["model"]["dropout"] = 0.1;
  expect_json_error(j.dump(), {"model.dropout"});
  j = tiny();
  j["model"]["ignore_merges"] = "yes";
  expect_json_error(j.dump(), {"model.ignore_merges", "expected a boolean"});
  j = tiny();
  j["model"]["vocab"]["far"] = 1 << 29;
  expect_json_error(j.dump(), {"model.vocab", "far beyond"});
  j = tiny();
  j["added_tokens"] = {added_token(1 << 29, "<far>", true)};
  expect_json_error(j.dump(), {"added_tokens[0].id", "far beyond"});
  j = tiny();
  j["model"]["vocab"]["dup"] = 5;
  expect_json_error(j.dump(), {"id 5 is used by both"});
}

TEST(BadTokenizerJson, PipelineFields) {
  json j = tiny();
  j["normalizer"] = {{"type", "Lowercase"}};
  expect_json_error(j.dump(), {"normalizer", "'Lowercase' is not supported"});
  j = tiny();
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFKC"}}, {{"type", "Strip"}}}}};
  expect_json_error(j.dump(), {"normalizer.normalizers[1]", "'Strip'"});
  j = tiny();
  j["pre_tokenizer"] = {{"type", "Metaspace"}};
  expect_json_error(j.dump(), {"pre_tokenizer", "'Metaspace' is not supported"});
  j = tiny();
  j["pre_tokenizer"] = nullptr;
  expect_json_error(j.dump(), {"no ByteLevel pre-tokenizer"});
  j = tiny();
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers",
                         {{{"type", "Split"}, {"pattern", {{"Regex", "(oops"}}}, {"behavior", "Isolated"}},
                          {{"type", "ByteLevel"}}}}};
  expect_json_error(j.dump(), {"pre_tokenizer.pretokenizers[0].pattern.Regex", "invalid regex"});
  j["pre_tokenizer"]["pretokenizers"][0]["pattern"] = {{"Regex", "a"}};
  j["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Sideways";
  expect_json_error(j.dump(), {"behavior", "Sideways"});
  j = tiny();
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers", {{{"type", "ByteLevel"}}, {{"type", "Digits"}}}}};
  expect_json_error(j.dump(), {"after ByteLevel"});
  j = tiny();
  j["decoder"] = {{"type", "WordPiece"}};
  expect_json_error(j.dump(), {"decoder", "'WordPiece'"});
  j = tiny();
  j.erase("decoder");
  expect_json_error(j.dump(), {"decoder", "missing"});
}

TEST(BadTokenizerJson, AddedTokensAndConfig) {
  json j = tiny();
  j["added_tokens"] = {{{"id", 300}}};
  expect_json_error(j.dump(), {"added_tokens[0]", "missing 'content'"});
  j = tiny();
  j["added_tokens"] = {added_token(256, "<clash>", true)};  // 256 is the merged token "ab"
  expect_json_error(j.dump(), {"added_tokens[0]", "already used"});
  j = tiny();
  j["added_tokens"] = {added_token(300, "<x>", true, {{"special", "maybe"}})};
  expect_json_error(j.dump(), {"added_tokens[0].special", "expected a boolean"});

  Result<Tokenizer> tok = Tokenizer::from_hf_json(tiny().dump(), R"({"bos_token": "<nope>"})", "cfg");
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.message().find("tokenizer_config.json"), std::string::npos) << tok.message();
  EXPECT_NE(tok.message().find("<nope>"), std::string::npos) << tok.message();
  tok = Tokenizer::from_hf_json(tiny().dump(), "{not json", "cfg");
  EXPECT_FALSE(tok.ok());
}

TEST(BadTokenizerJson, TruncatedFilesNeverCrash) {
  const std::vector<char> bytes = read_binary(test_data("tokenizers/tiny/qwen2/tokenizer.json"));
  const std::string text(bytes.begin(), bytes.end());
  for (size_t cut = 0; cut < text.size(); cut += 211) {
    Result<Tokenizer> tok = Tokenizer::from_hf_json(text.substr(0, cut), "", "cut");
    EXPECT_FALSE(tok.ok()) << cut;
  }
}

TEST(BadTokenizerFiles, MissingPathsAndDirectories) {
  Result<Tokenizer> tok = load_tokenizer("/nonexistent/tokenizer.json");
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.message().find("/nonexistent/tokenizer.json"), std::string::npos);
  tok = load_tokenizer(test_data("tokenizers/corpus_public.jsonl"));  // neither GGUF nor tokenizer.json
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.message().find("not valid JSON"), std::string::npos) << tok.message();
  tok = load_tokenizer(test_data("gguf"));  // a directory without tokenizer.json
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.message().find("no tokenizer.json"), std::string::npos) << tok.message();
}

// A valid tiny vocabulary: the 256 byte tokens, "ab", and two control tokens.
GgufWriter good_gguf() {
  GgufWriter w;
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(text::to_byte_level(std::string(1, static_cast<char>(b))));
    types.push_back(1);
  }
  tokens.push_back("ab");
  types.push_back(1);
  tokens.push_back("<s>");
  types.push_back(3);
  w.add_string("tokenizer.ggml.model", "gpt2");
  w.add_string("tokenizer.ggml.pre", "qwen2");
  w.add_strings("tokenizer.ggml.tokens", tokens);
  w.add_i32s("tokenizer.ggml.token_type", types);
  w.add_strings("tokenizer.ggml.merges", {"a b"});
  return w;
}

Result<Tokenizer> load_gguf_bytes(const std::vector<uint8_t>& bytes) {
  SINAN_ASSIGN_OR_RETURN(GgufFile file, GgufFile::parse(bytes, "mem.gguf"));
  return Tokenizer::from_gguf(file);
}

void expect_gguf_error(GgufWriter w, const std::string& fragment) {
  Result<Tokenizer> tok = load_gguf_bytes(w.bytes());
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.message().find(fragment), std::string::npos) << tok.message();
  EXPECT_NE(tok.message().find("mem.gguf"), std::string::npos) << tok.message();
}

TEST(BadGgufVocab, Errors) {
  Result<Tokenizer> ok = load_gguf_bytes(good_gguf().bytes());
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_EQ(*ok->encode("ab<s>"), (std::vector<int32_t>{256, 257}));

  GgufWriter w = good_gguf();
  w.add_u32("tokenizer.ggml.bos_token_id", 9999);
  expect_gguf_error(w, "bos_token_id = 9999 is outside the vocabulary");

  GgufWriter model;
  model.add_string("tokenizer.ggml.model", "llama");
  expect_gguf_error(model, "'llama'");

  GgufWriter pre;
  pre.add_string("tokenizer.ggml.model", "gpt2");
  pre.add_string("tokenizer.ggml.pre", "klingon-bpe");
  expect_gguf_error(pre, "unknown pre-tokenizer 'klingon-bpe'");

  GgufWriter short_types;
  short_types.add_string("tokenizer.ggml.model", "gpt2");
  short_types.add_string("tokenizer.ggml.pre", "deepseek-v3");
  short_types.add_strings("tokenizer.ggml.tokens", {"a", "b", "ab"});
  short_types.add_i32s("tokenizer.ggml.token_type", {1, 1});
  short_types.add_strings("tokenizer.ggml.merges", {"a b"});
  expect_gguf_error(short_types, "token_type has 2 entries but tokenizer.ggml.tokens has 3");

  GgufWriter no_merges;
  no_merges.add_string("tokenizer.ggml.model", "gpt2");
  no_merges.add_string("tokenizer.ggml.pre", "deepseek-v3");
  no_merges.add_strings("tokenizer.ggml.tokens", {"a", "b"});
  expect_gguf_error(no_merges, "tokenizer.ggml.merges");

  GgufWriter bad_merge;
  bad_merge.add_string("tokenizer.ggml.model", "gpt2");
  bad_merge.add_string("tokenizer.ggml.pre", "deepseek-v3");
  bad_merge.add_strings("tokenizer.ggml.tokens", {"a", "b"});
  bad_merge.add_strings("tokenizer.ggml.merges", {"ab"});
  expect_gguf_error(bad_merge, "merges[0] 'ab'");

  GgufWriter unknown_merge;
  unknown_merge.add_string("tokenizer.ggml.model", "gpt2");
  unknown_merge.add_string("tokenizer.ggml.pre", "deepseek-v3");
  unknown_merge.add_strings("tokenizer.ggml.tokens", {"a", "b"});
  unknown_merge.add_strings("tokenizer.ggml.merges", {"a b"});
  expect_gguf_error(unknown_merge, "merged token is not in the vocabulary");

  GgufWriter no_tokens;
  no_tokens.add_string("tokenizer.ggml.model", "gpt2");
  no_tokens.add_string("tokenizer.ggml.pre", "deepseek-v3");
  no_tokens.add_u32("tokenizer.ggml.tokens", 5);
  expect_gguf_error(no_tokens, "tokenizer.ggml.tokens");

  GgufWriter wrong_type;
  wrong_type.add_u32("tokenizer.ggml.model", 2);
  expect_gguf_error(wrong_type, "tokenizer.ggml.model");
}

// Cutting a real file anywhere inside its vocabulary arrays is caught by the GGUF reader.
TEST(BadGgufVocab, TruncatedFilesNeverCrash) {
  const std::vector<char> file = read_binary(test_data("gguf/qwen2-bf16.gguf"));
  const std::vector<uint8_t> bytes(file.begin(), file.end());
  for (size_t cut = 0; cut < 120000 && cut < bytes.size(); cut += 997) {
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_FALSE(load_gguf_bytes(prefix).ok()) << cut;
  }
}

}  // namespace
}  // namespace sinan
