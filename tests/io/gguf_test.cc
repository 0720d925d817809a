#include "io/gguf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "io/gguf_writer.h"
#include "test_util.h"

namespace sinan {
namespace {

void append_bytes(std::vector<uint8_t>& out, const void* data, size_t n) {
  const size_t old = out.size();
  out.resize(old + n);
  std::memcpy(out.data() + old, data, n);
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("sinan_io_test_" + name)).string();
}

TEST(Gguf, ReadsLlamaCppConversion) {
  auto file = GgufFile::open(test_data("gguf/deepseek_v3-bf16.gguf"));
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(*file->get_string("general.architecture").value(), "deepseek2");
  EXPECT_EQ(*file->get_int("deepseek2.block_count").value(), 3);
  EXPECT_FLOAT_EQ(static_cast<float>(*file->get_float("deepseek2.expert_weights_scale").value()), 2.5f);
  EXPECT_TRUE(*file->get_bool("deepseek2.expert_weights_norm").value());
  const GgufArray* tokens = file->get_array("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->size(), 2018u);
  EXPECT_EQ(tokens->strings[3], "!");
  const GgufArray* types = file->get_array("tokenizer.ggml.token_type");
  ASSERT_NE(types, nullptr);
  EXPECT_EQ(types->ints[0], 3);
  const TensorInfo* embd = file->find_tensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->dtype, DType::kBF16);
  EXPECT_EQ(embd->shape, (std::vector<int64_t>{2018, 128}));
  const TensorInfo* k_b = file->find_tensor("blk.0.attn_k_b.weight");
  ASSERT_NE(k_b, nullptr);
  EXPECT_EQ(k_b->shape, (std::vector<int64_t>{4, 32, 32}));
  // Absent keys are nullopt; a wrong-type getter is an error, not a crash.
  EXPECT_FALSE(file->get_int("no.such.key").value().has_value());
  EXPECT_FALSE(file->get_int("general.architecture").ok());
  EXPECT_FALSE(file->get_string("deepseek2.block_count").ok());
}

TEST(Gguf, WriterRoundTripsEveryMetadataType) {
  GgufWriter w;
  w.set_u32("a.u32", 7);
  w.set_i32("a.i32", -7);
  w.set_u64("a.u64", 1ull << 40);
  w.set_f32("a.f32", 0.25f);
  w.set_bool("a.bool", true);
  w.set_string("a.string", "héllo");
  w.set_string_array("a.strings", {"x", "", "yz"});
  w.set_i32_array("a.ints", {1, -2, 3});
  w.set_f32_array("a.floats", {0.5f, -1.5f});
  const float values[6] = {1, 2, 3, 4, 5, 6};
  ASSERT_TRUE(w.add_tensor("t", DType::kF32, {2, 3}, values, sizeof values).ok());
  const std::string path = temp_path("roundtrip.gguf");
  ASSERT_TRUE(w.write(path).ok());
  auto file = GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(*file->get_int("a.u32").value(), 7);
  EXPECT_EQ(*file->get_int("a.i32").value(), -7);
  EXPECT_EQ(*file->get_int("a.u64").value(), int64_t{1} << 40);
  EXPECT_EQ(*file->get_float("a.f32").value(), 0.25);
  EXPECT_TRUE(*file->get_bool("a.bool").value());
  EXPECT_EQ(*file->get_string("a.string").value(), "héllo");
  EXPECT_EQ(file->get_array("a.strings")->strings, (std::vector<std::string>{"x", "", "yz"}));
  EXPECT_EQ(file->get_array("a.ints")->ints, (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(file->get_array("a.floats")->floats, (std::vector<double>{0.5, -1.5}));
  const TensorInfo* t = file->find_tensor("t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(t->data, values, sizeof values), 0);
  std::filesystem::remove(path);
}

// Every prefix of a valid file is rejected with a message, never read out of bounds.
TEST(Gguf, EveryTruncationIsAnError) {
  const auto bytes = read_binary(test_data("gguf/llama-q8_0.gguf"));
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  auto whole = GgufFile::parse({data, bytes.size()}, "whole");
  ASSERT_TRUE(whole.ok());
  // Byte by byte through the first 4 KiB, then in odd-sized steps through the rest of the header and data.
  for (size_t n = 0; n < bytes.size(); n += n < 4096 ? 1 : (n < 80000 ? 97 : 4093)) {
    std::vector<uint8_t> prefix(data, data + n);  // a copy, so ASan sees reads past the end
    auto file = GgufFile::parse({prefix.data(), prefix.size()}, "cut.gguf");
    ASSERT_FALSE(file.ok()) << "a " << n << "-byte prefix parsed";
    ASSERT_NE(file.message().find("cut.gguf"), std::string::npos) << file.message();
  }
}

TEST(Gguf, RejectsBadFilesWithClearMessages) {
  auto expect_error = [](std::vector<uint8_t> bytes, const std::string& fragment) {
    auto file = GgufFile::parse({bytes.data(), bytes.size()}, "bad.gguf");
    ASSERT_FALSE(file.ok());
    EXPECT_NE(file.message().find(fragment), std::string::npos) << file.message();
  };
  auto header = [](uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    std::vector<uint8_t> b(24);
    std::memcpy(b.data(), "GGUF", 4);
    std::memcpy(b.data() + 4, &version, 4);
    std::memcpy(b.data() + 8, &n_tensors, 8);
    std::memcpy(b.data() + 16, &n_kv, 8);
    return b;
  };
  expect_error({'G', 'G', 'M', 'L', 0, 0, 0, 0}, "not a GGUF file");
  expect_error({}, "too short");
  expect_error(header(1, 0, 0), "version 1");
  expect_error(header(7, 0, 0), "unsupported GGUF version 7");
  expect_error(header(0x03000000, 0, 0), "big-endian");
  expect_error(header(3, 1ull << 60, 0), "claims");
  expect_error(header(3, 0, 1ull << 62), "claims");
  {
    auto b = header(3, 0, 1);  // one key with a string length far past the end
    const uint64_t len = 1ull << 50;
    append_bytes(b, &len, 8);
    expect_error(b, "claims");
  }
  {
    auto b = header(3, 0, 1);  // key "k" with unknown type 99
    const uint64_t len = 1;
    const uint32_t type = 99;
    append_bytes(b, &len, 8);
    b.push_back('k');
    append_bytes(b, &type, 4);
    expect_error(b, "unknown type 99");
  }
}

TEST(Gguf, RejectsBadTensorInfos) {
  const float one = 1;
  auto write_and_parse = [&](auto&& edit) {
    GgufWriter w;
    w.set_string("general.architecture", "llama");
    EXPECT_TRUE(w.add_tensor("t", DType::kF32, {1}, &one, 4).ok());
    const std::string path = temp_path("tensor.gguf");
    EXPECT_TRUE(w.write(path).ok());
    auto bytes = read_binary(path);
    std::filesystem::remove(path);
    std::vector<uint8_t> data(bytes.begin(), bytes.end());
    edit(data);
    return GgufFile::parse({data.data(), data.size()}, "t.gguf");
  };
  // Locate the tensor info: name "t" is the last 1-byte string before dims; find it by search.
  auto find_info = [](std::vector<uint8_t>& d) {
    const uint8_t pattern[9] = {1, 0, 0, 0, 0, 0, 0, 0, 't'};
    auto it = std::search(d.begin(), d.end(), pattern, pattern + 9);
    return static_cast<size_t>(it - d.begin()) + 9;  // -> n_dims
  };
  {
    auto r = write_and_parse([&](std::vector<uint8_t>& d) { d.at(find_info(d)) = 9; });  // 9 dimensions
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("dimensions"), std::string::npos) << r.message();
  }
  {
    auto r = write_and_parse([&](std::vector<uint8_t>& d) { d.at(find_info(d) + 4 + 8) = 77; });  // ggml type 77
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("unknown ggml type"), std::string::npos) << r.message();
  }
  {
    auto r = write_and_parse([&](std::vector<uint8_t>& d) { d.at(find_info(d) + 4 + 8 + 4 + 1) = 0x10; });  // offset 4096
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("truncated"), std::string::npos) << r.message();
  }
  {
    auto r = write_and_parse([&](std::vector<uint8_t>& d) { d.at(find_info(d) + 4 + 8 + 4) = 3; });  // unaligned offset
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("aligned"), std::string::npos) << r.message();
  }
}

}  // namespace
}  // namespace sinan
