// Every matmul path against exact products, for every weight type the loader accepts, on every SIMD tier
// this CPU runs: odd shapes (1 row to several thread units, 1 column to several chunks, 1 to 70 tokens so
// both loop orders and several token blocks run), row ranges and slices, FP8 partial blocks, misaligned
// weights, padded activation and output strides.
//
// Error budgets: float-activation types (f32, f16, bf16, FP8) must match the double-precision product of
// the decoded weights with the float activations to 2e-6 of sum |w x| (float32 accumulation). Types on
// the quantized-activation paths must match the double product of the decoded weights with the quantized
// activations (the reference quantizer's values) to 2e-6 of the magnitude of the terms the kernel adds,
// and the float product to within the activation rounding bound sum_blocks sum|w| * amax / 254 (int8)
// or / 65534 (q8_0's int16).
#include "kernels/matmul.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "kernels/cpu/decode_reference.h"
#include "kernels/cpu/matmul_kernels.h"
#include "matmul_test_util.h"
#include "quant/block_layouts.h"

namespace sinan {
namespace {

using cpu::CpuTier;
using test::make_activations;
using test::make_matrix;
using test::TestMatrix;

struct Expected {
  std::vector<double> value;      // [tokens, rows] the product to compare with
  std::vector<double> tolerance;  // [tokens, rows]
};

// For rows [row_offset, row_offset + rows) of t.
Expected expected_product(const TestMatrix& t, int64_t row_offset, int64_t rows, const std::vector<float>& x,
                          int64_t x_stride, int64_t tokens) {
  const int64_t cols = t.m.cols;
  Expected e;
  e.value.resize(static_cast<size_t>(tokens * rows));
  e.tolerance.resize(e.value.size());
  const cpu::ActivationForm form = cpu::activation_form(t.m.dtype);
  const bool quantized = form != cpu::ActivationForm::kFloat;
  const bool wide = form == cpu::ActivationForm::kInt16;
  const int64_t n_chunks = cpu::chunks_for(cols);
  std::vector<cpu::ActChunk> act(static_cast<size_t>(n_chunks));
  std::vector<cpu::WideChunk> wide_act(static_cast<size_t>(n_chunks));
  std::vector<cpu::IntChunk> levels(static_cast<size_t>(n_chunks));
  for (int64_t k = 0; k < tokens; ++k) {
    const float* xk = x.data() + k * x_stride;
    for (int64_t c = 0; c < n_chunks && quantized; ++c) {
      if (wide) {
        cpu::quantize_act_wide_chunk_reference(xk, cols, c, &wide_act[c]);
      } else {
        cpu::quantize_act_chunk_reference(xk, cols, c, &act[c]);
      }
    }
    for (int64_t r = 0; r < rows; ++r) {
      const float* w = t.decoded.data() + (row_offset + r) * cols;
      double sum = 0, magnitude = 0, float_sum = 0, rounding_bound = 0;
      if (!quantized) {
        for (int64_t c = 0; c < cols; ++c) {
          sum += static_cast<double>(w[c]) * xk[c];
          magnitude += std::abs(static_cast<double>(w[c]) * xk[c]);
        }
        e.value[k * rows + r] = sum;
        e.tolerance[k * rows + r] = 2e-6 * magnitude + 1e-30;
        continue;
      }
      for (int64_t c = 0; c < n_chunks && !wide; ++c) {
        cpu::decode_int_chunk_reference(t.m, row_offset + r, c, cpu::LevelForm::kOffset, &levels[c]);
      }
      for (int64_t c = 0; c < cols; ++c) {
        const int i = static_cast<int>(c % cpu::kChunk);
        const double av = wide ? cpu::wide_value(wide_act[c / cpu::kChunk], i) : cpu::act_value(act[c / cpu::kChunk], i);
        sum += static_cast<double>(w[c]) * av;
        float_sum += static_cast<double>(w[c]) * xk[c];
        if (wide) {
          magnitude += std::abs(static_cast<double>(w[c]) * av);  // the int16 products are exact
        } else {
          const cpu::ActChunk& a = act[c / cpu::kChunk];
          const cpu::IntChunk& l = levels[c / cpu::kChunk];
          magnitude += std::abs(static_cast<double>(l.group_scale[i / 16]) * l.q[i] * av);
          if (i % 16 == 0) magnitude += std::abs(static_cast<double>(l.group_min[i / 16]) * a.group_sum[i / 16]);
        }
        if (c % 32 == 0) {
          double amax = 0, wsum = 0;
          for (int64_t j = c; j < c + 32; ++j) {
            amax = std::max(amax, std::abs(static_cast<double>(xk[j])));
            wsum += std::abs(static_cast<double>(w[j]));
          }
          rounding_bound += wsum * amax / (wide ? 65534.0 : 254.0);
        }
      }
      const double tolerance = 2e-6 * magnitude + 1e-30;
      EXPECT_NEAR(sum, float_sum, rounding_bound * 1.0001 + tolerance) << "activation rounding beyond its bound";
      e.value[k * rows + r] = sum;
      e.tolerance[k * rows + r] = tolerance;
    }
  }
  return e;
}

struct Shape {
  int64_t rows, cols, tokens;
};

// Shapes per block size: columns from one block to several chunks, tokens up to 70 (two token blocks of
// the k-major order; 70 tokens x 5 chunks exceeds the row-major activation budget).
std::vector<Shape> shapes_for(int64_t block) {
  if (block == 1) {
    return {{1, 1, 1},    {3, 7, 2},    {5, 33, 3},    {17, 100, 4},   {67, 256, 5},  {130, 300, 9},
            {64, 1030, 17}, {7, 1030, 70}, {33, 255, 7}, {2, 257, 6}, {96, 64, 1}};
  }
  if (block == 32) {
    // {35, 128} and {64, 128}: half-chunk rows (MLA's W_UK), which the AVX-512 tier takes two per step;
    // {21, 1408}, {9, 384}, {16, 2176}: a half last chunk (V2-Lite's expert down), also in pairs there.
    return {{1, 32, 1},     {3, 96, 2},    {5, 288, 3},  {17, 544, 4}, {67, 256, 5}, {130, 1056, 9},
            {64, 1280, 17}, {7, 1280, 70}, {33, 288, 7}, {2, 2080, 6}, {96, 64, 1},  {35, 128, 1},
            {64, 128, 2},   {21, 1408, 1}, {9, 384, 1},  {16, 2176, 1}};
  }
  // {5, 2304, 1}, {3, 1280, 1}: one token over 9 and 5 chunks, which the AVX-512 tiers' q4_K decode tile
  // takes two at a time (a panel of 8, then the odd one).
  return {{1, 256, 1},    {3, 512, 2},    {5, 768, 3},   {17, 256, 4},  {67, 512, 5},
          {130, 1280, 9}, {64, 1280, 17}, {7, 1280, 70}, {33, 2304, 7}, {2, 256, 6},
          {96, 256, 1},   {5, 2304, 1},   {3, 1280, 1}};
}

const DType kLoaderTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kF8E4M3, DType::kQ8_0,
                              DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,   DType::kIQ4_NL,
                              DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K,   DType::kQ6_K,
                              DType::kIQ4_XS, DType::kMXFP4};

void expect_matches(const std::vector<float>& y, int64_t y_stride, const Expected& e, int64_t rows, int64_t tokens,
                    const std::string& what) {
  for (int64_t k = 0; k < tokens; ++k) {
    for (int64_t r = 0; r < rows; ++r) {
      ASSERT_NEAR(y[k * y_stride + r], e.value[k * rows + r], e.tolerance[k * rows + r])
          << what << " token=" << k << " row=" << r;
    }
  }
}

TEST(Matmul, EveryTypeTierAndShapeMatchesTheExactProduct) {
  std::mt19937 rng(42);
  ThreadPool pool(3);
  int misalign = 0;
  for (CpuTier tier : test::reachable_tiers()) {
    const auto& kernels = cpu::matmul_kernels(tier);
    for (DType type : kLoaderTypes) {
      int shape_index = 0;
      for (const Shape& s : shapes_for(dtype_info(type).block_elems)) {
        misalign = (misalign + 1) % 4;
        // DeepSeek's 128 (partial edge blocks at 130 rows, 300 cols), and blocks the fast FP8 paths
        // do not take (48: not a power of two; 12: not a multiple of 8).
        const int64_t fp8_blocks[] = {128, 48, 128, 12};
        const int64_t fp8_block = type == DType::kF8E4M3 ? fp8_blocks[shape_index++ % 4] : 0;
        const TestMatrix t = make_matrix(type, s.rows, s.cols, rng, fp8_block, misalign);
        const int64_t x_stride = s.cols + 5, y_stride = s.rows + 3;
        const auto x = make_activations(s.tokens, s.cols, x_stride, rng);
        const Expected e = expected_product(t, 0, s.rows, x, x_stride, s.tokens);
        const std::string what = fmt::format("{} {} rows={} cols={} tokens={} misalign={} fp8_block={}",
                                             cpu::cpu_tier_name(tier), dtype_name(type), s.rows, s.cols, s.tokens,
                                             misalign, fp8_block);
        for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
          std::vector<float> y(static_cast<size_t>(s.tokens * y_stride), -7.0f);
          cpu::matmul_with(kernels, t.m, x.data(), x_stride, s.tokens, y.data(), y_stride, p);
          expect_matches(y, y_stride, e, s.rows, s.tokens, what + (p ? " pool" : ""));
          for (int64_t k = 0; k < s.tokens; ++k) {
            for (int64_t r = s.rows; r < y_stride; ++r) ASSERT_EQ(y[k * y_stride + r], -7.0f) << what << " padding";
          }
        }
        // A row range of a single thread writes exactly those rows.
        if (s.rows > 2) {
          std::vector<float> y(static_cast<size_t>(s.tokens * y_stride), -7.0f);
          kernels.for_matrix(t.m)(t.m, x.data(), x_stride, s.tokens, y.data(), y_stride, 1, s.rows - 1);
          for (int64_t k = 0; k < s.tokens; ++k) {
            ASSERT_EQ(y[k * y_stride], -7.0f) << what;
            ASSERT_EQ(y[k * y_stride + s.rows - 1], -7.0f) << what;
            for (int64_t r = 1; r < s.rows - 1; ++r) {
              ASSERT_NEAR(y[k * y_stride + r], e.value[k * s.rows + r], e.tolerance[k * s.rows + r]) << what << " range";
            }
          }
        }
        // A row slice (as MLA takes per-head rows of kv_b_proj) keeps its FP8 scales aligned.
        if (s.rows > 4) {
          const int64_t begin = s.rows / 3, count = s.rows - begin - 1;
          const Expected es = expected_product(t, begin, count, x, x_stride, s.tokens);
          std::vector<float> ys(static_cast<size_t>(s.tokens * count));
          cpu::matmul_with(kernels, t.m.row_slice(begin, count), x.data(), x_stride, s.tokens, ys.data(), count, &pool);
          expect_matches(ys, count, es, count, s.tokens, what + " slice");
        }
      }
    }
  }
}

// The k4 types at their extremes: every scale and min 63 and every level 15 (q4_K) or 31 (q5_K). The
// folded form (AVX2) multiplies the int16 sums by the scales before widening, so the largest sums must stay
// exact; activations at the int8 limits with both signs, through the fused (1 token) and panel (6 tokens)
// tiles of every tier.
template <class Block>
void set_k4_extremes(TestMatrix* t) {
  for (int64_t r = 0; r < t->m.rows; ++r) {
    auto* blocks = reinterpret_cast<Block*>(const_cast<uint8_t*>(t->m.row(r)));
    for (int64_t b = 0; b < t->m.cols / 256; ++b) {
      blocks[b].d = static_cast<uint16_t>(0x3c00 + r);  // 1.0 and just above
      blocks[b].dmin = 0x3800;                         // 0.5
      std::memset(blocks[b].scales, 0xff, sizeof(blocks[b].scales));
      std::memset(blocks[b].qs, 0xff, sizeof(blocks[b].qs));
      if constexpr (requires { blocks[b].qh; }) std::memset(blocks[b].qh, 0xff, sizeof(blocks[b].qh));
    }
    dequantize_matrix_row(t->m, r, t->decoded.data() + r * t->m.cols);
  }
}

TEST(Matmul, KQuantsAtTheirLargestScalesAndLevelsAreExact) {
  std::mt19937 rng(8);
  const int64_t rows = 5, cols = 512;
  for (DType type : {DType::kQ4_K, DType::kQ5_K}) {
    TestMatrix t = make_matrix(type, rows, cols, rng);
    if (type == DType::kQ4_K) {
      set_k4_extremes<BlockQ4_K>(&t);
    } else {
      set_k4_extremes<BlockQ5_K>(&t);
    }
    for (const int64_t tokens : {1, 6}) {
      std::vector<float> x(static_cast<size_t>(tokens * cols));
      for (int64_t i = 0; i < tokens * cols; ++i) x[i] = (i / 32 + i / 7) % 3 == 0 ? -1.0f : 1.0f;
      const Expected e = expected_product(t, 0, rows, x, cols, tokens);
      for (CpuTier tier : test::reachable_tiers()) {
        std::vector<float> y(static_cast<size_t>(tokens * rows));
        cpu::matmul_with(cpu::matmul_kernels(tier), t.m, x.data(), cols, tokens, y.data(), rows, nullptr);
        expect_matches(y, rows, e, rows, tokens,
                       fmt::format("{} {} tokens={}", cpu::cpu_tier_name(tier), dtype_name(type), tokens));
      }
    }
  }
}

// The public entry points run the active tier and agree with the reference oracle on float weights.
TEST(Matmul, PublicApiAndReference) {
  std::mt19937 rng(3);
  ThreadPool pool(2);
  for (DType type : {DType::kBF16, DType::kQ4_K, DType::kQ8_0}) {
    const TestMatrix t = make_matrix(type, 70, 512, rng);
    const auto x = make_activations(5, 512, 512, rng);
    const Expected e = expected_product(t, 0, 70, x, 512, 5);
    std::vector<float> y(5 * 70), y_rows(5 * 70), ref(5 * 70);
    matmul(t.m, x.data(), 512, 5, y.data(), 70, &pool);
    matmul_rows(t.m, x.data(), 512, 5, y_rows.data(), 70, 0, 70);
    expect_matches(y, 70, e, 70, 5, std::string(dtype_name(type)));
    expect_matches(y_rows, 70, e, 70, 5, std::string(dtype_name(type)));
    matmul_reference(t.m, x.data(), 512, 5, ref.data(), 70);
    for (int64_t k = 0; k < 5; ++k) {
      for (int64_t r = 0; r < 70; ++r) {
        double sum = 0, magnitude = 0;
        for (int64_t c = 0; c < 512; ++c) {
          sum += static_cast<double>(t.decoded[r * 512 + c]) * x[k * 512 + c];
          magnitude += std::abs(static_cast<double>(t.decoded[r * 512 + c]) * x[k * 512 + c]);
        }
        ASSERT_NEAR(ref[k * 70 + r], sum, 1e-7 * magnitude);
      }
    }
  }
}

TEST(Matmul, TransposedMatchesTheReference) {
  std::mt19937 rng(7);
  for (DType type : {DType::kF32, DType::kBF16, DType::kQ8_0, DType::kF8E4M3, DType::kQ4_K}) {
    const int64_t block = dtype_info(type).block_elems;
    for (const Shape shape : {Shape{1, 256, 3}, Shape{17, 256, 1}, Shape{33, 512, 3}, Shape{130, 256, 2}}) {
      const int64_t cols = block == 32 && shape.rows == 17 ? 96 : shape.cols;
      const int64_t tokens = shape.tokens;
      TestMatrix t = make_matrix(type, shape.rows, cols, rng, type == DType::kF8E4M3 ? 128 : 0);
      std::vector<float> x(static_cast<size_t>(tokens * shape.rows));
      for (auto& v : x) v = std::normal_distribution<float>(0, 1)(rng);
      std::vector<float> y(static_cast<size_t>(tokens * cols));
      matmul_transposed(t.m, x.data(), shape.rows, tokens, y.data(), cols);
      for (int64_t k = 0; k < tokens; ++k) {
        for (int64_t c = 0; c < cols; ++c) {
          double sum = 0, magnitude = 0;
          for (int64_t r = 0; r < shape.rows; ++r) {
            const double p = static_cast<double>(t.decoded[r * cols + c]) * x[k * shape.rows + r];
            sum += p;
            magnitude += std::abs(p);
          }
          ASSERT_NEAR(y[k * cols + c], sum, 2e-6 * magnitude + 1e-30) << dtype_name(type);
        }
      }
    }
  }
}

// The server batches many sequences into one forward pass and promises the same output as each sequence
// alone, so a token's product must not depend on the other tokens in the batch: bit for bit, for every
// batch size (the multi-token paths take 8 and 4 tokens at a time, then single ones).
TEST(Matmul, ATokenGetsTheSameBitsInAnyBatch) {
  std::mt19937 rng(11);
  ThreadPool pool(3);
  for (DType type : {DType::kF32, DType::kBF16, DType::kQ8_0, DType::kF8E4M3, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
                     DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kIQ4_NL, DType::kIQ4_XS}) {
    for (const Shape shape :  // tokens unused: 150 below
         {Shape{3, 35, 0}, Shape{70, 288, 0}, Shape{65, 544, 0}, Shape{21, 2304, 0}, Shape{67, 1024, 0},
          Shape{33, 128, 0}, Shape{21, 1408, 0}, Shape{10, 2176, 0}}) {
      const int64_t block = dtype_info(type).block_elems;
      if (block > 1 && type != DType::kF8E4M3 && shape.cols % block != 0) continue;  // whole blocks only
      TestMatrix t = make_matrix(type, shape.rows, shape.cols, rng, type == DType::kF8E4M3 ? 128 : 0);
      const int64_t tokens = 150;  // past the 64-token blocks of the prefill (k-major) path
      std::vector<float> x(static_cast<size_t>(tokens * shape.cols));
      for (auto& v : x) v = std::normal_distribution<float>(0, 1)(rng);
      std::vector<float> alone(static_cast<size_t>(tokens * shape.rows));
      for (int64_t k = 0; k < tokens; ++k) {
        matmul(t.m, x.data() + k * shape.cols, shape.cols, 1, alone.data() + k * shape.rows, shape.rows, nullptr);
      }
      for (int64_t batch : {2, 4, 5, 8, 12, 19, 70, 150}) {
        for (int64_t begin = 0; begin + batch <= tokens; begin += batch) {
          std::vector<float> y(static_cast<size_t>(batch * shape.rows));
          matmul(t.m, x.data() + begin * shape.cols, shape.cols, batch, y.data(), shape.rows, &pool);
          for (int64_t i = 0; i < batch * shape.rows; ++i) {
            ASSERT_EQ(std::memcmp(&y[i], &alone[begin * shape.rows + i], sizeof(float)), 0)
                << dtype_name(type) << " batch " << batch << " token " << begin + i / shape.rows;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace sinan

namespace sinan {
namespace {

// matmul_jobs splits the rows of several products over one parallel loop: every output must carry the
// bits matmul() gives it alone, whatever the mix of types, shapes and token counts.
TEST(Matmul, JobsGiveEachProductItsOwnBits) {
  std::mt19937 rng(5);
  ThreadPool pool(3);
  struct Spec {
    DType type;
    int64_t rows, cols, tokens;
  };
  const Spec specs[] = {{DType::kQ4_K, 70, 512, 1}, {DType::kQ6_K, 33, 256, 1}, {DType::kF32, 5, 35, 3},
                        {DType::kQ8_0, 130, 64, 2}, {DType::kBF16, 16, 100, 1}, {DType::kQ4_0, 1, 32, 4}};
  std::vector<TestMatrix> mats;
  std::vector<std::vector<float>> xs, alone, grouped;
  for (const Spec& sp : specs) {
    mats.push_back(make_matrix(sp.type, sp.rows, sp.cols, rng));
    xs.emplace_back(static_cast<size_t>(sp.tokens * sp.cols));
    for (auto& v : xs.back()) v = std::normal_distribution<float>(0, 1)(rng);
    alone.emplace_back(static_cast<size_t>(sp.tokens * sp.rows));
    grouped.emplace_back(static_cast<size_t>(sp.tokens * sp.rows), -1.0f);
  }
  std::vector<MatmulJob> jobs;
  for (size_t i = 0; i < std::size(specs); ++i) {
    const Spec& sp = specs[i];
    matmul(mats[i].m, xs[i].data(), sp.cols, sp.tokens, alone[i].data(), sp.rows, &pool);
    jobs.push_back({&mats[i].m, xs[i].data(), sp.cols, sp.tokens, grouped[i].data(), sp.rows});
  }
  for (ThreadPool* p : {&pool, static_cast<ThreadPool*>(nullptr)}) {
    matmul_jobs(jobs, p);
    for (size_t i = 0; i < std::size(specs); ++i) {
      ASSERT_EQ(std::memcmp(alone[i].data(), grouped[i].data(), alone[i].size() * sizeof(float)), 0)
          << dtype_name(specs[i].type) << " job " << i;
    }
  }
}

}  // namespace
}  // namespace sinan
