// The engine on the bundled demo model: right answers with reasoning split off, the same tokens alone and
// batched (same seed), prefix reuse, cancellation freeing the cache, queue limits, context errors, stop
// strings, max_tokens, logprobs and the JSON-object constraint.
#include "serve/engine.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "text/chat/chat_template.h"

namespace sinan {
namespace {

using namespace std::chrono_literals;

struct Collected {
  std::string reasoning, content;
  std::vector<int32_t> tokens;
  std::vector<SampledToken> sampled;
  FinishReason finish_reason = FinishReason::kStop;
  Usage usage;
  std::string error;
  int events = 0;
};

Collected collect(RequestStream& stream, std::chrono::seconds timeout = 120s) {
  Collected c;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<StreamEvent> events;
  while (std::chrono::steady_clock::now() < deadline) {
    stream.wait(&events, 100ms);
    for (auto& e : events) {
      ++c.events;
      c.reasoning += e.reasoning;
      c.content += e.content;
      for (auto& t : e.tokens) {
        c.tokens.push_back(t.token);
        c.sampled.push_back(t);
      }
      if (e.finished) {
        c.finish_reason = e.finish_reason;
        c.usage = e.usage;
        c.error = e.error;
        return c;
      }
    }
  }
  ADD_FAILURE() << "the request did not finish in time";
  return c;
}

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = load_chat_model(SINAN_DEMO_MODEL);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    cm_ = new ChatModel(std::move(*loaded));
  }
  static void TearDownTestSuite() { delete cm_; }

  static std::unique_ptr<Engine> engine(EngineOptions o = {}) {
    if (o.context_tokens == 4096) o.context_tokens = 512;
    o.n_threads = 2;
    auto e = Engine::create(*cm_, o);
    EXPECT_TRUE(e.ok()) << e.message();
    return std::move(*e);
  }
  static std::vector<int32_t> chat_prompt(const std::string& user, const std::string& system = "") {
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
    messages.push_back({{"role", "user"}, {"content", user}});
    chat::ChatOptions options;
    options.add_generation_prompt = true;
    options.bos_token = cm_->bos_token;
    options.eos_token = cm_->eos_token;
    auto text = chat::apply_chat_template(cm_->chat_template, messages, options);
    EXPECT_TRUE(text.ok());
    auto ids = cm_->tokenizer->encode(*text);
    EXPECT_TRUE(ids.ok());
    return *ids;
  }
  static EngineRequest request(const std::string& user, float temperature = 0, uint64_t seed = 1) {
    EngineRequest r;
    r.prompt = chat_prompt(user);
    r.sampling.temperature = temperature;
    r.sampling.top_p = 0.95f;
    r.sampling.seed = seed;
    r.logprobs = true;  // so the tokens come back
    r.reasoning = true;
    return r;
  }
  static Collected run(Engine& e, EngineRequest r) {
    Submitted s = e.submit(std::move(r));
    EXPECT_TRUE(s.stream) << s.message;
    if (!s.stream) return {};
    return collect(*s.stream);
  }

  static ChatModel* cm_;
};
ChatModel* EngineTest::cm_ = nullptr;

TEST_F(EngineTest, AnswersWithTheReasoningApart) {
  auto e = engine();
  const Collected c = run(*e, request("What is 642+178?"));
  EXPECT_EQ(c.error, "");
  EXPECT_EQ(c.reasoning, "2+8=10, carry 1. 4+7+1=12, carry 1. 6+1+1=8.");
  EXPECT_EQ(c.content, "642 + 178 = 820");
  EXPECT_EQ(c.finish_reason, FinishReason::kStop);
  EXPECT_EQ(c.usage.prompt_tokens, 16);
  EXPECT_EQ(c.usage.completion_tokens, static_cast<int64_t>(c.tokens.size()));
  EXPECT_EQ(c.tokens.back(), cm_->end_tokens[0]);  // the end token is counted
  EXPECT_GT(c.usage.reasoning_tokens, 10);
  EXPECT_LT(c.usage.reasoning_tokens, c.usage.completion_tokens);
  EXPECT_GT(c.events, 5);  // streamed, not all at once
}

// Several sampled requests run alone (one slot), then all at once with fewer slots than requests (so some
// wait and join a running batch later): every request gets exactly the same tokens.
TEST_F(EngineTest, BatchedRequestsGetTheTokensTheyGetAlone) {
  const std::vector<std::string> questions = {"What is 642+178?",         "What is 15-980?",
                                              "Please calculate 333+666", "What is 7+8?",
                                              "What is 999-1?",           "Compute 120+45"};
  std::vector<Collected> alone;
  {
    EngineOptions o;
    o.n_slots = 1;
    o.prefix_cache = false;
    auto e = engine(o);
    for (size_t i = 0; i < questions.size(); ++i)
      alone.push_back(run(*e, request(questions[i], 1.0f, 100 + i)));
  }
  EngineOptions o;
  o.n_slots = 4;
  o.step_tokens = 24;  // small: prompts arrive in chunks beside running decodes
  auto e = engine(o);
  std::vector<std::shared_ptr<RequestStream>> streams;
  for (size_t i = 0; i < questions.size(); ++i) {
    Submitted s = e->submit(request(questions[i], 1.0f, 100 + i));
    ASSERT_TRUE(s.stream) << s.message;
    streams.push_back(s.stream);
  }
  for (size_t i = 0; i < questions.size(); ++i) {
    const Collected c = collect(*streams[i]);
    EXPECT_EQ(c.tokens, alone[i].tokens) << questions[i];
    EXPECT_EQ(c.reasoning, alone[i].reasoning);
    EXPECT_EQ(c.content, alone[i].content);
    ASSERT_EQ(c.sampled.size(), alone[i].sampled.size());
    for (size_t t = 0; t < c.sampled.size(); ++t)
      EXPECT_EQ(c.sampled[t].logprob, alone[i].sampled[t].logprob);
  }
  const EngineMetrics m = e->metrics();
  EXPECT_GT(m.steps, 0);
  EXPECT_LT(m.steps, m.generated_tokens);  // steps carried several sequences
}

TEST_F(EngineTest, RepeatedPrefixIsReusedAndChangesNothing) {
  const std::string system =
      "You are a careful calculator. Show the digits, carry where needed, and answer in the form a + b = c.";
  auto with_system = [&](const std::string& q) {
    EngineRequest r = request(q);
    r.prompt = chat_prompt(q, system);
    return r;
  };
  EngineOptions no_cache;
  no_cache.prefix_cache = false;
  const Collected fresh = run(*engine(no_cache), with_system("What is 12+34?"));
  EXPECT_EQ(fresh.usage.cached_tokens, 0);

  auto e = engine();
  const Collected first = run(*e, with_system("What is 500+250?"));
  EXPECT_EQ(first.usage.cached_tokens, 0);
  const Collected second = run(*e, with_system("What is 12+34?"));
  EXPECT_GE(second.usage.cached_tokens, 16);  // at least the system prompt's first block
  EXPECT_EQ(second.usage.cached_tokens % 16, 0);
  EXPECT_EQ(second.tokens, fresh.tokens);
  EXPECT_EQ(second.content, fresh.content);
  // The same request again reuses everything but the last block's worth.
  const Collected third = run(*e, with_system("What is 12+34?"));
  EXPECT_GT(third.usage.cached_tokens, second.usage.cached_tokens - 1);
  EXPECT_EQ(third.tokens, fresh.tokens);
  const EngineMetrics m = e->metrics();
  EXPECT_EQ(m.prompt_tokens_cached, second.usage.cached_tokens + third.usage.cached_tokens);
  EXPECT_GT(m.prefix_cache_blocks, 0);
}

TEST_F(EngineTest, CancellingFreesTheCacheWithinAStep) {
  auto e = engine();
  EngineRequest r = request("What is 642+178?");
  r.ignore_eos = true;  // would run to the end of the context
  Submitted s = e->submit(std::move(r));
  ASSERT_TRUE(s.stream);
  std::vector<StreamEvent> events;
  while (!s.stream->wait(&events, 100ms)) {
  }
  const auto cancelled_at = std::chrono::steady_clock::now();
  s.stream->cancel();
  const Collected c = collect(*s.stream, 10s);
  EXPECT_EQ(c.finish_reason, FinishReason::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 2s);
  const EngineMetrics m = e->metrics();
  EXPECT_EQ(m.active_requests, 0);
  EXPECT_EQ(m.kv_blocks_used, m.kv_blocks_cached);  // only the prefix cache holds blocks now
  EXPECT_EQ(m.requests_cancelled, 1);
}

TEST_F(EngineTest, RefusesWhenTheQueueIsFullAndPromptsThatDoNotFit) {
  EngineOptions o;
  o.n_slots = 1;
  o.max_queue = 1;
  o.context_tokens = 64;
  auto e = engine(o);
  std::vector<std::shared_ptr<RequestStream>> streams;
  for (int i = 0; i < 2; ++i) {
    EngineRequest r = request("What is 642+178?");
    r.ignore_eos = true;
    Submitted s = e->submit(std::move(r));
    ASSERT_TRUE(s.stream) << s.message;
    streams.push_back(s.stream);
  }
  Submitted third = e->submit(request("What is 1+1?"));
  EXPECT_FALSE(third.stream);
  EXPECT_EQ(third.error, SubmitError::kQueueFull);

  EngineRequest long_prompt = request("What is 1+1?");
  long_prompt.prompt.resize(100, long_prompt.prompt.back());
  Submitted too_long = e->submit(std::move(long_prompt));
  EXPECT_EQ(too_long.error, SubmitError::kInvalid);
  EXPECT_NE(too_long.message.find("the prompt has 100 tokens but the context holds 64"), std::string::npos)
      << too_long.message;
  EXPECT_NE(too_long.message.find("37 tokens too long"), std::string::npos) << too_long.message;

  const Collected first = collect(*streams[0]);
  EXPECT_EQ(first.finish_reason, FinishReason::kLength);  // ran to the end of the 64-token context
  EXPECT_EQ(first.usage.prompt_tokens + first.usage.completion_tokens, 64);
  streams[1]->cancel();
  collect(*streams[1]);
  EXPECT_TRUE(run(*e, request("What is 1+1?")).error.empty());  // room again
}

TEST_F(EngineTest, StopStringsAndMaxTokens) {
  auto e = engine();
  EngineRequest r = request("What is 642+178?");
  r.stop = {" ="};
  Collected c = run(*e, r);
  EXPECT_EQ(c.content, "642 + 178");
  EXPECT_EQ(c.reasoning, "2+8=10, carry 1. 4+7+1=12, carry 1. 6+1+1=8.");  // stop strings apply to the answer
  EXPECT_EQ(c.finish_reason, FinishReason::kStop);

  r = request("What is 642+178?");
  r.max_tokens = 5;
  c = run(*e, r);
  EXPECT_EQ(c.finish_reason, FinishReason::kLength);
  EXPECT_EQ(c.usage.completion_tokens, 5);
  EXPECT_EQ(c.usage.reasoning_tokens, 5);
  EXPECT_EQ(c.content, "");
}

TEST_F(EngineTest, LogprobsDescribeTheSampledTokens) {
  auto e = engine();
  EngineRequest r = request("What is 642+178?");
  r.sampling.top_logprobs = 3;
  const Collected c = run(*e, r);
  ASSERT_FALSE(c.sampled.empty());
  for (const SampledToken& t : c.sampled) {
    EXPECT_LE(t.logprob, 0.0f);
    ASSERT_EQ(t.top.size(), 3u);
    EXPECT_EQ(t.top[0].token, t.token);  // greedy: the sampled token is the most likely
    EXPECT_GE(t.top[0].logprob, t.top[1].logprob);
    EXPECT_GE(t.top[1].logprob, t.top[2].logprob);
  }
}

TEST_F(EngineTest, JsonObjectConstrainsOnlyTheAnswer) {
  auto e = engine();
  for (int64_t max_tokens : {200, 45, 41}) {
    for (float temperature : {0.0f, 1.0f}) {
      EngineRequest r = request("What is 642+178?", temperature, 7);
      r.json_object = true;
      r.max_tokens = max_tokens;
      const Collected c = run(*e, r);
      const std::string what =
          fmt::format("max_tokens {} temperature {}: {}", max_tokens, temperature, c.content);
      EXPECT_EQ(c.reasoning.substr(0, 6), "2+8=10") << what;  // the reasoning is not constrained
      const auto parsed = nlohmann::json::parse(c.content, nullptr, false);
      ASSERT_FALSE(parsed.is_discarded()) << what;
      EXPECT_TRUE(parsed.is_object()) << what;
      EXPECT_LE(c.usage.completion_tokens, max_tokens);
    }
  }
}

}  // namespace
}  // namespace sinan
