// The decoded forms the CPU matmul kernels work on, shared by every SIMD tier.
//
// Block-quantized weights (q4_0 ... iq4_xs) are decoded 256 values (a "chunk": one k-quant super-block or
// eight 32-value blocks) at a time into an IntChunk: one byte level per value plus float scales, such that
//     weight[i] = group_scale[i / 16] * q[i] - group_min[i / 16]
// Activations are quantized per 32 values, as ggml's q8_0 (d = amax / 127, q = round(x / d)), into
// ActChunks with the same geometry. A dot product is then integer sums of 4 products per lane (VNNI's
// vpdpbusd, AVX2's maddubs + madd), scaled per lane in float, minus sum_g group_min[g] * group_sum[g].
//
// q4_K and q5_K on AVX2 keep their integer scales instead (K4Chunk, the folded form of
// microkernels_avx2.h), so their products take them in the integer widening and the mins meet the
// activations' per-block sums.
//
// Lane order: the scalar tier keeps a chunk's 256 levels (weights and activations alike) in value order.
// The SIMD tiers keep them group-major, so that a 32-bit lane sees one group (one scale) through the chunk
// and its integer sums need one float scaling per chunk: on AVX-512 lane g of 64-byte vector v holds values
// 16 g + 4 v .. + 3 (kGroupMajor16); on AVX2, whose vectors have 8 lanes, lane l of 32-byte vector v holds
// values 16 (8 (v / 4) + l) + 4 (v % 4) .. + 3, groups 0..7 in vectors 0..3 and 8..15 in 4..7
// (kGroupMajor8). MatmulKernels::lane_order says which; lane_position maps.
//
// Two forms of levels: "offset" (unsigned bytes, signed formats shifted by their offset, which then
// lives in group_min) for AVX-512 and the scalar tier, and "signed" for AVX2, whose maddubs would
// saturate on unsigned levels above 127 (iq4_nl, iq4_xs keep their int8 levels there).
//
// q8_0 instead takes int16 activations (d = amax / 32767 per 32 values: int8 activations cost the q8_0
// models more KL than their bars allow) against its int8 levels widened to int16, both in WideChunks, in
// the "wide lane order" every tier shares: int16 element 32 v + 2 g + j (vector v = 0..7 of 32 elements,
// int32 lane g = 0..15, j = 0..1) holds value 4 v + 2 (g % 2) + j of 32-value block g / 2. A lane thus sees
// one block (one scale) through the chunk: pmaddwd / vpdpwssd sum 16 products per lane exactly in int32
// (|sum| < 16 * 127 * 32767 < 2^26), scaled once per chunk.
#pragma once

#include <cstdint>

namespace sinan::cpu {

constexpr int64_t kChunk = 256;            // values per decoded chunk: a multiple of every block size
constexpr int64_t kGroupsPerChunk = 16;    // one min / activation sum per 16 consecutive values

// One weight row's chunk, decoded. Values past the end of the row are zero (level, scale and min).
struct alignas(64) IntChunk {
  uint8_t q[kChunk];                   // levels (int8 in the signed form)
  float group_scale[kGroupsPerChunk];  // scale of the 16 values of group g
  float group_min[kGroupsPerChunk];    // subtracted once per value of group g (offsets and k-quant mins)
};
static_assert(sizeof(IntChunk) == 384);

// One q4_K or q5_K row's chunk in the folded form (AVX2, microkernels_avx2.h): the levels as IntChunk
// holds them, the 6-bit scales as the int16 factors of the integer widening, the mins and the block's two
// factors.
struct alignas(64) K4Chunk {
  uint8_t q[kChunk];
  int16_t scale16[32];  // int16 2 l and 2 l + 1 (half 0) or 16 + ... (half 1): lane l's sub-block scale
  float mins[8];        // sub-block k's 6-bit min
  float d, dmin;
};
static_assert(sizeof(K4Chunk) == 384);

// One token's chunk of activations, quantized per 32 values. Values past the end of the row are zero.
struct alignas(64) ActChunk {
  int8_t q[kChunk];
  float group_sum[kGroupsPerChunk];    // d * sum of the 16 levels of group g (64-byte aligned)
  float group_scale[kGroupsPerChunk];  // d of the 32-value block holding group g (so 2b and 2b + 1 agree),
                                       // one 64-byte vector lined up with IntChunk::group_scale
  float block_sum[kChunk / 32];        // d * sum of the 32 levels of block b (the folded k4 tiles' mins)
};
static_assert(sizeof(ActChunk) == 448);

// One q8_0 weight row's chunk (levels widened) or one token's activations (int16 levels), in the wide lane
// order. Values past the end of the row are zero (level and scale).
struct alignas(64) WideChunk {
  int16_t q[kChunk];
  float group_scale[kGroupsPerChunk];  // d of the 32-value block of lane g (g / 2), so 2b and 2b + 1 agree
};
static_assert(sizeof(WideChunk) == 576);

// One weight row's chunk decoded to float32 (zero past the end of the row).
struct alignas(64) FloatChunk {
  float v[kChunk];
};

// Stack budgets of one matmul call (per thread): quantized activations and the decoded weight panel.
// Worker threads have glibc's default 8 MiB stacks; these stay well below.
constexpr int64_t kActChunkBudget = 480;  // 210 KiB of ActChunks
// Chunks per row decoded at a time. Measured (1.5B tg, alternating binaries): 8 for int8 activations
// (+1-7% over 4), 4 for q8_0's int16 path (8: -12%) and for float weights (8: 4 rows x 8 KiB, slower).
constexpr int64_t kPanelChunks = 8;
constexpr int64_t kWidePanelChunks = 4;
constexpr int64_t kFloatPanelChunks = 4;
constexpr int64_t kMaxTokenBlock = 64;    // tokens per pass over the weights in the k-major order

enum class LaneOrder { kValue, kGroupMajor16, kGroupMajor8 };

// Where value i (0..255) of a chunk sits in a lane order.
constexpr int lane_position(LaneOrder order, int i) {
  switch (order) {
    case LaneOrder::kGroupMajor16: return 64 * ((i % 16) / 4) + 4 * (i / 16) + i % 4;
    case LaneOrder::kGroupMajor8: return 128 * (i / 128) + 32 * ((i % 16) / 4) + 4 * ((i / 16) % 8) + i % 4;
    case LaneOrder::kValue: break;
  }
  return i;
}

// Where value i (0..255) of a chunk sits in the wide lane order.
constexpr int wide_position(int i) { return 32 * ((i % 32) / 4) + 4 * (i / 32) + i % 4; }
constexpr int64_t kWideChunkBudget = 320;  // 180 KiB of WideChunks

inline int64_t chunks_for(int64_t cols) { return (cols + kChunk - 1) / kChunk; }
inline int64_t min_of(int64_t a, int64_t b) { return a < b ? a : b; }

}  // namespace sinan::cpu
