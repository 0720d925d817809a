// Loading: every tensor checked by name, type and shape before any math, clear errors naming the file
// and tensor, warnings for unexpected tensors, and the model variants the files can express (MTP
// layers, the older combined attn_kv_b layout, sharded checkpoints, tied embeddings).
#include <gtest/gtest.h>

#include "fixture.h"
#include "logits_compare.h"
#include "model/context.h"
#include "model_files.h"

namespace sinan {
namespace {

std::string load_error(const std::string& path) {
  auto model = Model::load(path);
  EXPECT_FALSE(model.ok()) << path << " loaded";
  return model.ok() ? "" : model.message();
}

#define EXPECT_CONTAINS(text, fragment) \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos) << "in: " << (text)

// Logits of the 7-token fixture sequence, compared with the reference.
void expect_fixture_logits(const Model& model, const std::string& family) {
  const auto fixtures = load_logits_fixtures(family);
  const LogitsFixture& f = fixtures[1];
  ContextOptions options;
  options.context_tokens = 32;
  auto context = Context::create(model, options);
  ASSERT_TRUE(context.ok());
  Batch batch;
  for (size_t i = 0; i < f.tokens.size(); ++i) batch.add(f.tokens[i], 0, static_cast<int32_t>(i), true);
  std::vector<float> logits(f.logits.size());
  ASSERT_TRUE((*context)->decode(batch, logits.data()).ok());
  const auto c = compare_logits(logits.data(), f.logits.data(), static_cast<int64_t>(f.tokens.size()), f.vocab);
  EXPECT_LE(c.relative_error, 1e-4);
  EXPECT_EQ(c.top1_agree, c.rows);
}

TEST(Loader, MissingTensorIsNamed) {
  const auto dir = make_hf_variant("deepseek_v3", "missing", nullptr, [](auto& t) {
    erase_by_name(t, "model.layers.1.self_attn.q_b_proj.weight");
    erase_by_name(t, "model.layers.2.mlp.experts.5.up_proj.weight");
  });
  const std::string error = load_error(dir);
  EXPECT_CONTAINS(error, "2 problems");
  EXPECT_CONTAINS(error, "missing tensor 'model.layers.1.self_attn.q_b_proj.weight'");
  EXPECT_CONTAINS(error, "model.layers.2.mlp.experts.5.up_proj.weight");
  EXPECT_CONTAINS(error, dir);
}

TEST(Loader, MisshapenTensorIsNamedWithBothShapes) {
  const auto dir = make_hf_variant("qwen2", "misshapen", nullptr, [](auto& t) {
    find_by_name(t, "model.layers.0.self_attn.o_proj.weight")->shape = {64, 256};
  });
  const std::string error = load_error(dir);
  EXPECT_CONTAINS(error, "model.layers.0.self_attn.o_proj.weight");
  EXPECT_CONTAINS(error, "[64, 256]");
  EXPECT_CONTAINS(error, "[128, 128]");
}

TEST(Loader, UnexpectedTensorIsAWarning) {
  const auto dir = make_hf_variant("llama", "unexpected", nullptr, [](auto& t) {
    RawTensor extra = t.front();
    extra.name = "model.layers.0.self_attn.rotary_emb.inv_freq";
    t.push_back(extra);
  });
  LoadReport report;
  auto model = Model::load(dir, &report);
  ASSERT_TRUE(model.ok()) << model.message();
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_CONTAINS(report.warnings[0], "model.layers.0.self_attn.rotary_emb.inv_freq");
  expect_fixture_logits(**model, "llama");
}

TEST(Loader, TruncatedWeightsFileIsAnError) {
  const auto dir = make_hf_variant("qwen2", "truncated", nullptr, nullptr);
  const std::string file = dir + "/model.safetensors";
  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 100);
  EXPECT_CONTAINS(load_error(dir), "truncated");
}

TEST(Loader, BadConfigsNameTheField) {
  auto with_config = [](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    return load_error(make_hf_variant("deepseek_v3", name, edit, nullptr));
  };
  EXPECT_CONTAINS(with_config("no_hidden", [](auto& c) { c.erase("hidden_size"); }), "'hidden_size'");
  EXPECT_CONTAINS(with_config("str_hidden", [](auto& c) { c["hidden_size"] = "big"; }), "'hidden_size' should be an integer");
  EXPECT_CONTAINS(with_config("arch", [](auto& c) { c["model_type"] = "mamba"; }), "model_type 'mamba'");
  EXPECT_CONTAINS(with_config("groups", [](auto& c) { c["n_group"] = 3; }), "n_group 3");
  EXPECT_CONTAINS(with_config("rope", [](auto& c) { c["rope_scaling"]["type"] = "dynamic"; }), "'dynamic'");
  EXPECT_CONTAINS(with_config("scoring", [](auto& c) { c["scoring_func"] = "relu"; }), "scoring_func 'relu'");
  const auto dir = make_hf_variant("qwen2", "badjson", nullptr, nullptr);
  std::ofstream(dir + "/config.json") << "{\"model_type\": \"qwen2\", ";
  EXPECT_CONTAINS(load_error(dir), "not valid JSON");
  EXPECT_CONTAINS(load_error(scratch_dir("empty_dir")), "no config.json");
  EXPECT_CONTAINS(load_error("/nonexistent/model.gguf"), "no such file");
}

TEST(Loader, Fp8WithoutScalesIsAnError) {
  const auto dir = make_hf_variant("deepseek_v3_fp8", "fp8_noscale", nullptr, [](auto& t) {
    erase_by_name(t, "model.layers.0.self_attn.o_proj.weight_scale_inv");
  });
  EXPECT_CONTAINS(load_error(dir), "'model.layers.0.self_attn.o_proj.weight_scale_inv'");
  const auto no_config = make_hf_variant("deepseek_v3_fp8", "fp8_noconfig", [](auto& c) { c.erase("quantization_config"); },
                                         nullptr);
  EXPECT_CONTAINS(load_error(no_config), "no fp8 quantization_config");
}

TEST(Loader, GgufErrorsNameTheTensor) {
  const auto missing = make_gguf_variant("gguf/deepseek_v3-bf16.gguf", "gguf_missing", nullptr,
                                         [](auto& t) { erase_by_name(t, "blk.2.ffn_up_exps.weight"); });
  EXPECT_CONTAINS(load_error(missing), "missing tensor 'blk.2.ffn_up_exps.weight'");
  const auto shaped = make_gguf_variant("gguf/qwen2-q8_0.gguf", "gguf_shape", nullptr, [](auto& t) {
    find_by_name(t, "blk.1.attn_k.weight")->shape = {128, 64};
  });
  EXPECT_CONTAINS(load_error(shaped), "'blk.1.attn_k.weight' has shape [128, 64], the config expects [64, 128]");
  const auto arch = make_gguf_variant("gguf/llama-bf16.gguf", "gguf_arch",
                                      [](GgufWriter& w) { w.set_string("general.architecture", "gpt2"); }, nullptr);
  EXPECT_CONTAINS(load_error(arch), "architecture 'gpt2'");
}

// V3/R1 checkpoints carry a multi-token-prediction layer after the decoder layers. It is loaded and
// checked, and does not take part in the normal forward.
TEST(Loader, KeepsTheMultiTokenPredictionLayerFromHuggingFace) {
  const auto dir = make_hf_variant(
      "deepseek_v3", "mtp", [](auto& c) { c["num_nextn_predict_layers"] = 1; },
      [](std::vector<RawTensor>& t) {
        std::vector<RawTensor> added;
        for (const auto& x : t) {
          const std::string prefix = "model.layers.1.";
          if (x.name.rfind(prefix, 0) == 0) {
            RawTensor copy = x;
            copy.name = "model.layers.3." + x.name.substr(prefix.size());
            added.push_back(copy);
          }
        }
        const RawTensor* norm = find_by_name(t, "model.norm.weight");
        for (const char* n : {"enorm", "hnorm", "shared_head.norm"}) {
          RawTensor copy = *norm;
          copy.name = std::string("model.layers.3.") + n + ".weight";
          added.push_back(copy);
        }
        RawTensor eh = *find_by_name(t, "model.layers.0.mlp.gate_proj.weight");  // [256, 128] bytes, reshaped
        eh.name = "model.layers.3.eh_proj.weight";
        eh.shape = {128, 256};
        added.push_back(eh);
        RawTensor embed = *find_by_name(t, "model.embed_tokens.weight");
        embed.name = "model.layers.3.embed_tokens.weight";
        added.push_back(embed);
        RawTensor head = *find_by_name(t, "lm_head.weight");
        head.name = "model.layers.3.shared_head.head.weight";
        added.push_back(head);
        t.insert(t.end(), added.begin(), added.end());
      });
  LoadReport report;
  auto model = Model::load(dir, &report);
  ASSERT_TRUE(model.ok()) << model.message();
  EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
  EXPECT_EQ((*model)->config().n_layers, 3);
  ASSERT_EQ((*model)->weights().mtp.size(), 1u);
  EXPECT_TRUE((*model)->weights().mtp[0].block.is_moe);
  EXPECT_EQ((*model)->weights().mtp[0].eh_proj.cols, 256);
  expect_fixture_logits(**model, "deepseek_v3");

  // Declared but absent: a warning, and the model still runs.
  const auto absent = make_hf_variant("deepseek_v3", "mtp_absent", [](auto& c) { c["num_nextn_predict_layers"] = 1; },
                                      nullptr);
  LoadReport absent_report;
  auto absent_model = Model::load(absent, &absent_report);
  ASSERT_TRUE(absent_model.ok()) << absent_model.message();
  ASSERT_EQ(absent_report.warnings.size(), 1u);
  EXPECT_CONTAINS(absent_report.warnings[0], "multi-token-prediction");
}

TEST(Loader, KeepsTheMultiTokenPredictionLayerFromGguf) {
  const auto path = make_gguf_variant(
      "gguf/deepseek_v3-bf16.gguf", "gguf_mtp",
      [](GgufWriter& w) {
        w.set_u32("deepseek2.block_count", 4);  // llama.cpp counts the MTP block in block_count
        w.set_u32("deepseek2.nextn_predict_layers", 1);
      },
      [](std::vector<GgufTensor>& t) {
        std::vector<GgufTensor> added;
        for (const auto& x : t) {
          if (x.name.rfind("blk.1.", 0) == 0) {
            GgufTensor copy = x;
            copy.name = "blk.3." + x.name.substr(6);
            added.push_back(copy);
          }
        }
        const GgufTensor* norm = find_by_name(t, "output_norm.weight");
        for (const char* n : {"enorm", "hnorm", "shared_head_norm"}) {
          GgufTensor copy = *norm;
          copy.name = std::string("blk.3.nextn.") + n + ".weight";
          added.push_back(copy);
        }
        GgufTensor eh = *find_by_name(t, "blk.0.ffn_gate.weight");
        eh.name = "blk.3.nextn.eh_proj.weight";
        eh.shape = {128, 256};
        added.push_back(eh);
        t.insert(t.end(), added.begin(), added.end());
      });
  LoadReport report;
  auto model = Model::load(path, &report);
  ASSERT_TRUE(model.ok()) << model.message();
  EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
  EXPECT_EQ((*model)->config().n_layers, 3);
  EXPECT_EQ((*model)->config().n_mtp_layers, 1);
  ASSERT_EQ((*model)->weights().mtp.size(), 1u);
  expect_fixture_logits(**model, "deepseek_v3");
}

// Older llama.cpp conversions keep kv_b_proj whole as attn_kv_b instead of attn_k_b / attn_v_b.
TEST(Loader, ReadsTheCombinedAttnKvbGgufLayout) {
  auto hf = SafetensorsArchive::open(test_data("models/deepseek_v3"));
  ASSERT_TRUE(hf.ok());
  const auto path = make_gguf_variant("gguf/deepseek_v3-bf16.gguf", "gguf_kvb", nullptr, [&](auto& t) {
    for (int l = 0; l < 3; ++l) {
      const std::string blk = "blk." + std::to_string(l) + ".";
      erase_by_name(t, blk + "attn_k_b.weight");
      erase_by_name(t, blk + "attn_v_b.weight");
      const TensorInfo* kv_b = hf->find("model.layers." + std::to_string(l) + ".self_attn.kv_b_proj.weight");
      t.push_back(GgufTensor{blk + "attn_kv_b.weight", kv_b->dtype, kv_b->shape,
                             std::vector<uint8_t>(kv_b->data, kv_b->data + kv_b->nbytes)});
    }
  });
  auto model = Model::load(path);
  ASSERT_TRUE(model.ok()) << model.message();
  EXPECT_FALSE((*model)->weights().layers[0].mla.k_up_is_transposed);
  expect_fixture_logits(**model, "deepseek_v3");
}

TEST(Loader, ShardedCheckpointGivesTheSameLogits) {
  const auto dir = make_hf_variant("deepseek_v3_fp8", "sharded", nullptr, nullptr);
  auto archive = SafetensorsArchive::open(dir + "/model.safetensors");
  std::vector<RawTensor> a, b;
  nlohmann::json index;
  for (size_t i = 0; i < archive->tensors().size(); ++i) {
    const auto& t = archive->tensors()[i];
    (i % 3 == 0 ? a : b).push_back(raw_from(t));
    index["weight_map"][t.name] = i % 3 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  write_safetensors(dir + "/model-00001-of-00002.safetensors", a);
  write_safetensors(dir + "/model-00002-of-00002.safetensors", b);
  std::ofstream(dir + "/model.safetensors.index.json") << index.dump();
  std::filesystem::remove(dir + "/model.safetensors");
  auto model = Model::load(dir);
  ASSERT_TRUE(model.ok()) << model.message();
  expect_fixture_logits(**model, "deepseek_v3_fp8");
}

TEST(Loader, TiedEmbeddingsReuseTheTokenEmbedding) {
  const auto dir = make_hf_variant("qwen2", "tied", [](auto& c) { c["tie_word_embeddings"] = true; },
                                   [](auto& t) { erase_by_name(t, "lm_head.weight"); });
  auto model = Model::load(dir);
  ASSERT_TRUE(model.ok()) << model.message();
  EXPECT_EQ((*model)->weights().output.data, (*model)->weights().token_embedding.data);
  // Without the tie, the missing head is an error.
  const auto untied = make_hf_variant("qwen2", "untied", nullptr, [](auto& t) { erase_by_name(t, "lm_head.weight"); });
  EXPECT_CONTAINS(load_error(untied), "lm_head.weight");
  // A GGUF without output.weight is tied (llama.cpp's convention).
  const auto gguf = make_gguf_variant("gguf/qwen2-bf16.gguf", "gguf_tied", nullptr,
                                      [](auto& t) { erase_by_name(t, "output.weight"); });
  auto gguf_model = Model::load(gguf);
  ASSERT_TRUE(gguf_model.ok()) << gguf_model.message();
  EXPECT_TRUE((*gguf_model)->config().tie_embeddings);
}

}  // namespace
}  // namespace sinan
