// What the server's determinism rests on: a token's logits do not depend on the batch it is computed in.
// Each model runs one sequence alone (prefill, then token-by-token decode) and again inside ragged batches
// with other sequences of different lengths, split into different chunks; the logits must agree BIT FOR BIT,
// not just within a tolerance. Rows reused from shared KV blocks give the same bits as rows computed fresh.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "model/context.h"
#include "test_util.h"

namespace sinan {
namespace {

struct SequenceLogits {
  std::vector<std::vector<float>> logits;  // per position of the watched sequence, [vocab]
};

std::vector<int32_t> random_tokens(std::mt19937& rng, int64_t vocab, size_t n) {
  std::vector<int32_t> t(n);
  for (auto& x : t) x = static_cast<int32_t>(rng() % static_cast<uint32_t>(vocab));
  return t;
}

std::unique_ptr<Context> make_context(const Model& model, int64_t max_batch_tokens) {
  ContextOptions o;
  o.context_tokens = 1024;
  o.max_sequences = 4;
  o.max_batch_tokens = max_batch_tokens;
  o.n_threads = 3;
  o.kv_block_tokens = 8;
  auto c = Context::create(model, o);
  EXPECT_TRUE(c.ok()) << c.message();
  return std::move(*c);
}

// The watched sequence alone: prompt in one batch (logits for every prompt token), then decode steps.
SequenceLogits alone(const Model& model, const std::vector<int32_t>& prompt,
                     const std::vector<int32_t>& continuation) {
  auto ctx = make_context(model, 512);
  const int64_t vocab = model.config().vocab_size;
  SequenceLogits run;
  Batch b;
  for (size_t i = 0; i < prompt.size(); ++i) b.add(prompt[i], 0, static_cast<int32_t>(i), true);
  std::vector<float> logits(prompt.size() * vocab);
  EXPECT_TRUE(ctx->decode(b, logits.data()).ok());
  for (size_t i = 0; i < prompt.size(); ++i)
    run.logits.emplace_back(logits.begin() + i * vocab, logits.begin() + (i + 1) * vocab);
  for (size_t i = 0; i < continuation.size(); ++i) {
    b.clear();
    b.add(continuation[i], 0, static_cast<int32_t>(prompt.size() + i), true);
    std::vector<float> one(vocab);
    EXPECT_TRUE(ctx->decode(b, one.data()).ok());
    run.logits.push_back(one);
  }
  return run;
}

// The watched sequence (id 2) among two others: its prompt arrives in chunks of `chunk` tokens while the
// others decode, the whole batch is split by max_batch_tokens, and its decode steps share the batch too.
SequenceLogits batched(const Model& model, const std::vector<int32_t>& prompt,
                       const std::vector<int32_t>& continuation, int64_t chunk, int64_t max_batch_tokens,
                       std::mt19937& rng) {
  auto ctx = make_context(model, max_batch_tokens);
  const int64_t vocab = model.config().vocab_size;
  // Two other sequences, already under way.
  const auto other0 = random_tokens(rng, vocab, 13), other1 = random_tokens(rng, vocab, 3);
  Batch b;
  for (size_t i = 0; i < other0.size(); ++i) b.add(other0[i], 0, static_cast<int32_t>(i), false);
  for (size_t i = 0; i < other1.size(); ++i) b.add(other1[i], 3, static_cast<int32_t>(i), false);
  EXPECT_TRUE(ctx->decode(b, nullptr).ok());
  int64_t pos0 = 13, pos3 = 3;
  SequenceLogits run;
  std::vector<float> logits(static_cast<size_t>((prompt.size() + 2) * vocab));
  auto step = [&](const std::vector<std::pair<int32_t, int32_t>>& watched) {  // (token, position) of seq 2
    b.clear();
    b.add(static_cast<int32_t>(rng() % vocab), 0, static_cast<int32_t>(pos0++), true);
    for (const auto& [token, position] : watched) b.add(token, 2, position, true);
    b.add(static_cast<int32_t>(rng() % vocab), 3, static_cast<int32_t>(pos3++), true);
    EXPECT_TRUE(ctx->decode(b, logits.data()).ok());
    for (size_t i = 0; i < watched.size(); ++i) {
      const float* row = logits.data() + (1 + i) * vocab;
      run.logits.emplace_back(row, row + vocab);
    }
  };
  for (size_t begin = 0; begin < prompt.size(); begin += static_cast<size_t>(chunk)) {
    std::vector<std::pair<int32_t, int32_t>> piece;
    for (size_t i = begin; i < std::min(prompt.size(), begin + static_cast<size_t>(chunk)); ++i) {
      piece.emplace_back(prompt[i], static_cast<int32_t>(i));
    }
    step(piece);
  }
  for (size_t i = 0; i < continuation.size(); ++i)
    step({{continuation[i], static_cast<int32_t>(prompt.size() + i)}});
  return run;
}

// The watched sequence started on KV blocks another sequence filled (as the prefix cache shares them).
SequenceLogits shared_prefix(const Model& model, const std::vector<int32_t>& prompt,
                             const std::vector<int32_t>& continuation) {
  auto ctx = make_context(model, 512);
  const int64_t vocab = model.config().vocab_size;
  const int64_t block = ctx->options().kv_block_tokens;
  const int64_t shared_tokens = (static_cast<int64_t>(prompt.size()) - 1) / block * block;
  Batch b;
  for (int64_t i = 0; i < shared_tokens; ++i) b.add(prompt[i], 1, static_cast<int32_t>(i), false);
  EXPECT_TRUE(ctx->decode(b, nullptr).ok());
  PagedKvCache& cache = ctx->mutable_cache();
  const std::vector<int32_t> blocks(cache.block_table(1).begin(), cache.block_table(1).end());
  cache.share(2, blocks);
  SequenceLogits run;  // the shared positions are not recomputed, so their logits are not here
  std::vector<float> logits(prompt.size() * vocab);
  b.clear();
  for (size_t i = static_cast<size_t>(shared_tokens); i < prompt.size(); ++i)
    b.add(prompt[i], 2, static_cast<int32_t>(i), true);
  EXPECT_TRUE(ctx->decode(b, logits.data()).ok());
  for (size_t i = 0; i < prompt.size() - static_cast<size_t>(shared_tokens); ++i) {
    run.logits.emplace_back(logits.begin() + i * vocab, logits.begin() + (i + 1) * vocab);
  }
  for (size_t i = 0; i < continuation.size(); ++i) {
    b.clear();
    b.add(continuation[i], 2, static_cast<int32_t>(prompt.size() + i), true);
    std::vector<float> one(vocab);
    EXPECT_TRUE(ctx->decode(b, one.data()).ok());
    run.logits.push_back(one);
  }
  return run;
}

void expect_same_bits(const SequenceLogits& expected, const SequenceLogits& got, size_t offset,
                      const std::string& what) {
  ASSERT_EQ(expected.logits.size(), got.logits.size() + offset) << what;
  for (size_t i = 0; i < got.logits.size(); ++i) {
    ASSERT_EQ(std::memcmp(expected.logits[i + offset].data(), got.logits[i].data(),
                          got.logits[i].size() * sizeof(float)),
              0)
        << what << ": position " << i + offset << " differs";
  }
}

class BatchInvariance : public ::testing::TestWithParam<std::string> {};

TEST_P(BatchInvariance, LogitsAreBitIdenticalAloneBatchedAndOnSharedBlocks) {
  auto model = Model::load(GetParam());
  ASSERT_TRUE(model.ok()) << model.message();
  std::mt19937 rng(17);
  const int64_t vocab = (*model)->config().vocab_size;
  const auto prompt = random_tokens(rng, vocab, 29), continuation = random_tokens(rng, vocab, 6);
  const SequenceLogits reference = alone(**model, prompt, continuation);
  for (const auto& [chunk, max_batch] :
       std::vector<std::pair<int64_t, int64_t>>{{29, 512}, {5, 512}, {7, 4}, {1, 3}}) {
    const SequenceLogits run = batched(**model, prompt, continuation, chunk, max_batch, rng);
    expect_same_bits(reference, run, 0, fmt::format("chunks of {}, batches of at most {}", chunk, max_batch));
  }
  const SequenceLogits shared = shared_prefix(**model, prompt, continuation);
  expect_same_bits(reference, shared, 24,
                   "on shared prefix blocks");  // 3 blocks of 8 came from the other sequence
}

INSTANTIATE_TEST_SUITE_P(
    Models, BatchInvariance,
    ::testing::Values(std::string(SINAN_DEMO_MODEL), test_data("gguf/deepseek_v3-q8_0.gguf"),
                      test_data("models/deepseek_v3_fp8"), test_data("gguf/qwen2-bf16.gguf"),
                      test_data("gguf/llama-q8_0.gguf"), test_data("models/deepseek_v2")),
    [](const auto& info) { return std::to_string(info.index); });

}  // namespace
}  // namespace sinan
