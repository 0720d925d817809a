#include "serve/stop_strings.h"

#include <gtest/gtest.h>

namespace sinan {
namespace {

// Feeds the text in pieces and returns what is released.
std::string stream(StopStringFilter& filter, const std::vector<std::string>& pieces) {
  std::string out;
  for (const auto& p : pieces) out += filter.push(p);
  return out + filter.finish();
}

TEST(StopStrings, NeverReleasesPartOfAStopString) {
  StopStringFilter f({"</answer>", "STOP"});
  EXPECT_EQ(f.push("hello </ans"), "hello ");  // "</ans" might start "</answer>"
  EXPECT_EQ(f.push("wer> and"), "");           // complete: stop, nothing after it
  EXPECT_TRUE(f.stopped());
  EXPECT_EQ(f.matched(), "</answer>");
  EXPECT_EQ(f.push("more"), "");
  EXPECT_EQ(f.finish(), "");
}

TEST(StopStrings, HeldBackTextIsReleasedWhenItCannotMatch) {
  StopStringFilter f({"STOP"});
  EXPECT_EQ(f.push("ST"), "");
  EXPECT_EQ(f.push("OP"), "");
  EXPECT_TRUE(f.stopped());
  StopStringFilter g({"STOP"});
  EXPECT_EQ(stream(g, {"ST", "ART"}), "START");
  EXPECT_FALSE(g.stopped());
}

TEST(StopStrings, EarliestStopWinsAndOverlapsAreHandled) {
  StopStringFilter f({"bc", "abcd"});  // both complete in "xabcd"; "abcd" starts first
  EXPECT_EQ(stream(f, {"xa", "bcd"}), "x");
  EXPECT_EQ(f.matched(), "abcd");
  StopStringFilter g({"aab"});
  EXPECT_EQ(stream(g, {"a", "a", "a", "b"}), "a");  // "aaab": the stop starts at the second 'a'
  StopStringFilter none({});
  EXPECT_EQ(stream(none, {"any", "thing"}), "anything");
}

TEST(StopStrings, MultibyteText) {
  StopStringFilter f({"。"});
  EXPECT_EQ(stream(f, {"你好", "。再见"}), "你好");
}

}  // namespace
}  // namespace sinan
