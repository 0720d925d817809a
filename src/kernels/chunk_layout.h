// Load-time rearrangements of a block-quantized matrix's levels, so a SIMD tier's decoder loads them in its
// lane order instead of shuffling them on every pass (decode reads every weight once per token).
//
// kGroupMajor8 (the AVX2 tier, kernels/cpu/panels.h): in each 256-value chunk (one super-block) the levels
// are stored as the eight 32-byte vectors of the group-major-8 order need them. Vector pair i (i = 0..3) is
// 32 bytes whose low nibbles are vector 2 i's 4 low bits of level and high nibbles vector 2 i + 1's. q6_K's
// two high bits of level sit in qh as 2 x 32 bytes: bits 2 s .. 2 s + 1 of byte b of half j belong to byte b
// of vector 4 j + s. The block's scales, mins and d stay where the file has them, so a chunk keeps its size
// and the rearrangement happens in place. Types: q4_K, q6_K.
// The 32-value formats work per half chunk of 4 blocks (values 128 h .. are vectors 4 h .. 4 h + 3 of the
// lane order), so a row whose last chunk holds 4 blocks (V2-Lite's 1408 columns) is rearranged whole.
// q4_0, q4_1, q5_0, q5_1: [the 4 d] [the 4 m: q4_1, q5_1] [the fifth bits: q5_0, q5_1, 16 bytes; bit w of
// byte i's low nibble for byte i of the half's vector w, of its high nibble for byte 16 + i] [the two
// nibble pairs as above, 64 bytes]. q8_0: [the 4 d] [8 x 16 bytes: vector v holds dword v (values 4 v ..
// + 3) of the 4 blocks], which the wide path widens to int16 (kernels/cpu/panels.h, wide lane order) with
// one load each. Each is the same bytes as the 4 blocks.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "kernels/matrix.h"

namespace sinan {

// A layout rearranges a matrix unit by unit: a super-block (256 values) or half a chunk of the 32-value
// formats (4 blocks, 128 values). Unit u of a row of `cols` values is rearranged when its whole 256-value
// chunk lies in the row, or when the row ends exactly at the unit's end (a last chunk of 4 blocks); a
// row's other short last chunks stay in the file layout, so a decoder sees either a rearranged chunk
// (8 blocks, or 4 and nothing after them) or a file-layout one.
int64_t unit_values(DType type);
size_t unit_bytes(DType type);
bool unit_is_rearranged(DType type, int64_t cols, int64_t unit);

// Whether `layout` has a form for `type` (kFile has one for every type).
constexpr bool chunk_layout_supports(ChunkLayout layout, DType type) {
  switch (layout) {
    case ChunkLayout::kFile: return true;
    case ChunkLayout::kGroupMajor8:
      return type == DType::kQ4_K || type == DType::kQ6_K || type == DType::kQ4_0 || type == DType::kQ4_1 ||
             type == DType::kQ5_0 || type == DType::kQ5_1 || type == DType::kQ8_0;
  }
  return false;
}

// unit_is_rearranged as a decoder sees it, from the blocks of 32 values in the chunk it reads: a chunk of
// the 32-value formats is rearranged when it is whole (8 blocks) or is the row's last and holds 4.
constexpr bool chunk_is_rearranged(int blocks) { return blocks == 8 || blocks == 4; }

// Rearranges one unit (unit_bytes(type)) from the file layout into `layout`, in place. The layout must
// support the type.
void pack_unit(ChunkLayout layout, DType type, uint8_t* unit);

// The inverse: `packed` (one unit in `layout`) back to the file layout in `file` (may not alias).
void unpack_unit(ChunkLayout layout, DType type, const uint8_t* packed, uint8_t* file);

// Rearranges every row's units that unit_is_rearranged names (w's bytes must be writable) into `layout`
// and records it in w->layout. `unit_packer`, when given, does pack_unit's work for one unit (a tier's SIMD
// packer, bit for bit the same).
void pack_matrix(ChunkLayout layout, Matrix* w, void (*unit_packer)(uint8_t* unit) = nullptr);

}  // namespace sinan
