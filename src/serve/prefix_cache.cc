#include "serve/prefix_cache.h"

#include <algorithm>

namespace sinan {
namespace {

constexpr uint64_t kRootKey = 0x6a09e667f3bcc908ull;

uint64_t mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t PrefixCache::chain_key(uint64_t parent_key, std::span<const int32_t> tokens) {
  uint64_t h = mix(parent_key);
  for (int32_t t : tokens) h = mix(h ^ static_cast<uint32_t>(t)) + 0x9e3779b97f4a7c15ull;
  return h;
}

const PrefixCache::Entry* PrefixCache::find(uint64_t key, uint64_t parent_key, int32_t parent_block,
                                            std::span<const int32_t> tokens) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  const Entry& e = it->second;
  if (e.parent_key != parent_key || e.parent_block != parent_block) return nullptr;
  if (!std::equal(tokens.begin(), tokens.end(), e.tokens.begin(), e.tokens.end())) return nullptr;
  return &e;
}

std::vector<int32_t> PrefixCache::lookup(std::span<const int32_t> tokens, int64_t max_tokens) {
  std::vector<int32_t> blocks;
  const uint64_t now = ++clock_;
  uint64_t key = kRootKey;
  int32_t parent = -1;
  max_tokens = std::min<int64_t>(max_tokens, static_cast<int64_t>(tokens.size()));
  for (int64_t i = 0; (i + 1) * block_tokens_ <= max_tokens; ++i) {
    const auto block_tokens =
        tokens.subspan(static_cast<size_t>(i * block_tokens_), static_cast<size_t>(block_tokens_));
    const uint64_t next_key = chain_key(key, block_tokens);
    const Entry* e = find(next_key, key, parent, block_tokens);
    if (e == nullptr) break;
    const_cast<Entry*>(e)->last_used = now;
    blocks.push_back(e->block);
    key = next_key;
    parent = e->block;
  }
  return blocks;
}

void PrefixCache::insert(std::span<const int32_t> tokens, std::span<const int32_t> blocks,
                         PagedKvCache& cache) {
  const uint64_t now = ++clock_;
  uint64_t key = kRootKey;
  int32_t parent = -1;
  for (int64_t i = 0; (i + 1) * block_tokens_ <= static_cast<int64_t>(tokens.size()) &&
                      i < static_cast<int64_t>(blocks.size());
       ++i) {
    const auto block_tokens =
        tokens.subspan(static_cast<size_t>(i * block_tokens_), static_cast<size_t>(block_tokens_));
    const uint64_t next_key = chain_key(key, block_tokens);
    if (entries_.count(next_key) != 0) {
      const Entry* e = find(next_key, key, parent, block_tokens);
      if (e == nullptr) return;  // a different chain with the same key (a hash collision): stop here
      const_cast<Entry*>(e)->last_used = now;
      parent = e->block;
    } else {
      Entry e;
      e.block = blocks[i];
      e.parent_block = parent;
      e.parent_key = key;
      e.depth = i;
      e.last_used = now;
      e.tokens.assign(block_tokens.begin(), block_tokens.end());
      cache.retain(e.block);
      parent = e.block;
      entries_.emplace(next_key, std::move(e));
    }
    key = next_key;
  }
}

int64_t PrefixCache::evictable(const PagedKvCache& cache) const {
  int64_t n = 0;
  for (const auto& [key, e] : entries_) n += cache.ref_count(e.block) == 1 ? 1 : 0;
  return n;
}

int64_t PrefixCache::evict(PagedKvCache& cache, int64_t wanted) {
  if (cache.free_blocks() >= wanted) return 0;
  struct Candidate {
    uint64_t last_used;
    int64_t depth;
    uint64_t key;
  };
  std::vector<Candidate> candidates;
  for (const auto& [key, e] : entries_) {
    if (cache.ref_count(e.block) == 1) candidates.push_back({e.last_used, e.depth, key});
  }
  // Oldest first; within one use, the deepest first (a chain's tail is worth less than its head).
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.last_used != b.last_used ? a.last_used < b.last_used : a.depth > b.depth;
  });
  int64_t released = 0;
  for (const Candidate& c : candidates) {
    if (cache.free_blocks() >= wanted) break;
    auto it = entries_.find(c.key);
    cache.release(it->second.block);
    entries_.erase(it);
    ++released;
  }
  return released;
}

void PrefixCache::clear(PagedKvCache& cache) {
  for (const auto& [key, e] : entries_) cache.release(e.block);
  entries_.clear();
}

}  // namespace sinan
