#include "runtime/kv_cache.h"

#include <algorithm>
#include <cstdint>
#include <new>
#include <utility>

#include "core/check.h"

namespace sinan {

Result<PagedKvCache> PagedKvCache::create(const KvCacheOptions& options) {
  if (options.n_layers <= 0 || options.row_width <= 0 || options.block_tokens <= 0 || options.max_sequences <= 0) {
    return Status::error("KV cache: layers, row width, block size and sequence count must be positive");
  }
  if (options.capacity_tokens <= 0) return Status::error("KV cache: the context size must be positive");
  PagedKvCache cache;
  cache.options_ = options;
  cache.n_blocks_ = (options.capacity_tokens + options.block_tokens - 1) / options.block_tokens;
  cache.block_stride_ = options.block_tokens * options.row_width;
  cache.layer_stride_ = cache.n_blocks_ * cache.block_stride_;
  const double bytes = static_cast<double>(cache.layer_stride_) * options.n_layers * sizeof(float);
  try {
    cache.storage_.assign(static_cast<size_t>(cache.layer_stride_ * options.n_layers) + kLineFloats, 0.0f);
  } catch (const std::bad_alloc&) {
    return Status::errorf("KV cache: cannot allocate {:.1f} MiB for {} tokens; use a smaller context size",
                          bytes / (1 << 20), cache.capacity_tokens());
  }
  cache.free_blocks_.reserve(static_cast<size_t>(cache.n_blocks_));
  for (int64_t b = cache.n_blocks_ - 1; b >= 0; --b) cache.free_blocks_.push_back(static_cast<int32_t>(b));
  cache.ref_counts_.assign(static_cast<size_t>(cache.n_blocks_), 0);
  cache.sequences_.resize(static_cast<size_t>(options.max_sequences));
  for (auto& seq : cache.sequences_) seq.blocks.reserve(static_cast<size_t>(cache.n_blocks_));
  return cache;
}

int64_t PagedKvCache::length(int seq) const {
  SINAN_CHECK(seq >= 0 && seq < options_.max_sequences);
  return sequences_[seq].length;
}

Status PagedKvCache::grow(int seq, int64_t new_length) {
  SINAN_CHECK(seq >= 0 && seq < options_.max_sequences);
  Sequence& s = sequences_[seq];
  const int64_t needed_blocks = (new_length + options_.block_tokens - 1) / options_.block_tokens;
  const int64_t missing = needed_blocks - static_cast<int64_t>(s.blocks.size());
  if (missing > free_blocks()) {
    return Status::errorf("KV cache full: sequence {} needs {} more tokens of room but only {} are free of {}", seq,
                          new_length - s.length, free_blocks() * options_.block_tokens, capacity_tokens());
  }
  for (int64_t i = 0; i < missing; ++i) s.blocks.push_back(take_free_block());
  if (new_length > s.length) s.length = new_length;
  return Status();
}

int32_t PagedKvCache::take_free_block() {
  SINAN_CHECK(!free_blocks_.empty());
  const int32_t block = free_blocks_.back();
  free_blocks_.pop_back();
  SINAN_CHECK(ref_counts_[block] == 0);
  ref_counts_[block] = 1;
  return block;
}

void PagedKvCache::clear(int seq) {
  SINAN_CHECK(seq >= 0 && seq < options_.max_sequences);
  Sequence& s = sequences_[seq];
  for (auto it = s.blocks.rbegin(); it != s.blocks.rend(); ++it) release(*it);
  s.blocks.clear();
  s.length = 0;
}

Status PagedKvCache::truncate(int seq, int64_t length) {
  SINAN_CHECK(seq >= 0 && seq < options_.max_sequences && length >= 0);
  Sequence& s = sequences_[seq];
  if (length >= s.length) return Status();
  const auto keep_blocks = static_cast<size_t>((length + options_.block_tokens - 1) / options_.block_tokens);
  const bool partial_last = length % options_.block_tokens != 0;
  if (partial_last && ref_counts_[s.blocks[keep_blocks - 1]] > 1) {
    // Copy-on-write: the kept rows of a shared block move to a private one before anything overwrites them.
    if (free_blocks_.empty()) {
      return Status::errorf("KV cache full: sequence {} needs one free block to stop sharing its last block", seq);
    }
    const int32_t shared = s.blocks[keep_blocks - 1];
    const int32_t copy = take_free_block();
    for (int l = 0; l < options_.n_layers; ++l) {
      const float* from = pools() + l * layer_stride_ + shared * block_stride_;
      std::copy(from, from + block_stride_, pools() + l * layer_stride_ + copy * block_stride_);
    }
    s.blocks[keep_blocks - 1] = copy;
    release(shared);
  }
  while (s.blocks.size() > keep_blocks) {
    release(s.blocks.back());
    s.blocks.pop_back();
  }
  s.length = length;
  return Status();
}

void PagedKvCache::share(int seq, std::span<const int32_t> blocks) {
  SINAN_CHECK(seq >= 0 && seq < options_.max_sequences);
  Sequence& s = sequences_[seq];
  SINAN_CHECK(s.length == 0 && s.blocks.empty());
  for (int32_t block : blocks) {
    SINAN_CHECK(block >= 0 && block < n_blocks_ && ref_counts_[block] > 0);
    ++ref_counts_[block];
    s.blocks.push_back(block);
  }
  s.length = static_cast<int64_t>(blocks.size()) * options_.block_tokens;
}

std::span<const int32_t> PagedKvCache::block_table(int seq) const {
  SINAN_CHECK(seq >= 0 && seq < options_.max_sequences);
  return sequences_[seq].blocks;
}

void PagedKvCache::retain(int32_t block) {
  SINAN_CHECK(block >= 0 && block < n_blocks_ && ref_counts_[block] > 0);
  ++ref_counts_[block];
}

void PagedKvCache::release(int32_t block) {
  SINAN_CHECK(block >= 0 && block < n_blocks_ && ref_counts_[block] > 0);
  if (--ref_counts_[block] == 0) free_blocks_.push_back(block);
}

int32_t PagedKvCache::ref_count(int32_t block) const {
  SINAN_CHECK(block >= 0 && block < n_blocks_);
  return ref_counts_[block];
}

const float* PagedKvCache::pools() const {
  const auto address = reinterpret_cast<uintptr_t>(storage_.data());
  return storage_.data() + (kLineFloats - address / sizeof(float) % kLineFloats) % kLineFloats;
}

float* PagedKvCache::pools() { return const_cast<float*>(std::as_const(*this).pools()); }

float* PagedKvCache::row(int layer, int seq, int64_t position) {
  SINAN_CHECK(layer >= 0 && layer < options_.n_layers && seq >= 0 && seq < options_.max_sequences);
  const Sequence& s = sequences_[seq];
  SINAN_CHECK(position >= 0 && position < static_cast<int64_t>(s.blocks.size()) * options_.block_tokens);
  return pools() + layer * layer_stride_ + s.blocks[position / options_.block_tokens] * block_stride_ +
         (position % options_.block_tokens) * options_.row_width;
}

KvRows PagedKvCache::rows(int layer, int seq) const {
  SINAN_CHECK(layer >= 0 && layer < options_.n_layers && seq >= 0 && seq < options_.max_sequences);
  KvRows r;
  r.base = pools() + layer * layer_stride_;
  r.block_table = sequences_[seq].blocks.data();
  r.block_tokens = options_.block_tokens;
  r.block_stride = block_stride_;
  r.row_stride = options_.row_width;
  return r;
}

}  // namespace sinan
