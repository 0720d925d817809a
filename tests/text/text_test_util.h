// Shared helpers for the text tests: fixture paths (committed small files and the large ones CMake
// decompresses into the build tree), JSON-lines readers, and tokenizers loaded once per test binary.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_util.h"
#include "text/tokenizer.h"

namespace sinan {

// Files decompressed at build time (the real tokenizer.json files, llama.cpp's vocab GGUFs).
inline std::string built_data(const std::string& relative) {
  return std::string(SINAN_TEXT_BUILD_DATA_DIR) + "/" + relative;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

inline std::vector<std::string> read_jsonl_strings(const std::string& path) {
  std::vector<std::string> out;
  for (const std::string& line : read_lines(path))
    out.push_back(nlohmann::json::parse(line).get<std::string>());
  return out;
}

inline std::vector<std::vector<int32_t>> read_jsonl_ids(const std::string& path) {
  std::vector<std::vector<int32_t>> out;
  for (const std::string& line : read_lines(path)) {
    out.push_back(nlohmann::json::parse(line).get<std::vector<int32_t>>());
  }
  return out;
}

// Loads a tokenizer (GGUF, directory or tokenizer.json) once and keeps it for the whole test binary.
inline const Tokenizer& shared_tokenizer(const std::string& path) {
  static std::map<std::string, Tokenizer>* cache = new std::map<std::string, Tokenizer>();
  auto it = cache->find(path);
  if (it == cache->end()) {
    Result<Tokenizer> loaded = load_tokenizer(path);
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.message();
      std::abort();
    }
    it = cache->emplace(path, std::move(loaded).value()).first;
  }
  return it->second;
}

inline std::string ids_to_string(const std::vector<int32_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

}  // namespace sinan
