// Bit unpacking shared by the dequantizers and the dot products: each function turns one block's packed
// bits into the integer level of every value, in value order, so the bit layouts are decoded in one place.
// The quantizers pack with the inverse layouts; the round-trip tests check the two agree.
#pragma once

#include <cstdint>
#include <cstring>

#include "quant/block_layouts.h"

namespace sinan::quant_detail {

inline uint32_t load_u32_le(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);  // x86 and arm64 are little endian, as GGUF is
  return v;
}

// Two nibbles per byte: byte j holds value j (low) and value j + half (high). Used by every 32-value
// nibble format and by the 32-value runs of q4_K / iq4_xs.
inline void unpack_nibbles(const uint8_t* qs, int half, uint8_t* out) {
  for (int j = 0; j < half; ++j) {
    out[j] = qs[j] & 0x0f;
    out[j + half] = qs[j] >> 4;
  }
}

// q5_0 / q5_1: low nibbles plus bit j of qh as bit 4 of value j. Levels 0..31.
inline void unpack_5bit_32(const uint8_t* qs, const uint8_t* qh_bytes, uint8_t* out) {
  const uint32_t qh = load_u32_le(qh_bytes);
  unpack_nibbles(qs, 16, out);
  for (int j = 0; j < 32; ++j) out[j] |= static_cast<uint8_t>(((qh >> j) & 1u) << 4);
}

// q2_K / q3_K low bits: byte l of each 128-value group holds values l, l + 32, l + 64, l + 96.
inline void unpack_2bit_groups(const uint8_t* qs, uint8_t* out) {
  for (int group = 0; group < kQK_K / 128; ++group) {
    for (int shift = 0; shift < 4; ++shift) {
      for (int l = 0; l < 32; ++l)
        out[group * 128 + shift * 32 + l] = (qs[group * 32 + l] >> (2 * shift)) & 3;
    }
  }
}

// q2_K levels 0..3.
inline void unpack_q2_K(const BlockQ2_K& b, int8_t* q) {
  uint8_t low[kQK_K];
  unpack_2bit_groups(b.qs, low);
  for (int i = 0; i < kQK_K; ++i) q[i] = static_cast<int8_t>(low[i]);
}

// q3_K levels -4..3: the stored high bit set means "no -4". The high bit of value i is bit (i / 32) of
// hmask[i % 32].
inline void unpack_q3_K(const BlockQ3_K& b, int8_t* q) {
  uint8_t low[kQK_K];
  unpack_2bit_groups(b.qs, low);
  for (int i = 0; i < kQK_K; ++i) {
    const bool high = (b.hmask[i % 32] >> (i / 32)) & 1;
    q[i] = static_cast<int8_t>(low[i] - (high ? 0 : 4));
  }
}

// q3_K's sixteen 6-bit scales, minus their bias of 32: low 4 bits in bytes 0..7 (two per byte, scales
// 0..7 low nibbles, 8..15 high nibbles), high 2 bits in bytes 8..11 (scale j at bits 2 * (j / 4) of byte
// 8 + j % 4).
inline int q3_K_scale(const uint8_t* scales, int j) {
  const int low = j < 8 ? scales[j] & 0x0f : scales[j - 8] >> 4;
  const int high = (scales[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (low | (high << 4)) - 32;
}

// q4_K / q5_K: the 6-bit scale and min of sub-block j (get_scale_min_k4's layout): sub-blocks 0..3 in the
// low 6 bits of bytes j and j + 4; 4..7 split into a nibble of byte j + 4 and the top 2 bits of bytes
// j - 4 (scale) and j (min).
inline void k4_scale_min(int j, const uint8_t* scales, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = scales[j] & 63;
    *min = scales[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((scales[j + 4] & 0x0f) | ((scales[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
  }
}

// q4_K: 64-value groups of 32 bytes, the low nibbles are the first 32 values, the high nibbles the next.
// Levels 0..15.
inline void unpack_q4_K(const BlockQ4_K& b, int8_t* q) {
  for (int group = 0; group < kQK_K / 64; ++group) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t byte = b.qs[group * 32 + l];
      q[group * 64 + l] = static_cast<int8_t>(byte & 0x0f);
      q[group * 64 + 32 + l] = static_cast<int8_t>(byte >> 4);
    }
  }
}

// q5_K: q4_K's nibbles plus a fifth bit; value (group g, half h, position l) takes bit 2g + h of qh[l].
// Levels 0..31.
inline void unpack_q5_K(const BlockQ5_K& b, int8_t* q) {
  for (int group = 0; group < kQK_K / 64; ++group) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t byte = b.qs[group * 32 + l];
      const int high_low = (b.qh[l] >> (2 * group)) & 1;
      const int high_high = (b.qh[l] >> (2 * group + 1)) & 1;
      q[group * 64 + l] = static_cast<int8_t>((byte & 0x0f) | (high_low << 4));
      q[group * 64 + 32 + l] = static_cast<int8_t>((byte >> 4) | (high_high << 4));
    }
  }
}

// q6_K: per 128-value group, ql holds 64 bytes (values l and l + 64 in byte l, l + 32 and l + 96 in byte
// l + 32) and qh 32 bytes (2 bits each for l, l + 32, l + 64, l + 96). Levels -32..31.
inline void unpack_q6_K(const BlockQ6_K& b, int8_t* q) {
  for (int group = 0; group < kQK_K / 128; ++group) {
    const uint8_t* ql = b.ql + group * 64;
    const uint8_t* qh = b.qh + group * 32;
    int8_t* out = q + group * 128;
    for (int l = 0; l < 32; ++l) {
      out[l + 0] = static_cast<int8_t>(((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32);
      out[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32);
      out[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
      out[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
    }
  }
}

// iq4_xs: the 6-bit scale of sub-block ib minus its bias of 32.
inline int iq4_xs_scale(const BlockIQ4_XS& b, int ib) {
  const int low = (b.scales_l[ib / 2] >> (4 * (ib % 2))) & 0x0f;
  const int high = (b.scales_h >> (2 * ib)) & 3;
  return (low | (high << 4)) - 32;
}

// iq4_xs: eight 32-value runs, each 16 bytes of nibbles as q4_0. Levels are table values.
inline void unpack_iq4_xs(const BlockIQ4_XS& b, int8_t* q) {
  for (int ib = 0; ib < kQK_K / 32; ++ib) {
    uint8_t index[32];
    unpack_nibbles(b.qs + ib * 16, 16, index);
    for (int j = 0; j < 32; ++j) q[ib * 32 + j] = kIq4nlValues[index[j]];
  }
}

// mxfp4's shared exponent as a float, halved because the value table is doubled (ggml_e8m0_to_fp32_half):
// 2^(e - 128), with e = 0 and 1 landing in float subnormals.
inline float e8m0_to_f32_half(uint8_t e) {
  const uint32_t bits = e < 2 ? (0x00200000u << e) : (static_cast<uint32_t>(e - 1) << 23);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace sinan::quant_detail
