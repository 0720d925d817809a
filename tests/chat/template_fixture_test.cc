// Byte-for-byte agreement with the reference renderer (@huggingface/jinja 0.5.11) on real chat templates: the
// fixture renders of the R1-family templates, and reference renders of the fixture tokenizers' own templates
// made by tools/render_reference.mjs (see tests/data/chat/regenerate.sh).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "text/chat/chat_template.h"

namespace sinan::chat {
namespace {

using nlohmann::ordered_json;

const std::string kDataDir = std::string(SINAN_TEST_DATA_DIR) + "/chat/";

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Case {
  std::string name;
  std::string template_path;  // .jinja, or a tokenizer_config.json (its template and tokens)
  std::string conversations;
  std::string expected;
};

// Renders every conversation of `c` like the reference generator and counts the renders that match.
void check_case(const Case& c) {
  std::string source;
  ChatOptions base;
  if (c.template_path.ends_with(".json")) {
    auto config = nlohmann::json::parse(read(kDataDir + c.template_path));
    source = config["chat_template"].get<std::string>();
    for (const char* key : {"bos_token", "eos_token"}) {
      const auto& t = config[key];
      std::optional<std::string> text;
      if (t.is_string()) text = t.get<std::string>();
      if (t.is_object()) text = t["content"].get<std::string>();
      (std::string(key) == "bos_token" ? base.bos_token : base.eos_token) = text;
    }
  } else {
    source = read(kDataDir + c.template_path);
    base.bos_token = "<｜begin▁of▁sentence｜>";
    base.eos_token = "<｜end▁of▁sentence｜>";
  }
  auto tmpl = jinja::Template::parse(source);
  ASSERT_TRUE(tmpl.ok()) << c.name << ": " << tmpl.message();
  auto conversations = ordered_json::parse(read(kDataDir + c.conversations));
  std::istringstream expected(read(kDataDir + c.expected));
  std::string line;
  int total = 0, matched = 0;
  while (std::getline(expected, line)) {
    auto want = ordered_json::parse(line);
    const auto& conversation = conversations.at(want["conversation"].get<size_t>());
    ChatOptions options = base;
    options.add_generation_prompt = want["add_generation_prompt"].get<bool>();
    if (conversation.contains("tools")) options.tools = conversation["tools"];
    if (conversation.contains("vars")) options.vars = conversation["vars"];
    auto got = apply_chat_template(*tmpl, conversation["messages"], options);
    ++total;
    const std::string label = c.name + " conversation " + want["conversation"].dump() +
                              " add_generation_prompt=" + want["add_generation_prompt"].dump();
    if (want.contains("error")) {
      EXPECT_FALSE(got.ok()) << label << ": the reference fails (" << want["error"]
                             << ") but sinan rendered\n"
                             << *got;
      if (!got.ok()) ++matched;
      continue;
    }
    if (!got.ok()) {
      ADD_FAILURE() << label << ": " << got.message();
      continue;
    }
    EXPECT_EQ(*got, want["text"].get<std::string>()) << label;
    if (*got == want["text"].get<std::string>()) ++matched;
  }
  EXPECT_GT(total, 0);
  std::printf("[ renders  ] %-58s %d/%d match\n", c.name.c_str(), matched, total);
}

class FixtureRenders : public testing::TestWithParam<Case> {};

TEST_P(FixtureRenders, MatchReferenceByteForByte) {
  check_case(GetParam());
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (std::string t :
       {"deepseek-ai-DeepSeek-R1-Distill-Llama-8B", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B",
        "deepseek-ai-DeepSeek-V3.1", "llama-cpp-deepseek-r1"}) {
    out.push_back({t, t + ".jinja", "conversations.json", t + ".chat.jsonl"});
    out.push_back({t + " (extra)", t + ".jinja", "conversations_extra.json", t + ".extra.chat.jsonl"});
  }
  for (std::string m : {"deepseek_v3", "llama", "qwen2", "demo"}) {
    std::string config = "tokenizer_configs/" + m + ".json";
    out.push_back({"tokenizer " + m, config, "conversations.json", "tokenizer_configs/" + m + ".chat.jsonl"});
    out.push_back({"tokenizer " + m + " (extra)", config, "conversations_extra.json",
                   "tokenizer_configs/" + m + ".extra.chat.jsonl"});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Chat, FixtureRenders, testing::ValuesIn(cases()), [](const auto& info) {
  std::string name;
  for (char ch : info.param.name) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return name;
});

}  // namespace
}  // namespace sinan::chat
