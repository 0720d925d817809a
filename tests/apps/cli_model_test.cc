// The model-facing subcommands as a user runs them: sinan logits and sinan info.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../model/fixture.h"
#include "../model/logits_compare.h"
#include "run_command.h"
#include <nlohmann/json.hpp>

namespace sinan {
namespace {

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("sinan_cli_test_" + name)).string();
}

TEST(CliLogits, PrefillAndDecodeMatchTheReference) {
  const auto fixtures = load_logits_fixtures("deepseek_v3");
  const LogitsFixture& f = fixtures[1];
  const std::string tokens = temp_file("tokens.txt"), out = temp_file("logits.f32");
  {
    std::ofstream t(tokens);
    for (int32_t id : f.tokens) t << id << (id % 2 ? "\n" : "  ");
  }
  for (const std::string& model : {test_data("models/deepseek_v3"), test_data("gguf/deepseek_v3-bf16.gguf")}) {
    for (const std::string mode : {"", " --decode"}) {
      const auto r = run_sinan("logits " + model + " --tokens-file " + tokens + " --out " + out + mode);
      ASSERT_EQ(r.exit_code, 0) << r.output;
      const auto got = read_array_file<float>(out);
      ASSERT_EQ(got.size(), f.logits.size());
      const auto c = compare_logits(got.data(), f.logits.data(), static_cast<int64_t>(f.tokens.size()), f.vocab);
      EXPECT_LE(c.relative_error, 1e-4) << model << mode;
      EXPECT_EQ(c.top1_agree, c.rows);
    }
  }
}

TEST(CliLogits, ErrorsAreOneLineAndNonZero) {
  const std::string tokens = temp_file("bad_tokens.txt"), out = temp_file("bad.f32");
  std::ofstream(tokens) << "1 2 three";
  auto r = run_sinan("logits " + test_data("gguf/llama-bf16.gguf") + " --tokens-file " + tokens + " --out " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("'three' (token 3) is not a token id"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;

  std::ofstream(tokens) << "1 99999";
  r = run_sinan("logits " + test_data("gguf/llama-bf16.gguf") + " --tokens-file " + tokens + " --out " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("outside the vocabulary"), std::string::npos) << r.output;

  r = run_sinan("logits /no/such/model.gguf --tokens-file " + tokens + " --out " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no such file"), std::string::npos) << r.output;

  r = run_sinan("logits " + test_data("models/qwen2/config.json") + " --tokens-file " + tokens + " --out " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("not a GGUF file"), std::string::npos) << r.output;
}

TEST(CliInfo, ReportsConfigSizesAndKvCost) {
  auto r = run_sinan("info " + test_data("models/deepseek_v3_fp8"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* expected : {"architecture:              deepseek2", "kv_lora_rank:              32",
                               "expert_scoring:            sigmoid", "fp8_weight_blocks:         128x128",
                               "parameters: 1.61M (1609408)", "f8_e4m3", "KV cache per token: 144 values = 576 B",
                               "MLA latent 32 + rope key 16 per layer"}) {
    EXPECT_NE(r.output.find(expected), std::string::npos) << expected << "\n" << r.output;
  }
  r = run_sinan("info " + test_data("gguf/llama-q8_0.gguf") + " --tensors");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("blk.2.ffn_down.weight"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rope_scaling:              none"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rope_freq_factors:         from rope_freqs.weight"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("KV cache per token: 384 values"), std::string::npos) << r.output;  // 3 layers x 2 x 2 x 32
}

TEST(Cli, HelpListsTheCommands) {
  const auto r = run_sinan("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("logits"), std::string::npos);
  EXPECT_NE(r.output.find("info"), std::string::npos);
  const auto bad = run_sinan("frobnicate");
  EXPECT_NE(bad.exit_code, 0);
}

}  // namespace
}  // namespace sinan

namespace sinan {
namespace {

TEST(CliBench, JsonHasTheReportedFields) {
  const auto r = run_sinan("bench " + std::string(SINAN_DEMO_MODEL) + " -p 16 -n 4 -r 2 -t 1 --json 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  for (const char* key :
       {"pp_tokens_per_s", "tg_tokens_per_s", "pp_stddev", "tg_stddev", "bytes_per_token", "achieved_gbs",
        "bandwidth_gbs", "interleaved_gbs", "interleaved_roofline_tokens_per_s"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_TRUE(j[key].is_number()) << key;
  }
  EXPECT_GT(j["pp_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["tg_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["bandwidth_gbs"].get<double>(), 0);
  EXPECT_GT(j["interleaved_gbs"].get<double>(), 0);
  EXPECT_NEAR(j["interleaved_roofline_tokens_per_s"].get<double>(),
              j["interleaved_gbs"].get<double>() * 1e9 / j["bytes_per_token"].get<double>(), 1e-6);
  EXPECT_EQ(j["tg_samples"].size(), 2u);
  // The demo: every bf16 weight is read per token except the embedding (one row) and 6 of 8 experts.
  const double bytes = j["bytes_per_token"].get<double>();
  EXPECT_GT(bytes, 6.5e6);
  EXPECT_LT(bytes, 8.5e6);
}

// The plain reads after each generated token can be left out while the best-of-7 probe stays.
TEST(CliBench, InterleavedReadsCanBeSkipped) {
  const auto r = run_sinan("bench " + std::string(SINAN_DEMO_MODEL) +
                           " -p 0 -n 2 -r 1 -t 1 --no-interleaved-reads --json 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_GT(j["bandwidth_gbs"].get<double>(), 0);
  EXPECT_EQ(j["interleaved_gbs"].get<double>(), 0);
  const auto table = run_sinan("bench " + std::string(SINAN_DEMO_MODEL) + " -p 0 -n 2 -r 1 -t 1");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("plain reads interleaved with tg"), std::string::npos) << table.output;
}

// -d fills the cache first (in batches of up to 512, so 600 takes two) and counts its rows in the bytes read.
TEST(CliBench, DepthStartsFromAFilledCache) {
  const std::string common = "bench " + std::string(SINAN_DEMO_MODEL) + " -p 8 -n 2 -r 1 -t 1 --no-bandwidth --json";
  const auto deep = run_sinan(common + " -d 600 2>/dev/null"), shallow = run_sinan(common + " 2>/dev/null");
  ASSERT_EQ(deep.exit_code, 0) << deep.output;
  ASSERT_EQ(shallow.exit_code, 0) << shallow.output;
  const auto j = nlohmann::json::parse(deep.output), j0 = nlohmann::json::parse(shallow.output);
  EXPECT_EQ(j["n_depth"].get<int64_t>(), 600);
  EXPECT_EQ(j0["n_depth"].get<int64_t>(), 0);
  EXPECT_GT(j["tg_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["bytes_per_token"].get<double>(), j0["bytes_per_token"].get<double>());  // + 600 rows per layer
  const auto table = run_sinan("bench " + std::string(SINAN_DEMO_MODEL) + " -p 4 -n 2 -d 20 -r 1 -t 1 --no-bandwidth");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("pp4 @ d20"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("tg2 @ d20"), std::string::npos) << table.output;
  EXPECT_NE(run_sinan("bench " + std::string(SINAN_DEMO_MODEL) + " -d -1 2>&1").exit_code, 0);
}

}  // namespace
}  // namespace sinan
