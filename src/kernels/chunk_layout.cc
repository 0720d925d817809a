#include "kernels/chunk_layout.h"

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

}  // namespace

bool chunk_layout_supports(ChunkLayout layout, DType type) {
  switch (layout) {
    case ChunkLayout::kFile: return true;
    case ChunkLayout::kGroupMajor8: return type == DType::kQ4_K || type == DType::kQ6_K;
  }
  return false;
}

void pack_chunk(ChunkLayout layout, DType type, uint8_t* chunk) {
  SINAN_CHECK(chunk_layout_supports(layout, type));
  if (layout == ChunkLayout::kFile) return;
  Levels levels;
  if (type == DType::kQ4_K) {
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

void unpack_chunk(ChunkLayout layout, DType type, const uint8_t* packed, uint8_t* file) {
  SINAN_CHECK(chunk_layout_supports(layout, type));
  const size_t bytes = dtype_info(type).block_bytes;
  std::memcpy(file, packed, bytes);  // scales, mins and d stay in place
  if (layout == ChunkLayout::kFile) return;
  Levels levels;
  if (type == DType::kQ4_K) {
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

void pack_matrix(ChunkLayout layout, Matrix* w) {
  SINAN_CHECK(w->layout == ChunkLayout::kFile && chunk_layout_supports(layout, w->dtype));
  const auto& info = dtype_info(w->dtype);
  SINAN_CHECK(info.block_elems == cpu::kChunk && w->cols % cpu::kChunk == 0);
  auto* data = const_cast<uint8_t*>(w->data);  // the caller owns writable bytes (the contract above)
  for (int64_t r = 0; r < w->rows; ++r) {
    uint8_t* row = data + static_cast<size_t>(r) * w->row_bytes;
    for (int64_t c = 0; c < w->cols / cpu::kChunk; ++c) pack_chunk(layout, w->dtype, row + c * info.block_bytes);
  }
  w->layout = layout;
}

}  // namespace sinan
