// Load-time chunk layouts (kernels/chunk_layout.h): the rearrangement is a permutation of the level bits
// (it round-trips, scales stay put), the tiers' SIMD packers write the scalar packer's bytes, and a
// rearranged matrix gives the file layout's results bit for bit through every path (decoded chunks, the
// fused decode tiles, the panel tiles, dequantization), or the generic path's on a tier without the layout.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "kernels/chunk_layout.h"
#include "kernels/cpu/matmul_kernels.h"
#include "kernels/matmul.h"
#include "matmul_test_util.h"

namespace sinan {
namespace {

using test::make_matrix;

const DType kPackedTypes[] = {DType::kQ4_K, DType::kQ6_K, DType::kQ4_0, DType::kQ4_1,
                              DType::kQ5_0, DType::kQ5_1, DType::kQ8_0};

bool is_super_block(DType type) { return dtype_info(type).block_elems == 256; }

// Columns with whole chunks only, and (32-value formats) with a short last chunk: q8_0's half chunk is a
// rearranged unit, any other short chunk stays in the file layout.
std::vector<int64_t> column_counts(DType type) {
  if (is_super_block(type)) return {256, 4 * 256};
  return {256, 4 * 256, 4 * 256 + 96, 4 * 256 + 128, 4 * 256 + 160, 4 * 256 + 224, 64, 128, 192};
}

TEST(ChunkLayout, SupportsTheSuperBlockTypesItNames) {
  EXPECT_TRUE(chunk_layout_supports(ChunkLayout::kGroupMajor8, DType::kQ4_K));
  EXPECT_TRUE(chunk_layout_supports(ChunkLayout::kGroupMajor8, DType::kQ6_K));
  EXPECT_TRUE(chunk_layout_supports(ChunkLayout::kGroupMajor8, DType::kQ5_0));
  EXPECT_FALSE(chunk_layout_supports(ChunkLayout::kGroupMajor8, DType::kQ5_K));
  EXPECT_EQ(unit_bytes(DType::kQ5_0), 4u * 22);
  EXPECT_EQ(unit_values(DType::kQ4_0), 128);
  EXPECT_EQ(unit_bytes(DType::kQ6_K), 210u);
  EXPECT_TRUE(chunk_layout_supports(ChunkLayout::kGroupMajor8, DType::kQ8_0));
  EXPECT_FALSE(chunk_layout_supports(ChunkLayout::kGroupMajor8, DType::kIQ4_XS));
  EXPECT_EQ(unit_values(DType::kQ8_0), 128);
  EXPECT_EQ(unit_bytes(DType::kQ8_0), 4u * 34);
  EXPECT_TRUE(chunk_layout_supports(ChunkLayout::kFile, DType::kQ8_0));
}

TEST(ChunkLayout, PackingRoundTripsAndKeepsTheScales) {
  std::mt19937 rng(21);
  for (DType type : kPackedTypes) {
    const size_t bytes = unit_bytes(type);
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<uint8_t> file(bytes), packed, back(bytes);
      for (auto& b : file) b = static_cast<uint8_t>(rng());
      packed = file;
      pack_unit(ChunkLayout::kGroupMajor8, type, packed.data());
      unpack_unit(ChunkLayout::kGroupMajor8, type, packed.data(), back.data());
      ASSERT_EQ(back, file) << dtype_name(type) << " trial " << trial;
      if (trial == 0) {
        EXPECT_NE(packed, file) << "random levels should move";
      }
      if (!is_super_block(type)) continue;
      // The levels are all that moved: q4_K's first 16 bytes (d, dmin, scales), q6_K's last 18 (scales, d).
      const size_t level_begin = type == DType::kQ4_K ? 16 : 0, level_end = type == DType::kQ4_K ? bytes : 192;
      EXPECT_EQ(std::memcmp(packed.data(), file.data(), level_begin), 0);
      EXPECT_EQ(std::memcmp(packed.data() + level_end, file.data() + level_end, bytes - level_end), 0);
    }
  }
}

TEST(ChunkLayout, SimdPackersWriteTheScalarPackersBytes) {
  std::mt19937 rng(22);
  for (cpu::CpuTier tier : test::reachable_tiers()) {
    const auto& kernels = cpu::matmul_kernels(tier);
    for (DType type : kPackedTypes) {
      const auto pack = kernels.pack_unit[static_cast<int>(type)];
      if (pack == nullptr) continue;
      const size_t bytes = unit_bytes(type);
      for (int trial = 0; trial < 200; ++trial) {
        std::vector<uint8_t> want(bytes);
        for (auto& b : want) b = static_cast<uint8_t>(rng());
        std::vector<uint8_t> got = want;
        pack_unit(kernels.packed_layout, type, want.data());
        pack(got.data());
        ASSERT_EQ(got, want) << cpu::cpu_tier_name(tier) << " " << dtype_name(type) << " trial " << trial;
      }
    }
  }
}

// w rearranged into `layout` (a copy of its bytes).
test::TestMatrix packed_copy(const test::TestMatrix& t, ChunkLayout layout) {
  test::TestMatrix p = t;
  p.m.data = p.storage.data() + (t.m.data - t.storage.data());
  pack_matrix(layout, &p.m);
  return p;
}

TEST(ChunkLayout, DecodedChunksAndDequantizedRowsMatchTheFileLayout) {
  std::mt19937 rng(23);
  for (cpu::CpuTier tier : test::reachable_tiers()) {
    const auto& kernels = cpu::matmul_kernels(tier);
    for (DType type : kPackedTypes) {
      if (type == DType::kQ8_0) {  // the int16 path's chunks
        if (kernels.packed_decode_wide == nullptr) continue;
        for (int64_t cols : column_counts(type)) {
          const auto t = make_matrix(type, 3, cols, rng, 0, static_cast<int>(rng() % 4), test::Fill::kRandomBytes);
          const auto p = packed_copy(t, kernels.packed_layout);
          for (int64_t r = 0; r < 3; ++r) {
            for (int64_t c = 0; c < cpu::chunks_for(cols); ++c) {
              cpu::WideChunk want, got;
              std::memset(&got, 0xa5, sizeof(got));
              kernels.decode_wide(t.m, r, c, &want);
              kernels.packed_decode_wide(p.m, r, c, &got);
              ASSERT_EQ(std::memcmp(&got, &want, sizeof(got)), 0) << cpu::cpu_tier_name(tier) << " q8_0 cols=" << cols;
            }
          }
        }
        continue;
      }
      const auto decode_packed = kernels.packed_decode_int[static_cast<int>(type)];
      if (decode_packed == nullptr) continue;
      for (auto fill : {test::Fill::kRandomBytes, test::Fill::kQuantizedNormal}) {
        for (int64_t cols : column_counts(type)) {
        const auto t = make_matrix(type, 3, cols, rng, 0, static_cast<int>(rng() % 4), fill);
        const auto p = packed_copy(t, kernels.packed_layout);
        for (int64_t r = 0; r < 3; ++r) {
          for (int64_t c = 0; c < cpu::chunks_for(cols); ++c) {
            cpu::IntChunk want, got;
            kernels.decode_int[static_cast<int>(type)](t.m, r, c, &want);
            decode_packed(p.m, r, c, &got);
            ASSERT_EQ(std::memcmp(&got, &want, sizeof(got)), 0)
                << cpu::cpu_tier_name(tier) << " " << dtype_name(type) << " cols=" << cols << " chunk=" << c;
          }
        }
        }
      }
    }
  }
  for (DType type : kPackedTypes) {
    for (int64_t cols : column_counts(type)) {
      const auto t = make_matrix(type, 4, cols, rng);
      const auto p = packed_copy(t, ChunkLayout::kGroupMajor8);
      std::vector<float> row(static_cast<size_t>(cols)), part(256);
      for (int64_t r = 0; r < 4; ++r) {
        dequantize_matrix_row(p.m, r, row.data());
        ASSERT_EQ(std::memcmp(row.data(), t.decoded.data() + r * cols, row.size() * sizeof(float)), 0)
            << dtype_name(type) << " cols=" << cols;
        if (cols < 512) continue;
        dequantize_matrix_row_chunk(p.m, r, 256, 256, part.data());
        ASSERT_EQ(std::memcmp(part.data(), t.decoded.data() + r * cols + 256, part.size() * sizeof(float)), 0);
      }
    }
  }
}

// Every token count through the fused tiles (1..4), the panel tiles and the k-major order; odd row counts;
// with and without a pool. A tier without the layout goes through its generic path, which must still agree
// with the file layout's reference.
TEST(ChunkLayout, MatmulOnARearrangedMatrixMatchesTheFileLayoutBitForBit) {
  std::mt19937 rng(24);
  ThreadPool pool(2);
  for (cpu::CpuTier tier : test::reachable_tiers()) {
    const auto& kernels = cpu::matmul_kernels(tier);
    for (DType type : kPackedTypes) {
      const ChunkLayout layout =
          kernels.packed_layout != ChunkLayout::kFile ? kernels.packed_layout : ChunkLayout::kGroupMajor8;
      for (int64_t rows : {int64_t{1}, int64_t{37}, int64_t{130}}) {
        const int64_t cols = is_super_block(type) ? 4 * 256 : 4 * 256 + (rows == 1 ? 96 : rows == 37 ? 160 : 128);
        const auto t = make_matrix(type, rows, cols, rng);
        const auto p = packed_copy(t, layout);
        for (int64_t tokens : {1, 2, 3, 4, 5, 17, 70}) {
          const auto x = test::make_activations(tokens, cols, cols + 3, rng);
          std::vector<float> want(static_cast<size_t>(tokens * rows)), got(want.size());
          for (ThreadPool* threads : {static_cast<ThreadPool*>(nullptr), &pool}) {
            if (kernels.packed_layout == layout) {
              cpu::matmul_with(kernels, t.m, x.data(), cols + 3, tokens, want.data(), rows, threads);
            } else {  // the generic path decodes any layout: the file layout's generic result
              test::TestMatrix file = t;
              file.m.data = file.storage.data() + (t.m.data - t.storage.data());
              kernels.generic(file.m, x.data(), cols + 3, tokens, want.data(), rows, 0, rows);
            }
            cpu::matmul_with(kernels, p.m, x.data(), cols + 3, tokens, got.data(), rows, threads);
            ASSERT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0)
                << cpu::cpu_tier_name(tier) << " " << dtype_name(type) << " rows=" << rows << " tokens=" << tokens;
          }
        }
      }
    }
  }
}

// MLA's k_up as Hugging Face stores it goes through matmul_transposed, which dequantizes row chunks.
TEST(ChunkLayout, TransposedProductReadsTheLayout) {
  std::mt19937 rng(26);
  for (DType type : kPackedTypes) {
    const int64_t rows = 7, cols = is_super_block(type) ? 512 : 512 + 128;
    const auto t = make_matrix(type, rows, cols, rng);
    const auto p = packed_copy(t, ChunkLayout::kGroupMajor8);
    const auto x = test::make_activations(3, rows, rows + 1, rng);
    std::vector<float> want(static_cast<size_t>(3 * cols)), got(want.size());
    matmul_transposed(t.m, x.data(), rows + 1, 3, want.data(), cols);
    matmul_transposed(p.m, x.data(), rows + 1, 3, got.data(), cols);
    EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0) << dtype_name(type);
  }
}

TEST(ChunkLayout, ActiveTierPackerRecordsTheLayout) {
  std::mt19937 rng(25);
  for (DType type : kPackedTypes) {
    auto t = make_matrix(type, 5, 2 * 256, rng);
    const ChunkLayout layout = preferred_chunk_layout(t.m);
    if (layout == ChunkLayout::kFile) GTEST_SKIP() << "the active tier keeps the file layout";
    const auto want = packed_copy(t, layout);
    pack_for_active_tier(&t.m, const_cast<uint8_t*>(t.m.data));
    EXPECT_EQ(t.m.layout, layout);
    EXPECT_EQ(std::memcmp(t.m.data, want.m.data, t.m.nbytes()), 0);
  }
  auto other = make_matrix(DType::kIQ4_XS, 2, 256, rng);  // no rearranged form
  EXPECT_EQ(preferred_chunk_layout(other.m), ChunkLayout::kFile);
}

}  // namespace
}  // namespace sinan
