// The paged KV cache shared by every sequence of a context. Memory is a pool of fixed-size blocks of
// `block_tokens` rows per layer; each sequence owns a table of block ids, so sequences of any length
// grow without copying and return their blocks when cleared.
//
// Blocks are reference-counted so that sequences can share a prefix without copying it: share() starts an
// empty sequence on blocks another sequence (or an outside holder, see retain()) already filled. Only
// whole blocks are shared, and a sequence never writes into a block it shares: truncate() copies a shared
// block that would become the partly kept, writable last block (copy-on-write). A block returns to the
// free pool when its last holder lets go. The server's prefix cache (serve/prefix_cache.h) is such a holder.
//
// What a row holds is up to the architecture: K and V of every KV head for grouped-query attention,
// or for MLA only the compressed latent (kv_lora_rank values) and the rope key (qk_rope_head_dim):
// DeepSeek's memory saving is real here, nothing is decompressed into the cache.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "kernels/attention.h"

namespace sinan {

struct KvCacheOptions {
  int n_layers = 0;
  int64_t row_width = 0;      // floats per token per layer
  int64_t block_tokens = 16;  // rows per block
  int64_t capacity_tokens = 0;  // total rows across sequences (rounded up to whole blocks)
  int max_sequences = 1;
};

class PagedKvCache {
 public:
  static Result<PagedKvCache> create(const KvCacheOptions& options);

  const KvCacheOptions& options() const { return options_; }
  int64_t capacity_tokens() const { return n_blocks_ * options_.block_tokens; }
  int64_t free_blocks() const { return static_cast<int64_t>(free_blocks_.size()); }
  int64_t total_blocks() const { return n_blocks_; }
  size_t bytes_per_token() const { return static_cast<size_t>(options_.n_layers * options_.row_width) * sizeof(float); }

  // Tokens stored for a sequence (its next position).
  int64_t length(int seq) const;
  // Makes room for positions [0, new_length) of `seq` and records the new length.
  Status grow(int seq, int64_t new_length);
  // Forgets a sequence and lets go of its blocks.
  void clear(int seq);
  // Keeps positions [0, length) of a sequence and lets go of the blocks past them. When the kept part
  // ends inside a block that is shared, that block is first copied, so later writes stay private; this
  // needs one free block and fails (changing nothing) without one.
  Status truncate(int seq, int64_t length);

  // Sharing. Starts the empty sequence `seq` on `blocks`, which must be in use (held by another sequence
  // or retained): its length becomes blocks.size() * block_tokens.
  void share(int seq, std::span<const int32_t> blocks);
  // The block table of a sequence: block i holds positions [i * block_tokens, (i + 1) * block_tokens).
  std::span<const int32_t> block_table(int seq) const;
  // Outside holders (a prefix cache) keep blocks alive past the sequences that filled them.
  void retain(int32_t block);
  void release(int32_t block);
  int32_t ref_count(int32_t block) const;

  float* row(int layer, int seq, int64_t position);
  KvRows rows(int layer, int seq) const;

 private:
  struct Sequence {
    std::vector<int32_t> blocks;
    int64_t length = 0;
  };

  int32_t take_free_block();
  // The pools start at the first 64-byte boundary of storage_ (it holds kLineFloats spare floats): rows whose
  // width is a multiple of 16 floats (every real model's) then start on a cache line, so no 32- or 64-byte
  // load of a row straddles two (measured: attention over 16-byte-aligned rows took 25% longer on Zen 3).
  static constexpr size_t kLineFloats = 64 / sizeof(float);
  float* pools();
  const float* pools() const;

  KvCacheOptions options_;
  int64_t n_blocks_ = 0;
  int64_t layer_stride_ = 0;  // floats per layer pool
  int64_t block_stride_ = 0;  // floats per block within a layer pool
  std::vector<float> storage_;
  std::vector<int32_t> free_blocks_;
  std::vector<int32_t> ref_counts_;  // per block: sequences and outside holders using it
  std::vector<Sequence> sequences_;
};

}  // namespace sinan
