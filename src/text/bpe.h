// The byte-level BPE model: a piece of raw bytes -> token ids, by merge rank. Tokens are kept as raw bytes
// (the loader undoes the byte-level spelling), so encoding never builds byte-level strings.
// The merge order is Hugging Face's: repeatedly merge the adjacent pair with the lowest rank, the leftmost
// one among equal ranks (HF's Word::merge_all; its priority queue gives exactly this order).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace sinan::text {

// Reusable buffers for one encode call.
struct BpeScratch {
  struct Symbol {
    int32_t id;    // -1 once merged into its left neighbour
    int32_t prev;  // index of the previous live symbol, or -1
    int32_t next;  // index of the next live symbol, or -1
  };
  struct Candidate {
    uint32_t rank;
    uint32_t pos;  // index of the left symbol
    int32_t merged;
  };
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
};

class BpeModel {
 public:
  BpeModel();
  // Registers a token spelled as raw bytes. Returns false when these bytes are already a token.
  bool add_token(std::string bytes, int32_t id);
  // Registers the merge of two tokens (raw bytes) at `rank`; their concatenation must be a token too.
  // A later merge of the same pair replaces an earlier one, as in HF.
  Status add_merge(std::string_view left, std::string_view right, uint32_t rank);

  void set_ignore_merges(bool value) { ignore_merges_ = value; }
  void set_unknown(std::optional<int32_t> unk_id, bool fuse_unk) {
    unk_id_ = unk_id;
    fuse_unk_ = fuse_unk;
  }

  // Appends the ids of one pre-tokenized piece (raw bytes).
  void encode(std::string_view piece, BpeScratch& scratch, std::vector<int32_t>& out) const;

  std::optional<int32_t> find(std::string_view bytes) const;
  // The token of a single byte, or -1 when the vocabulary lacks it.
  int32_t byte_token(uint8_t byte) const { return byte_token_[byte]; }
  size_t n_tokens() const { return vocab_.size(); }
  size_t n_merges() const { return merges_.size(); }
  bool ignore_merges() const { return ignore_merges_; }

 private:
  // (left id, right id) -> (rank, merged id); open addressing, the hot lookup of encoding.
  class PairTable {
   public:
    struct Entry {
      uint64_t key;
      uint32_t rank;
      int32_t merged;
    };
    void insert_or_assign(int32_t left, int32_t right, uint32_t rank, int32_t merged);
    const Entry* find(int32_t left, int32_t right) const;
    size_t size() const { return size_; }

   private:
    static constexpr uint64_t kEmptyKey = ~uint64_t{0};
    static uint64_t key_of(int32_t left, int32_t right) {
      return uint64_t{static_cast<uint32_t>(left)} << 32 | static_cast<uint32_t>(right);
    }
    size_t slot_of(uint64_t key) const {
      return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
    }
    void grow();
    std::vector<Entry> slots_;
    size_t size_ = 0;
    int shift_ = 64;
  };

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  void merge_word(BpeScratch& scratch) const;

  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> vocab_;
  PairTable merges_;
  int32_t byte_token_[256];  // -1 where the vocabulary lacks the byte
  bool ignore_merges_ = false;
  std::optional<int32_t> unk_id_;
  bool fuse_unk_ = false;
};

}  // namespace sinan::text
