// `sinan tokenize` / `sinan detokenize` end to end, through the built binary.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "text_test_util.h"

namespace sinan {
namespace {

namespace fs = std::filesystem;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fs::path("sinan_cli_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs the sinan binary; returns its exit status and fills `err` with its stderr.
  int run(const std::string& args, std::string* err) const {
    const std::string err_path = path("stderr.txt");
    const std::string command = std::string(SINAN_BINARY) + " " + args + " 2>" + err_path;
    const int status = std::system(command.c_str());
    const std::vector<char> bytes = read_binary(err_path);
    *err = std::string(bytes.begin(), bytes.end());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
  }

  fs::path dir_;
};

TEST_F(Cli, TokenizeAndDetokenizeTheCorpus) {
  const std::string corpus = test_data("tokenizers/corpus_public.jsonl");
  std::string err;
  ASSERT_EQ(run("tokenize " + test_data("gguf/deepseek_v3-bf16.gguf") + " --in " + corpus + " --out " +
                    path("ids.jsonl"),
                &err),
            0)
      << err;
  const std::vector<std::vector<int32_t>> got = read_jsonl_ids(path("ids.jsonl"));
  EXPECT_EQ(got, read_jsonl_ids(test_data("tokenizers/deepseek_v3/tiny_corpus_public.ids.jsonl")));

  ASSERT_EQ(run("detokenize " + test_data("tokenizers/tiny/deepseek_v3") + " --in " + path("ids.jsonl") +
                    " --out " + path("text.jsonl"),
                &err),
            0)
      << err;
  EXPECT_EQ(read_jsonl_strings(path("text.jsonl")), read_jsonl_strings(corpus));
}

TEST_F(Cli, ErrorsNameTheFileAndLine) {
  write("in.jsonl", "\"fine\"\n42\n");
  std::string err;
  EXPECT_EQ(run("tokenize " + test_data("tokenizers/tiny/llama/tokenizer.json") + " --in " +
                    path("in.jsonl") + " --out " + path("out.jsonl"),
                &err),
            1);
  EXPECT_NE(err.find("in.jsonl:2: expected a JSON string, found number"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;

  write("ids.jsonl", "[1, 2]\n[1, 999999]\n");
  EXPECT_EQ(run("detokenize " + test_data("gguf/llama-bf16.gguf") + " --in " + path("ids.jsonl") + " --out " +
                    path("out.jsonl"),
                &err),
            1);
  EXPECT_NE(err.find("ids.jsonl:2: id 999999 is outside the vocabulary"), std::string::npos) << err;

  write("bad.jsonl", "[1, 2\n");
  EXPECT_EQ(run("detokenize " + test_data("gguf/llama-bf16.gguf") + " --in " + path("bad.jsonl"), &err), 1);
  EXPECT_NE(err.find("bad.jsonl:1: not valid JSON"), std::string::npos) << err;

  EXPECT_EQ(run("tokenize /nonexistent.gguf --in " + path("in.jsonl"), &err), 1);
  EXPECT_NE(err.find("/nonexistent.gguf"), std::string::npos) << err;
}

TEST_F(Cli, OptionsAndHelp) {
  write("in.jsonl", "\"<|im_end|>x\"\n");
  std::string err;
  ASSERT_EQ(run("tokenize " + test_data("gguf/qwen2-bf16.gguf") + " --no-special --in " + path("in.jsonl") +
                    " --out " + path("out.jsonl"),
                &err),
            0)
      << err;
  EXPECT_GT(read_jsonl_ids(path("out.jsonl")).at(0).size(), 2u);
  ASSERT_EQ(run("tokenize " + test_data("gguf/llama-bf16.gguf") + " --add-bos --in " + path("in.jsonl") +
                    " --out " + path("out.jsonl"),
                &err),
            0);
  EXPECT_EQ(read_jsonl_ids(path("out.jsonl")).at(0).at(0), 2000);
  ASSERT_EQ(run("tokenize --help > " + path("help.txt"), &err), 0);
  const std::vector<char> help = read_binary(path("help.txt"));
  EXPECT_NE(std::string(help.begin(), help.end()).find("Examples:"), std::string::npos);
}

}  // namespace
}  // namespace sinan
