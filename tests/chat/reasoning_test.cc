#include "text/chat/reasoning.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sinan::chat {
namespace {

// Realistic R1 completions (the prompt ended with "<｜Assistant｜><think>\n").
const char* kTypical =
    "Okay, the user asks for 17 * 23. Let me compute: 17 * 20 = 340, 17 * 3 = 51, total 391.\n"
    "</think>\n\n17 × 23 = **391**.";

TEST(SplitReasoning, PromptOpenedThink) {
  ReasoningSplit s = split_reasoning(kTypical);
  EXPECT_EQ(s.reasoning_content,
            "Okay, the user asks for 17 * 23. Let me compute: 17 * 20 = 340, 17 * 3 = 51, total 391.");
  EXPECT_EQ(s.content, "17 × 23 = **391**.");
  EXPECT_TRUE(s.reasoning_finished);
}

TEST(SplitReasoning, ModelReEmitsOpeningTag) {
  ReasoningSplit s = split_reasoning("<think>\nHmm, 2+2.\n</think>\n\n4");
  EXPECT_EQ(s.reasoning_content, "Hmm, 2+2.");
  EXPECT_EQ(s.content, "4");
  s = split_reasoning("\n  <think>x</think>y");
  EXPECT_EQ(s.reasoning_content, "x");
  EXPECT_EQ(s.content, "y");
}

TEST(SplitReasoning, TruncatedIsAllReasoning) {
  ReasoningSplit s = split_reasoning("Let me think about primes.\nFirst, 91 = 7 * 13, so");
  EXPECT_EQ(s.reasoning_content, "Let me think about primes.\nFirst, 91 = 7 * 13, so");
  EXPECT_EQ(s.content, "");
  EXPECT_FALSE(s.reasoning_finished);
  // A partial closing tag at the very end is reasoning text after all.
  s = split_reasoning("almost done </thi");
  EXPECT_EQ(s.reasoning_content, "almost done </thi");
}

TEST(SplitReasoning, EmptyReasoningAndEmptyAnswer) {
  ReasoningSplit s = split_reasoning("</think>\n\nHello!");
  EXPECT_EQ(s.reasoning_content, "");
  EXPECT_EQ(s.content, "Hello!");
  s = split_reasoning("thinking\n</think>\n\n");
  EXPECT_EQ(s.reasoning_content, "thinking");
  EXPECT_EQ(s.content, "");
  EXPECT_TRUE(s.reasoning_finished);
  s = split_reasoning("");
  EXPECT_EQ(s.reasoning_content, "");
  EXPECT_EQ(s.content, "");
}

TEST(SplitReasoning, OnlyFirstCloseTagSplits) {
  ReasoningSplit s = split_reasoning("a</think>b</think>c");
  EXPECT_EQ(s.reasoning_content, "a");
  EXPECT_EQ(s.content, "b</think>c");
}

TEST(SplitReasoning, NonThinkingPrompt) {
  // V3.1 without thinking: the prompt ends with "<think></think>", the model answers directly.
  ReasoningSplit s = split_reasoning("The capital of France is Paris.", /*prompt_opened_think=*/false);
  EXPECT_EQ(s.reasoning_content, "");
  EXPECT_EQ(s.content, "The capital of France is Paris.");
  s = split_reasoning("<think>r</think>answer", false);
  EXPECT_EQ(s.reasoning_content, "r");
  EXPECT_EQ(s.content, "answer");
}

TEST(SplitReasoning, UnicodeSurvivesIntact) {
  ReasoningSplit s = split_reasoning("用户问的是“你好”。😀\n</think>\n\n你好！👋");
  EXPECT_EQ(s.reasoning_content, "用户问的是“你好”。😀");
  EXPECT_EQ(s.content, "你好！👋");
}

// Feeds `text` in the given pieces; checks that each stream only ever grows towards the one-shot result.
void check_stream(const std::string& text, const std::vector<size_t>& cuts, bool opened) {
  ReasoningSplit want = split_reasoning(text, opened);
  ReasoningStreamSplitter splitter(opened);
  std::string reasoning, content;
  size_t start = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    size_t end = i < cuts.size() ? cuts[i] : text.size();
    ReasoningDelta d = splitter.feed(std::string_view(text).substr(start, end - start));
    reasoning += d.reasoning_content;
    content += d.content;
    ASSERT_EQ(want.reasoning_content.compare(0, reasoning.size(), reasoning), 0)
        << "reasoning stream is not a prefix: " << reasoning;
    ASSERT_EQ(want.content.compare(0, content.size(), content), 0)
        << "content stream is not a prefix: " << content;
    start = end;
  }
  ReasoningDelta d = splitter.finish();
  EXPECT_EQ(reasoning + d.reasoning_content, want.reasoning_content) << text;
  EXPECT_EQ(content + d.content, want.content) << text;
}

TEST(ReasoningStream, EverySplitPointAndByteByByte) {
  const std::vector<std::string> texts = {
      kTypical,
      "<think>\nre-opened\n</think>\n\nanswer",
      "no close tag, truncated </thin",
      "a </ b </t c </th d </think> e </think> f",
      "  \n</think>   \n\n  answer with trailing space  ",
      "用户😀 </think>\n\n答案👋",
  };
  for (const std::string& text : texts) {
    for (bool opened : {true, false}) {
      for (size_t cut = 0; cut <= text.size(); ++cut) check_stream(text, {cut}, opened);
      std::vector<size_t> every;
      for (size_t i = 1; i < text.size(); ++i) every.push_back(i);
      check_stream(text, every, opened);
    }
  }
}

TEST(ReasoningStream, RandomChunks) {
  std::mt19937 rng(7);
  const std::string text = std::string(kTypical) + " More text </think> after.";
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<size_t> cuts;
    for (size_t pos = 0; pos < text.size();) {
      pos += 1 + rng() % 9;
      if (pos < text.size()) cuts.push_back(pos);
    }
    check_stream(text, cuts, true);
  }
}

TEST(ReasoningStream, HoldsBackPartialTagUntilDecided) {
  ReasoningStreamSplitter splitter;
  ReasoningDelta d = splitter.feed("step one </th");
  EXPECT_EQ(d.reasoning_content, "step one");
  EXPECT_TRUE(splitter.in_reasoning());
  d = splitter.feed("ink>");
  EXPECT_EQ(d.reasoning_content, "");
  EXPECT_EQ(d.content, "");
  EXPECT_TRUE(splitter.reasoning_finished());
  d = splitter.feed("\n\nThe answer");
  EXPECT_EQ(d.content, "The answer");
  d = splitter.feed(" is 4.");
  EXPECT_EQ(d.content, " is 4.");
}

}  // namespace
}  // namespace sinan::chat
