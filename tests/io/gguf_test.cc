#include "io/gguf.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace sinan {
namespace {

TEST(Gguf, ReadsLlamaCppConversion) {
  auto file = GgufFile::open(test_data("gguf/deepseek_v3-bf16.gguf"));
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(*file->get_string("general.architecture").value(), "deepseek2");
  EXPECT_EQ(*file->get_int("deepseek2.block_count").value(), 3);
  EXPECT_FLOAT_EQ(static_cast<float>(*file->get_float("deepseek2.expert_weights_scale").value()), 2.5f);
  const GgufArray* tokens = file->get_array("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->size(), 2018u);
  const TensorInfo* embd = file->find_tensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->dtype, DType::kBF16);
  EXPECT_EQ(embd->shape, (std::vector<int64_t>{2018, 128}));
  const TensorInfo* k_b = file->find_tensor("blk.0.attn_k_b.weight");
  ASSERT_NE(k_b, nullptr);
  EXPECT_EQ(k_b->shape, (std::vector<int64_t>{4, 32, 32}));
  // Wrong-type getter is an error, not a crash.
  EXPECT_FALSE(file->get_int("general.architecture").ok());
}

}  // namespace
}  // namespace sinan
