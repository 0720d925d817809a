// The BPE merge loop against an obvious reference: repeatedly merge the lowest-rank adjacent pair,
// leftmost first, scanning the whole word each time.
#include "text/bpe.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "text/byte_level.h"
#include "text_test_util.h"

namespace sinan::text {
namespace {

struct Reference {
  std::map<std::pair<std::string, std::string>, uint32_t> ranks;
  std::map<std::string, int32_t> vocab;

  std::vector<int32_t> encode(std::string_view word) const {
    std::vector<std::string> parts;
    for (char c : word) parts.emplace_back(1, c);
    while (parts.size() > 1) {
      size_t best = 0;
      uint32_t best_rank = UINT32_MAX;
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        auto it = ranks.find({parts[i], parts[i + 1]});
        if (it != ranks.end() && it->second < best_rank) {
          best_rank = it->second;
          best = i;
        }
      }
      if (best_rank == UINT32_MAX) break;
      parts[best] += parts[best + 1];
      parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    }
    std::vector<int32_t> ids;
    for (const std::string& p : parts) ids.push_back(vocab.at(p));
    return ids;
  }
};

struct Loaded {
  BpeModel model;
  Reference reference;
};

// The vocabulary and merges of a real (truncated) tokenizer.json.
Loaded load_model(const std::string& path) {
  Loaded out;
  const std::vector<char> bytes = read_binary(path);
  const nlohmann::json root = nlohmann::json::parse(bytes.begin(), bytes.end());
  for (const auto& [text, id] : root["model"]["vocab"].items()) {
    const std::optional<std::string> raw = from_byte_level(text);
    if (!raw) continue;
    out.model.add_token(*raw, id.get<int32_t>());
    out.reference.vocab[*raw] = id.get<int32_t>();
  }
  uint32_t rank = 0;
  for (const nlohmann::json& m : root["model"]["merges"]) {
    std::string left, right;
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      left = s.substr(0, s.find(' '));
      right = s.substr(s.find(' ') + 1);
    } else {
      left = m[0].get<std::string>();
      right = m[1].get<std::string>();
    }
    const std::string l = *from_byte_level(left), r = *from_byte_level(right);
    EXPECT_TRUE(out.model.add_merge(l, r, rank).ok());
    out.reference.ranks.emplace(std::pair{l, r}, rank);
    ++rank;
  }
  return out;
}

TEST(Bpe, MergesByRankThenLeftmost) {
  BpeModel model;
  for (int b = 0; b < 256; ++b) model.add_token(std::string(1, static_cast<char>(b)), b);
  model.add_token("bc", 300);
  model.add_token("ab", 301);
  model.add_token("abc", 302);
  model.add_token("aa", 303);
  ASSERT_TRUE(model.add_merge("b", "c", 0).ok());
  ASSERT_TRUE(model.add_merge("a", "b", 1).ok());
  ASSERT_TRUE(model.add_merge("a", "a", 2).ok());
  EXPECT_FALSE(model.add_merge("x", "y", 3).ok());  // "xy" is not a token
  BpeScratch scratch;
  std::vector<int32_t> ids;
  model.encode("abc", scratch, ids);
  EXPECT_EQ(ids, (std::vector<int32_t>{'a', 300}));  // b+c outranks a+b, and (a, bc) is no merge
  ids.clear();
  model.encode("aaa", scratch, ids);
  EXPECT_EQ(ids, (std::vector<int32_t>{303, 'a'}));  // leftmost pair first
}

TEST(Bpe, IgnoreMergesUsesWholeWords) {
  BpeModel model;
  for (int b = 0; b < 256; ++b) model.add_token(std::string(1, static_cast<char>(b)), b);
  model.add_token("hello", 400);
  BpeScratch scratch;
  std::vector<int32_t> ids;
  model.encode("hello", scratch, ids);
  EXPECT_EQ(ids.size(), 5u);
  model.set_ignore_merges(true);
  ids.clear();
  model.encode("hello", scratch, ids);
  EXPECT_EQ(ids, (std::vector<int32_t>{400}));
}

TEST(Bpe, MissingBytesAreDroppedOrUnknown) {
  BpeModel model;
  model.add_token("a", 0);
  model.add_token("<unk>", 1);
  BpeScratch scratch;
  std::vector<int32_t> ids;
  model.encode("axxa", scratch, ids);
  EXPECT_EQ(ids, (std::vector<int32_t>{0, 0}));
  model.set_unknown(1, /*fuse_unk=*/true);
  ids.clear();
  model.encode("axxa", scratch, ids);
  EXPECT_EQ(ids, (std::vector<int32_t>{0, 1, 0}));
}

TEST(Bpe, MatchesReferenceOnRandomWords) {
  for (const char* name : {"deepseek_v3", "qwen2", "llama"}) {
    const Loaded loaded = load_model(test_data(std::string("tokenizers/tiny/") + name + "/tokenizer.json"));
    std::mt19937 rng(1234);
    // Frequent letters and bytes so that many merges apply, plus raw multi-byte characters.
    const std::vector<std::string> alphabet = {"e", "t", "a", "o",  "i",  "n",  " ",  "s",  "h", "r", "l",
                                               "d", "c", "u", "\n", "th", "in", "er", "中", "é", "0"};
    BpeScratch scratch;
    for (int trial = 0; trial < 3000; ++trial) {
      std::string word;
      const int length = 1 + static_cast<int>(rng() % (trial < 2500 ? 12 : 200));
      for (int i = 0; i < length; ++i) word += alphabet[rng() % alphabet.size()];
      std::vector<int32_t> ids;
      loaded.model.encode(word, scratch, ids);
      ASSERT_EQ(ids, loaded.reference.encode(word)) << name << " word '" << word << "'";
    }
  }
}

}  // namespace
}  // namespace sinan::text
