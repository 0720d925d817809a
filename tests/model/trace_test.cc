// Layer-by-layer comparison with the reference's per-layer activations (the 7-token sequence): when
// logits disagree, this says where the disagreement starts.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "model/context.h"
#include "recording_tracer.h"
#include "test_util.h"

namespace sinan {
namespace {

double relative_error(const std::vector<float>& got, const std::vector<float>& ref) {
  double diff2 = 0, ref2 = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    diff2 += (static_cast<double>(got[i]) - ref[i]) * (static_cast<double>(got[i]) - ref[i]);
    ref2 += static_cast<double>(ref[i]) * ref[i];
  }
  return std::sqrt(diff2 / std::max(ref2, 1e-300));
}

class TraceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TraceTest, EveryLayerMatchesTheReference) {
  const std::string family = GetParam();
  const std::string dir = test_data("models/" + family + "/trace");
  std::ifstream in(dir + "/trace.json");
  const auto meta = nlohmann::json::parse(in);
  const auto tokens = meta["tokens"].get<std::vector<int32_t>>();

  auto model = Model::load(test_data("models/" + family));
  ASSERT_TRUE(model.ok()) << model.message();
  ContextOptions options;
  options.context_tokens = 64;
  options.n_threads = 1;
  auto context = Context::create(**model, options);
  ASSERT_TRUE(context.ok());
  RecordingTracer tracer;
  (*context)->set_tracer(&tracer);
  Batch batch;
  for (size_t i = 0; i < tokens.size(); ++i) batch.add(tokens[i], 0, static_cast<int32_t>(i), true);
  std::vector<float> logits(tokens.size() * (*model)->config().vocab_size);
  ASSERT_TRUE((*context)->decode(batch, logits.data()).ok());

  for (const auto& [name, entry] : meta["tensors"].items()) {
    SCOPED_TRACE(family + " " + name);
    ASSERT_TRUE(tracer.records.count(name)) << "sinan records no '" << name << "'";
    const auto& got = tracer.records[name];
    const std::string file = dir + "/" + entry["file"].get<std::string>();
    if (entry["dtype"] == "int32") {
      EXPECT_EQ(got.ids, read_array_file<int32_t>(file));
    } else {
      const auto ref = read_array_file<float>(file);
      ASSERT_EQ(got.values.size(), ref.size());
      EXPECT_LE(relative_error(got.values, ref), 1e-5);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Families, TraceTest, ::testing::Values("deepseek_v3", "deepseek_v2", "qwen2", "llama"));

}  // namespace
}  // namespace sinan
