// Prefix reuse across requests: an index from token prefixes to filled KV blocks. A request that starts with
// tokens an earlier (or concurrent) request already computed - a system prompt, a chat's earlier turns -
// starts its sequence on those blocks (PagedKvCache::share: no copy) and computes only the rest.
//
// Only whole blocks are indexed. Block i of a sequence is keyed by the tokens of blocks 0..i (a hash chain
// over the tokens, checked token by token on lookup, so a hash collision can never reuse wrong rows). The
// index holds one reference to each block it knows (PagedKvCache::retain), so blocks outlive the request
// that filled them; when the engine needs room, evict() lets go of the least recently used blocks that no
// sequence is using. Positions are implied by the chain: a block is only reused at the place it was made.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "runtime/kv_cache.h"

namespace sinan {

class PrefixCache {
 public:
  explicit PrefixCache(int64_t block_tokens) : block_tokens_(block_tokens) {}

  // The blocks holding the longest indexed prefix of tokens[0, max_tokens), whole blocks only, oldest first.
  // Marks them as just used.
  std::vector<int32_t> lookup(std::span<const int32_t> tokens, int64_t max_tokens);

  // Indexes the whole blocks of a sequence: blocks[i] holds the rows of tokens[i * block_tokens, ...).
  // Blocks already indexed (by this or an identical sequence) are skipped.
  void insert(std::span<const int32_t> tokens, std::span<const int32_t> blocks, PagedKvCache& cache);

  // Lets go of least recently used blocks that only the index holds until `wanted` blocks are free in the
  // cache or none is left to evict. Returns how many it released.
  int64_t evict(PagedKvCache& cache, int64_t wanted);
  // Blocks only the index holds (free for the taking).
  int64_t evictable(const PagedKvCache& cache) const;
  // Forgets everything (releasing every block).
  void clear(PagedKvCache& cache);

  int64_t size() const { return static_cast<int64_t>(entries_.size()); }
  int64_t block_tokens() const { return block_tokens_; }

 private:
  struct Entry {
    int32_t block = -1;
    int32_t parent_block = -1;  // -1 for the first block of a sequence
    uint64_t parent_key = 0;
    int64_t depth = 0;  // block index in its sequence
    uint64_t last_used = 0;
    std::vector<int32_t> tokens;  // block_tokens of them
  };
  static uint64_t chain_key(uint64_t parent_key, std::span<const int32_t> tokens);
  const Entry* find(uint64_t key, uint64_t parent_key, int32_t parent_block,
                    std::span<const int32_t> tokens) const;

  int64_t block_tokens_;
  uint64_t clock_ = 0;
  std::unordered_map<uint64_t, Entry> entries_;
};

}  // namespace sinan
