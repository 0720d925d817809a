// Small templates covering the interpreter's features, each compared with the reference renderer's output (or
// its failure): tests/data/chat/snippets.expected.jsonl (written by hand) and snippets_random.expected.jsonl
// (random expressions from tools/gen_random_snippets.py), both rendered by tools/render_snippets.mjs. For
// ad-hoc differential runs: SINAN_SNIPPETS=FILE.jsonl [SINAN_SNIPPETS_CONTEXT=CONTEXT.json] chat_tests
//   --gtest_filter=JinjaConformance.Adhoc
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "text/chat/jinja_template.h"

namespace sinan::jinja {
namespace {

const std::string kData = std::string(SINAN_TEST_DATA_DIR) + "/chat/";

// Renders sinan refuses on purpose (it reports an error instead of guessing): lowercasing a capital sigma
// needs the Final_Sigma context rule, which sinan does not carry.
const std::set<std::string> kKnownRefusals = {"{{ 'ΑΣ' | lower }}"};

nlohmann::ordered_json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return nlohmann::ordered_json::parse(s.str());
}

// Checks every line of `path`; lines without a context use `shared_context`.
void check_snippets(const std::string& path, const nlohmann::ordered_json& shared_context) {
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::string line;
  int total = 0, matched = 0, refused = 0;
  while (std::getline(in, line)) {
    auto c = nlohmann::ordered_json::parse(line);
    const std::string source = c["template"].get<std::string>();
    const auto& context = c.contains("context") ? c["context"] : shared_context;
    ++total;
    auto tmpl = Template::parse(source);
    Result<std::string> got = tmpl.ok() ? tmpl->render(context) : Result<std::string>(tmpl.status());
    if (c.contains("error")) {
      EXPECT_FALSE(got.ok()) << "template: " << source << "\nreference fails with: " << c["error"]
                             << "\nsinan rendered: " << *got;
      if (!got.ok()) ++matched;
      continue;
    }
    if (!got.ok()) {
      if (kKnownRefusals.count(source)) {
        ++refused;
        EXPECT_NE(got.message().find("not supported"), std::string::npos) << got.message();
      } else {
        ADD_FAILURE() << source << "\n" << got.message();
      }
      continue;
    }
    EXPECT_EQ(*got, c["text"].get<std::string>()) << "template: " << source;
    if (*got == c["text"].get<std::string>()) ++matched;
  }
  std::printf("[ snippets ] %s: %d/%d match the reference, %d refused on purpose\n", path.c_str(), matched,
              total, refused);
  EXPECT_GT(total, 0);
}

TEST(JinjaConformance, HandWrittenSnippets) {
  check_snippets(kData + "snippets.expected.jsonl", nlohmann::ordered_json::object());
}

TEST(JinjaConformance, RandomSnippets) {
  check_snippets(kData + "snippets_random.expected.jsonl", read_json(kData + "snippets_random_context.json"));
}

TEST(JinjaConformance, Adhoc) {
  const char* path = std::getenv("SINAN_SNIPPETS");
  if (!path) GTEST_SKIP() << "set SINAN_SNIPPETS to a render_snippets.mjs output";
  const char* context = std::getenv("SINAN_SNIPPETS_CONTEXT");
  check_snippets(path, context ? read_json(context) : nlohmann::ordered_json::object());
}

}  // namespace
}  // namespace sinan::jinja
