// Request parsing: what valid requests become, and the 400 errors (message and param) for malformed JSON,
// wrong types, unknown roles and unsupported options.
#include "api/request.h"

#include <gtest/gtest.h>

namespace sinan::api {
namespace {

ChatRequest chat_ok(const std::string& body) {
  ChatRequest r;
  auto e = parse_chat_request(body, RequestLimits{}, &r);
  EXPECT_FALSE(e) << body << " -> " << e->message;
  return r;
}

ApiError chat_error(const std::string& body) {
  ChatRequest r;
  auto e = parse_chat_request(body, RequestLimits{}, &r);
  EXPECT_TRUE(e) << body;
  return e ? *e : ApiError{};
}

TEST(ChatRequest, ReadsEveryField) {
  const ChatRequest r = chat_ok(R"({
    "model": "x", "stream": true, "stream_options": {"include_usage": true},
    "messages": [
      {"role": "developer", "content": "Be brief."},
      {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]},
      {"role": "assistant", "content": null, "reasoning_content": "hmm",
       "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "42"}],
    "temperature": 0.5, "top_p": 0.9, "max_tokens": 100, "max_completion_tokens": 50, "n": 1,
    "stop": ["a", "", "b"], "seed": -1, "presence_penalty": 0.5, "frequency_penalty": -0.5,
    "logprobs": true, "top_logprobs": 3, "logit_bias": {"17": -100, "5": 2.5},
    "response_format": {"type": "json_object"}, "top_k": 40, "min_p": 0.1, "repetition_penalty": 1.1,
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
    "tool_choice": "auto", "chat_template_kwargs": {"enable_thinking": false}, "user": "ignored", "unknown": [1]
  })");
  const GenerationFields& f = r.fields;
  EXPECT_TRUE(f.stream);
  EXPECT_TRUE(f.include_usage);
  EXPECT_EQ(*f.temperature, 0.5f);
  EXPECT_EQ(*f.max_tokens, 50);  // max_completion_tokens wins
  EXPECT_EQ(f.stop, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*f.seed, ~uint64_t{0});
  EXPECT_EQ(f.presence_penalty, 0.5f);
  EXPECT_TRUE(f.logprobs);
  EXPECT_EQ(f.top_logprobs, 3);
  EXPECT_EQ(f.logit_bias.size(), 2u);
  EXPECT_EQ(*f.top_k, 40);
  EXPECT_TRUE(r.json_object);
  EXPECT_TRUE(r.tools.is_array());
  EXPECT_EQ(r.template_vars["enable_thinking"], false);
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[0]["role"], "system");  // developer is system
  EXPECT_EQ(r.messages[1]["content"], "Hi\nthere");
  EXPECT_TRUE(r.messages[2]["content"].is_null());
  EXPECT_FALSE(r.messages[2].contains("reasoning_content"));
  EXPECT_EQ(r.messages[2]["tool_calls"][0]["function"]["arguments"], "{\"a\":1}");
  EXPECT_EQ(r.messages[3]["tool_call_id"], "call_1");
}

TEST(ChatRequest, DefaultsAndToolChoiceNone) {
  const ChatRequest r = chat_ok(R"({"messages": [{"role": "user", "content": "x"}], "stop": "END",
                                    "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "none"})");
  EXPECT_FALSE(r.fields.stream);
  EXPECT_FALSE(r.fields.max_tokens);
  EXPECT_FALSE(r.fields.temperature);
  EXPECT_EQ(r.fields.stop, std::vector<std::string>{"END"});
  EXPECT_TRUE(r.tools.is_null());
}

TEST(ChatRequest, ErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* param;
    const char* message_part;
  };
  const Case cases[] = {
      {R"({"messages": [)", "", "not valid JSON"},
      {R"([1, 2])", "", "must be a JSON object"},
      {R"({})", "messages", "messages is required"},
      {R"({"messages": "hi"})", "messages", "must be an array, not a string"},
      {R"({"messages": []})", "messages", "at least one"},
      {R"({"messages": [{"role": "wizard", "content": "x"}]})", "messages[0].role", "unknown"},
      {R"({"messages": [{"role": 3, "content": "x"}]})", "messages[0].role", "must be a string"},
      {R"({"messages": [{"role": "user"}]})", "messages[0].content", "required"},
      {R"({"messages": [{"role": "user", "content": 5}]})", "messages[0].content", "not a number"},
      {R"({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]})",
       "messages[0].content[0].type", "text only"},
      {R"({"messages": [{"role": "user", "content": "x", "tool_calls": []}]})", "messages[0].tool_calls",
       "assistant"},
      {R"({"messages": [{"role": "user", "content": "x"}], "temperature": "hot"})", "temperature",
       "a number"},
      {R"({"messages": [{"role": "user", "content": "x"}], "temperature": 3})", "temperature",
       "between 0 and 2"},
      {R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0})", "max_tokens", "between 1"},
      {R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 1.5})", "max_tokens", "an integer"},
      {R"({"messages": [{"role": "user", "content": "x"}], "n": 2})", "n", "n=1"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stop": [1]})", "stop[0]", "a string"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stop": {}})", "stop", "a string or an array"},
      {R"({"messages": [{"role": "user", "content": "x"}], "seed": "1"})", "seed", "an integer"},
      {R"({"messages": [{"role": "user", "content": "x"}], "top_logprobs": 2})", "top_logprobs", "logprobs"},
      {R"({"messages": [{"role": "user", "content": "x"}], "logprobs": true, "top_logprobs": 21})",
       "top_logprobs", "between 0 and 20"},
      {R"({"messages": [{"role": "user", "content": "x"}], "logit_bias": {"abc": 1}})", "logit_bias",
       "token ids"},
      {R"({"messages": [{"role": "user", "content": "x"}], "logit_bias": {"1": 101}})", "logit_bias[1]",
       "-100"},
      {R"({"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_schema"}})",
       "response_format.type", "json_object"},
      {R"({"messages": [{"role": "user", "content": "x"}], "response_format": "json"})", "response_format",
       "an object"},
      {R"({"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function"}]})",
       "tools[0].function", "an object"},
      {R"({"messages": [{"role": "user", "content": "x"}], "tool_choice": "sometimes"})", "tool_choice",
       "none"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stream": "yes"})", "stream", "a boolean"},
  };
  for (const Case& c : cases) {
    const ApiError e = chat_error(c.body);
    EXPECT_EQ(e.status, 400) << c.body;
    EXPECT_EQ(e.type, "invalid_request_error");
    EXPECT_EQ(e.param, c.param) << c.body;
    EXPECT_NE(e.message.find(c.message_part), std::string::npos) << c.body << " -> " << e.message;
  }
}

TEST(ChatRequest, DeepNestingIsRefusedBeforeParsing) {
  std::string body = R"({"messages": [{"role": "user", "content": "x"}], "x": )";
  body += std::string(100000, '[') + std::string(100000, ']') + "}";
  const ApiError e = chat_error(body);
  EXPECT_NE(e.message.find("deeper than 64"), std::string::npos);
  // Brackets inside strings do not count.
  chat_ok(R"({"messages": [{"role": "user", "content": ")" + std::string(1000, '[') + R"("}]})");
}

TEST(CompletionRequest, PromptForms) {
  CompletionRequest r;
  ASSERT_FALSE(parse_completion_request(R"({"prompt": "Hello"})", {}, &r));
  EXPECT_EQ(r.prompt, "Hello");
  EXPECT_EQ(*r.fields.max_tokens, 16);  // OpenAI's default here
  r = {};
  ASSERT_FALSE(parse_completion_request(
      R"({"prompt": ["Hello"], "max_tokens": 5, "logprobs": 2, "echo": true})", {}, &r));
  EXPECT_EQ(r.prompt, "Hello");
  EXPECT_TRUE(r.fields.logprobs);
  EXPECT_EQ(r.fields.top_logprobs, 2);
  EXPECT_TRUE(r.echo);
  r = {};
  ASSERT_FALSE(parse_completion_request(R"({"prompt": [1, 2, 3]})", {}, &r));
  EXPECT_TRUE(r.prompt_is_ids);
  EXPECT_EQ(r.prompt_ids, (std::vector<int32_t>{1, 2, 3}));
  r = {};
  ASSERT_FALSE(parse_completion_request(R"({"prompt": [[4, 5]]})", {}, &r));
  EXPECT_EQ(r.prompt_ids, (std::vector<int32_t>{4, 5}));

  for (const char* bad :
       {R"({})", R"({"prompt": ""})", R"({"prompt": ["a", "b"]})", R"({"prompt": [1, -2]})",
        R"({"prompt": [1.5]})", R"({"prompt": "x", "suffix": "y"})", R"({"prompt": "x", "best_of": 2})",
        R"({"prompt": "x", "logprobs": 6})", R"({"prompt": 5})"}) {
    CompletionRequest c;
    auto e = parse_completion_request(bad, {}, &c);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->status, 400);
  }
}

}  // namespace
}  // namespace sinan::api
