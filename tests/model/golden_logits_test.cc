// Golden logits: every fixture model, from safetensors and GGUF, must reproduce the float64 reference
// logits of Hugging Face transformers, by full prefill, by token-by-token decode through the KV cache,
// and with several sequences of different lengths decoded together in one ragged batch.
#include <gtest/gtest.h>

#include "model/context.h"
#include "fixture.h"
#include "logits_compare.h"

namespace sinan {
namespace {

enum class Precision { kExact, kQ8_0 };

struct GoldenCase {
  std::string name;
  std::string model;    // under tests/data
  std::string family;   // fixture folder under tests/data/models
  Precision precision;
  double max_mean_kl;   // q8_0: llama.cpp's figure on the same file
};

std::ostream& operator<<(std::ostream& os, const GoldenCase& c) { return os << c.name; }

const GoldenCase kCases[] = {
    {"qwen2_safetensors", "models/qwen2", "qwen2", Precision::kExact, 0},
    {"llama_safetensors", "models/llama", "llama", Precision::kExact, 0},
    {"deepseek_v3_safetensors", "models/deepseek_v3", "deepseek_v3", Precision::kExact, 0},
    {"deepseek_v3_fp8_safetensors", "models/deepseek_v3_fp8", "deepseek_v3_fp8", Precision::kExact, 0},
    {"deepseek_v2_safetensors", "models/deepseek_v2", "deepseek_v2", Precision::kExact, 0},
    {"qwen2_gguf_bf16", "gguf/qwen2-bf16.gguf", "qwen2", Precision::kExact, 0},
    {"llama_gguf_bf16", "gguf/llama-bf16.gguf", "llama", Precision::kExact, 0},
    {"deepseek_v3_gguf_bf16", "gguf/deepseek_v3-bf16.gguf", "deepseek_v3", Precision::kExact, 0},
    {"deepseek_v2_gguf_bf16", "gguf/deepseek_v2-bf16.gguf", "deepseek_v2", Precision::kExact, 0},
    // q8_0 bars: llama.cpp's mean KL over the same 72 rows. For qwen2 and llama the quoted 1.8e-4; for
    // deepseek_v3 the 3.47e-3 that llama.cpp (Aug 2026 build, see docs/ACCURACY.md) measured side by side
    // on this file and machine: the quoted 2.5e-3 came from another build. sinan's 2.92e-3 is the exact
    // arithmetic of this file's weights; all of it comes from 5 MoE routing flips at near-ties.
    {"qwen2_gguf_q8_0", "gguf/qwen2-q8_0.gguf", "qwen2", Precision::kQ8_0, 1.8e-4},
    {"llama_gguf_q8_0", "gguf/llama-q8_0.gguf", "llama", Precision::kQ8_0, 1.8e-4},
    {"deepseek_v3_gguf_q8_0", "gguf/deepseek_v3-q8_0.gguf", "deepseek_v3", Precision::kQ8_0, 3.47e-3},
};

class GoldenLogits : public ::testing::TestWithParam<GoldenCase> {
 protected:
  void SetUp() override {
    LoadReport report;
    auto loaded = Model::load(test_data(GetParam().model), &report);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    model_ = std::move(*loaded);
    fixtures_ = load_logits_fixtures(GetParam().family);
    ASSERT_EQ(fixtures_.size(), 3u);
  }

  std::unique_ptr<Context> make_context(int max_sequences, int64_t max_batch = 512, int threads = 2) {
    ContextOptions options;
    options.context_tokens = 256;
    options.max_sequences = max_sequences;
    options.max_batch_tokens = max_batch;
    options.n_threads = threads;
    options.kv_block_tokens = 16;
    auto context = Context::create(*model_, options);
    EXPECT_TRUE(context.ok()) << context.message();
    return std::move(*context);
  }

  // Exact weights: relative error <= 1e-4 and the same argmax on every row.
  // q8_0 weights: returns the comparison for the caller to aggregate KL.
  LogitsComparison check(const std::vector<float>& got, const LogitsFixture& f, const std::string& what) {
    const auto rows = static_cast<int64_t>(f.tokens.size());
    EXPECT_EQ(static_cast<int64_t>(got.size()), rows * f.vocab);
    const LogitsComparison c = compare_logits(got.data(), f.logits.data(), rows, f.vocab);
    if (GetParam().precision == Precision::kExact) {
      EXPECT_LE(c.relative_error, 1e-4) << what << " (" << rows << " tokens)";
      EXPECT_EQ(c.top1_agree, rows) << what << " (" << rows << " tokens)";
    }
    return c;
  }

  void check_q8_kl(const std::vector<LogitsComparison>& comparisons, const std::string& what) {
    if (GetParam().precision != Precision::kQ8_0) return;
    double kl_sum = 0;
    int64_t rows = 0;
    for (const auto& c : comparisons) {
      kl_sum += c.mean_kl * static_cast<double>(c.rows);
      rows += c.rows;
    }
    const double mean_kl = kl_sum / static_cast<double>(rows);
    RecordProperty(what + "_mean_kl", std::to_string(mean_kl));
    EXPECT_LE(mean_kl, GetParam().max_mean_kl) << what << ": mean KL over " << rows << " rows";
  }

  std::unique_ptr<Model> model_;
  std::vector<LogitsFixture> fixtures_;
};

TEST_P(GoldenLogits, Prefill) {
  std::vector<LogitsComparison> comparisons;
  for (const auto& f : fixtures_) {
    auto context = make_context(1);
    Batch batch;
    for (size_t i = 0; i < f.tokens.size(); ++i) batch.add(f.tokens[i], 0, static_cast<int32_t>(i), true);
    std::vector<float> logits(f.tokens.size() * f.vocab);
    ASSERT_TRUE(context->decode(batch, logits.data()).ok());
    comparisons.push_back(check(logits, f, "prefill"));
  }
  check_q8_kl(comparisons, "prefill");
}

TEST_P(GoldenLogits, DecodeThroughKvCache) {
  std::vector<LogitsComparison> comparisons;
  for (const auto& f : fixtures_) {
    auto context = make_context(1, 512, 1);
    std::vector<float> logits(f.tokens.size() * f.vocab);
    Batch batch;
    for (size_t i = 0; i < f.tokens.size(); ++i) {
      batch.clear();
      batch.add(f.tokens[i], 0, static_cast<int32_t>(i), true);
      ASSERT_TRUE(context->decode(batch, logits.data() + i * f.vocab).ok());
    }
    comparisons.push_back(check(logits, f, "decode"));
  }
  check_q8_kl(comparisons, "decode");
}

// Three sequences of lengths 1, 7 and 64 in one context: the long one is prefilled in ragged chunks
// while the others decode token by token in the same batches; small max_batch_tokens forces splits.
TEST_P(GoldenLogits, RaggedBatchOfSeveralSequences) {
  auto context = make_context(3, 24, 2);
  std::vector<std::vector<float>> logits(fixtures_.size());
  std::vector<size_t> next(fixtures_.size(), 0);
  for (size_t s = 0; s < fixtures_.size(); ++s) logits[s].resize(fixtures_[s].tokens.size() * fixtures_[s].vocab);
  const size_t chunk_of_long = 9;
  Batch batch;
  std::vector<float> out;
  while (true) {
    batch.clear();
    std::vector<std::pair<size_t, size_t>> rows;  // (sequence, token) of each logits row
    for (size_t s = 0; s < fixtures_.size(); ++s) {
      const size_t take = s == 2 ? chunk_of_long : 1;
      for (size_t k = 0; k < take && next[s] < fixtures_[s].tokens.size(); ++k, ++next[s]) {
        batch.add(fixtures_[s].tokens[next[s]], static_cast<int32_t>(s), static_cast<int32_t>(next[s]), true);
        rows.emplace_back(s, next[s]);
      }
    }
    if (batch.size() == 0) break;
    out.resize(batch.size() * fixtures_[0].vocab);
    ASSERT_TRUE(context->decode(batch, out.data()).ok());
    for (size_t r = 0; r < rows.size(); ++r) {
      const auto [s, t] = rows[r];
      std::copy(out.begin() + r * fixtures_[s].vocab, out.begin() + (r + 1) * fixtures_[s].vocab,
                logits[s].begin() + t * fixtures_[s].vocab);
    }
  }
  std::vector<LogitsComparison> comparisons;
  for (size_t s = 0; s < fixtures_.size(); ++s) comparisons.push_back(check(logits[s], fixtures_[s], "ragged batch"));
  check_q8_kl(comparisons, "ragged");
}

INSTANTIATE_TEST_SUITE_P(AllFixtureModels, GoldenLogits, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sinan
