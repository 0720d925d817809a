// Bit packing for the quantizers: the inverse of block_unpack.h, one function per layout. Levels come in
// value order and are already in range for their field (the quantizers clamp).
#pragma once

#include <cstdint>
#include <cstring>

#include "quant/block_layouts.h"

namespace sinan::quant_detail {

// Byte j holds value j (low nibble) and value j + half (high nibble).
inline void pack_nibbles(const uint8_t* levels, int half, uint8_t* qs) {
  for (int j = 0; j < half; ++j)
    qs[j] = static_cast<uint8_t>((levels[j] & 0x0f) | ((levels[j + half] & 0x0f) << 4));
}

// q5_0 / q5_1: low nibbles as pack_nibbles, the fifth bit of value j in bit j of qh (little endian).
inline void pack_5bit_32(const uint8_t* levels, uint8_t* qs, uint8_t* qh_bytes) {
  pack_nibbles(levels, 16, qs);
  uint32_t qh = 0;
  for (int j = 0; j < 32; ++j) qh |= static_cast<uint32_t>((levels[j] >> 4) & 1u) << j;
  std::memcpy(qh_bytes, &qh, 4);
}

// q2_K / q3_K low bits: byte l of 128-value group g holds values l, l + 32, l + 64, l + 96 of the group.
inline void pack_2bit_groups(const uint8_t* levels, uint8_t* qs) {
  for (int group = 0; group < kQK_K / 128; ++group) {
    const uint8_t* in = levels + group * 128;
    for (int l = 0; l < 32; ++l) {
      qs[group * 32 + l] = static_cast<uint8_t>((in[l] & 3) | ((in[l + 32] & 3) << 2) |
                                                ((in[l + 64] & 3) << 4) | ((in[l + 96] & 3) << 6));
    }
  }
}

// q3_K: level 0..7 -> low 2 bits in qs, bit 2 of value i into bit (i / 32) of hmask[i % 32].
inline void pack_q3_K_levels(const uint8_t* levels, BlockQ3_K* block) {
  uint8_t low[kQK_K];
  std::memset(block->hmask, 0, sizeof(block->hmask));
  for (int i = 0; i < kQK_K; ++i) {
    if (levels[i] > 3) block->hmask[i % 32] |= static_cast<uint8_t>(1u << (i / 32));
    low[i] = levels[i] & 3;
  }
  pack_2bit_groups(low, block->qs);
}

// q3_K: the biased 6-bit scale (0..63) of sub-block j; scales[] must start zeroed.
inline void pack_q3_K_scale(int j, int biased_scale, uint8_t* scales) {
  if (j < 8) {
    scales[j] |= static_cast<uint8_t>(biased_scale & 0x0f);
  } else {
    scales[j - 8] |= static_cast<uint8_t>((biased_scale & 0x0f) << 4);
  }
  scales[8 + j % 4] |= static_cast<uint8_t>((biased_scale >> 4) << (2 * (j / 4)));
}

// q4_K / q5_K: the 6-bit scale and min of sub-block j, inverse of k4_scale_min; scales[] must start zeroed.
inline void pack_k4_scale_min(int j, uint8_t scale, uint8_t min, uint8_t* scales) {
  if (j < 4) {
    scales[j] |= scale;
    scales[j + 4] |= min;
  } else {
    scales[j + 4] = static_cast<uint8_t>((scale & 0x0f) | ((min & 0x0f) << 4));
    scales[j - 4] |= static_cast<uint8_t>((scale >> 4) << 6);
    scales[j] |= static_cast<uint8_t>((min >> 4) << 6);
  }
}

// q4_K: each 64-value group is 32 bytes, first 32 values in the low nibbles, next 32 in the high.
inline void pack_q4_K_levels(const uint8_t* levels, uint8_t* qs) {
  for (int group = 0; group < kQK_K / 64; ++group) pack_nibbles(levels + group * 64, 32, qs + group * 32);
}

// q5_K: q4_K's nibbles; the fifth bit of value (group g, half h, position l) in bit 2g + h of qh[l].
inline void pack_q5_K_levels(const uint8_t* levels, BlockQ5_K* block) {
  std::memset(block->qh, 0, sizeof(block->qh));
  uint8_t low[kQK_K];
  for (int i = 0; i < kQK_K; ++i) {
    low[i] = levels[i] & 0x0f;
    const int group = i / 64, half = (i / 32) % 2, l = i % 32;
    if (levels[i] > 15) block->qh[l] |= static_cast<uint8_t>(1u << (2 * group + half));
  }
  pack_q4_K_levels(low, block->qs);
}

// q6_K: per 128-value group, ql byte l holds values l / l + 64 and byte l + 32 values l + 32 / l + 96
// (low 4 bits), qh byte l the high 2 bits of l, l + 32, l + 64, l + 96.
inline void pack_q6_K_levels(const uint8_t* levels, BlockQ6_K* block) {
  for (int group = 0; group < kQK_K / 128; ++group) {
    const uint8_t* in = levels + group * 128;
    uint8_t* ql = block->ql + group * 64;
    uint8_t* qh = block->qh + group * 32;
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<uint8_t>((in[l] & 0x0f) | ((in[l + 64] & 0x0f) << 4));
      ql[l + 32] = static_cast<uint8_t>((in[l + 32] & 0x0f) | ((in[l + 96] & 0x0f) << 4));
      qh[l] = static_cast<uint8_t>((in[l] >> 4) | ((in[l + 32] >> 4) << 2) | ((in[l + 64] >> 4) << 4) |
                                   ((in[l + 96] >> 4) << 6));
    }
  }
}

// iq4_xs: the biased 6-bit scale (0..63) of sub-block ib; scales_l and scales_h must start zeroed.
inline void pack_iq4_xs_scale(int ib, int biased_scale, BlockIQ4_XS* block) {
  block->scales_l[ib / 2] |= static_cast<uint8_t>((biased_scale & 0x0f) << (4 * (ib % 2)));
  block->scales_h = static_cast<uint16_t>(block->scales_h | ((biased_scale >> 4) << (2 * ib)));
}

}  // namespace sinan::quant_detail
