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

// The dispatched kernel (AVX2 + FMA on the avx2 and avx512 tiers) and the portable one (generic vectors).
void attend_portable(const float* q, int64_t key_offset, int64_t key_len, int64_t value_offset, int64_t value_len,
                     const KvRows& rows, int64_t n_positions, float scale, float* out) {
  attend_heads_portable(q, 0, 1, key_offset, key_len, value_offset, value_len, rows, n_positions, scale, out, 0);
}
using AttendFn = void (*)(const float*, int64_t, int64_t, int64_t, int64_t, const KvRows&, int64_t, float, float*);
const AttendFn kKernels[] = {&attend, &attend_portable};

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
    attend_reference(q.data(), c.key_offset, c.key_len, c.value_offset, c.value_len, p.rows, c.positions, scale,
                     ref.data());
    for (AttendFn kernel : kKernels) {
      kernel(q.data(), c.key_offset, c.key_len, c.value_offset, c.value_len, p.rows, c.positions, scale, got.data());
      for (int64_t i = 0; i < c.value_len; ++i) {
        EXPECT_NEAR(got[i], ref[i], 1e-5 * (1 + std::abs(ref[i]))) << c.positions << " " << i;
      }
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
        attend_reference(q.data(), 0, key_len, key_len, value_len, p.rows, positions, scale, ref.data());
        for (AttendFn kernel : kKernels) {
          kernel(q.data(), 0, key_len, key_len, value_len, p.rows, positions, scale, got.data());
          for (int64_t i = 0; i < value_len; ++i) {
            ASSERT_NEAR(got[i], ref[i], 2e-5 * (1 + std::abs(ref[i])))
                << positions << " positions, key_len " << key_len << ", scale " << scale << ", value " << i;
          }
        }
      }
    }
  }
}

// Heads read together give each head the bits it gets alone: MLA's 576/512 rows, GQA's head slices, a
// head count past one pass (128), padded strides.
TEST(Attention, HeadsTogetherMatchEachHeadAloneBitForBit) {
  std::mt19937 rng(41);
  struct Case {
    int64_t heads, positions, key_offset, key_len, value_offset, value_len, q_stride, out_stride;
  };
  const Case cases[] = {{1, 5, 0, 8, 8, 8, 8, 8},          {16, 37, 0, 576, 0, 512, 576, 512},
                        {6, 100, 128, 128, 384, 128, 128, 128}, {3, 17, 0, 5, 5, 7, 9, 11},
                        {130, 20, 0, 64, 0, 48, 64, 50}};
  for (const Case& c : cases) {
    const int64_t width = std::max(c.key_offset + c.key_len, c.value_offset + c.value_len);
    PagedRows p = make_rows(c.positions, width, 16, rng);
    std::vector<float> q(static_cast<size_t>(c.heads * c.q_stride));
    for (auto& v : q) v = std::normal_distribution<float>(0, 1)(rng);
    std::vector<float> together(static_cast<size_t>(c.heads * c.out_stride), -1.0f), alone(together);
    const float scale = 0.3f;
    for (auto heads_fn : {&attend_heads, &attend_heads_portable}) {
      std::fill(together.begin(), together.end(), -1.0f);
      std::fill(alone.begin(), alone.end(), -1.0f);
      heads_fn(q.data(), c.q_stride, c.heads, c.key_offset, c.key_len, c.value_offset, c.value_len, p.rows,
               c.positions, scale, together.data(), c.out_stride);
      for (int64_t h = 0; h < c.heads; ++h) {
        heads_fn(q.data() + h * c.q_stride, 0, 1, c.key_offset, c.key_len, c.value_offset, c.value_len, p.rows,
                 c.positions, scale, alone.data() + h * c.out_stride, 0);
      }
      for (size_t i = 0; i < together.size(); ++i) {
        ASSERT_EQ(together[i], alone[i]) << c.heads << " heads, element " << i;  // padding untouched in both
      }
    }
  }
}

TEST(Attention, HeadsPerCallKeepEveryThreadBusy) {
  EXPECT_EQ(attention_heads_per_call(1, 1, 16, 2), 8);    // MLA decode: 2 calls of 8 heads
  EXPECT_EQ(attention_heads_per_call(1, 1, 16, 3), 6);    // 3 calls: 6 + 6 + 4
  EXPECT_EQ(attention_heads_per_call(1, 2, 6, 2), 6);     // GQA decode: one call per KV head already
  EXPECT_EQ(attention_heads_per_call(1, 1, 16, 64), 1);   // more threads than heads
  EXPECT_EQ(attention_heads_per_call(512, 1, 16, 2), 16); // prefill: every token's heads together
  EXPECT_EQ(attention_heads_per_call(1, 1, 1, 8), 1);
}

TEST(Attention, SinglePositionReturnsItsValue) {
  std::mt19937 rng(5);
  PagedRows p = make_rows(1, 8, 4, rng);
  std::vector<float> q(4, 1.0f), out(4);
  for (AttendFn kernel : kKernels) {
    kernel(q.data(), 0, 4, 4, 4, p.rows, 1, 100.0f, out.data());
    for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(out[i], p.rows.row(0)[4 + i]);
  }
}

}  // namespace
}  // namespace sinan
