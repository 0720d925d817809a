#include "kernels/chunk_layout.h"

#include <cstddef>
#include <cstring>

#include "core/check.h"
#include "kernels/cpu/panels.h"
#include "quant/block_layouts.h"

namespace sinan {
namespace {

constexpr int kValues = 256;

// Level bits of a chunk in value order: low 4 bits (q4_K's whole level) and q6_K's 2 high bits.
struct Levels {
  uint8_t low[kValues];
  uint8_t high[kValues];
};

// q4_K: value n in qs[32 (n / 64) + n % 32], the low nibble for (n / 32) even.
void q4_K_levels(const BlockQ4_K& x, Levels* out) {
  for (int n = 0; n < kValues; ++n) {
    out->low[n] = (x.qs[32 * (n / 64) + n % 32] >> (4 * ((n / 32) % 2))) & 0x0f;
    out->high[n] = 0;
  }
}

void set_q4_K_levels(const Levels& levels, BlockQ4_K* x) {
  std::memset(x->qs, 0, sizeof(x->qs));
  for (int n = 0; n < kValues; ++n) {
    x->qs[32 * (n / 64) + n % 32] |= static_cast<uint8_t>(levels.low[n] << (4 * ((n / 32) % 2)));
  }
}

// q6_K, per half of 128 values, m = n % 128, l = m % 32, s = m / 32: the low 4 bits in ql[64 half + l +
// 32 (s % 2)] (the high nibble for s >= 2), the high 2 bits at bit 2 s of qh[32 half + l].
void q6_K_levels(const BlockQ6_K& x, Levels* out) {
  for (int n = 0; n < kValues; ++n) {
    const int half = n / 128, l = n % 32, s = (n % 128) / 32;
    out->low[n] = (x.ql[64 * half + l + 32 * (s % 2)] >> (4 * (s / 2))) & 0x0f;
    out->high[n] = (x.qh[32 * half + l] >> (2 * s)) & 3;
  }
}

void set_q6_K_levels(const Levels& levels, BlockQ6_K* x) {
  std::memset(x->ql, 0, sizeof(x->ql));
  std::memset(x->qh, 0, sizeof(x->qh));
  for (int n = 0; n < kValues; ++n) {
    const int half = n / 128, l = n % 32, s = (n % 128) / 32;
    x->ql[64 * half + l + 32 * (s % 2)] |= static_cast<uint8_t>(levels.low[n] << (4 * (s / 2)));
    x->qh[32 * half + l] |= static_cast<uint8_t>(levels.high[n] << (2 * s));
  }
}

// The 32-value nibble formats, a chunk of 8 blocks: value 32 b + j in block b's qs[j % 16] (the high
// nibble for j >= 16), the fifth bit (q5_0, q5_1) bit j of its qh. d (and m) per block.
struct Block32Format {
  size_t block_bytes;
  bool has_min, has_fifth_bit;
  size_t qh_offset, qs_offset;  // within a block
};

Block32Format block32_format(DType type) {
  switch (type) {
    case DType::kQ4_0: return {sizeof(BlockQ4_0), false, false, 0, offsetof(BlockQ4_0, qs)};
    case DType::kQ4_1: return {sizeof(BlockQ4_1), true, false, 0, offsetof(BlockQ4_1, qs)};
    case DType::kQ5_0: return {sizeof(BlockQ5_0), false, true, offsetof(BlockQ5_0, qh), offsetof(BlockQ5_0, qs)};
    default: return {sizeof(BlockQ5_1), true, true, offsetof(BlockQ5_1, qh), offsetof(BlockQ5_1, qs)};
  }
}

// The first 4 blocks (a half chunk) from `chunk`: values 0..127 of out (the rest zero).
void block32_levels(const Block32Format& f, const uint8_t* chunk, Levels* out, uint16_t* d, uint16_t* m) {
  std::memset(out, 0, sizeof(*out));
  for (int b = 0; b < 4; ++b) {
    const uint8_t* block = chunk + b * f.block_bytes;
    std::memcpy(&d[b], block, 2);
    if (f.has_min) std::memcpy(&m[b], block + 2, 2);
    uint32_t qh = 0;
    if (f.has_fifth_bit) std::memcpy(&qh, block + f.qh_offset, 4);
    for (int j = 0; j < 32; ++j) {
      out->low[32 * b + j] = (block[f.qs_offset + j % 16] >> (4 * (j / 16))) & 0x0f;
      out->high[32 * b + j] = (qh >> j) & 1;
    }
  }
}

void set_block32_levels(const Block32Format& f, const Levels& levels, const uint16_t* d, const uint16_t* m,
                        uint8_t* chunk) {
  for (int b = 0; b < 4; ++b) {
    uint8_t* block = chunk + b * f.block_bytes;
    std::memcpy(block, &d[b], 2);
    if (f.has_min) std::memcpy(block + 2, &m[b], 2);
    uint32_t qh = 0;
    std::memset(block + f.qs_offset, 0, 16);
    for (int j = 0; j < 32; ++j) {
      block[f.qs_offset + j % 16] |= static_cast<uint8_t>(levels.low[32 * b + j] << (4 * (j / 16)));
      qh |= static_cast<uint32_t>(levels.high[32 * b + j]) << j;
    }
    if (f.has_fifth_bit) std::memcpy(block + f.qh_offset, &qh, 4);
  }
}

// The group-major-8 form: position p (vector p / 32, byte p % 32) of the lane order holds value n.
void pack_gm8_low(const Levels& levels, uint8_t* nibbles /* 128 bytes */) {
  uint8_t at[kValues];  // level's low bits by lane position
  for (int n = 0; n < kValues; ++n) at[cpu::lane_position(cpu::LaneOrder::kGroupMajor8, n)] = levels.low[n];
  for (int i = 0; i < 4; ++i) {
    for (int b = 0; b < 32; ++b) nibbles[32 * i + b] = static_cast<uint8_t>(at[64 * i + b] | at[64 * i + 32 + b] << 4);
  }
}

void unpack_gm8_low(const uint8_t* nibbles, Levels* levels) {
  for (int n = 0; n < kValues; ++n) {
    const int p = cpu::lane_position(cpu::LaneOrder::kGroupMajor8, n), v = p / 32, b = p % 32;
    levels->low[n] = (nibbles[32 * (v / 2) + b] >> (4 * (v % 2))) & 0x0f;
  }
}

void pack_gm8_high(const Levels& levels, uint8_t* bits /* 64 bytes */) {
  std::memset(bits, 0, 64);
  for (int n = 0; n < kValues; ++n) {
    const int p = cpu::lane_position(cpu::LaneOrder::kGroupMajor8, n), v = p / 32, b = p % 32;
    bits[32 * (v / 4) + b] |= static_cast<uint8_t>(levels.high[n] << (2 * (v % 4)));
  }
}

void unpack_gm8_high(const uint8_t* bits, Levels* levels) {
  for (int n = 0; n < kValues; ++n) {
    const int p = cpu::lane_position(cpu::LaneOrder::kGroupMajor8, n), v = p / 32, b = p % 32;
    levels->high[n] = (bits[32 * (v / 4) + b] >> (2 * (v % 4))) & 3;
  }
}

// A half chunk's fifth bits (q5_0, q5_1), 16 bytes: bit w of byte i's low nibble belongs to byte i of
// vector w (w = 0..3), of its high nibble to byte 16 + i.
void pack_half_bits(const Levels& levels, uint8_t* bits /* 16 bytes */) {
  std::memset(bits, 0, 16);
  for (int n = 0; n < 128; ++n) {
    const int p = cpu::lane_position(cpu::LaneOrder::kGroupMajor8, n), w = p / 32, b = p % 32;
    bits[b % 16] |= static_cast<uint8_t>(levels.high[n] << (w + 4 * (b / 16)));
  }
}

void unpack_half_bits(const uint8_t* bits, Levels* levels) {
  for (int n = 0; n < 128; ++n) {
    const int p = cpu::lane_position(cpu::LaneOrder::kGroupMajor8, n), w = p / 32, b = p % 32;
    levels->high[n] = (bits[b % 16] >> (w + 4 * (b / 16))) & 1;
  }
}

// q8_0, half a chunk: [d x 4] [vector v = dword v of blocks 0..3, v = 0..7].
void pack_q8_0_half(uint8_t* half) {
  BlockQ8_0 blocks[4];
  std::memcpy(blocks, half, sizeof(blocks));
  for (int b = 0; b < 4; ++b) std::memcpy(half + 2 * b, &blocks[b].d, 2);
  for (int v = 0; v < 8; ++v) {
    for (int b = 0; b < 4; ++b) std::memcpy(half + 8 + 16 * v + 4 * b, blocks[b].qs + 4 * v, 4);
  }
}

void unpack_q8_0_half(const uint8_t* half, uint8_t* file) {
  BlockQ8_0 blocks[4];
  for (int b = 0; b < 4; ++b) std::memcpy(&blocks[b].d, half + 2 * b, 2);
  for (int v = 0; v < 8; ++v) {
    for (int b = 0; b < 4; ++b) std::memcpy(blocks[b].qs + 4 * v, half + 8 + 16 * v + 4 * b, 4);
  }
  std::memcpy(file, blocks, sizeof(blocks));
}

bool is_block32(DType type) {
  return type == DType::kQ4_0 || type == DType::kQ4_1 || type == DType::kQ5_0 || type == DType::kQ5_1;
}

}  // namespace

int64_t unit_values(DType type) { return dtype_info(type).block_elems == 32 ? cpu::kChunk / 2 : cpu::kChunk; }

size_t unit_bytes(DType type) {
  const auto& info = dtype_info(type);
  return static_cast<size_t>(info.block_bytes * (unit_values(type) / info.block_elems));
}

bool unit_is_rearranged(DType type, int64_t cols, int64_t unit) {
  const int64_t end = (unit + 1) * unit_values(type);
  const int64_t chunk_end = (unit * unit_values(type) / cpu::kChunk + 1) * cpu::kChunk;
  return chunk_end <= cols || end == cols;
}

void pack_unit(ChunkLayout layout, DType type, uint8_t* chunk) {
  SINAN_CHECK(chunk_layout_supports(layout, type));
  if (layout == ChunkLayout::kFile) return;
  Levels levels;
  if (type == DType::kQ8_0) {
    pack_q8_0_half(chunk);
  } else if (is_block32(type)) {  // half a chunk: [d x 4] [m x 4] [fifth bits, 16 bytes] [nibble pairs, 64 bytes]
    const Block32Format f = block32_format(type);
    uint16_t d[4], m[4];
    block32_levels(f, chunk, &levels, d, m);
    uint8_t* out = chunk;
    std::memcpy(out, d, 8);
    out += 8;
    if (f.has_min) {
      std::memcpy(out, m, 8);
      out += 8;
    }
    if (f.has_fifth_bit) {
      pack_half_bits(levels, out);
      out += 16;
    }
    uint8_t nibbles[128];  // the whole chunk's pairs; a half chunk holds the first 64 bytes
    pack_gm8_low(levels, nibbles);
    std::memcpy(out, nibbles, 64);
  } else if (type == DType::kQ4_K) {
    auto* x = reinterpret_cast<BlockQ4_K*>(chunk);
    q4_K_levels(*x, &levels);
    pack_gm8_low(levels, x->qs);
  } else {
    auto* x = reinterpret_cast<BlockQ6_K*>(chunk);
    q6_K_levels(*x, &levels);
    pack_gm8_low(levels, x->ql);
    pack_gm8_high(levels, x->qh);
  }
}

void unpack_unit(ChunkLayout layout, DType type, const uint8_t* packed, uint8_t* file) {
  SINAN_CHECK(chunk_layout_supports(layout, type));
  const size_t bytes = unit_bytes(type);
  std::memcpy(file, packed, bytes);  // the k-quants' scales, mins and d stay in place
  if (layout == ChunkLayout::kFile) return;
  Levels levels;
  if (type == DType::kQ8_0) {
    unpack_q8_0_half(packed, file);
  } else if (is_block32(type)) {
    const Block32Format f = block32_format(type);
    uint16_t d[4], m[4] = {};
    const uint8_t* in = packed;
    std::memcpy(d, in, 8);
    in += 8;
    if (f.has_min) {
      std::memcpy(m, in, 8);
      in += 8;
    }
    std::memset(&levels, 0, sizeof(levels));
    if (f.has_fifth_bit) {
      unpack_half_bits(in, &levels);
      in += 16;
    }
    uint8_t nibbles[128] = {};
    std::memcpy(nibbles, in, 64);
    unpack_gm8_low(nibbles, &levels);
    set_block32_levels(f, levels, d, m, file);
  } else if (type == DType::kQ4_K) {
    unpack_gm8_low(reinterpret_cast<const BlockQ4_K*>(packed)->qs, &levels);
    std::memset(levels.high, 0, sizeof(levels.high));
    set_q4_K_levels(levels, reinterpret_cast<BlockQ4_K*>(file));
  } else {
    const auto* x = reinterpret_cast<const BlockQ6_K*>(packed);
    unpack_gm8_low(x->ql, &levels);
    unpack_gm8_high(x->qh, &levels);
    set_q6_K_levels(levels, reinterpret_cast<BlockQ6_K*>(file));
  }
}

void pack_matrix(ChunkLayout layout, Matrix* w, void (*unit_packer)(uint8_t* unit)) {
  SINAN_CHECK(w->layout == ChunkLayout::kFile && chunk_layout_supports(layout, w->dtype));
  SINAN_CHECK(w->block_scales == nullptr);
  const size_t bytes = unit_bytes(w->dtype);
  auto* data = const_cast<uint8_t*>(w->data);  // the caller owns writable bytes (the contract above)
  for (int64_t r = 0; r < w->rows; ++r) {
    uint8_t* row = data + static_cast<size_t>(r) * w->row_bytes;
    for (int64_t u = 0; u < w->cols / unit_values(w->dtype); ++u) {
      if (!unit_is_rearranged(w->dtype, w->cols, u)) continue;  // in a row's short last chunk
      if (unit_packer != nullptr) {
        unit_packer(row + u * bytes);
      } else {
        pack_unit(layout, w->dtype, row + u * bytes);
      }
    }
  }
  w->layout = layout;
}

}  // namespace sinan
