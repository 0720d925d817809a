// The reference fixtures of tests/data/models/<family>: token sequences and their float64-computed logits.
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace sinan {

struct LogitsFixture {
  std::vector<int32_t> tokens;
  std::vector<float> logits;  // [tokens, vocab]
  int64_t vocab = 0;
};

inline std::vector<LogitsFixture> load_logits_fixtures(const std::string& family) {
  const std::string dir = test_data("models/" + family);
  std::ifstream in(dir + "/logits.json");
  const auto meta = nlohmann::json::parse(in);
  std::vector<LogitsFixture> fixtures;
  for (const auto& entry : meta) {
    LogitsFixture f;
    f.tokens = entry["tokens"].get<std::vector<int32_t>>();
    f.vocab = entry["shape"][1].get<int64_t>();
    f.logits = read_array_file<float>(dir + "/" + entry["file"].get<std::string>());
    fixtures.push_back(std::move(f));
  }
  return fixtures;
}

}  // namespace sinan
