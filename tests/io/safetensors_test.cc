#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "safetensors_writer.h"
#include "test_util.h"

namespace sinan {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> with_header(const std::string& json, size_t data_bytes = 0) {
  std::vector<uint8_t> b(8 + json.size() + data_bytes);
  const uint64_t n = json.size();
  std::memcpy(b.data(), &n, 8);
  std::memcpy(b.data() + 8, json.data(), json.size());
  return b;
}

void expect_error(const std::vector<uint8_t>& bytes, const std::string& fragment) {
  auto r = parse_safetensors({bytes.data(), bytes.size()}, "bad.safetensors");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find(fragment), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("bad.safetensors"), std::string::npos) << r.message();
}

TEST(Safetensors, ReadsFixtureCheckpoint) {
  auto archive = SafetensorsArchive::open(test_data("models/deepseek_v3_fp8"));
  ASSERT_TRUE(archive.ok()) << archive.message();
  const TensorInfo* w = archive->find("model.layers.0.mlp.down_proj.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, DType::kF8E4M3);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{128, 256}));
  const TensorInfo* s = archive->find("model.layers.0.mlp.down_proj.weight_scale_inv");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->shape, (std::vector<int64_t>{1, 2}));
}

TEST(Safetensors, RejectsMalformedHeaders) {
  expect_error({1, 2, 3}, "too short");
  expect_error({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0}, "not plausible");
  {
    auto b = with_header("{\"a\": 1}");
    b.resize(b.size() - 3);  // header cut short
    expect_error(b, "runs past the end");
  }
  expect_error(with_header("{not json"), "not valid JSON");
  expect_error(with_header("[1, 2]"), "not a JSON object");
  expect_error(with_header(R"({"t": 5})"), "not an object");
  expect_error(with_header(R"({"t": {"shape": [1], "data_offsets": [0, 4]}})"), "no dtype");
  expect_error(with_header(R"({"t": {"dtype": "F32", "data_offsets": [0, 4]}})"), "no shape");
  expect_error(with_header(R"({"t": {"dtype": "F32", "shape": [1]}})"), "data_offsets");
  expect_error(with_header(R"({"t": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 4]}})"), "unsupported dtype");
  expect_error(with_header(R"({"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})"), "bad shape");
  expect_error(with_header(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})", 8), "should take 8 bytes");
  expect_error(with_header(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4), "truncated");
  expect_error(with_header(R"({"t": {"dtype": "F32", "shape": [1099511627776, 1099511627776], "data_offsets": [0, 8]}})"),
               "absurd");
}

TEST(Safetensors, EveryTruncationIsAnError) {
  const auto bytes = read_binary(test_data("models/qwen2/model.safetensors"));
  for (size_t n = 0; n < bytes.size(); n += n < 5000 ? 1 : 10007) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = parse_safetensors({prefix.data(), prefix.size()}, "cut.safetensors");
    ASSERT_FALSE(r.ok()) << n;
  }
}

TEST(Safetensors, ReadsShardedCheckpoints) {
  auto whole = SafetensorsArchive::open(test_data("models/qwen2/model.safetensors"));
  ASSERT_TRUE(whole.ok());
  const fs::path dir = fs::temp_directory_path() / "sinan_sharded_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<RawTensor> shard1, shard2;
  nlohmann::json index;
  index["metadata"] = {{"total_size", 0}};
  for (size_t i = 0; i < whole->tensors().size(); ++i) {
    const TensorInfo& t = whole->tensors()[i];
    (i % 2 ? shard1 : shard2).push_back(raw_from(t));
    index["weight_map"][t.name] = i % 2 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  write_safetensors((dir / "model-00001-of-00002.safetensors").string(), shard1);
  write_safetensors((dir / "model-00002-of-00002.safetensors").string(), shard2);
  std::ofstream((dir / "model.safetensors.index.json").string()) << index.dump();
  auto sharded = SafetensorsArchive::open(dir.string());
  ASSERT_TRUE(sharded.ok()) << sharded.message();
  ASSERT_EQ(sharded->tensors().size(), whole->tensors().size());
  for (const TensorInfo& t : whole->tensors()) {
    const TensorInfo* s = sharded->find(t.name);
    ASSERT_NE(s, nullptr) << t.name;
    EXPECT_EQ(s->shape, t.shape);
    EXPECT_EQ(std::memcmp(s->data, t.data, t.nbytes), 0);
  }
  // An index naming a tensor its shard lacks, or a path outside the directory, is an error.
  index["weight_map"]["model.extra.weight"] = "model-00001-of-00002.safetensors";
  std::ofstream((dir / "model.safetensors.index.json").string()) << index.dump();
  auto missing = SafetensorsArchive::open(dir.string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("model.extra.weight"), std::string::npos) << missing.message();
  index["weight_map"]["model.extra.weight"] = "../escape.safetensors";
  std::ofstream((dir / "model.safetensors.index.json").string()) << index.dump();
  auto escape = SafetensorsArchive::open(dir.string());
  ASSERT_FALSE(escape.ok());
  EXPECT_NE(escape.message().find("not a plain file name"), std::string::npos) << escape.message();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sinan
