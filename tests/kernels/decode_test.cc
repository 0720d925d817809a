// Every tier's decoders and activation quantizer against the scalar references (kernels/cpu/
// decode_reference.h), bit for bit, over random block bytes (all scale and level bit patterns), tail chunks
// and misaligned rows.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstring>

#include "kernels/cpu/decode_reference.h"
#include "kernels/cpu/matmul_kernels.h"
#include "matmul_test_util.h"

namespace sinan {
namespace {

using cpu::CpuTier;
using test::make_matrix;

// Equal bits, or both NaN (F16C quiets signalling NaNs, the scalar decoder keeps their bits).
bool same_float(float a, float b) {
  return std::memcmp(&a, &b, 4) == 0 || (std::isnan(a) && std::isnan(b));
}

// A chunk's levels in value order, from a tier's lane order (panels.h).
std::array<uint8_t, cpu::kChunk> in_value_order(const void* levels, cpu::LaneOrder order) {
  const auto* q = static_cast<const uint8_t*>(levels);
  std::array<uint8_t, cpu::kChunk> out;
  for (int i = 0; i < cpu::kChunk; ++i) out[i] = q[cpu::lane_position(order, i)];
  return out;
}

TEST(Decode, EveryLaneOrderIsAPermutation) {
  for (auto order : {cpu::LaneOrder::kValue, cpu::LaneOrder::kGroupMajor16, cpu::LaneOrder::kGroupMajor8}) {
    std::array<int, cpu::kChunk> hits{};
    for (int i = 0; i < cpu::kChunk; ++i) hits[cpu::lane_position(order, i)]++;
    for (int h : hits) ASSERT_EQ(h, 1);
  }
  // A 32-bit lane holds 4 values of one group.
  for (int i = 0; i < cpu::kChunk; i += 4) {
    EXPECT_EQ(cpu::lane_position(cpu::LaneOrder::kGroupMajor8, i) % 4, 0);
    EXPECT_EQ(cpu::lane_position(cpu::LaneOrder::kGroupMajor8, i + 3), cpu::lane_position(cpu::LaneOrder::kGroupMajor8, i) + 3);
  }
  EXPECT_EQ(cpu::lane_position(cpu::LaneOrder::kGroupMajor8, 16), 4);    // group 1: lane 1 of vector 0
  EXPECT_EQ(cpu::lane_position(cpu::LaneOrder::kGroupMajor8, 20), 36);   // its next 4 values: vector 1
  EXPECT_EQ(cpu::lane_position(cpu::LaneOrder::kGroupMajor8, 128), 128); // group 8: lane 0 of vector 4
}

const DType kIntTypes[] = {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kIQ4_NL,
                           DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kIQ4_XS};

TEST(Decode, IntChunksMatchTheReferenceOnEveryTier) {
  std::mt19937 rng(11);
  for (CpuTier tier : test::reachable_tiers()) {
    const auto& kernels = cpu::matmul_kernels(tier);
    for (DType type : kIntTypes) {
      const auto decode = kernels.decode_int[static_cast<int>(type)];
      ASSERT_NE(decode, nullptr) << cpu::cpu_tier_name(tier) << " " << dtype_name(type);
      const cpu::LevelForm form = kernels.int_form[static_cast<int>(type)];
      EXPECT_TRUE(form == cpu::LevelForm::kOffset || cpu::has_signed_form(type));
      const int64_t block = dtype_info(type).block_elems;
      for (int64_t cols : {block, 3 * block, 9 * block, 16 * block + block * (block == 32 ? 3 : 1)}) {
        for (auto fill : {test::Fill::kRandomBytes, test::Fill::kQuantizedNormal}) {
          auto t = make_matrix(type, 3, cols, rng, 0, /*misalign=*/static_cast<int>(rng() % 4), fill);
          for (int64_t r = 0; r < 3; ++r) {
            for (int64_t c = 0; c < cpu::chunks_for(cols); ++c) {
              cpu::IntChunk got, want;
              std::memset(&got, 0xa5, sizeof(got));  // stale panel contents must be overwritten
              decode(t.m, r, c, &got);
              cpu::decode_int_chunk_reference(t.m, r, c, form, &want);
              const std::string where = fmt::format("{} {} cols={} row={} chunk={}", cpu::cpu_tier_name(tier),
                                                    dtype_name(type), cols, r, c);
              ASSERT_EQ(std::memcmp(in_value_order(got.q, kernels.lane_order).data(), want.q, sizeof(got.q)), 0)
                  << where;
              for (int i = 0; i < cpu::kGroupsPerChunk; ++i) {
                ASSERT_TRUE(same_float(got.group_scale[i], want.group_scale[i])) << where << " group " << i;
                ASSERT_TRUE(same_float(got.group_min[i], want.group_min[i])) << where << " group " << i;
              }
            }
          }
        }
      }
    }
  }
}

// A row's short last chunk read right up to an inaccessible page: the decoders (the AVX-512 one reads
// whole chunks with 64-byte loads, masked on a short one) touch nothing past the row's last block.
TEST(Decode, ShortLastChunkReadsNothingPastTheRow) {
  std::mt19937 rng(13);
  const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  void* mapping = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mapping, MAP_FAILED);
  auto* guard = static_cast<uint8_t*>(mapping) + page;
  ASSERT_EQ(::mprotect(guard, page, PROT_NONE), 0);
  for (CpuTier tier : test::reachable_tiers()) {
    const auto& kernels = cpu::matmul_kernels(tier);
    for (DType type : kIntTypes) {
      if (dtype_info(type).block_elems != 32) continue;
      for (int64_t cols : {32, 96, 224, 288, 1408}) {
        const auto t = make_matrix(type, 1, cols, rng, 0, 0, test::Fill::kRandomBytes);
        Matrix at_guard = t.m;  // the same bytes, ending where the guard page starts
        auto* row = guard - t.m.row_bytes;
        std::memcpy(row, t.m.data, t.m.row_bytes);
        at_guard.data = row;
        const int64_t last = cpu::chunks_for(cols) - 1;
        cpu::IntChunk got, want;
        kernels.decode_int[static_cast<int>(type)](at_guard, 0, last, &got);
        cpu::decode_int_chunk_reference(t.m, 0, last, kernels.int_form[static_cast<int>(type)], &want);
        EXPECT_EQ(std::memcmp(in_value_order(got.q, kernels.lane_order).data(), want.q, sizeof(got.q)), 0)
            << cpu::cpu_tier_name(tier) << " " << dtype_name(type) << " cols=" << cols;
        std::vector<float> x(static_cast<size_t>(cols), 0.5f), y(1), y_ref(1);
        cpu::matmul_with(kernels, at_guard, x.data(), cols, 1, y.data(), 1, nullptr);  // the fused decode tiles
        cpu::matmul_with(kernels, t.m, x.data(), cols, 1, y_ref.data(), 1, nullptr);
        EXPECT_TRUE(same_float(y[0], y_ref[0])) << cpu::cpu_tier_name(tier) << " " << dtype_name(type) << " cols=" << cols;
      }
    }
  }
  ::munmap(mapping, 2 * page);
}

// The integer levels reproduce the dequantized weights: group_scale * q - group_min == dequantize_row.
TEST(Decode, IntChunksRepresentTheDequantizedWeights) {
  std::mt19937 rng(12);
  for (DType type : kIntTypes) {
    for (auto form : {cpu::LevelForm::kOffset, cpu::LevelForm::kSigned}) {
      if (form == cpu::LevelForm::kSigned && !cpu::has_signed_form(type)) continue;
      auto t = make_matrix(type, 2, 512, rng);
      for (int64_t r = 0; r < 2; ++r) {
        for (int64_t c = 0; c < 2; ++c) {
          cpu::IntChunk chunk;
          cpu::decode_int_chunk_reference(t.m, r, c, form, &chunk);
          for (int i = 0; i < cpu::kChunk; ++i) {
            const int level = form == cpu::LevelForm::kSigned ? static_cast<int8_t>(chunk.q[i]) : chunk.q[i];
            const double value = static_cast<double>(chunk.group_scale[i / 16]) * level - chunk.group_min[i / 16];
            const double want = t.decoded[r * 512 + c * cpu::kChunk + i];
            ASSERT_NEAR(value, want, 1e-6 * std::abs(want) + 1e-12) << dtype_name(type) << " value " << i;
          }
        }
      }
    }
  }
}

TEST(Decode, FloatChunksMatchTheReferenceOnEveryTier) {
  std::mt19937 rng(13);
  for (CpuTier tier : test::reachable_tiers()) {
    const auto& kernels = cpu::matmul_kernels(tier);
    for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kF8E4M3}) {
      const auto decode = kernels.decode_float[static_cast<int>(type)];
      ASSERT_NE(decode, nullptr) << cpu::cpu_tier_name(tier) << " " << dtype_name(type);
      for (int64_t cols : {1, 7, 100, 256, 300, 1030}) {
        for (int64_t fp8_block : type == DType::kF8E4M3 ? std::vector<int64_t>{0, 128, 8} : std::vector<int64_t>{0}) {
          auto t = make_matrix(type, 5, cols, rng, fp8_block, static_cast<int>(rng() % 4),
                               type == DType::kF8E4M3 ? test::Fill::kQuantizedNormal : test::Fill::kRandomBytes);
          const Matrix slice = t.m.row_slice(2, 3);  // FP8 scales follow the slice's offset
          for (int64_t r = 0; r < 3; ++r) {
            for (int64_t c = 0; c < cpu::chunks_for(cols); c += 2) {
              const int64_t n = cpu::min_of(2, cpu::chunks_for(cols) - c);
              cpu::FloatChunk buffer[2];
              const float* got = decode(slice, r, c, n, buffer);
              for (int64_t i = 0; i < cpu::min_of(n * cpu::kChunk, cols - c * cpu::kChunk); ++i) {
                const float want = t.decoded[(r + 2) * cols + c * cpu::kChunk + i];
                ASSERT_TRUE(same_float(got[i], want))
                    << cpu::cpu_tier_name(tier) << " " << dtype_name(type) << " cols=" << cols << " block=" << fp8_block
                    << " row=" << r << " value " << c * cpu::kChunk + i << ": " << got[i] << " vs " << want;
              }
            }
          }
        }
      }
    }
  }
}

// Activation rows that probe the quantizers' edges; pattern 0..7.
std::vector<float> activation_pattern(int pattern, int64_t cols, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(cols));
  for (int64_t i = 0; i < cols; ++i) {
    switch (pattern) {
      case 0: x[i] = normal(rng); break;
      case 1: x[i] = (i / 32) % 3 == 0 ? 0.0f : normal(rng) * 1e-3f; break;  // zero blocks
      case 2: x[i] = i % 32 == 0 ? 127.0f : 0.5f * static_cast<float>(static_cast<int>(rng() % 255) - 127); break;  // ties
      case 3: x[i] = normal(rng) * 1e-40f; break;  // subnormal: the inverse scale overflows
      case 4: x[i] = normal(rng) * 3e37f; break;
      case 5: x[i] = i % 17 == 0 ? std::numeric_limits<float>::quiet_NaN() : normal(rng); break;
      case 6: x[i] = -std::abs(normal(rng)); break;
      case 7:
        x[i] = i % 23 == 0 ? (i % 2 ? -1.0f : 1.0f) * std::numeric_limits<float>::infinity() : normal(rng);
        break;
      case 8: {  // d = 1: levels just below, at and just above the half-integers, both signs
        const float half_integer = 0.5f + static_cast<float>(rng() % 126), sign = i % 2 ? -1.0f : 1.0f;
        const float toward[3] = {0.0f, half_integer, 200.0f};
        x[i] = i % 32 == 0 ? 127.0f : sign * std::nextafter(half_integer, toward[rng() % 3]);
        break;
      }
      default: x[i] = normal(rng) * static_cast<float>(1 + i % 5); break;
    }
  }
  return x;
}

TEST(Decode, ActivationQuantizerMatchesTheReferenceOnEveryTier) {
  std::mt19937 rng(14);
  // A ragged last block and chunk (the 512-bit tiers load it masked), half a last chunk (V2-Lite's expert
  // width) and whole chunks only.
  for (const int64_t cols : {int64_t{32 * 21 + 13}, int64_t{1408}, int64_t{cpu::kChunk * 9}}) {
    for (int pattern = 0; pattern < 10; ++pattern) {
      const std::vector<float> x = activation_pattern(pattern, cols, rng);
      const int64_t n_chunks = cpu::chunks_for(cols);
      std::vector<cpu::ActChunk> want(static_cast<size_t>(n_chunks));
      for (int64_t c = 0; c < n_chunks; ++c) cpu::quantize_act_chunk_reference(x.data(), cols, c, &want[c]);
      for (CpuTier tier : test::reachable_tiers()) {
        const auto quantize = cpu::matmul_kernels(tier).quantize_act;
        const cpu::LaneOrder order = cpu::matmul_kernels(tier).lane_order;
        ASSERT_NE(quantize, nullptr);
        std::vector<cpu::ActChunk> got(static_cast<size_t>(n_chunks));
        quantize(x.data(), cols, 1, n_chunks - 1, got.data() + 1);
        quantize(x.data(), cols, 0, 1, got.data());
        for (int64_t c = 0; c < n_chunks; ++c) {
          const std::string where =
              fmt::format("{} cols {} pattern {} chunk {}", cpu::cpu_tier_name(tier), cols, pattern, c);
          ASSERT_EQ(std::memcmp(in_value_order(got[c].q, order).data(), want[c].q, sizeof(want[c].q)), 0)
              << where;
          for (int i = 0; i < cpu::kGroupsPerChunk; ++i) {
            ASSERT_TRUE(same_float(got[c].group_scale[i], want[c].group_scale[i])) << where;
            ASSERT_TRUE(same_float(got[c].group_sum[i], want[c].group_sum[i])) << where;
          }
          for (int b = 0; b < 8; ++b)
            ASSERT_TRUE(same_float(got[c].block_sum[b], want[c].block_sum[b])) << where;
        }
      }
    }
  }
}

// q8_0's rule: d = amax / 127 per 32 values, q = round(x / d) with ties away from zero, |q| <= 127.
TEST(Decode, ActivationQuantizerFollowsQ8_0) {
  std::vector<float> x(64);
  for (int i = 0; i < 64; ++i) x[i] = 0.5f * static_cast<float>(i - 32);
  x[0] = -127.0f;  // block 0: d = 1, so x / d are the half-integers themselves
  cpu::ActChunk a;
  cpu::quantize_act_chunk_reference(x.data(), 64, 0, &a);
  EXPECT_EQ(a.group_scale[0], 1.0f);
  EXPECT_EQ(a.group_scale[1], 1.0f);
  EXPECT_EQ(a.q[0], -127);
  EXPECT_EQ(a.q[1], -16);  // -15.5 rounds away from zero
  EXPECT_EQ(a.q[2], -15);
  EXPECT_EQ(a.q[3], -15);  // -14.5
  float sum0 = 0;
  for (int i = 0; i < 16; ++i) sum0 += a.q[i];
  EXPECT_EQ(a.group_sum[0], sum0);
  EXPECT_EQ(a.group_scale[2], 15.5f / 127.0f);  // block 1's amax is x[63] = 15.5
  EXPECT_EQ(a.q[63], 127);
}

// q8_0's int16 path (panels.h, wide lane order): every tier's widening decoder and int16 quantizer
// against the references, bit for bit.
TEST(Decode, WideChunksMatchTheReferenceOnEveryTier) {
  std::mt19937 rng(15);
  for (CpuTier tier : test::reachable_tiers()) {
    const auto& kernels = cpu::matmul_kernels(tier);
    ASSERT_NE(kernels.decode_wide, nullptr) << cpu::cpu_tier_name(tier);
    for (int64_t cols : {32, 96, 288, 1056, 2080}) {
      for (auto fill : {test::Fill::kRandomBytes, test::Fill::kQuantizedNormal}) {
        auto t = make_matrix(DType::kQ8_0, 3, cols, rng, 0, /*misalign=*/static_cast<int>(rng() % 4), fill);
        for (int64_t r = 0; r < 3; ++r) {
          for (int64_t c = 0; c < cpu::chunks_for(cols); ++c) {
            cpu::WideChunk got, want;
            std::memset(static_cast<void*>(&got), 0xa5, sizeof(got));  // stale panel contents must be overwritten
            kernels.decode_wide(t.m, r, c, &got);
            cpu::decode_wide_chunk_reference(t.m, r, c, &want);
            const std::string where = fmt::format("{} cols={} row={} chunk={}", cpu::cpu_tier_name(tier), cols, r, c);
            ASSERT_EQ(std::memcmp(got.q, want.q, sizeof(got.q)), 0) << where;
            for (int g = 0; g < cpu::kGroupsPerChunk; ++g) {
              ASSERT_TRUE(same_float(got.group_scale[g], want.group_scale[g])) << where << " lane " << g;
            }
          }
        }
      }
    }
  }
}

// The wide levels are the q8_0 weights: wide_value == dequantize_row, zero past the end of the row.
TEST(Decode, WideChunksRepresentTheDequantizedWeights) {
  std::mt19937 rng(16);
  auto t = make_matrix(DType::kQ8_0, 2, 288, rng);
  for (int64_t r = 0; r < 2; ++r) {
    for (int64_t c = 0; c < 2; ++c) {
      cpu::WideChunk chunk;
      cpu::decode_wide_chunk_reference(t.m, r, c, &chunk);
      for (int i = 0; i < cpu::kChunk; ++i) {
        const int64_t col = c * cpu::kChunk + i;
        const float want = col < 288 ? t.decoded[r * 288 + col] : 0.0f;
        ASSERT_EQ(cpu::wide_value(chunk, i), want) << "row " << r << " value " << col;
      }
    }
  }
  for (int i = 0; i < cpu::kChunk; ++i) {  // the order is a permutation
    for (int j = 0; j < i; ++j) ASSERT_NE(cpu::wide_position(i), cpu::wide_position(j));
  }
}

TEST(Decode, WideActivationQuantizerMatchesTheReferenceOnEveryTier) {
  std::mt19937 rng(17);
  const int64_t cols = 32 * 21 + 13;  // a ragged last block and chunk
  for (int pattern = 0; pattern < 8; ++pattern) {
    const std::vector<float> x = activation_pattern(pattern, cols, rng);
    const int64_t n_chunks = cpu::chunks_for(cols);
    std::vector<cpu::WideChunk> want(static_cast<size_t>(n_chunks));
    for (int64_t c = 0; c < n_chunks; ++c) cpu::quantize_act_wide_chunk_reference(x.data(), cols, c, &want[c]);
    for (CpuTier tier : test::reachable_tiers()) {
      const auto quantize = cpu::matmul_kernels(tier).quantize_wide;
      ASSERT_NE(quantize, nullptr);
      std::vector<cpu::WideChunk> got(static_cast<size_t>(n_chunks));
      std::memset(static_cast<void*>(got.data()), 0xa5, sizeof(cpu::WideChunk) * got.size());
      quantize(x.data(), cols, 1, n_chunks - 1, got.data() + 1);
      quantize(x.data(), cols, 0, 1, got.data());
      for (int64_t c = 0; c < n_chunks; ++c) {
        const std::string where = fmt::format("{} pattern {} chunk {}", cpu::cpu_tier_name(tier), pattern, c);
        ASSERT_EQ(std::memcmp(got[c].q, want[c].q, sizeof(want[c].q)), 0) << where;
        for (int g = 0; g < cpu::kGroupsPerChunk; ++g) ASSERT_TRUE(same_float(got[c].group_scale[g], want[c].group_scale[g])) << where;
      }
    }
  }
}

// int16 rule: d = amax / 32767 per 32 values, q = round(x / d) with ties away from zero, |q| <= 32767.
TEST(Decode, WideActivationQuantizerRoundsPer32Values) {
  std::vector<float> x(64);
  for (int i = 0; i < 64; ++i) x[i] = 0.5f * static_cast<float>(i - 32);
  x[0] = -32767.0f;  // block 0: d = 1, so x / d are the half-integers themselves
  cpu::WideChunk a;
  cpu::quantize_act_wide_chunk_reference(x.data(), 64, 0, &a);
  EXPECT_EQ(a.group_scale[0], 1.0f);
  EXPECT_EQ(a.group_scale[1], 1.0f);
  EXPECT_EQ(a.q[cpu::wide_position(0)], -32767);
  EXPECT_EQ(a.q[cpu::wide_position(1)], -16);  // -15.5 rounds away from zero
  EXPECT_EQ(a.q[cpu::wide_position(3)], -15);  // -14.5
  EXPECT_EQ(a.group_scale[2], 15.5f / 32767.0f);  // block 1's amax is x[63] = 15.5
  EXPECT_EQ(a.q[cpu::wide_position(63)], 32767);
  EXPECT_EQ(a.group_scale[4], 0.0f);  // blocks past the row
  EXPECT_EQ(a.q[cpu::wide_position(64)], 0);
  EXPECT_NEAR(cpu::wide_value(a, 40), x[40], 15.5f / 32767.0f / 2);
}

}  // namespace
}  // namespace sinan
