// The chat API (context building, options) and finding templates and bos/eos in GGUF files, Hugging Face
// directories and .jinja files.
#include "text/chat/chat_template.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace sinan::chat {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

const std::string kData = std::string(SINAN_TEST_DATA_DIR);

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::path(testing::TempDir()) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

TEST(ApplyChatTemplate, PassesMessagesTokensToolsAndVars) {
  const std::string source =
      "{{ bos_token }}{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}"
      "{% if tools %}{{ tools | length }} tools{% endif %}{% if add_generation_prompt %}<gen>{% endif %}"
      "{% if enable_thinking is defined %}think={{ enable_thinking }}{% endif %}{{ eos_token is defined }}";
  ChatOptions options;
  options.bos_token = "<s>";
  options.add_generation_prompt = true;
  options.tools = ordered_json::parse(R"([{"type": "function", "function": {"name": "f"}}])");
  options.vars = {{"enable_thinking", false}};
  auto messages =
      ordered_json::parse(R"([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])");
  auto text = apply_chat_template(source, messages, options);
  ASSERT_TRUE(text.ok()) << text.message();
  EXPECT_EQ(*text, "<s>[user:hi][assistant:yo]1 tools<gen>think=falsefalse");
}

TEST(ApplyChatTemplate, R1PromptEndsInsideThinkBlock) {
  auto loaded = load_chat_template(kData + "/chat/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  ChatOptions options;
  options.add_generation_prompt = true;
  options.bos_token = "<｜begin▁of▁sentence｜>";
  auto text = apply_chat_template(loaded->source,
                                  ordered_json::parse(R"([{"role":"user","content":"1+1?"}])"), options);
  ASSERT_TRUE(text.ok()) << text.message();
  EXPECT_EQ(*text, "<｜begin▁of▁sentence｜><｜User｜>1+1?<｜Assistant｜><think>\n");
}

TEST(ApplyChatTemplate, ErrorsNameLineAndColumn) {
  auto text =
      apply_chat_template("line one\n{{ messages[0].content | nosuch }}", ordered_json::parse("[{}]"), {});
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.message().find("line 2, column"), std::string::npos) << text.message();
  text =
      apply_chat_template("{% for m in messages %}\n  {% if x %}\n{% endfor %}", ordered_json::array(), {});
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.message().find("line 3"), std::string::npos) << text.message();
  text = apply_chat_template("{{ raise_exception('Conversation roles must alternate') }}",
                             ordered_json::array(), {});
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.message().find("Conversation roles must alternate"), std::string::npos) << text.message();
}

TEST(ApplyChatTemplate, RunawayTemplatesStop) {
  ChatOptions options;
  options.limits.max_output_bytes = 1 << 20;
  // Doubling a string: stopped by the size limit.
  auto text = apply_chat_template(
      "{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ "
      "ns.s }}",
      ordered_json::array(), options);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.message().find("limit"), std::string::npos) << text.message();
  // Unbounded recursion: stopped by the call depth.
  text =
      apply_chat_template("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", ordered_json::array(), options);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.message().find("nested deeper"), std::string::npos) << text.message();
  // Too much work: stopped by the step budget.
  options.limits.max_steps = 100000;
  text = apply_chat_template("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
                             ordered_json::array(), options);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.message().find("budget"), std::string::npos) << text.message();
  // Values nested a million deep (destroying them would overflow the stack): stopped by the depth limit.
  options.limits.max_steps = 50'000'000;
  text = apply_chat_template(
      "{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = [ns.l] %}{% endfor %}",
      ordered_json::array(), options);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.message().find("nested deeper"), std::string::npos) << text.message();
  text = apply_chat_template(
      "{% set ns = namespace(c=none) %}{% for i in range(100000) %}{% set t = namespace() %}{% set t.x = "
      "ns.c %}"
      "{% set ns.c = t %}{% endfor %}",
      ordered_json::array(), options);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.message().find("nested deeper"), std::string::npos) << text.message();
  // Shared sublists printed: exponential text, stopped by the size limit.
  text = apply_chat_template(
      "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ "
      "'x' ~ ns.l }}",
      ordered_json::array(), options);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.message().find("limit"), std::string::npos) << text.message();
  // A context nested too deeply is refused before it is converted.
  ordered_json deep = ordered_json::array();
  for (int i = 0; i < 5000; ++i) deep = ordered_json::array({deep});
  text = apply_chat_template("{{ messages | length }}", deep, options);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.message().find("nested deeper"), std::string::npos) << text.message();
  options.limits.max_steps = 100000;
  // Deep nesting in the source: rejected by the parser.
  text = apply_chat_template("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}",
                             ordered_json::array(), options);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.message().find("nested too deeply"), std::string::npos) << text.message();
}

TEST(LoadChatTemplate, GgufTemplateAndTokenTexts) {
  auto loaded = load_chat_template(kData + "/gguf/deepseek_v3-bf16.gguf");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_NE(loaded->source.find("<｜Assistant｜>"), std::string::npos);
  EXPECT_EQ(loaded->bos_token, "<｜begin▁of▁sentence｜>");
  EXPECT_EQ(loaded->eos_token, "<｜end▁of▁sentence｜>");
  auto llama = load_chat_template(kData + "/gguf/llama-bf16.gguf");
  ASSERT_TRUE(llama.ok()) << llama.message();
  EXPECT_EQ(llama->bos_token, "<|begin_of_text|>");
  auto named = load_chat_template(kData + "/gguf/llama-bf16.gguf", "tool_use");
  EXPECT_FALSE(named.ok());
}

TEST(LoadChatTemplate, HuggingFaceDirectory) {
  fs::path dir = fresh_dir("hf_string");
  write(
      dir / "tokenizer_config.json",
      R"({"bos_token": {"__type": "AddedToken", "content": "<B>"}, "eos_token": "<E>", "chat_template": "T1"})");
  auto loaded = load_chat_template(dir.string());
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(loaded->source, "T1");
  EXPECT_EQ(loaded->bos_token, "<B>");
  EXPECT_EQ(loaded->eos_token, "<E>");

  dir = fresh_dir("hf_list");
  write(
      dir / "tokenizer_config.json",
      R"({"bos_token": null, "chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "U"}]})");
  loaded = load_chat_template(dir.string());
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(loaded->source, "D");
  EXPECT_FALSE(loaded->bos_token.has_value());
  loaded = load_chat_template(dir.string(), "tool_use");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(loaded->source, "U");
  EXPECT_FALSE(load_chat_template(dir.string(), "rag").ok());

  dir = fresh_dir("hf_jinja_file");
  write(dir / "tokenizer_config.json", R"({"eos_token": "<E>"})");
  write(dir / "chat_template.jinja", "from file\n");
  loaded = load_chat_template(dir.string());
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(loaded->source, "from file\n");
  EXPECT_EQ(loaded->eos_token, "<E>");

  dir = fresh_dir("hf_none");
  write(dir / "tokenizer_config.json", R"({"eos_token": "<E>"})");
  loaded = load_chat_template(dir.string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.message().find("no chat template"), std::string::npos);

  dir = fresh_dir("hf_bad_json");
  write(dir / "tokenizer_config.json", "{not json");
  EXPECT_FALSE(load_chat_template(dir.string()).ok());
}

TEST(LoadChatTemplate, JinjaFileAndMissingPath) {
  auto loaded = load_chat_template(kData + "/chat/deepseek-ai-DeepSeek-V3.1.jinja");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_FALSE(loaded->bos_token.has_value());
  EXPECT_FALSE(load_chat_template("/nonexistent/path").ok());
}

}  // namespace
}  // namespace sinan::chat
