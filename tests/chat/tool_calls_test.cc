#include "text/chat/tool_calls.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sinan::chat {
namespace {

// As R1 writes them (the format its template renders tool calls in history).
const char* kR1TwoCalls =
    "I'll check both cities.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n"
    "```json\n{\"city\": \"Paris\", \"unit\": \"c\"}\n```<｜tool▁call▁end｜>\n"
    "<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n"
    "```json\n{\"city\": \"東京\", \"options\": {\"days\": [1, 2, 3], \"detail\": {\"hourly\": true}}}\n```"
    "<｜tool▁call▁end｜><｜tool▁calls▁end｜>";

TEST(ToolCalls, R1MultipleCallsWithNestedJsonAndUnicode) {
  ToolCallParse p = parse_tool_calls(kR1TwoCalls);
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.content, "I'll check both cities.");
  ASSERT_EQ(p.calls.size(), 2u);
  EXPECT_EQ(p.calls[0].name, "get_weather");
  EXPECT_EQ(p.calls[0].arguments, "{\"city\": \"Paris\", \"unit\": \"c\"}");
  EXPECT_EQ(p.calls[1].name, "get_weather");
  auto args = nlohmann::json::parse(p.calls[1].arguments);
  EXPECT_EQ(args["city"], "東京");
  EXPECT_EQ(args["options"]["detail"]["hourly"], true);
}

TEST(ToolCalls, V31Format) {
  ToolCallParse p = parse_tool_calls(
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>search<｜tool▁sep｜>{\"query\": \"R1 paper\", \"k\": 3}"
      "<｜tool▁call▁end｜><｜tool▁call▁begin｜>calc<｜tool▁sep｜>{\"expr\": \"2**10\"}<｜tool▁call▁end｜>"
      "<｜tool▁calls▁end｜>");
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.content, "");
  ASSERT_EQ(p.calls.size(), 2u);
  EXPECT_EQ(p.calls[0].name, "search");
  EXPECT_EQ(p.calls[0].arguments, "{\"query\": \"R1 paper\", \"k\": 3}");
  EXPECT_EQ(p.calls[1].name, "calc");
}

TEST(ToolCalls, NoCallsIsPlainContent) {
  ToolCallParse p = parse_tool_calls("Just an answer with ```json\n{}\n``` in it.");
  EXPECT_TRUE(p.calls.empty());
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.content, "Just an answer with ```json\n{}\n``` in it.");
}

TEST(ToolCalls, MissingSectionEndAtEndOfOutputIsAccepted) {
  ToolCallParse p = parse_tool_calls(
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{}\n```<"
      "｜tool▁call▁end｜>");
  EXPECT_EQ(p.error, "");
  ASSERT_EQ(p.calls.size(), 1u);
  EXPECT_EQ(p.calls[0].arguments, "{}");
}

TEST(ToolCalls, TextAfterTheSectionIsKeptAsContent) {
  ToolCallParse p = parse_tool_calls(
      "Before.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{\"a\": 1}<｜tool▁call▁end｜>"
      "<｜tool▁calls▁end｜>\nAfter.");
  ASSERT_EQ(p.calls.size(), 1u);
  EXPECT_EQ(p.content, "Before.\n\nAfter.");
}

TEST(ToolCalls, MalformedSectionsAreRejectedWhole) {
  const char* bad[] = {
      // arguments are not JSON
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{\"a\": "
      "}\n```<｜tool▁call▁end｜>"
      "<｜tool▁calls▁end｜>",
      // truncated in the middle of the arguments
      "Sure.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{\"city\": \"Par",
      // no separator
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f {}<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
      // empty name
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜><｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
      // second call broken: the first, valid one is not returned alone either
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{}<｜tool▁call▁end｜>junk<"
      "｜tool▁calls▁end｜>",
      // a section with no calls
      "<｜tool▁calls▁begin｜><｜tool▁calls▁end｜>",
      // no arguments
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f<｜tool▁call▁end｜>",
  };
  for (const char* text : bad) {
    ToolCallParse p = parse_tool_calls(text);
    EXPECT_TRUE(p.calls.empty()) << text;
    EXPECT_NE(p.error, "") << text;
    EXPECT_EQ(p.content, text);
  }
}

TEST(ParseCompletion, ReasoningThenToolCall) {
  ParsedCompletion c = parse_completion(
      "The user wants the weather; I should call get_weather.\n</think>\n\n"
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n"
      "{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>");
  EXPECT_EQ(c.reasoning_content, "The user wants the weather; I should call get_weather.");
  EXPECT_EQ(c.content, "");
  ASSERT_EQ(c.tool_calls.size(), 1u);
  EXPECT_EQ(c.tool_calls[0].name, "get_weather");
  EXPECT_EQ(c.tool_calls[0].arguments, "{\"city\": \"Paris\"}");
  EXPECT_TRUE(c.reasoning_finished);
}

TEST(ParseCompletion, TruncatedReasoningHasNoCalls) {
  ParsedCompletion c = parse_completion("I might call <｜tool▁calls▁begin｜> later but not yet");
  EXPECT_EQ(c.reasoning_content, "I might call <｜tool▁calls▁begin｜> later but not yet");
  EXPECT_TRUE(c.tool_calls.empty());
  EXPECT_FALSE(c.reasoning_finished);
}

}  // namespace
}  // namespace sinan::chat
