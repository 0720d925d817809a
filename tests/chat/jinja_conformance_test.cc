// Small templates covering the interpreter's features, each compared with the reference renderer's output (or
// its failure): tests/data/chat/snippets.expected.jsonl, made by tools/render_snippets.mjs.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "text/chat/jinja_template.h"

namespace sinan::jinja {
namespace {

// Renders sinan refuses on purpose (it reports an error instead of guessing): lowercasing a capital sigma
// needs the Final_Sigma context rule, which sinan does not carry.
const std::set<std::string> kKnownRefusals = {"{{ 'ΑΣ' | lower }}"};

TEST(JinjaConformance, SnippetsMatchReference) {
  std::ifstream in(std::string(SINAN_TEST_DATA_DIR) + "/chat/snippets.expected.jsonl");
  ASSERT_TRUE(in);
  std::string line;
  int total = 0, matched = 0, refused = 0;
  while (std::getline(in, line)) {
    auto c = nlohmann::ordered_json::parse(line);
    const std::string source = c["template"].get<std::string>();
    ++total;
    auto tmpl = Template::parse(source);
    Result<std::string> got = tmpl.ok() ? tmpl->render(c["context"]) : Result<std::string>(tmpl.status());
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
  std::printf("[ snippets ] %d/%d match the reference, %d refused on purpose\n", matched, total, refused);
  EXPECT_GT(total, 90);
}

}  // namespace
}  // namespace sinan::jinja
