// sinan synth: presets with the real models' shapes, random weights that run, deterministic files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "convert/convert.h"
#include "convert_test_util.h"
#include "io/gguf.h"
#include "kernels/matmul.h"
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

// Prefill of 8 tokens, then 3 single-token decode steps through the KV cache: every row's logits.
std::vector<float> prefill_and_decode(const Model& model, bool prepare_weights) {
  ContextOptions options;
  options.context_tokens = 64;
  options.n_threads = 2;
  options.prefault_weights = prepare_weights;
  auto context = Context::create(model, options);
  EXPECT_TRUE(context.ok()) << context.message();
  if (!context.ok()) return {};
  const auto vocab = static_cast<size_t>(model.config().vocab_size);
  const std::vector<int32_t> prompt = {0, 5, 17, 300, 42, 7, 999, 1};
  std::vector<float> all(prompt.size() * vocab);
  Batch batch;
  for (size_t i = 0; i < prompt.size(); ++i) batch.add(prompt[i], 0, static_cast<int32_t>(i), true);
  EXPECT_TRUE((*context)->decode(batch, all.data()).ok());
  for (int32_t step = 0; step < 3; ++step) {
    Batch one;
    one.add(11 * step + 3, 0, static_cast<int32_t>(prompt.size()) + step, true);
    std::vector<float> logits(vocab);
    EXPECT_TRUE((*context)->decode(one, logits.data()).ok());
    all.insert(all.end(), logits.begin(), logits.end());
  }
  return all;
}

int rearranged_matrices(const Model& model) {
  int n = 0;
  const auto count = [&](const Matrix& m) { n += m.layout != ChunkLayout::kFile; };
  for (const LayerWeights& l : model.weights().layers) {
    for (const Matrix* m : {&l.gqa.q, &l.gqa.k, &l.gqa.v, &l.gqa.o, &l.mla.q, &l.mla.kv_a, &l.mla.o, &l.ffn.gate,
                            &l.ffn.up, &l.ffn.down, &l.moe.shared.gate, &l.moe.shared.up, &l.moe.shared.down}) {
      count(*m);
    }
    for (const FfnWeights& e : l.moe.experts) {
      for (const Matrix* m : {&e.gate, &e.up, &e.down}) count(*m);
    }
  }
  count(model.weights().output);
  EXPECT_EQ(model.weights().token_embedding.layout, ChunkLayout::kFile);  // read row by row in file layout
  return n;
}

void check_rearranged_logits(const std::string& preset, FileType type);

// Q4_K_M, Q8_0, Q4_1 and Q5_0 files: the context that prepares the weight memory rearranges the matmul
// weights for the active CPU tier where it has a layout for their type (kernels/chunk_layout.h); the
// logits of prefill and of decode stay those of the file layout, bit for bit.
TEST_P(TinySynth, RearrangedWeightsGiveTheFileLayoutsLogitsBitForBit) {
  for (FileType type : {FileType::kQ4_K_M, FileType::kQ8_0, FileType::kQ4_1, FileType::kQ5_0}) {
    SCOPED_TRACE(file_type_info(type).name);
    check_rearranged_logits(GetParam(), type);
  }
}

void check_rearranged_logits(const std::string& preset, FileType type) {
  ScratchDir dir;
  auto plan = plan_synthetic(preset, {});
  ASSERT_TRUE(plan.ok()) << plan.message();
  const std::string out = dir.file("model.gguf");
  ASSERT_TRUE(write_gguf(*plan, type, out, {}).ok());
  auto as_file = load_or_fail(out), rearranged = load_or_fail(out);
  ASSERT_TRUE(as_file && rearranged);
  const std::vector<float> want = prefill_and_decode(*as_file, /*prepare_weights=*/false);
  const std::vector<float> got = prefill_and_decode(*rearranged, /*prepare_weights=*/true);
  EXPECT_EQ(rearranged_matrices(*as_file), 0);
  Matrix probe;  // the file's main type
  probe.dtype = file_type_info(type).default_dtype;
  probe.cols = 256;
  if (preferred_chunk_layout(probe) != ChunkLayout::kFile) {
    EXPECT_GT(rearranged_matrices(*rearranged), 0);
  } else {
    EXPECT_EQ(rearranged_matrices(*rearranged), 0);
  }
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0);
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
