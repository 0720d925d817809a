// Legacy 32-value block formats (q4_0, q4_1, q5_0, q5_1, q8_0, q8_1): one f16 scale per block, optionally
// an f16 offset. Each decoder does ggml's float operations in ggml's order (dequantize_row_q4_0 etc.), so
// the results are bit-identical.
#include "quant/block_layouts.h"
#include "quant/block_unpack.h"
#include "quant/dequantize_internal.h"
#include "quant/scalar_convert.h"

namespace sinan::quant_detail {

void dequantize_q4_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_0*>(src);
  for (int64_t b = 0; b < n / kQK4_0; ++b) {
    const float d = f16_to_f32(blocks[b].d);
    uint8_t q[kQK4_0];
    unpack_nibbles(blocks[b].qs, kQK4_0 / 2, q);
    for (int i = 0; i < kQK4_0; ++i) dst[b * kQK4_0 + i] = static_cast<float>(q[i] - 8) * d;
  }
}

void dequantize_q4_1(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_1*>(src);
  for (int64_t b = 0; b < n / kQK4_1; ++b) {
    const float d = f16_to_f32(blocks[b].d);
    const float m = f16_to_f32(blocks[b].m);
    uint8_t q[kQK4_1];
    unpack_nibbles(blocks[b].qs, kQK4_1 / 2, q);
    for (int i = 0; i < kQK4_1; ++i) dst[b * kQK4_1 + i] = static_cast<float>(q[i]) * d + m;
  }
}

void dequantize_q5_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ5_0*>(src);
  for (int64_t b = 0; b < n / kQK5_0; ++b) {
    const float d = f16_to_f32(blocks[b].d);
    uint8_t q[kQK5_0];
    unpack_5bit_32(blocks[b].qs, blocks[b].qh, q);
    for (int i = 0; i < kQK5_0; ++i) dst[b * kQK5_0 + i] = static_cast<float>(q[i] - 16) * d;
  }
}

void dequantize_q5_1(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ5_1*>(src);
  for (int64_t b = 0; b < n / kQK5_1; ++b) {
    const float d = f16_to_f32(blocks[b].d);
    const float m = f16_to_f32(blocks[b].m);
    uint8_t q[kQK5_1];
    unpack_5bit_32(blocks[b].qs, blocks[b].qh, q);
    for (int i = 0; i < kQK5_1; ++i) dst[b * kQK5_1 + i] = static_cast<float>(q[i]) * d + m;
  }
}

void dequantize_q8_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(src);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = f16_to_f32(blocks[b].d);
    for (int i = 0; i < kQK8_0; ++i) dst[b * kQK8_0 + i] = static_cast<float>(blocks[b].qs[i]) * d;
  }
}

// ggml has no q8_1 decoder (it is an activation-only format); this one exists for the dot-product tests.
void dequantize_q8_1(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_1*>(src);
  for (int64_t b = 0; b < n / kQK8_1; ++b) {
    const float d = f16_to_f32(blocks[b].d);
    for (int i = 0; i < kQK8_1; ++i) dst[b * kQK8_1 + i] = static_cast<float>(blocks[b].qs[i]) * d;
  }
}

}  // namespace sinan::quant_detail
