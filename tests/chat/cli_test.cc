// Runs the built `sinan template` on fixtures and compares its output file byte for byte with the reference
// renders.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

const std::string kData = std::string(SINAN_TEST_DATA_DIR);

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int run(const std::string& args, const std::string& err_path) {
  std::string command = std::string(SINAN_BINARY) + " template " + args + " 2>" + err_path;
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(TemplateCli, JinjaFileWithBosEosMatchesFixture) {
  const std::string out = testing::TempDir() + "cli_r1.jsonl";
  const std::string err = testing::TempDir() + "cli_r1.err";
  ASSERT_EQ(run("'" + kData + "/chat/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja' --in '" + kData +
                    "/chat/conversations.json' --out '" + out +
                    "' --bos '<｜begin▁of▁sentence｜>' --eos '<｜end▁of▁sentence｜>'",
                err),
            0)
      << read(err);
  EXPECT_EQ(read(out), read(kData + "/chat/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.chat.jsonl"));
}

TEST(TemplateCli, GgufTemplateAndTokensMatchReference) {
  // llama.cpp's converter copied DeepSeek-V3's template and tokens into the GGUF.
  const std::string out = testing::TempDir() + "cli_v3.jsonl";
  const std::string err = testing::TempDir() + "cli_v3.err";
  ASSERT_EQ(run("'" + kData + "/gguf/deepseek_v3-bf16.gguf' --in '" + kData +
                    "/chat/conversations.json' --out '" + out + "'",
                err),
            0)
      << read(err);
  EXPECT_EQ(read(out), read(kData + "/chat/tokenizer_configs/deepseek_v3.chat.jsonl"));
}

TEST(TemplateCli, FailsWithOneLineMessage) {
  const std::string err = testing::TempDir() + "cli_fail.err";
  EXPECT_NE(run("/nonexistent/model.gguf --in x.json --out y.jsonl", err), 0);
  std::string message = read(err);
  EXPECT_NE(message.find("sinan template: "), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), message.size() - 1) << message;

  // The reference fails on this conversation too (the Llama 3 template trims a null content).
  const std::string out = testing::TempDir() + "cli_fail.jsonl";
  EXPECT_NE(run("'" + kData + "/gguf/llama-bf16.gguf' --in '" + kData + "/chat/conversations.json' --out '" +
                    out + "'",
                err),
            0);
  message = read(err);
  EXPECT_NE(message.find("conversation 13"), std::string::npos) << message;
  EXPECT_NE(message.find("template error at line"), std::string::npos) << message;
}

}  // namespace
