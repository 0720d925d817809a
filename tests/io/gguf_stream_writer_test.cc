// GgufStreamWriter: the header first, then tensors a piece at a time; the same bytes GgufWriter writes,
// and every misuse reported with the tensor named.
#include "io/gguf_stream_writer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace sinan {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("sinan_stream_test_" + name)).string();
}

std::vector<uint8_t> bytes_of(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

TEST(GgufStreamWriter, WritesWhatGgufWriterWrites) {
  GgufWriter meta;
  meta.set_string("general.architecture", "llama");
  meta.set_u32("llama.block_count", 3);
  meta.set_string_array("tokenizer.ggml.tokens", {"a", "b"});
  const auto a = bytes_of(5 * 4, 1), b = bytes_of(2 * 34, 2), c = bytes_of(3 * 2, 3);
  GgufWriter whole = meta;
  ASSERT_TRUE(whole.add_tensor("a", DType::kF32, {5}, a.data(), a.size()).ok());
  ASSERT_TRUE(whole.add_tensor("b", DType::kQ8_0, {2, 32}, b.data(), b.size()).ok());
  ASSERT_TRUE(whole.add_tensor("c", DType::kBF16, {1, 3}, c.data(), c.size()).ok());
  ASSERT_TRUE(whole.write(temp_path("whole.gguf")).ok());

  const std::string path = temp_path("stream.gguf");
  auto w = GgufStreamWriter::create(
      path, meta, {{"a", DType::kF32, {5}}, {"b", DType::kQ8_0, {2, 32}}, {"c", DType::kBF16, {1, 3}}});
  ASSERT_TRUE(w.ok()) << w.message();
  EXPECT_EQ((*w)->tensor_bytes(1), 68u);
  EXPECT_FALSE(std::filesystem::exists(path));  // PATH.part until finish()
  ASSERT_TRUE((*w)->write(a.data(), 8).ok());
  ASSERT_TRUE((*w)->write(a.data() + 8, 12).ok());
  ASSERT_TRUE((*w)->end_tensor().ok());
  ASSERT_TRUE((*w)->write(b.data(), b.size()).ok());
  ASSERT_TRUE((*w)->end_tensor().ok());
  ASSERT_TRUE((*w)->write(c.data(), c.size()).ok());
  ASSERT_TRUE((*w)->end_tensor().ok());
  ASSERT_TRUE((*w)->finish().ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
  EXPECT_EQ(read_binary(path), read_binary(temp_path("whole.gguf")));
  auto file = GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(file->find_tensor("b")->shape, (std::vector<int64_t>{2, 32}));
  EXPECT_EQ(std::vector<uint8_t>(file->find_tensor("c")->data, file->find_tensor("c")->data + 6), c);
  std::filesystem::remove(path);
  std::filesystem::remove(temp_path("whole.gguf"));
}

TEST(GgufStreamWriter, RefusesBadDeclarations) {
  GgufWriter meta;
  auto partial_block = GgufStreamWriter::create(temp_path("x.gguf"), meta, {{"w", DType::kQ8_0, {4, 33}}});
  ASSERT_FALSE(partial_block.ok());
  EXPECT_NE(partial_block.message().find("'w'"), std::string::npos) << partial_block.message();
  auto twice =
      GgufStreamWriter::create(temp_path("x.gguf"), meta, {{"w", DType::kF32, {4}}, {"w", DType::kF32, {4}}});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.message().find("twice"), std::string::npos);
  auto fp8 = GgufStreamWriter::create(temp_path("x.gguf"), meta, {{"w", DType::kF8E4M3, {4, 4}}});
  EXPECT_FALSE(fp8.ok());
  auto five_dims = GgufStreamWriter::create(temp_path("x.gguf"), meta, {{"w", DType::kF32, {1, 1, 1, 1, 4}}});
  EXPECT_FALSE(five_dims.ok());
}

TEST(GgufStreamWriter, CountsEveryTensorsBytesAndLeavesNoPartialFile) {
  GgufWriter meta;
  const std::string path = temp_path("short.gguf");
  {
    auto w =
        GgufStreamWriter::create(path, meta, {{"first", DType::kF32, {4}}, {"second", DType::kF32, {2}}});
    ASSERT_TRUE(w.ok());
    const auto data = bytes_of(32, 0);
    const Status too_many = (*w)->write(data.data(), 20);
    ASSERT_FALSE(too_many.ok());
    EXPECT_NE(too_many.message().find("'first'"), std::string::npos) << too_many.message();
    ASSERT_TRUE((*w)->write(data.data(), 12).ok());
    const Status short_tensor = (*w)->end_tensor();
    ASSERT_FALSE(short_tensor.ok());
    EXPECT_NE(short_tensor.message().find("12 of its 16 bytes"), std::string::npos) << short_tensor.message();
    ASSERT_TRUE((*w)->write(data.data(), 4).ok());
    ASSERT_TRUE((*w)->end_tensor().ok());
    const Status early = (*w)->finish();
    ASSERT_FALSE(early.ok());
    EXPECT_NE(early.message().find("1 of 2 tensors"), std::string::npos) << early.message();
    EXPECT_TRUE(std::filesystem::exists(path + ".part"));
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace sinan
