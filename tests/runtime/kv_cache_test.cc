#include "runtime/kv_cache.h"

#include <gtest/gtest.h>

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
  cache->truncate(1, 3);
  EXPECT_EQ(cache->length(1), 3);
  EXPECT_EQ(cache->free_blocks(), 1);
  ASSERT_TRUE(cache->grow(0, 9).ok());
  cache->clear(0);
  cache->clear(1);
  EXPECT_EQ(cache->free_blocks(), 4);
  EXPECT_EQ(cache->length(0), 0);
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
