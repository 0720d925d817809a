// Helpers for the conversion tests: scratch directories, Hugging Face directories assembled from the
// fixtures, file digests, and logits of a model file.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "model/context.h"
#include "model/model.h"
#include "test_util.h"

namespace sinan {

// A directory under the system temp dir, removed with everything in it when the object goes.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("sinan-convert-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// FNV-1a 64 of a file's bytes (tests/convert/tools/llama_quantize_expectations.py computes the same).
inline uint64_t fnv1a64(const std::string& bytes) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001B3ull;
  return h;
}
inline uint64_t fnv1a64_file(const std::string& path) {
  const std::vector<char> bytes = read_binary(path);
  return fnv1a64(std::string(bytes.begin(), bytes.end()));
}

// The tokenizer fixture that belongs to a model fixture.
inline std::string tokenizer_family(const std::string& family) {
  if (family == "llama" || family == "qwen2") return family;
  return "deepseek_v3";  // deepseek_v2 and deepseek_v3_fp8 use DeepSeek-V3's (truncated) tokenizer
}

// A Hugging Face directory as the hub ships it: <parent>/<family>/{config.json, model.safetensors,
// tokenizer.json, tokenizer_config.json}. The directory name matters: llama.cpp derives general.name from it.
inline std::string make_hf_dir(const ScratchDir& parent, const std::string& family) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(parent.file(family));
  fs::create_directories(dir);
  for (const char* f : {"config.json", "model.safetensors"}) {
    fs::copy_file(test_data("models/" + family + "/" + f), dir / f, fs::copy_options::overwrite_existing);
  }
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
    fs::copy_file(test_data("tokenizers/tiny/" + tokenizer_family(family) + "/" + f), dir / f,
                  fs::copy_options::overwrite_existing);
  }
  return dir.string();
}

// Prefill logits [tokens, vocab] of a model file for one token sequence.
inline std::vector<float> prefill_logits(const Model& model, const std::vector<int32_t>& tokens,
                                         int threads = 1) {
  ContextOptions options;
  options.context_tokens = 256;
  options.n_threads = threads;
  auto context = Context::create(model, options);
  EXPECT_TRUE(context.ok()) << context.message();
  if (!context.ok()) return {};
  Batch batch;
  for (size_t i = 0; i < tokens.size(); ++i) batch.add(tokens[i], 0, static_cast<int32_t>(i), true);
  std::vector<float> logits(tokens.size() * static_cast<size_t>(model.config().vocab_size));
  const Status s = (*context)->decode(batch, logits.data());
  EXPECT_TRUE(s.ok()) << s.message();
  return logits;
}

inline std::unique_ptr<Model> load_or_fail(const std::string& path) {
  LoadReport report;
  auto model = Model::load(path, &report);
  EXPECT_TRUE(model.ok()) << model.message();
  if (!model.ok()) return nullptr;
  for (const auto& w : report.warnings) ADD_FAILURE() << path << ": load warning: " << w;
  return std::move(*model);
}

}  // namespace sinan
