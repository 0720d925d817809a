#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace sinan {
namespace {

// Rows scattered over shuffled blocks, as a paged cache holds them.
struct PagedRows {
  std::vector<float> storage;
  std::vector<int32_t> table;
  KvRows rows;
};

PagedRows make_rows(int64_t n_positions, int64_t width, int64_t block_tokens, std::mt19937& rng) {
  PagedRows p;
  const int64_t n_blocks = (n_positions + block_tokens - 1) / block_tokens + 3;
  p.storage.resize(static_cast<size_t>(n_blocks * block_tokens * width));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (auto& v : p.storage) v = normal(rng);
  p.table.resize(static_cast<size_t>(n_blocks));
  for (int32_t i = 0; i < n_blocks; ++i) p.table[i] = i;
  std::shuffle(p.table.begin(), p.table.end(), rng);
  p.rows.base = p.storage.data();
  p.rows.block_table = p.table.data();
  p.rows.block_tokens = block_tokens;
  p.rows.block_stride = block_tokens * width;
  p.rows.row_stride = width;
  return p;
}

TEST(Attention, OnePassMatchesReference) {
  std::mt19937 rng(11);
  struct Case {
    int64_t positions, key_offset, key_len, value_offset, value_len, block;
  };
  const Case cases[] = {
      {1, 0, 8, 8, 8, 16},     {7, 0, 48, 0, 32, 16},    {64, 16, 16, 64, 16, 16},
      {129, 0, 576, 0, 512, 16}, {33, 3, 5, 8, 7, 1},    {200, 0, 64, 64, 64, 7},
  };
  for (const Case& c : cases) {
    const int64_t width = std::max(c.key_offset + c.key_len, c.value_offset + c.value_len);
    PagedRows p = make_rows(c.positions, width, c.block, rng);
    std::vector<float> q(static_cast<size_t>(c.key_len));
    for (auto& v : q) v = std::normal_distribution<float>(0, 2)(rng);
    std::vector<float> got(static_cast<size_t>(c.value_len)), ref(got.size());
    const float scale = 0.125f;
    attend(q.data(), c.key_offset, c.key_len, c.value_offset, c.value_len, p.rows, c.positions, scale, got.data());
    attend_reference(q.data(), c.key_offset, c.key_len, c.value_offset, c.value_len, p.rows, c.positions, scale,
                     ref.data());
    for (int64_t i = 0; i < c.value_len; ++i) {
      EXPECT_NEAR(got[i], ref[i], 1e-5 * (1 + std::abs(ref[i]))) << c.positions << " " << i;
    }
  }
}

// Blocks of 16 positions: every remainder, several blocks, the real head widths (GQA 128, MLA 576/512),
// and sharp softmaxes whose small weights fall to the exponential's clamp.
TEST(Attention, BlockEdgesAndSharpScoresMatchReference) {
  std::mt19937 rng(23);
  for (int64_t positions : {2, 15, 16, 17, 31, 32, 33, 47, 48, 49, 100, 257}) {
    for (int64_t key_len : {5, 16, 128, 576}) {
      for (float scale : {0.088f, 3.0f, 40.0f}) {
        const int64_t value_len = key_len == 576 ? 512 : key_len + 3;
        const int64_t width = key_len + value_len;
        PagedRows p = make_rows(positions, width, 16, rng);
        std::vector<float> q(static_cast<size_t>(key_len));
        for (auto& v : q) v = std::normal_distribution<float>(0, 1)(rng);
        std::vector<float> got(static_cast<size_t>(value_len)), ref(got.size());
        attend(q.data(), 0, key_len, key_len, value_len, p.rows, positions, scale, got.data());
        attend_reference(q.data(), 0, key_len, key_len, value_len, p.rows, positions, scale, ref.data());
        for (int64_t i = 0; i < value_len; ++i) {
          ASSERT_NEAR(got[i], ref[i], 2e-5 * (1 + std::abs(ref[i])))
              << positions << " positions, key_len " << key_len << ", scale " << scale << ", value " << i;
        }
      }
    }
  }
}

TEST(Attention, SinglePositionReturnsItsValue) {
  std::mt19937 rng(5);
  PagedRows p = make_rows(1, 8, 4, rng);
  std::vector<float> q(4, 1.0f), out(4);
  attend(q.data(), 0, 4, 4, 4, p.rows, 1, 100.0f, out.data());
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(out[i], p.rows.row(0)[4 + i]);
}

}  // namespace
}  // namespace sinan
