// sinan synth: presets with the real models' shapes, random weights that run, deterministic files.
#include <gtest/gtest.h>

#include <cmath>

#include "convert/convert.h"
#include "convert_test_util.h"
#include "io/gguf.h"
#include "text/tokenizer.h"

namespace sinan {
namespace {

int64_t parameters(const ConversionPlan& plan) {
  int64_t n = 0;
  for (const auto& t : plan.tensors) {
    if (t.name != "rope_freqs.weight") n += t.numel();
  }
  return n;
}

// The presets hold the real checkpoints' parameter counts (as their Hugging Face model cards state them).
TEST(SynthPresets, HaveTheRealModelsParameterCounts) {
  const std::pair<const char*, int64_t> cases[] = {
      {"r1-distill-qwen-1.5b", 1777088000},
      {"r1-distill-qwen-7b", 7615616512},
      {"r1-distill-llama-8b", 8030261248},
      {"deepseek-v2-lite", 15706484224},
  };
  for (const auto& [preset, count] : cases) {
    auto plan = plan_synthetic(preset, {});
    ASSERT_TRUE(plan.ok()) << plan.message();
    EXPECT_EQ(parameters(*plan), count) << preset;
  }
}

// V3's per-layer shapes and routing, 4 layers and 32 experts.
TEST(SynthPresets, DeepSeekV3ReducedKeepsV3sLayerShapesAndRouting) {
  auto plan = plan_synthetic("deepseek-v3-reduced", {});
  ASSERT_TRUE(plan.ok()) << plan.message();
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& t : plan->tensors) shapes[t.name] = t.shape;
  EXPECT_EQ(shapes["blk.0.ffn_gate.weight"], (std::vector<int64_t>{18432, 7168}));  // the dense first layer
  EXPECT_EQ(shapes["blk.1.attn_q_a.weight"], (std::vector<int64_t>{1536, 7168}));
  EXPECT_EQ(shapes["blk.1.attn_q_b.weight"], (std::vector<int64_t>{128 * 192, 1536}));
  EXPECT_EQ(shapes["blk.1.attn_kv_a_mqa.weight"], (std::vector<int64_t>{576, 7168}));
  EXPECT_EQ(shapes["blk.1.attn_k_b.weight"], (std::vector<int64_t>{128, 512, 128}));
  EXPECT_EQ(shapes["blk.1.attn_v_b.weight"], (std::vector<int64_t>{128, 128, 512}));
  EXPECT_EQ(shapes["blk.3.ffn_gate_exps.weight"], (std::vector<int64_t>{32, 2048, 7168}));
  EXPECT_EQ(shapes["blk.3.ffn_down_shexp.weight"], (std::vector<int64_t>{7168, 2048}));
  EXPECT_EQ(shapes["blk.3.exp_probs_b.bias"], (std::vector<int64_t>{32}));
  EXPECT_EQ(shapes.count("blk.4.attn_norm.weight"), 0u);
  const GgufWriter& m = plan->metadata;
  auto u = [&](const char* key) { return m.find(key) ? m.find(key)->u : 0; };
  EXPECT_EQ(u("deepseek2.block_count"), 4u);
  EXPECT_EQ(u("deepseek2.expert_count"), 32u);
  EXPECT_EQ(u("deepseek2.expert_used_count"), 8u);
  EXPECT_EQ(u("deepseek2.expert_group_count"), 8u);
  EXPECT_EQ(u("deepseek2.expert_group_used_count"), 4u);
  EXPECT_EQ(u("deepseek2.expert_gating_func"), 2u);  // sigmoid
  EXPECT_EQ(u("deepseek2.leading_dense_block_count"), 1u);
  EXPECT_EQ(u("deepseek2.vocab_size"), 129280u);
  EXPECT_EQ(m.find("deepseek2.expert_weights_scale")->f, 2.5);
}

class TinySynth : public ::testing::TestWithParam<std::string> {};

// Every tiny preset, in three types, loads and runs with finite logits; its tokenizer and template load.
TEST_P(TinySynth, LoadsAndRuns) {
  ScratchDir dir;
  for (FileType type : {FileType::kBF16, FileType::kQ8_0, FileType::kQ4_K_M}) {
    auto plan = plan_synthetic(GetParam(), {});
    ASSERT_TRUE(plan.ok()) << plan.message();
    const std::string out = dir.file("model.gguf");
    auto written = write_gguf(*plan, type, out, {});
    ASSERT_TRUE(written.ok()) << written.message();
    auto model = load_or_fail(out);
    ASSERT_TRUE(model);
    const std::vector<float> logits = prefill_logits(*model, {0, 5, 17, 300, 42, 7, 999, 1});
    ASSERT_FALSE(logits.empty());
    double sum2 = 0;
    for (float v : logits) {
      ASSERT_TRUE(std::isfinite(v));
      sum2 += static_cast<double>(v) * v;
    }
    const double rms = std::sqrt(sum2 / static_cast<double>(logits.size()));
    EXPECT_GT(rms, 0.1) << file_type_info(type).name;   // the weights do something ...
    EXPECT_LT(rms, 30.0) << file_type_info(type).name;  // ... and stay at a sane scale
    auto gguf = GgufFile::open(out);
    ASSERT_TRUE(gguf.ok());
    auto tokenizer = Tokenizer::from_gguf(*gguf);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.message();
    auto ids = tokenizer->encode("hello world<｜User｜>");
    ASSERT_TRUE(ids.ok());
    EXPECT_FALSE(ids->empty());
    EXPECT_EQ(tokenizer->token_text(ids->back()), "<｜User｜>");
    EXPECT_NE(gguf->find("tokenizer.chat_template"), nullptr);
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, TinySynth,
                         ::testing::Values("tiny-qwen2", "tiny-llama", "tiny-deepseek-v2",
                                           "tiny-deepseek-v3"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Synth, SameSeedSameFileOtherSeedOtherWeights) {
  ScratchDir dir;
  auto write = [&](uint64_t seed, const std::string& name) {
    SynthOptions options;
    options.seed = seed;
    auto plan = plan_synthetic("tiny-deepseek-v3", options);
    EXPECT_TRUE(plan.ok());
    WriteOptions w;
    w.threads = seed == 1 ? 1 : 2;  // the thread count must not matter
    EXPECT_TRUE(write_gguf(*plan, FileType::kQ4_K_M, dir.file(name), w).ok());
    return read_binary(dir.file(name));
  };
  const auto a = write(1, "a.gguf"), b = write(1, "b.gguf"), c = write(2, "c.gguf");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Synth, LayersAndExpertsOptions) {
  SynthOptions options;
  options.layers = 2;
  options.experts = 8;
  auto plan = plan_synthetic("tiny-deepseek-v3", options);
  ASSERT_TRUE(plan.ok()) << plan.message();
  ScratchDir dir;
  ASSERT_TRUE(write_gguf(*plan, FileType::kQ8_0, dir.file("m.gguf"), {}).ok());
  auto model = load_or_fail(dir.file("m.gguf"));
  ASSERT_TRUE(model);
  EXPECT_EQ(model->config().n_layers, 2);
  EXPECT_EQ(model->config().n_routed_experts, 8);
  EXPECT_EQ(model->config().first_dense_layers, 1);

  options.experts = 6;  // not a multiple of the 4 groups
  auto bad = plan_synthetic("tiny-deepseek-v3", options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("--experts 6"), std::string::npos) << bad.message();
  auto unknown = plan_synthetic("r1-distill-qwen-3b", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("r1-distill-qwen-7b"), std::string::npos) << unknown.message();
  SynthOptions dense;
  dense.experts = 8;
  EXPECT_FALSE(plan_synthetic("tiny-llama", dense).ok());
}

}  // namespace
}  // namespace sinan
