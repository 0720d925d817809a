// Byte layouts of llama.cpp's quantized blocks, as ggml-common.h defines them (block_q4_0 ... block_iq4_xs,
// block_mxfp4). Blocks are packed with no padding; half-precision scales are stored as raw uint16 bits.
// The structs are byte-aligned (pack 1): GGUF allows general.alignment = 1, so a row may start at any
// address, and the compiler then emits loads that are safe there (plain loads on x86-64 and arm64).
// tests/quant/block_layout_test.cc checks every size here against the dtype table.
#pragma once

#include <cstdint>

namespace sinan {

#pragma pack(push, 1)

constexpr int kQK4_0 = 32;
constexpr int kQK4_1 = 32;
constexpr int kQK5_0 = 32;
constexpr int kQK5_1 = 32;
constexpr int kQK8_0 = 32;
constexpr int kQK8_1 = 32;
constexpr int kQK4_NL = 32;
constexpr int kQKMxfp4 = 32;
constexpr int kQK_K = 256;        // k-quant super-block
constexpr int kKScaleBytes = 12;  // packed 6-bit scales and mins of q4_K / q5_K (K_SCALE_SIZE)

// value = d * (q - 8), q in 0..15; qs[j] holds element j (low nibble) and element j + 16 (high nibble).
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kQK4_0 / 2];
};
static_assert(sizeof(BlockQ4_0) == 18);

// value = d * q + m, q in 0..15, nibbles as q4_0.
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[kQK4_1 / 2];
};
static_assert(sizeof(BlockQ4_1) == 20);

// value = d * (q - 16), q in 0..31: low 4 bits as q4_0, bit 4 of element j is bit j of qh (little endian).
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK5_0 / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

// value = d * q + m, q in 0..31, bits as q5_0.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK5_1 / 2];
};
static_assert(sizeof(BlockQ5_1) == 24);

// value = d * q.
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34);

// Activation format for q4_1 / q5_1 dot products: value = d * q, s = d * sum(q) (both f16).
struct BlockQ8_1 {
  uint16_t d;
  uint16_t s;
  int8_t qs[kQK8_1];
};
static_assert(sizeof(BlockQ8_1) == 36);

// 16 sub-blocks of 16: value = d * (scales[j] & 15) * q - dmin * (scales[j] >> 4), q in 0..3.
// qs packs four 32-element runs per byte: byte l of group g (128 values) holds elements l, l+32, l+64, l+96.
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];
  uint8_t qs[kQK_K / 4];
  uint16_t d;
  uint16_t dmin;
};
static_assert(sizeof(BlockQ2_K) == 84);

// 16 sub-blocks of 16: value = d * (scale - 32) * (q - 4 * !high_bit), q low bits packed as q2_K,
// the high bit of element j in bit (j / 32) of hmask[j % 32]; 6-bit scales packed into 12 bytes.
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];
  uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110);

// 8 sub-blocks of 32: value = d * scale * q - dmin * min, q in 0..15, 6-bit scales/mins in 12 bytes.
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

// As q4_K with a fifth bit per value in qh.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

// 16 sub-blocks of 16: value = d * scales[j] * (q - 32), q in 0..63 (4 low bits in ql, 2 high bits in qh).
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// Activation format for k-quant dot products: value = d * q (d is float32), bsums = sums of 16 quants.
struct BlockQ8_K {
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};
static_assert(sizeof(BlockQ8_K) == 292);

// value = d * kIq4nlValues[q], nibbles as q4_0.
struct BlockIQ4_NL {
  uint16_t d;
  uint8_t qs[kQK4_NL / 2];
};
static_assert(sizeof(BlockIQ4_NL) == 18);

// 8 sub-blocks of 32: value = d * (scale - 32) * kIq4nlValues[q]; 6-bit scales, low 4 bits in scales_l
// (two per byte), high 2 bits in scales_h (two bits per sub-block).
struct BlockIQ4_XS {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[kQK_K / 64];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockIQ4_XS) == 136);

// OCP microscaling fp4: value = 2^(e - 128) * kMxfp4Values[q] (the table holds doubled e2m1 values).
struct BlockMXFP4 {
  uint8_t e;
  uint8_t qs[kQKMxfp4 / 2];
};
static_assert(sizeof(BlockMXFP4) == 17);

#pragma pack(pop)

// The 16 levels of iq4_nl / iq4_xs (kvalues_iq4nl).
inline constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

// The e2m1 levels doubled, as mxfp4 stores them (kvalues_mxfp4).
inline constexpr int8_t kMxfp4Values[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

}  // namespace sinan
