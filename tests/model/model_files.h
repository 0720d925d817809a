// Test helpers that build model variants on disk from the fixtures: edited configs, tensors added,
// dropped, reshaped, or split into shards, in both Hugging Face and GGUF form.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "io/gguf_writer.h"
#include "io/safetensors.h"
#include "safetensors_writer.h"
#include "test_util.h"

namespace sinan {

inline std::string scratch_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("sinan_model_test_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Copies the fixture HF model `family` into a scratch directory, letting the caller edit the config
// and the tensor list on the way.
inline std::string make_hf_variant(const std::string& family, const std::string& name,
                                   const std::function<void(nlohmann::json&)>& edit_config,
                                   const std::function<void(std::vector<RawTensor>&)>& edit_tensors) {
  const std::string src = test_data("models/" + family);
  const std::string dir = scratch_dir(name);
  std::ifstream config_in(src + "/config.json");
  auto config = nlohmann::json::parse(config_in);
  if (edit_config) edit_config(config);
  std::ofstream(dir + "/config.json") << config.dump(1);
  auto archive = SafetensorsArchive::open(src);
  std::vector<RawTensor> tensors;
  for (const auto& t : archive->tensors()) tensors.push_back(raw_from(t));
  if (edit_tensors) edit_tensors(tensors);
  write_safetensors(dir + "/model.safetensors", tensors);
  return dir;
}

struct GgufTensor {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

// Rewrites a fixture GGUF with edited metadata and tensors.
inline std::string make_gguf_variant(const std::string& fixture, const std::string& name,
                                     const std::function<void(GgufWriter&)>& edit_metadata,
                                     const std::function<void(std::vector<GgufTensor>&)>& edit_tensors) {
  auto file = GgufFile::open(test_data(fixture));
  GgufWriter writer;
  writer.copy_metadata(*file);
  if (edit_metadata) edit_metadata(writer);
  std::vector<GgufTensor> tensors;
  for (const auto& t : file->tensors()) {
    tensors.push_back(GgufTensor{t.name, t.dtype, t.shape, std::vector<uint8_t>(t.data, t.data + t.nbytes)});
  }
  if (edit_tensors) edit_tensors(tensors);
  for (const auto& t : tensors) {
    Status s = writer.add_tensor(t.name, t.dtype, t.shape, t.data.data(), t.data.size());
    if (!s.ok()) throw std::runtime_error(s.message());
  }
  const std::string path = scratch_dir(name) + "/model.gguf";
  Status s = writer.write(path);
  if (!s.ok()) throw std::runtime_error(s.message());
  return path;
}

template <typename T>
T* find_by_name(std::vector<T>& tensors, const std::string& name) {
  for (auto& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

template <typename T>
void erase_by_name(std::vector<T>& tensors, const std::string& name) {
  std::erase_if(tensors, [&](const T& t) { return t.name == name; });
}

}  // namespace sinan
