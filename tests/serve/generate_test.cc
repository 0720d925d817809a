// The generation loop on the bundled demo model.
#include "serve/generate.h"

#include <gtest/gtest.h>

#include "serve/chat_model.h"
#include "text/chat/chat_template.h"

namespace sinan {
namespace {

class GenerateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = load_chat_model(SINAN_DEMO_MODEL);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    cm_ = new ChatModel(std::move(*loaded));
  }
  static void TearDownTestSuite() { delete cm_; }

  std::unique_ptr<Context> context() {
    ContextOptions options;
    options.context_tokens = 512;
    auto c = Context::create(*cm_->model, options);
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  std::vector<int32_t> prompt(const nlohmann::ordered_json& messages) {
    chat::ChatOptions options;
    options.add_generation_prompt = true;
    options.bos_token = cm_->bos_token;
    options.eos_token = cm_->eos_token;
    auto text = chat::apply_chat_template(cm_->chat_template, messages, options);
    EXPECT_TRUE(text.ok()) << text.message();
    auto ids = cm_->tokenizer->encode(*text);
    EXPECT_TRUE(ids.ok());
    return *ids;
  }
  GenerationResult run(Context& c, const std::vector<int32_t>& p, std::vector<int32_t>* cached,
                       GenerationOptions options = {}, const TextCallback& on_text = nullptr) {
    SamplingParams greedy;
    greedy.temperature = 0;
    Sampler sampler(greedy, cm_->model->config().vocab_size);
    if (options.end_tokens.empty()) options.end_tokens = cm_->end_tokens;
    auto r = generate(c, 0, *cm_->tokenizer, p, sampler, options, cached, on_text);
    EXPECT_TRUE(r.ok()) << r.message();
    return *r;
  }

  static ChatModel* cm_;
};
ChatModel* GenerateTest::cm_ = nullptr;

TEST_F(GenerateTest, DemoIsAReasoningModelWithR1Defaults) {
  EXPECT_TRUE(cm_->reasoning);
  EXPECT_EQ(cm_->sampling_defaults.temperature, 0.6f);
  EXPECT_EQ(cm_->sampling_defaults.top_p, 0.95f);
  EXPECT_EQ(cm_->end_tokens, std::vector<int32_t>{1});
}

TEST_F(GenerateTest, ReusingTheCachedPrefixChangesNoToken) {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", "38+47=?"}}});
  auto reused_context = context();
  std::vector<int32_t> cached;
  const auto first = run(*reused_context, prompt(messages), &cached);
  EXPECT_EQ(first.text, "8+7=15, carry 1. 3+4+1=8.\n</think>\n\n38 + 47 = 85");
  messages.push_back({{"role", "assistant"}, {"content", "38 + 47 = 85"}});
  messages.push_back({{"role", "user"}, {"content", "Please calculate 755-981"}});
  const auto second_prompt = prompt(messages);
  const auto reused = run(*reused_context, second_prompt, &cached);
  EXPECT_LT(reused.prompt_tokens_computed, reused.prompt_tokens);  // the first turn came from the cache
  auto fresh_context = context();
  std::vector<int32_t> none;
  const auto fresh = run(*fresh_context, second_prompt, &none);
  EXPECT_EQ(fresh.prompt_tokens_computed, fresh.prompt_tokens);
  EXPECT_EQ(reused.tokens, fresh.tokens);
  EXPECT_EQ(reused.text, fresh.text);
}

TEST_F(GenerateTest, StopsAtStopStringsMaxTokensAndCancellation) {
  const auto p = prompt(nlohmann::ordered_json::array({{{"role", "user"}, {"content", "642+178=?"}}}));
  auto c = context();
  std::vector<int32_t> cached;
  GenerationOptions stop;
  stop.stop = {"carry"};
  auto r = run(*c, p, &cached, stop);
  EXPECT_EQ(r.text, "2+8=10, ");
  EXPECT_EQ(r.finish_reason, FinishReason::kStop);
  GenerationOptions length;
  length.max_tokens = 4;
  r = run(*c, p, &cached, length);
  EXPECT_EQ(r.tokens.size(), 4u);
  EXPECT_EQ(r.finish_reason, FinishReason::kLength);
  int calls = 0;
  r = run(*c, p, &cached, {}, [&](const std::string&) { return ++calls < 3; });
  EXPECT_EQ(r.finish_reason, FinishReason::kCancelled);
  EXPECT_EQ(calls, 3);
  // The end token ends the completion and is not part of the text.
  r = run(*c, p, &cached);
  EXPECT_EQ(r.finish_reason, FinishReason::kStop);
  EXPECT_EQ(r.tokens.back(), 1);
  EXPECT_EQ(r.text.find("end▁of▁sentence"), std::string::npos);
}

TEST_F(GenerateTest, PromptLongerThanTheContextIsAnError) {
  ContextOptions options;
  options.context_tokens = 8;
  auto c = Context::create(*cm_->model, options);
  ASSERT_TRUE(c.ok());
  SamplingParams greedy;
  greedy.temperature = 0;
  Sampler sampler(greedy, cm_->model->config().vocab_size);
  std::vector<int32_t> cached;
  auto r = generate(**c, 0, *cm_->tokenizer, std::vector<int32_t>(20, 5), sampler, {}, &cached, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("20 tokens"), std::string::npos) << r.message();
}

}  // namespace
}  // namespace sinan
