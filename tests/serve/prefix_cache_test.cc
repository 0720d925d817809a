// The prefix cache over a real PagedKvCache: lookups by whole blocks, sharing without copies, LRU eviction
// of blocks nobody uses, and the reference counts behind it.
#include "serve/prefix_cache.h"

#include <gtest/gtest.h>

#include <numeric>

namespace sinan {
namespace {

class PrefixCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KvCacheOptions o;
    o.n_layers = 1;
    o.row_width = 2;
    o.block_tokens = 4;
    o.capacity_tokens = 40;  // 10 blocks
    o.max_sequences = 3;
    auto c = PagedKvCache::create(o);
    ASSERT_TRUE(c.ok());
    cache = std::make_unique<PagedKvCache>(std::move(*c));
  }
  std::vector<int32_t> blocks_of(int seq) {
    return {cache->block_table(seq).begin(), cache->block_table(seq).end()};
  }
  std::unique_ptr<PagedKvCache> cache;
  PrefixCache prefix{4};
};

TEST_F(PrefixCacheTest, FindsTheLongestWholeBlockPrefix) {
  std::vector<int32_t> tokens(11);
  std::iota(tokens.begin(), tokens.end(), 100);
  ASSERT_TRUE(cache->grow(0, 11).ok());
  prefix.insert(tokens, blocks_of(0), *cache);  // blocks 0 and 1 are whole; block 2 is not indexed
  EXPECT_EQ(prefix.size(), 2);
  EXPECT_EQ(cache->ref_count(blocks_of(0)[0]), 2);

  EXPECT_EQ(prefix.lookup(tokens, 11), (std::vector<int32_t>{blocks_of(0)[0], blocks_of(0)[1]}));
  EXPECT_EQ(prefix.lookup(tokens, 7).size(), 1u);  // at most 7 tokens: one whole block
  std::vector<int32_t> other = tokens;
  other[5] = 7;  // differs in the second block
  EXPECT_EQ(prefix.lookup(other, 11).size(), 1u);
  other[0] = 7;  // and in the first
  EXPECT_TRUE(prefix.lookup(other, 11).empty());
  // A block is found only at its place: the second block's tokens at the start match nothing.
  std::vector<int32_t> shifted(tokens.begin() + 4, tokens.end());
  EXPECT_TRUE(prefix.lookup(shifted, 7).empty());
}

TEST_F(PrefixCacheTest, BlocksOutliveTheirSequenceUntilEvicted) {
  std::vector<int32_t> a(8, 1), b(8, 2);
  ASSERT_TRUE(cache->grow(0, 8).ok());
  prefix.insert(a, blocks_of(0), *cache);
  cache->clear(0);
  EXPECT_EQ(cache->free_blocks(), 8);  // 2 blocks kept by the prefix cache
  EXPECT_EQ(prefix.evictable(*cache), 2);

  // A new sequence starts on the cached blocks: shared, so not evictable while it runs.
  const auto shared = prefix.lookup(a, 8);
  ASSERT_EQ(shared.size(), 2u);
  cache->share(1, shared);
  EXPECT_EQ(prefix.evictable(*cache), 0);
  EXPECT_EQ(prefix.evict(*cache, 10), 0);
  cache->clear(1);

  ASSERT_TRUE(cache->grow(2, 8).ok());
  prefix.insert(b, blocks_of(2), *cache);
  cache->clear(2);
  prefix.lookup(b, 8);  // b is now the most recently used
  EXPECT_EQ(cache->free_blocks(), 6);
  EXPECT_EQ(prefix.evict(*cache, 8), 2);  // a's two blocks go first (least recently used)
  EXPECT_EQ(prefix.lookup(a, 8).size(), 0u);
  EXPECT_EQ(prefix.lookup(b, 8).size(), 2u);
  prefix.clear(*cache);
  EXPECT_EQ(cache->free_blocks(), 10);
}

TEST_F(PrefixCacheTest, AnIdenticalSequenceIsIndexedOnce) {
  std::vector<int32_t> t(8, 3);
  ASSERT_TRUE(cache->grow(0, 8).ok());
  ASSERT_TRUE(cache->grow(1, 8).ok());
  prefix.insert(t, blocks_of(0), *cache);
  prefix.insert(t, blocks_of(1), *cache);  // computed twice concurrently: the first copy stays indexed
  EXPECT_EQ(prefix.size(), 2);
  EXPECT_EQ(prefix.lookup(t, 8), blocks_of(0));
  EXPECT_EQ(cache->ref_count(blocks_of(1)[0]), 1);
}

}  // namespace
}  // namespace sinan
