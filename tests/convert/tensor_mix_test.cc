// llama.cpp's per-tensor type rules. The oracle is llama-quantize itself: `llama-quantize --dry-run` on the
// real shapes of every synth preset, for every file type (tests/data/convert/llama_quantize_mix.tsv, made by
// tests/convert/tools/llama_quantize_expectations.py), must give the types sinan chooses, tensor for tensor.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "convert/convert.h"
#include "convert_test_util.h"

namespace sinan {
namespace {

// "name<TAB>type" lines, sorted, as the expectation files hold them.
std::vector<std::string> type_lines(const ConversionPlan& plan, FileType type) {
  auto choices = plan_tensor_types(plan, type);
  EXPECT_TRUE(choices.ok()) << choices.message();
  std::vector<std::string> lines;
  if (!choices.ok()) return lines;
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    lines.push_back(plan.tensors[i].name + "\t" + std::string(dtype_name((*choices)[i].type)));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

TEST(LlamaQuantizeMix, RealShapesGetLlamaQuantizesTypes) {
  std::ifstream in(test_data("convert/llama_quantize_mix.tsv"));
  int checked = 0;
  std::map<std::string, ConversionPlan> plans;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    std::string preset, type_name, digest, counts;
    std::getline(ss, preset, '\t');
    std::getline(ss, type_name, '\t');
    std::getline(ss, digest, '\t');
    std::getline(ss, counts);
    if (!plans.count(preset)) {
      auto plan = plan_synthetic(preset, {});
      ASSERT_TRUE(plan.ok()) << plan.message();
      plans.emplace(preset, std::move(*plan));
    }
    const auto type = file_type_from_name(type_name);
    ASSERT_TRUE(type) << type_name;
    const std::vector<std::string> lines = type_lines(plans.at(preset), *type);
    std::map<std::string, int> per_type;
    for (const auto& l : lines) per_type[l.substr(l.find('\t') + 1)]++;
    std::string summary;
    for (const auto& [t, n] : per_type) summary += (summary.empty() ? "" : " ") + t + ":" + std::to_string(n);
    EXPECT_EQ(summary, counts) << preset << " " << type_name;
    EXPECT_EQ(fmt::format("{:016x}", fnv1a64(joined(lines))), digest) << preset << " " << type_name;
    ++checked;
  }
  EXPECT_EQ(checked, 5 * 19);
}

// The full lists for the two most rule-heavy mixes, compared line by line so a failure names the tensor.
TEST(LlamaQuantizeMix, Q4KMAndQ3KMTensorByTensor) {
  for (const char* preset : {"r1-distill-llama-8b", "r1-distill-qwen-7b", "r1-distill-qwen-1.5b",
                             "deepseek-v2-lite", "deepseek-v3-reduced"}) {
    auto plan = plan_synthetic(preset, {});
    ASSERT_TRUE(plan.ok()) << plan.message();
    for (const char* type_name : {"q4_K_M", "q3_K_M"}) {
      std::ifstream in(test_data(fmt::format("convert/mix/{}-{}.tsv", preset, type_name)));
      std::vector<std::string> want;
      for (std::string line; std::getline(in, line);) want.push_back(line);
      const std::vector<std::string> got = type_lines(*plan, *file_type_from_name(type_name));
      ASSERT_EQ(got.size(), want.size()) << preset << " " << type_name;
      for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << preset << " " << type_name;
    }
  }
}

MixChoice choose_one(FileType type, const MixModel& model, const std::string& name,
                     std::vector<int64_t> shape) {
  auto choices = choose_tensor_types(type, model, {{name, std::move(shape), DType::kBF16}});
  EXPECT_TRUE(choices.ok()) << choices.message();
  return choices.ok() ? choices->front() : MixChoice{};
}

TEST(TensorMix, NormsRoutersBiasesAndVectorsStayAsTheyAre) {
  EXPECT_FALSE(tensor_allows_quantization("blk.0.attn_norm.weight", {4096, 1}));
  EXPECT_FALSE(tensor_allows_quantization("blk.0.attn_q_a_norm.weight", {1536}));
  EXPECT_FALSE(tensor_allows_quantization("blk.3.ffn_gate_inp.weight", {256, 7168}));
  EXPECT_FALSE(tensor_allows_quantization("blk.3.exp_probs_b.bias", {256}));
  EXPECT_FALSE(tensor_allows_quantization("blk.0.attn_q.bias", {1536}));
  EXPECT_FALSE(tensor_allows_quantization("rope_freqs.weight", {64}));
  EXPECT_FALSE(tensor_allows_quantization("blk.0.attn_q.weight", {1, 4096}));  // one row: ggml counts 1 dim
  EXPECT_TRUE(tensor_allows_quantization("blk.0.attn_q.weight", {4096, 4096}));
  EXPECT_TRUE(tensor_allows_quantization("blk.3.ffn_down_exps.weight", {256, 7168, 2048}));
  const MixModel llama{"llama", 32, 32, 8, 0};
  const MixChoice kept = choose_one(FileType::kQ4_K_M, llama, "blk.0.ffn_norm.weight", {4096});
  EXPECT_EQ(kept.type, DType::kBF16);  // the input's type, whatever it is
}

TEST(TensorMix, RowsThatAreNotWholeBlocksFallBackLikeLlamaCpp) {
  const MixModel model{"llama", 32, 32, 8, 0};
  auto fallback = [&](FileType type, int64_t cols) {
    return choose_one(type, model, "blk.5.attn_q.weight", {64, cols});
  };
  EXPECT_EQ(fallback(FileType::kQ4_K_M, 4096).type, DType::kQ4_K);
  EXPECT_EQ(fallback(FileType::kQ4_K_M, 4096).fell_back, false);
  EXPECT_EQ(fallback(FileType::kQ4_K_M, 128).type, DType::kQ5_0);
  EXPECT_EQ(fallback(FileType::kQ4_K_M, 128).wanted, DType::kQ4_K);
  EXPECT_TRUE(fallback(FileType::kQ4_K_M, 128).fell_back);
  EXPECT_EQ(fallback(FileType::kQ5_K_S, 128).type, DType::kQ5_1);
  EXPECT_EQ(fallback(FileType::kQ6_K, 128).type, DType::kQ8_0);
  EXPECT_EQ(fallback(FileType::kQ3_K_S, 128).type, DType::kQ4_0);
  EXPECT_EQ(fallback(FileType::kQ2_K, 96).type, DType::kQ4_0);
  EXPECT_EQ(fallback(FileType::kIQ4_XS, 128).type, DType::kIQ4_NL);
  EXPECT_EQ(fallback(FileType::kQ4_K_M, 48).type, DType::kF16);  // not even whole 32-value blocks
  EXPECT_EQ(fallback(FileType::kQ8_0, 48).type, DType::kF16);    // llama.cpp refuses; its converter uses f16
}

TEST(TensorMix, EightExpertAndSeventyBillionRules) {
  // Mixtral-style models (8 experts) keep attention sharper; a llama 70B's small GQA attn_v gets q5_K.
  const MixModel eight{"llama", 32, 32, 8, 8};
  EXPECT_EQ(choose_one(FileType::kQ4_K_M, eight, "blk.9.attn_v.weight", {1024, 4096}).type, DType::kQ8_0);
  EXPECT_EQ(choose_one(FileType::kQ4_K_M, eight, "blk.9.attn_k.weight", {1024, 4096}).type, DType::kQ8_0);
  EXPECT_EQ(choose_one(FileType::kQ4_K_M, eight, "blk.9.attn_output.weight", {4096, 4096}).type,
            DType::kQ5_K);
  const MixModel seventy{"llama", 80, 64, 8, 0};
  ASSERT_TRUE(seventy.is_llama_70b());
  std::vector<MixTensor> attn_v;
  for (int l = 0; l < 8; ++l)
    attn_v.push_back({fmt::format("blk.{}.attn_v.weight", l), {1024, 8192}, DType::kBF16});
  std::sort(attn_v.begin(), attn_v.end(),
            [](const auto& a, const auto& b) { return llama_tensor_order(a.name, b.name); });
  auto choices = choose_tensor_types(FileType::kQ4_K_S, seventy, attn_v);
  ASSERT_TRUE(choices.ok());
  for (const auto& c : *choices)
    EXPECT_EQ(c.type, DType::kQ5_K);  // q5_K for the first four, 70B raises the rest
}

TEST(TensorMix, LlamaCppOrderPutsBlocksInNumericOrder) {
  std::vector<std::string> names = {"blk.10.attn_v.weight", "output.weight",     "blk.2.attn_v.weight",
                                    "blk.2.attn_k.weight",  "token_embd.weight", "blk.1.ffn_up.weight"};
  std::sort(names.begin(), names.end(), llama_tensor_order);
  EXPECT_EQ(names,
            (std::vector<std::string>{"output.weight", "token_embd.weight", "blk.1.ffn_up.weight",
                                      "blk.2.attn_k.weight", "blk.2.attn_v.weight", "blk.10.attn_v.weight"}));
}

TEST(FileTypes, NamesAndIdsAreLlamaCpps) {
  EXPECT_EQ(file_type_from_name("Q4_K_M"), FileType::kQ4_K_M);
  EXPECT_EQ(file_type_from_name("q4_k_m"), FileType::kQ4_K_M);
  EXPECT_FALSE(file_type_from_name("q4_K"));
  EXPECT_EQ(file_type_info(FileType::kQ4_K_M).llama_ftype, 15u);
  EXPECT_EQ(file_type_info(FileType::kBF16).llama_ftype, 32u);
  EXPECT_EQ(file_type_info(FileType::kIQ4_XS).llama_ftype, 30u);
  EXPECT_EQ(all_file_types().size(), 19u);
}

}  // namespace
}  // namespace sinan
