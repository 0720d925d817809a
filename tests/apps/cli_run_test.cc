// sinan run on the bundled demo model, as a user runs it: one-shot answers with the reasoning apart
// from the answer, greedy accuracy on 200 random problems, seeds, interactive chat with cache reuse,
// /clear, Ctrl-C, and clear errors.
#include <gtest/gtest.h>

#include <random>

#include "subprocess.h"

namespace sinan {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

TEST(CliRun, OneShotShowsReasoningThenTheAnswer) {
  const auto r = run_process({"run", "-p", "What is 642+178?", "--temp", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Reasoning, a blank line, then only the answer (no <think> tags, no end-of-sentence token).
  EXPECT_EQ(r.out, "2+8=10, carry 1. 4+7+1=12, carry 1. 6+1+1=8.\n\n642 + 178 = 820\n");
  EXPECT_NE(r.err.find("generation: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tok/s"), std::string::npos) << r.err;
}

TEST(CliRun, ColorDimsTheThinking) {
  const auto r = run_process({"run", "-p", "12+30=?", "--temp", "0", "--color", "always"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("\x1b[2m", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\x1b[0m\n\n12 + 30 = 42\n"), std::string::npos) << r.out;
}

TEST(CliRun, HideThinkingPrintsOnlyTheAnswer) {
  const auto r = run_process({"run", "-p", "Please calculate 15-55", "--temp", "0", "--hide-thinking"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "15 - 55 = -40\n");
}

// The demo's greedy answers through `sinan run`, 200 random problems in one interactive session.
TEST(CliRun, DemoAnswersAtLeast97PercentOf200RandomProblems) {
  std::mt19937 rng(2026);
  std::uniform_int_distribution<int> operand(0, 999);
  const char* formats[] = {"What is {}{}{}?", "{}{}{}=?", "Please calculate {}{}{}", "How much is {} {} {}?"};
  std::string input;
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    const int a = operand(rng), b = operand(rng);
    const bool plus = rng() % 2 == 0;
    const int f = static_cast<int>(rng() % 4);
    std::string op = f == 3 ? (plus ? "plus" : "minus") : (plus ? "+" : "-");
    std::string question = formats[f];
    for (const std::string& part : {std::to_string(a), op, std::to_string(b)}) {
      question.replace(question.find("{}"), 2, part);
    }
    input += question + "\n/clear\n";
    expected.push_back(std::to_string(a) + (plus ? " + " : " - ") + std::to_string(b) + " = " +
                       std::to_string(plus ? a + b : a - b));
  }
  const auto r = run_process({"run", "--temp", "0", "--hide-thinking"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto answers = lines_of(r.out);
  ASSERT_EQ(answers.size(), expected.size()) << r.out;
  int right = 0;
  for (size_t i = 0; i < expected.size(); ++i) right += answers[i] == expected[i];
  RecordProperty("correct_of_200", right);
  EXPECT_GE(right, 194) << "97% of 200";
}

TEST(CliRun, SameSeedSameTextAndSamplingDefaultsAreR1s) {
  const auto a = run_process({"run", "-p", "What is 99+1?", "--seed", "5", "-v"});
  const auto b = run_process({"run", "-p", "What is 99+1?", "--seed", "5"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  // The demo has R1's template and no sampling metadata: DeepSeek's recommended settings apply.
  EXPECT_NE(a.err.find("temperature 0.6 top-p 0.95"), std::string::npos) << a.err;
  EXPECT_NE(a.err.find("DeepSeek-R1's recommendation"), std::string::npos) << a.err;
}

TEST(CliRun, MaxTokensAndNoThink) {
  auto r = run_process({"run", "-p", "What is 642+178?", "--temp", "0", "-n", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2+8\n");  // three tokens of reasoning, then no blank line: no answer follows
  r = run_process({"run", "-p", "What is 642+178?", "--temp", "0", "--no-think", "-v"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("<think>\\n\\n</think>\\n\\n"), std::string::npos) << r.err;  // an empty thinking block
  EXPECT_EQ(r.out.find("carry"), std::string::npos) << r.out;                    // so no reasoning printed
}

// The demo was trained on single turns, so its second answer in a conversation is unreliable; the test
// checks the mechanics (cache reuse, /clear, /bye), tests/serve checks that reuse changes no token.
TEST(CliRun, ChatReusesTheCacheAcrossTurnsAndClearForgets) {
  const auto r = run_process({"run", "--temp", "0", "--hide-thinking"}, "1+2=?\n3+4=?\n/clear\n5+6=?\n/bye\n7+8=?\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto answers = lines_of(r.out);
  ASSERT_EQ(answers.size(), 3u) << r.out;  // nothing after /bye
  EXPECT_EQ(answers[0], "1 + 2 = 3");
  EXPECT_EQ(answers[2], "5 + 6 = 11");  // a fresh conversation after /clear
  const auto stats = lines_of(r.err);
  ASSERT_EQ(stats.size(), 3u) << r.err;
  // The second turn recomputes only what the first turn's cache does not hold.
  EXPECT_NE(stats[1].find("computed"), std::string::npos);
  const auto prompt_tokens = [](const std::string& s) { return std::stoi(s.substr(8)); };
  const auto computed = [](const std::string& s) { return std::stoi(s.substr(s.find('(') + 1)); };
  EXPECT_LT(computed(stats[1]), prompt_tokens(stats[1])) << stats[1];
  EXPECT_EQ(computed(stats[2]), prompt_tokens(stats[2])) << stats[2];  // after /clear: everything again
}

TEST(CliRun, MultiLineInput) {
  const auto r = run_process({"run", "--temp", "0", "--hide-thinking", "-v"}, "\"\"\"\nWhat is\n1+1?\n\"\"\"\nab\\\ncd\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("<｜User｜>What is\\n1+1?\\n<｜Assistant｜>"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("<｜User｜>ab\\ncd<｜Assistant｜>"), std::string::npos) << r.err;
}

// Ctrl-C stops the reply and the chat goes on. The raw prompt never reaches the end token, so the
// model would write until the context is full.
TEST(CliRun, CtrlCStopsTheReplyWithoutLeaving) {
  // With --ignore-eos each reply runs for exactly 1500 tokens (a few seconds) unless stopped.
  const auto r = run_process({"run", "--ignore-eos", "-n", "1500", "--hide-thinking", "--temp", "1", "--seed", "1"},
                             "What is 1+1?\n12+30=?\n", 0.4);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto err = lines_of(r.err);
  ASSERT_EQ(err.size(), 3u) << r.err;  // the first reply's "[stopped]" and stats, then the second's stats
  EXPECT_EQ(err[0], "[stopped]");
  const auto generated = [](const std::string& s) { return std::stoi(s.substr(s.find("generation: ") + 12)); };
  EXPECT_LT(generated(err[1]), 1500) << err[1];  // cut short
  EXPECT_EQ(generated(err[2]), 1500) << err[2];  // the chat went on to the next message
}

TEST(CliRun, ErrorsAreOneLine) {
  const auto r = run_process({"run", "/no/such/model.gguf", "-p", "hi"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "sinan run: /no/such/model.gguf: no such file or directory\n");
}

}  // namespace
}  // namespace sinan
