// The JSON-object constraint: the byte automaton against nlohmann's parser, the shortest closing, and the
// token mask (including forced closing when the token budget runs out).
#include "serve/json_constraint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

namespace sinan {
namespace {

bool valid_prefix(std::string_view text) {
  JsonPrefixValidator v;
  return v.feed(text);
}

TEST(JsonPrefixValidator, AcceptsObjectsAndTheirPrefixes) {
  const std::string docs[] = {
      R"({})",
      R"( {"a": 1})",
      R"({"a":[1,2.5,-3e+2,0.0,-0,1E5],"b":{"c":null,"d":true,"e":false},"s":"x\"\\\/\b\f\n\r\tq\u00e9"})",
      "{\"caf\xc3\xa9\": \"\xe4\xb8\xad\"}",
      R"({"nested": [[[{"x": []}]]]})",
  };
  for (const std::string& doc : docs) {
    ASSERT_TRUE(nlohmann::json::accept(doc)) << doc;
    JsonPrefixValidator v;
    for (size_t i = 0; i < doc.size(); ++i) {
      ASSERT_TRUE(v.feed_byte(static_cast<uint8_t>(doc[i]))) << doc << " at " << i;
      if (i + 1 < doc.size()) {
        EXPECT_FALSE(v.complete()) << doc << " at " << i;
      }
    }
    EXPECT_TRUE(v.complete()) << doc;
    EXPECT_EQ(v.closing_length(), 0);
  }
}

TEST(JsonPrefixValidator, RejectsWhatCannotBecomeAnObject) {
  for (std::string_view bad : {"[1]",
                               "\"s\"",
                               "1",
                               "{,",
                               "{\"a\" 1",
                               "{\"a\":01",
                               "{\"a\":1.}",
                               "{\"a\":-}",
                               "{\"a\":tru}",
                               "{\"a\":1,}",
                               "{\"a\"::",
                               "{\"a\":\"\x01\"}",
                               "{\"a\":\"\\x\"}",
                               "{\"a\":\"\\u12g4\"}",
                               "{} ",
                               "{}}",
                               "{\"a\":[1}",
                               "{\"a\":{]}",
                               "x",
                               "{\"a\":1e123",
                               "{\"a\":1e+001"}) {
    EXPECT_FALSE(valid_prefix(bad)) << bad;
  }
  std::string deep = "{\"a\":";
  for (int i = 0; i < JsonPrefixValidator::kMaxDepth; ++i) deep += "[";
  EXPECT_FALSE(valid_prefix(deep));  // deeper than the limit
  EXPECT_FALSE(valid_prefix(std::string(JsonPrefixValidator::kMaxWhitespaceRun + 1, ' ')));
}

// Any valid prefix plus its closing suffix is a complete document that nlohmann accepts, and appending the
// first byte of the closing shortens the closing by exactly one (what forced closing relies on).
TEST(JsonPrefixValidator, ClosingSuffixCompletesEveryPrefix) {
  const std::string doc =
      R"({"key": [1, -2.5e-3, "str\"ing\u00e9", {"inner": {"t": true, "f": false, "n": null}}, [], {}], "z": 0})";
  for (size_t cut = 0; cut <= doc.size(); ++cut) {
    JsonPrefixValidator v;
    ASSERT_TRUE(v.feed(doc.substr(0, cut)));
    const std::string closing = v.closing_suffix();
    EXPECT_EQ(static_cast<int>(closing.size()), v.closing_length()) << doc.substr(0, cut);
    EXPECT_TRUE(nlohmann::json::accept(doc.substr(0, cut) + closing)) << doc.substr(0, cut) + closing;
    JsonPrefixValidator w = v;
    for (char c : closing) {
      const int before = w.closing_length();
      ASSERT_TRUE(w.feed_byte(static_cast<uint8_t>(c))) << doc.substr(0, cut) << " + " << closing;
      EXPECT_EQ(w.closing_length(), before - 1);
    }
    EXPECT_TRUE(w.complete());
  }
}

// Random byte soup: the validator never accepts something nlohmann rejects as an object prefix... checked on
// complete documents: whenever it reports complete, the text parses as a JSON object.
TEST(JsonPrefixValidator, CompleteMeansParseable) {
  std::mt19937 rng(5);
  const std::string alphabet = "{}[]\":,0123456789.eE+- \ntrufalsn\\ab";
  int completed = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    JsonPrefixValidator v;
    std::string text;
    for (int i = 0; i < 40 && !v.complete(); ++i) {
      // Mostly bytes that keep it valid, so documents do complete.
      std::string candidates;
      for (char c : alphabet) {
        JsonPrefixValidator next = v;
        if (next.feed_byte(static_cast<uint8_t>(c))) candidates += c;
      }
      if (candidates.empty()) break;
      const char c = candidates[rng() % candidates.size()];
      ASSERT_TRUE(v.feed_byte(static_cast<uint8_t>(c)));
      text += c;
    }
    if (v.complete()) {
      ++completed;
      const auto parsed = nlohmann::json::parse(text, nullptr, false);
      ASSERT_FALSE(parsed.is_discarded()) << text;
      EXPECT_TRUE(parsed.is_object()) << text;
    } else {
      EXPECT_TRUE(nlohmann::json::accept(text + v.closing_suffix())) << text << v.closing_suffix();
    }
  }
  EXPECT_GT(completed, 100);
}

class JsonConstraintTest : public ::testing::Test {
 protected:
  // A toy vocabulary: id 0 is the end token; the rest are pieces of text.
  std::vector<std::string> vocab = {"",    "{",     "}", "\"", "a", ":",   "1", " ", "{\"",
                                    "\":", "hello", ",", "[",  "]", "\"}", "x", "\n"};
  std::vector<int32_t> ends = {0};
  int32_t id(std::string_view text) {
    for (size_t i = 0; i < vocab.size(); ++i) {
      if (vocab[i] == text && i != 0) return static_cast<int32_t>(i);
    }
    return -1;
  }
  std::vector<std::string> allowed(const JsonConstraint& c, int64_t tokens_left) {
    std::vector<float> logits(vocab.size(), 0.0f);
    c.mask(logits.data(), static_cast<int64_t>(logits.size()), tokens_left);
    std::vector<std::string> out;
    for (size_t i = 0; i < logits.size(); ++i) {
      if (!std::isinf(logits[i])) out.push_back(i == 0 ? "<end>" : vocab[i]);
    }
    return out;
  }
};

TEST_F(JsonConstraintTest, MasksTokensThatBreakTheObject) {
  JsonConstraint c(&vocab, ends);
  EXPECT_EQ(allowed(c, 100), (std::vector<std::string>{"{", " ", "{\"", "\n"}));
  ASSERT_TRUE(c.accept(id("{\"")));
  // Inside a key: any text, the closing quote, but not the end token.
  const auto in_key = allowed(c, 100);
  EXPECT_EQ(std::count(in_key.begin(), in_key.end(), "<end>"), 0);
  EXPECT_EQ(std::count(in_key.begin(), in_key.end(), "hello"), 1);
  ASSERT_TRUE(c.accept(id("a")));
  ASSERT_TRUE(c.accept(id("\":")));
  ASSERT_TRUE(c.accept(id("1")));
  ASSERT_TRUE(c.accept(id("}")));
  EXPECT_TRUE(c.validator().complete());
  EXPECT_EQ(allowed(c, 100), (std::vector<std::string>{"<end>"}));  // done: only the end token
}

TEST_F(JsonConstraintTest, ClosesTheObjectWhenTokensRunOut) {
  JsonConstraint c(&vocab, ends);
  ASSERT_TRUE(c.accept(id("{\"")));
  ASSERT_TRUE(c.accept(id("hello")));
  // Closing needs `":0}` = 4 bytes; with 4 tokens left every token must make progress toward it.
  EXPECT_EQ(allowed(c, 4), (std::vector<std::string>{"\"", "{\"", "\":"}));  // "{" is text inside the key
  ASSERT_TRUE(c.accept(id("\":")));                                          // now `0}` is left: 2 bytes
  EXPECT_EQ(allowed(c, 2), (std::vector<std::string>{"1"}));
  // With one token to spare, whatever leaves a 2-byte closing fits too: a space, or opening a string (also
  // one holding ":" or "}"), an object or an array.
  EXPECT_EQ(allowed(c, 3), (std::vector<std::string>{"{", "\"", "1", " ", "\":", "[", "\"}", "\n"}));
  ASSERT_TRUE(c.accept(id("1")));
  EXPECT_EQ(allowed(c, 1), (std::vector<std::string>{"}"}));
  ASSERT_TRUE(c.accept(id("}")));
  EXPECT_TRUE(c.validator().complete());
}

TEST_F(JsonConstraintTest, NothingFitsWhenTooFewTokensAreLeft) {
  JsonConstraint c(&vocab, ends);
  std::vector<float> logits(vocab.size(), 0.0f);
  EXPECT_FALSE(c.mask(logits.data(), static_cast<int64_t>(logits.size()), 1));  // "{}" needs two tokens here
  EXPECT_TRUE(c.mask(logits.data(), static_cast<int64_t>(logits.size()), 2));
}

}  // namespace
}  // namespace sinan
