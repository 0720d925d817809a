// Every matmul path against the scalar reference, for every weight type the loader accepts, over odd
// shapes, row slices and DeepSeek FP8 blocks with partial edge blocks.
#include "kernels/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "quant/scalar_convert.h"

namespace sinan {
namespace {

// A weight matrix in the given type, built from random values, with its exact decoded values.
struct TestMatrix {
  Matrix m;
  std::vector<uint8_t> bytes;
  std::vector<float> scales;
  std::vector<float> decoded;  // [rows, cols] what the matrix represents
};

TestMatrix make_matrix(DType type, int64_t rows, int64_t cols, std::mt19937& rng, int64_t fp8_block = 0) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  TestMatrix t;
  t.m.dtype = type;
  t.m.rows = rows;
  t.m.cols = cols;
  t.m.row_bytes = *dtype_row_bytes(type, cols);
  t.bytes.resize(t.m.row_bytes * rows);
  t.decoded.resize(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* row = t.bytes.data() + r * t.m.row_bytes;
    for (int64_t c = 0; c < cols; ++c) {
      const float v = normal(rng);
      float& out = t.decoded[r * cols + c];
      switch (type) {
        case DType::kF32: std::memcpy(row + 4 * c, &v, 4); out = v; break;
        case DType::kF16: {
          const uint16_t h = f32_to_f16(v);
          std::memcpy(row + 2 * c, &h, 2);
          out = f16_to_f32(h);
          break;
        }
        case DType::kBF16: {
          const uint16_t h = f32_to_bf16(v);
          std::memcpy(row + 2 * c, &h, 2);
          out = bf16_to_f32(h);
          break;
        }
        case DType::kF8E4M3: {
          const auto byte = static_cast<uint8_t>(rng() & 0xff);
          row[c] = (byte & 0x7f) == 0x7f ? 0 : byte;  // no NaNs
          out = f8e4m3_to_f32(row[c]);
          break;
        }
        case DType::kQ8_0: {
          const int64_t block = c / 32;
          uint8_t* b = row + block * 34;
          if (c % 32 == 0) {
            const uint16_t d = f32_to_f16(0.01f + 0.02f * static_cast<float>(rng() % 100) / 100.0f);
            std::memcpy(b, &d, 2);
          }
          const auto q = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
          b[2 + c % 32] = static_cast<uint8_t>(q);
          uint16_t d;
          std::memcpy(&d, b, 2);
          out = f16_to_f32(d) * q;
          break;
        }
        default: ADD_FAILURE() << "no generator for " << dtype_name(type);
      }
    }
  }
  t.m.data = t.bytes.data();
  if (fp8_block > 0) {
    const int64_t scale_rows = (rows + fp8_block - 1) / fp8_block, scale_cols = (cols + fp8_block - 1) / fp8_block;
    t.scales.resize(static_cast<size_t>(scale_rows * scale_cols));
    for (auto& s : t.scales) s = 0.001f * static_cast<float>(1 + rng() % 1000);
    t.m.block_scales = t.scales.data();
    t.m.scale_cols = scale_cols;
    t.m.scale_block_rows = fp8_block;
    t.m.scale_block_cols = fp8_block;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) t.decoded[r * cols + c] *= t.scales[(r / fp8_block) * scale_cols + c / fp8_block];
    }
  }
  return t;
}

// Products from the decoded values in double, and the error budget: float32 accumulation relative
// to the sum of absolute products.
void expect_close(const std::vector<float>& got, const TestMatrix& t, const std::vector<float>& x, int64_t tokens,
                  int64_t y_stride, int64_t row_offset, int64_t rows) {
  const int64_t cols = t.m.cols;
  for (int64_t k = 0; k < tokens; ++k) {
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0, magnitude = 0;
      for (int64_t c = 0; c < cols; ++c) {
        const double p = static_cast<double>(t.decoded[(r + row_offset) * cols + c]) * x[k * cols + c];
        sum += p;
        magnitude += std::abs(p);
      }
      ASSERT_NEAR(got[k * y_stride + r], sum, 2e-6 * magnitude + 1e-30)
          << dtype_name(t.m.dtype) << " rows=" << rows << " cols=" << cols << " token=" << k << " row=" << r;
    }
  }
}

struct Shape {
  int64_t rows, cols;
};

TEST(Matmul, EveryTypeAndOddShapeMatchesTheReference) {
  std::mt19937 rng(42);
  ThreadPool pool(3);
  const Shape shapes[] = {{1, 32}, {3, 64}, {7, 96}, {64, 256}, {65, 288}, {129, 320}, {70, 544}, {5, 1024}};
  const DType types[] = {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kF8E4M3};
  for (DType type : types) {
    for (const Shape& shape : shapes) {
      for (int64_t tokens : {1, 2, 9}) {
        const int64_t fp8_block = type == DType::kF8E4M3 ? 128 : 0;  // partial edge blocks: 65, 129, 288...
        TestMatrix t = make_matrix(type, shape.rows, shape.cols, rng, fp8_block);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> x(static_cast<size_t>(tokens * shape.cols));
        for (auto& v : x) v = normal(rng);
        const int64_t y_stride = shape.rows + 3;  // a padded output stride
        std::vector<float> y(static_cast<size_t>(tokens * y_stride), -1.0f);
        matmul(t.m, x.data(), shape.cols, tokens, y.data(), y_stride, &pool);
        expect_close(y, t, x, tokens, y_stride, 0, shape.rows);
        std::vector<float> y1(static_cast<size_t>(tokens * y_stride));
        matmul(t.m, x.data(), shape.cols, tokens, y1.data(), y_stride, nullptr);
        expect_close(y1, t, x, tokens, y_stride, 0, shape.rows);
        std::vector<float> ref(static_cast<size_t>(tokens * y_stride));
        matmul_reference(t.m, x.data(), shape.cols, tokens, ref.data(), y_stride);
        expect_close(ref, t, x, tokens, y_stride, 0, shape.rows);
        // A row slice (as MLA takes per-head rows of kv_b_proj) keeps its FP8 scales aligned.
        if (shape.rows > 4) {
          const int64_t begin = shape.rows / 3, count = shape.rows - begin - 1;
          std::vector<float> ys(static_cast<size_t>(tokens * count));
          matmul(t.m.row_slice(begin, count), x.data(), shape.cols, tokens, ys.data(), count, &pool);
          expect_close(ys, t, x, tokens, count, begin, count);
        }
      }
    }
  }
}

TEST(Matmul, TransposedMatchesTheReference) {
  std::mt19937 rng(7);
  for (DType type : {DType::kF32, DType::kBF16, DType::kQ8_0, DType::kF8E4M3}) {
    for (const Shape shape : {Shape{1, 32}, Shape{17, 64}, Shape{33, 288}, Shape{130, 256}}) {
      const int64_t tokens = 3;
      TestMatrix t = make_matrix(type, shape.rows, shape.cols, rng, type == DType::kF8E4M3 ? 128 : 0);
      std::vector<float> x(static_cast<size_t>(tokens * shape.rows));
      for (auto& v : x) v = std::normal_distribution<float>(0, 1)(rng);
      std::vector<float> y(static_cast<size_t>(tokens * shape.cols));
      matmul_transposed(t.m, x.data(), shape.rows, tokens, y.data(), shape.cols);
      for (int64_t k = 0; k < tokens; ++k) {
        for (int64_t c = 0; c < shape.cols; ++c) {
          double sum = 0, magnitude = 0;
          for (int64_t r = 0; r < shape.rows; ++r) {
            const double p = static_cast<double>(t.decoded[r * shape.cols + c]) * x[k * shape.rows + r];
            sum += p;
            magnitude += std::abs(p);
          }
          ASSERT_NEAR(y[k * shape.cols + c], sum, 2e-6 * magnitude + 1e-30) << dtype_name(type);
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
  for (DType type : {DType::kF32, DType::kBF16, DType::kQ8_0, DType::kF8E4M3}) {
    for (const Shape shape : {Shape{3, 35}, Shape{70, 288}, Shape{65, 544}}) {
      if (type == DType::kQ8_0 && shape.cols % 32 != 0) continue;  // whole blocks only
      TestMatrix t = make_matrix(type, shape.rows, shape.cols, rng, type == DType::kF8E4M3 ? 128 : 0);
      const int64_t tokens = 19;
      std::vector<float> x(static_cast<size_t>(tokens * shape.cols));
      for (auto& v : x) v = std::normal_distribution<float>(0, 1)(rng);
      std::vector<float> alone(static_cast<size_t>(tokens * shape.rows));
      for (int64_t k = 0; k < tokens; ++k) {
        matmul(t.m, x.data() + k * shape.cols, shape.cols, 1, alone.data() + k * shape.rows, shape.rows, nullptr);
      }
      for (int64_t batch : {2, 4, 5, 8, 12, 19}) {
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
