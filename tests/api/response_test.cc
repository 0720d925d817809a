// Response assembly: R1 outputs with tool calls (tests/data/api/r1_tool_call_outputs.json, in the exact text
// R1 writes: reasoning, </think>, then its tool-call markers) become reasoning_content, content and
// tool_calls, streamed in any split exactly as in one piece; chunk and usage shapes follow OpenAI and
// DeepSeek.
#include "api/response.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "api/api_error.h"
#include "test_util.h"
#include "text/chat/reasoning.h"

namespace sinan::api {
namespace {

using Json = nlohmann::ordered_json;

ResponseInfo info() {
  return ResponseInfo{"chatcmpl-abc", 1700000000, "demo", "fp"};
}

// What the engine would stream for a completion arriving in pieces of `piece` bytes (0: one piece).
std::vector<StreamEvent> events_for(const std::string& completion, size_t piece, FinishReason finish,
                                    std::mt19937* rng) {
  chat::ReasoningStreamSplitter splitter(true);
  std::vector<StreamEvent> events;
  size_t at = 0;
  while (at < completion.size()) {
    size_t n = piece == 0 ? completion.size() : piece;
    if (rng != nullptr) n = 1 + (*rng)() % 9;
    const chat::ReasoningDelta d = splitter.feed(std::string_view(completion).substr(at, n));
    at += n;
    StreamEvent e;
    e.reasoning = d.reasoning_content;
    e.content = d.content;
    events.push_back(std::move(e));
  }
  const chat::ReasoningDelta last = splitter.finish();
  StreamEvent end;
  end.reasoning = last.reasoning_content;
  end.content = last.content;
  end.finished = true;
  end.finish_reason = finish;
  end.usage.prompt_tokens = 10;
  end.usage.completion_tokens = 20;
  end.usage.reasoning_tokens = 12;
  end.usage.cached_tokens = 8;
  events.push_back(std::move(end));
  return events;
}

Json load_cases() {
  std::ifstream in(test_data("api/r1_tool_call_outputs.json"));
  return Json::parse(in);
}

ChatAssembler::Options tool_options(bool include_usage = false) {
  ChatAssembler::Options o;
  o.reasoning_model = true;
  o.tools = true;
  o.include_usage = include_usage;
  return o;
}

void expect_calls(const Json& got, const Json& expected, const std::string& name) {
  ASSERT_EQ(got.size(), expected.size()) << name;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i]["type"], "function") << name;
    EXPECT_TRUE(got[i]["id"].get<std::string>().rfind("call_", 0) == 0) << name;
    EXPECT_EQ(got[i]["function"]["name"], expected[i]["name"]) << name;
    EXPECT_EQ(got[i]["function"]["arguments"], expected[i]["arguments"]) << name;
  }
}

TEST(ChatAssembler, RecordedR1ToolCallsOneShot) {
  const std::vector<std::string> no_bytes;
  for (const Json& c : load_cases()) {
    const std::string name = c["name"];
    ChatAssembler a(info(), tool_options(), &no_bytes);
    for (const StreamEvent& e :
         events_for(c["completion"], 0, c["finish"] == "length" ? FinishReason::kLength : FinishReason::kStop,
                    nullptr)) {
      a.add(e);
    }
    ASSERT_TRUE(a.finished());
    const Json out = a.completion();
    const Json& message = out["choices"][0]["message"];
    const Json& expected = c["expected"];
    EXPECT_EQ(message["reasoning_content"], expected["reasoning_content"]) << name;
    EXPECT_EQ(message["content"], expected["content"]) << name;
    EXPECT_EQ(out["choices"][0]["finish_reason"], expected["finish_reason"]) << name;
    if (expected["tool_calls"].empty()) {
      EXPECT_FALSE(message.contains("tool_calls")) << name;
    } else {
      expect_calls(message["tool_calls"], expected["tool_calls"], name);
    }
  }
}

TEST(ChatAssembler, StreamedToolCallsMatchOneShotInAnySplit) {
  const std::vector<std::string> no_bytes;
  std::mt19937 rng(3);
  for (const Json& c : load_cases()) {
    const Json& expected = c["expected"];
    const FinishReason finish = c["finish"] == "length" ? FinishReason::kLength : FinishReason::kStop;
    for (size_t piece : {0, 1, 2, 5, 13, 99}) {
      for (bool random : {false, true}) {
        const std::string name = fmt::format("{} / pieces of {}{}", c["name"].get<std::string>(), piece,
                                             random ? " (random)" : "");
        ChatAssembler a(info(), tool_options(true), &no_bytes);
        std::string reasoning, content;
        Json calls = Json::array();
        std::string finish_reason;
        bool saw_usage = false, first = true;
        for (const StreamEvent& e : events_for(c["completion"], piece, finish, random ? &rng : nullptr)) {
          for (const Json& chunk : a.chunks(e)) {
            EXPECT_EQ(chunk["object"], "chat.completion.chunk");
            EXPECT_EQ(chunk["id"], "chatcmpl-abc");
            if (chunk["choices"].empty()) {
              saw_usage = true;
              EXPECT_EQ(chunk["usage"]["completion_tokens_details"]["reasoning_tokens"], 12);
              continue;
            }
            const Json& delta = chunk["choices"][0]["delta"];
            if (first) {
              EXPECT_EQ(delta["role"], "assistant");
              first = false;
            }
            if (delta.contains("reasoning_content"))
              reasoning += delta["reasoning_content"].get<std::string>();
            if (delta.contains("content")) {
              const std::string piece_text = delta["content"];
              if (expected["tool_calls"].size() > 0) {
                EXPECT_EQ(piece_text.find("<｜tool"), std::string::npos) << name;  // markers never leak
              }
              content += piece_text;
            }
            if (delta.contains("tool_calls")) {
              for (const Json& call : delta["tool_calls"]) calls.push_back(call);
            }
            if (!chunk["choices"][0]["finish_reason"].is_null())
              finish_reason = chunk["choices"][0]["finish_reason"];
          }
        }
        EXPECT_EQ(reasoning, expected["reasoning_content"]) << name;
        EXPECT_EQ(content, expected["content"].is_null() ? "" : expected["content"].get<std::string>())
            << name;
        EXPECT_EQ(finish_reason, expected["finish_reason"]) << name;
        EXPECT_TRUE(saw_usage) << name;
        expect_calls(calls, expected["tool_calls"], name);
        for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i]["index"], i);
      }
    }
  }
}

TEST(ChatAssembler, WithoutToolsMarkersStayText) {
  const std::vector<std::string> no_bytes;
  const Json cases = load_cases();
  ChatAssembler::Options o;
  o.reasoning_model = true;
  ChatAssembler a(info(), o, &no_bytes);
  for (const StreamEvent& e : events_for(cases[0]["completion"], 0, FinishReason::kStop, nullptr)) a.add(e);
  const Json out = a.completion();
  EXPECT_NE(out["choices"][0]["message"]["content"].get<std::string>().find("get_weather"),
            std::string::npos);
  EXPECT_EQ(out["choices"][0]["finish_reason"], "stop");
}

TEST(ChatAssembler, UsageLogprobsAndShape) {
  const std::vector<std::string> bytes = {"a", "\xe4\xb8", "\xad", "b"};  // a token that is half a character
  ChatAssembler::Options o;
  o.logprobs = true;
  ChatAssembler a(info(), o, &bytes);
  StreamEvent e;
  e.content = "a\xe4\xb8\xad";
  SampledToken t1{0, -0.5f, {{0, -0.5f}, {3, -1.5f}}};
  SampledToken t2{1, -std::numeric_limits<float>::infinity(), {}};
  e.tokens = {t1, t2};
  e.finished = true;
  e.usage.prompt_tokens = 7;
  e.usage.cached_tokens = 4;
  e.usage.completion_tokens = 2;
  a.add(e);
  const Json out = a.completion();
  EXPECT_EQ(out["object"], "chat.completion");
  EXPECT_EQ(out["system_fingerprint"], "fp");
  EXPECT_FALSE(out["choices"][0]["message"].contains("reasoning_content"));  // not a reasoning model
  const Json& lp = out["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(lp.size(), 2u);
  EXPECT_EQ(lp[0]["token"], "a");
  EXPECT_EQ(lp[0]["top_logprobs"][1]["token"], "b");
  EXPECT_EQ(lp[1]["token"], "\xef\xbf\xbd");  // U+FFFD for the half character
  EXPECT_EQ(lp[1]["bytes"], Json::array({0xe4, 0xb8}));
  EXPECT_EQ(lp[1]["logprob"], -9999.0);  // -inf cannot be JSON
  const Json& u = out["usage"];
  EXPECT_EQ(u["total_tokens"], 9);
  EXPECT_EQ(u["prompt_tokens_details"]["cached_tokens"], 4);
  EXPECT_EQ(u["prompt_cache_hit_tokens"], 4);
  EXPECT_EQ(u["prompt_cache_miss_tokens"], 3);
  EXPECT_NO_THROW((void)dump_json(out));
}

TEST(CompletionAssembler, EchoTextAndLegacyLogprobs) {
  const std::vector<std::string> bytes = {"He", "llo", " world"};
  CompletionAssembler one(ResponseInfo{"cmpl-1", 1, "demo", "fp"}, true, false, "Say: ", &bytes);
  CompletionAssembler streamed(ResponseInfo{"cmpl-1", 1, "demo", "fp"}, true, false, "Say: ", &bytes);
  StreamEvent a;
  a.content = "Hello";
  a.tokens = {SampledToken{0, -0.1f, {{0, -0.1f}}}, SampledToken{1, -0.2f, {{1, -0.2f}}}};
  StreamEvent b;
  b.content = " world";
  b.tokens = {SampledToken{2, -0.3f, {{2, -0.3f}}}};
  b.finished = true;
  b.finish_reason = FinishReason::kLength;
  std::string text;
  for (const StreamEvent* e : {&a, &b}) {
    one.add(*e);
    for (const Json& chunk : streamed.chunks(*e)) text += chunk["choices"][0]["text"].get<std::string>();
  }
  const Json out = one.completion();
  EXPECT_EQ(out["object"], "text_completion");
  EXPECT_EQ(out["choices"][0]["text"], "Say: Hello world");
  EXPECT_EQ(text, "Say: Hello world");
  EXPECT_EQ(out["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(out["choices"][0]["logprobs"]["tokens"], Json::array({"He", "llo", " world"}));
  EXPECT_EQ(out["choices"][0]["logprobs"]["text_offset"], Json::array({5, 7, 10}));
}

}  // namespace
}  // namespace sinan::api
