// Builds small byte-level BPE tokenizer.json documents for unit tests: the 256 byte tokens (ids 0..255 in
// byte order), then one token per merge, then whatever the test adds.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "text/byte_level.h"

namespace sinan {

struct TinyTokenizerJson {
  std::vector<std::pair<std::string, std::string>> merges;  // raw bytes, e.g. {"a", "b"}
  nlohmann::json added_tokens = nlohmann::json::array();
  nlohmann::json normalizer = nullptr;
  nlohmann::json pre_tokenizer = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
  nlohmann::json decoder = {{"type", "ByteLevel"}};
  bool ignore_merges = false;

  // Id of the token made by merge i.
  static int32_t merged_id(size_t i) { return static_cast<int32_t>(256 + i); }

  nlohmann::json build() const {
    nlohmann::json vocab = nlohmann::json::object();
    for (int b = 0; b < 256; ++b) vocab[text::to_byte_level(std::string(1, static_cast<char>(b)))] = b;
    nlohmann::json merge_list = nlohmann::json::array();
    for (size_t i = 0; i < merges.size(); ++i) {
      const auto& [left, right] = merges[i];
      vocab[text::to_byte_level(left + right)] = merged_id(i);
      merge_list.push_back({text::to_byte_level(left), text::to_byte_level(right)});
    }
    return {{"version", "1.0"},
            {"added_tokens", added_tokens},
            {"normalizer", normalizer},
            {"pre_tokenizer", pre_tokenizer},
            {"decoder", decoder},
            {"model",
             {{"type", "BPE"}, {"ignore_merges", ignore_merges}, {"vocab", vocab}, {"merges", merge_list}}}};
  }

  std::string text() const { return build().dump(); }
};

inline nlohmann::json added_token(int id, std::string content, bool special, nlohmann::json extra = {}) {
  nlohmann::json t = {{"id", id},
                      {"content", std::move(content)},
                      {"special", special},
                      {"normalized", false},
                      {"lstrip", false},
                      {"rstrip", false},
                      {"single_word", false}};
  for (auto& [key, value] : extra.items()) t[key] = value;
  return t;
}

}  // namespace sinan
