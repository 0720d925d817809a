#include "runtime/kv_cache.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace sinan {
namespace {

TEST(PagedKvCache, SequencesGrowShrinkAndShareTheBlockPool) {
  KvCacheOptions o;
  o.n_layers = 2;
  o.row_width = 3;
  o.block_tokens = 4;
  o.capacity_tokens = 16;  // 4 blocks
  o.max_sequences = 2;
  auto cache = PagedKvCache::create(o);
  ASSERT_TRUE(cache.ok());
  EXPECT_EQ(cache->free_blocks(), 4);
  EXPECT_EQ(cache->bytes_per_token(), 2u * 3u * 4u);

  ASSERT_TRUE(cache->grow(0, 5).ok());  // 2 blocks
  ASSERT_TRUE(cache->grow(1, 8).ok());  // 2 blocks
  EXPECT_EQ(cache->free_blocks(), 0);
  EXPECT_EQ(cache->length(0), 5);
  // Rows of different sequences and layers never overlap.
  for (int layer = 0; layer < 2; ++layer) {
    for (int seq = 0; seq < 2; ++seq) {
      for (int64_t p = 0; p < cache->length(seq); ++p) {
        float* row = cache->row(layer, seq, p);
        for (int i = 0; i < 3; ++i) row[i] = static_cast<float>(layer * 1000 + seq * 100 + p * 10 + i);
      }
    }
  }
  for (int layer = 0; layer < 2; ++layer) {
    for (int seq = 0; seq < 2; ++seq) {
      const KvRows rows = cache->rows(layer, seq);
      for (int64_t p = 0; p < cache->length(seq); ++p) {
        EXPECT_EQ(rows.row(p)[2], static_cast<float>(layer * 1000 + seq * 100 + p * 10 + 2));
      }
    }
  }
  // Full: a clear error that says how much room is left.
  Status full = cache->grow(0, 9);
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.message().find("KV cache full"), std::string::npos);
  // Truncating returns whole blocks past the new length; clearing returns the rest.
  ASSERT_TRUE(cache->truncate(1, 3).ok());
  EXPECT_EQ(cache->length(1), 3);
  EXPECT_EQ(cache->free_blocks(), 1);
  ASSERT_TRUE(cache->grow(0, 9).ok());
  cache->clear(0);
  cache->clear(1);
  EXPECT_EQ(cache->free_blocks(), 4);
  EXPECT_EQ(cache->length(0), 0);
}

// Fills every row of a sequence with a value that names the layer, position and a tag.
void fill(PagedKvCache& cache, int seq, int64_t from, int64_t to, float tag) {
  for (int layer = 0; layer < cache.options().n_layers; ++layer) {
    for (int64_t p = from; p < to; ++p) {
      float* row = cache.row(layer, seq, p);
      for (int64_t i = 0; i < cache.options().row_width; ++i) row[i] = tag + static_cast<float>(layer * 100 + p);
    }
  }
}

TEST(PagedKvCache, SharedBlocksAreReferenceCountedAndCopiedBeforeAWrite) {
  KvCacheOptions o;
  o.n_layers = 2;
  o.row_width = 3;
  o.block_tokens = 4;
  o.capacity_tokens = 32;  // 8 blocks
  o.max_sequences = 3;
  auto cache = PagedKvCache::create(o);
  ASSERT_TRUE(cache.ok());
  ASSERT_TRUE(cache->grow(0, 10).ok());  // 3 blocks, the last partly filled
  fill(*cache, 0, 0, 10, 0.5f);
  const std::vector<int32_t> prefix(cache->block_table(0).begin(), cache->block_table(0).begin() + 2);

  // Sequence 1 starts on sequence 0's first two (full) blocks: no copy, no new block.
  cache->share(1, prefix);
  EXPECT_EQ(cache->length(1), 8);
  EXPECT_EQ(cache->free_blocks(), 5);
  EXPECT_EQ(cache->ref_count(prefix[0]), 2);
  EXPECT_EQ(cache->rows(1, 1).row(5), cache->rows(1, 0).row(5));  // the same memory
  ASSERT_TRUE(cache->grow(1, 9).ok());  // appends into a block of its own
  fill(*cache, 1, 8, 9, 7000.0f);
  EXPECT_EQ(cache->rows(0, 0).row(8)[0], 0.5f + 8);  // sequence 0 keeps its own row 8

  // A holder outside any sequence keeps a block alive after its sequences let go.
  cache->retain(prefix[1]);
  cache->clear(0);
  EXPECT_EQ(cache->ref_count(prefix[0]), 1);
  EXPECT_EQ(cache->ref_count(prefix[1]), 2);

  // Sequence 2 shares too, then rewrites from position 6: the block holding positions 4..7 is copied first.
  cache->share(2, prefix);
  const int64_t free_before = cache->free_blocks();
  ASSERT_TRUE(cache->truncate(2, 6).ok());
  EXPECT_EQ(cache->free_blocks(), free_before - 1);
  EXPECT_NE(cache->block_table(2)[1], prefix[1]);
  EXPECT_EQ(cache->rows(1, 2).row(5)[0], 0.5f + 105);  // kept rows were copied
  fill(*cache, 2, 6, 8, 9000.0f);
  EXPECT_EQ(cache->rows(1, 1).row(6)[0], 0.5f + 106);  // the sharer's rows are untouched
  // Truncating at a block boundary copies nothing.
  ASSERT_TRUE(cache->truncate(1, 4).ok());
  EXPECT_EQ(cache->ref_count(prefix[1]), 1);  // only the outside holder is left
  cache->release(prefix[1]);
  cache->clear(1);
  cache->clear(2);
  EXPECT_EQ(cache->free_blocks(), 8);
}

TEST(PagedKvCache, CopyOnWriteFailsCleanlyWhenNoBlockIsFree) {
  KvCacheOptions o;
  o.n_layers = 1;
  o.row_width = 1;
  o.block_tokens = 2;
  o.capacity_tokens = 4;  // 2 blocks
  o.max_sequences = 2;
  auto cache = PagedKvCache::create(o);
  ASSERT_TRUE(cache.ok());
  ASSERT_TRUE(cache->grow(0, 4).ok());
  const std::vector<int32_t> blocks(cache->block_table(0).begin(), cache->block_table(0).end());
  cache->share(1, blocks);
  Status full = cache->truncate(1, 3);
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.message().find("KV cache full"), std::string::npos);
  EXPECT_EQ(cache->length(1), 4);  // unchanged
  cache->clear(0);
  cache->clear(1);
  EXPECT_EQ(cache->free_blocks(), 2);
}

// Rows of a width that is a multiple of 16 floats (MLA's 576, GQA's 2 x heads x 128) start on a 64-byte line.
TEST(PagedKvCache, RowsOfWholeLinesStartOnALine) {
  KvCacheOptions o;
  o.n_layers = 3;
  o.row_width = 576;
  o.block_tokens = 16;
  o.capacity_tokens = 64;
  o.max_sequences = 2;
  for (int attempt = 0; attempt < 4; ++attempt) {  // allocations land at different offsets
    auto cache = PagedKvCache::create(o);
    ASSERT_TRUE(cache.ok());
    ASSERT_TRUE(cache->grow(0, 40).ok());
    for (int layer = 0; layer < 3; ++layer) {
      for (int64_t p = 0; p < 40; ++p) EXPECT_EQ(reinterpret_cast<uintptr_t>(cache->row(layer, 0, p)) % 64, 0u);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(cache->rows(layer, 0).row(39)) % 64, 0u);
    }
    o.capacity_tokens += 16 * (attempt + 1);
  }
}

TEST(PagedKvCache, RejectsBadOptions) {
  KvCacheOptions o;
  EXPECT_FALSE(PagedKvCache::create(o).ok());
  o.n_layers = 1;
  o.row_width = 1;
  o.capacity_tokens = 0;
  EXPECT_FALSE(PagedKvCache::create(o).ok());
}

}  // namespace
}  // namespace sinan
