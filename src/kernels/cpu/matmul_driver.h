// The cache blocking around the microkernels, shared by every tier. A tier's translation unit defines
// SINAN_CPU_ISA (its namespace) and, in sinan::cpu::SINAN_CPU_ISA, before including this file:
//   kIntRows, kIntTokens, kFloatRows, kFloatTokens            tile sizes (registers)
//   int_tile<R, T, kSigned>(w, w_stride, a, a_stride, n_chunks, out[R][T])
//   float_tile<R, T>(w_rows[R], x_rows[T], count, out[R][T])
//   Loader16<kType> (kAvailable, supports, make), fused_float_tile<R, T, kType>, kFusedFloatTokens
//   quantize_act_chunks(x, cols, chunk_begin, n_chunks, ActChunk* out)
//   kWideRows, kWideTokens, wide_tile<R, T>, decode_wide<kType>, quantize_act_wide_chunks   q8_0's int16 path
//   decode_int<kType, kForm>(w, row, chunk, IntChunk*), decode_float<kType>(w, row, chunk, n, FloatChunk*)
//   kPrefersSignedLevels                                       AVX2: q8_0 / iq4 keep int8 levels
//   kLaneOrder, to_lane_order(q), decode_int_grouped<..>       the tier's lane order of levels (panels.h)
//   kFusedIntAvailable<kType>, kFusedIntTokens, fused_int_tile<R, T, kType, kPrefetch>   tiles decoding
//   kFusedWideAvailable, kFusedWideTokens, fused_wide_tile<R, T, kPrefetch>   in registers (SIMD tiers);
//                                                    kPrefetch: the inline prefetch (prefetch_ahead.h)
//   kOneRowFusedTokens                               up to this many tokens a fused tile takes one row
//   kFoldedK4<kType>, decode_k4_chunk<kType, kPacked>, k4_tile<R, T>   the k4 types' folded form (AVX2)
//   kPackedLayout, kPackedAvailable<kType>, decode_int_packed<kType>,
//   fused_int_tile_packed<R, T, kType, kPrefetch>, pack_chunk_simd<kType>, kPackedWideAvailable,
//   decode_wide_packed, fused_wide_tile_packed<R, T, kPrefetch>,
//   pack_q8_0_half_simd                              (q8_0's int16 path)
//                                                    matrices rearranged at load (kernels/chunk_layout.h)
// Everything here lives in the tier's namespace, so no symbol compiled with one tier's flags can be
// picked by the linker for another tier.
//
// Loop order (per thread, over its rows): tokens in blocks; for few tokens the activations of whole rows
// are quantized once and each tile of weight rows is decoded once per 1024 columns and used for every
// token ("row-major", the decode path: weights stream from memory exactly once). For many tokens the
// activations are quantized 1024 columns at a time ("k-major"), so a block of 64 tokens stays in L2
// while every weight row tile is decoded once into an L1 panel and multiplied against all 64 tokens.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernels/cpu/decode_reference.h"
#include "kernels/cpu/matmul_kernels.h"
#include "kernels/cpu/panels.h"
#include "kernels/cpu/prefetch_ahead.h"
#include "kernels/matrix.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA (the tier's namespace) before including matmul_driver.h"
#endif

namespace sinan::cpu::SINAN_CPU_ISA {

// ---- tiles: runtime (rows, tokens) of a tile's edge -> the instantiation with those sizes.

using IntTileFn = void (*)(const IntChunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride, int64_t n_chunks,
                           float* y, int64_t y_stride, bool accumulate);
using FloatTileFn = void (*)(const float* const* w_rows, const float* const* x_rows, int64_t count, float* y,
                             int64_t y_stride, bool accumulate);

inline void store_tile(const float* sums, int rows, int tokens, float* y, int64_t y_stride, bool accumulate) {
  for (int t = 0; t < tokens; ++t) {
    for (int r = 0; r < rows; ++r) {
      float& out = y[t * y_stride + r];
      out = accumulate ? out + sums[r * tokens + t] : sums[r * tokens + t];
    }
  }
}

template <int R, int T, bool kSigned>
void int_tile_entry(const IntChunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride, int64_t n_chunks,
                    float* y, int64_t y_stride, bool accumulate) {
  float sums[R][T];
  int_tile<R, T, kSigned>(w, w_stride, a, a_stride, n_chunks, sums);
  store_tile(&sums[0][0], R, T, y, y_stride, accumulate);
}

template <int R, int T>
void k4_tile_entry(const K4Chunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride, int64_t n_chunks, float* y,
                   int64_t y_stride, bool accumulate) {
  float sums[R][T];
  k4_tile<R, T>(w, w_stride, a, a_stride, n_chunks, sums);
  store_tile(&sums[0][0], R, T, y, y_stride, accumulate);
}

template <int R, int T>
void float_tile_entry(const float* const* w_rows, const float* const* x_rows, int64_t count, float* y,
                      int64_t y_stride, bool accumulate) {
  float sums[R][T];
  float_tile<R, T>(w_rows, x_rows, count, sums);
  store_tile(&sums[0][0], R, T, y, y_stride, accumulate);
}

template <int R, int T, DType kType>
void fused_float_tile_entry(const Matrix& w, int64_t r0, const float* const* x_rows, int64_t col0, int64_t count,
                            float* y, int64_t y_stride, bool accumulate) {
  float sums[R][T];
  fused_float_tile<R, T, kType>(w, r0, x_rows, col0, count, sums);
  store_tile(&sums[0][0], R, T, y, y_stride, accumulate);
}

using FusedFloatTileFn = void (*)(const Matrix& w, int64_t r0, const float* const* x_rows, int64_t col0,
                                  int64_t count, float* y, int64_t y_stride, bool accumulate);

template <DType kType, int R, size_t... Ts>
constexpr std::array<FusedFloatTileFn, sizeof...(Ts)> fused_tile_row(std::index_sequence<Ts...>) {
  return {&fused_float_tile_entry<R, static_cast<int>(Ts) + 1, kType>...};
}
template <DType kType, size_t... Rs>
constexpr std::array<std::array<FusedFloatTileFn, kFusedFloatTokens>, sizeof...(Rs)> fused_tile_table(
    std::index_sequence<Rs...>) {
  return {fused_tile_row<kType, static_cast<int>(Rs) + 1>(std::make_index_sequence<kFusedFloatTokens>())...};
}
template <DType kType>
inline constexpr auto kFusedFloatTiles = fused_tile_table<kType>(std::make_index_sequence<kFloatRows>());

template <bool kSigned, int R, size_t... Ts>
constexpr std::array<IntTileFn, sizeof...(Ts)> int_tile_row(std::index_sequence<Ts...>) {
  return {&int_tile_entry<R, static_cast<int>(Ts) + 1, kSigned>...};
}
template <bool kSigned, size_t... Rs>
constexpr std::array<std::array<IntTileFn, kIntTokens>, sizeof...(Rs)> int_tile_table(std::index_sequence<Rs...>) {
  return {int_tile_row<kSigned, static_cast<int>(Rs) + 1>(std::make_index_sequence<kIntTokens>())...};
}
using K4TileFn = void (*)(const K4Chunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride, int64_t n_chunks,
                          float* y, int64_t y_stride, bool accumulate);
template <int R, size_t... Ts>
constexpr std::array<K4TileFn, sizeof...(Ts)> k4_tile_row(std::index_sequence<Ts...>) {
  return {&k4_tile_entry<R, static_cast<int>(Ts) + 1>...};
}
template <DType kType, size_t... Rs>  // kType (q4_K, q5_K) only defers the instantiation to the tier using it
constexpr std::array<std::array<K4TileFn, kIntTokens>, sizeof...(Rs)> k4_tile_table(std::index_sequence<Rs...>) {
  return {k4_tile_row<static_cast<int>(Rs) + 1>(std::make_index_sequence<kIntTokens>())...};
}
template <DType kType>
inline constexpr auto kK4Tiles = k4_tile_table<kType>(std::make_index_sequence<kIntRows>());
template <int R, size_t... Ts>
constexpr std::array<FloatTileFn, sizeof...(Ts)> float_tile_row(std::index_sequence<Ts...>) {
  return {&float_tile_entry<R, static_cast<int>(Ts) + 1>...};
}
template <size_t... Rs>
constexpr std::array<std::array<FloatTileFn, kFloatTokens>, sizeof...(Rs)> float_tile_table(
    std::index_sequence<Rs...>) {
  return {float_tile_row<static_cast<int>(Rs) + 1>(std::make_index_sequence<kFloatTokens>())...};
}

template <bool kSigned>
inline constexpr auto kIntTiles = int_tile_table<kSigned>(std::make_index_sequence<kIntRows>());

using WideTileFn = void (*)(const WideChunk* w, int64_t w_stride, const WideChunk* a, int64_t a_stride,
                            int64_t n_chunks, float* y, int64_t y_stride, bool accumulate);
template <int R, int T>
void wide_tile_entry(const WideChunk* w, int64_t w_stride, const WideChunk* a, int64_t a_stride, int64_t n_chunks,
                     float* y, int64_t y_stride, bool accumulate) {
  float sums[R][T];
  wide_tile<R, T>(w, w_stride, a, a_stride, n_chunks, sums);
  store_tile(&sums[0][0], R, T, y, y_stride, accumulate);
}
template <int R, size_t... Ts>
constexpr std::array<WideTileFn, sizeof...(Ts)> wide_tile_row(std::index_sequence<Ts...>) {
  return {&wide_tile_entry<R, static_cast<int>(Ts) + 1>...};
}
template <size_t... Rs>
constexpr std::array<std::array<WideTileFn, kWideTokens>, sizeof...(Rs)> wide_tile_table(std::index_sequence<Rs...>) {
  return {wide_tile_row<static_cast<int>(Rs) + 1>(std::make_index_sequence<kWideTokens>())...};
}
inline constexpr auto kWideTiles = wide_tile_table(std::make_index_sequence<kWideRows>());
inline constexpr auto kFloatTiles = float_tile_table(std::make_index_sequence<kFloatRows>());

// ---- software prefetch: the weights of the next panel, so the memory system streams them while this
// panel is decoded and multiplied (a panel row is only 0.3 to 4 KiB, too short for the hardware
// prefetchers to get ahead on their own).

inline int64_t chunk_bytes(const Matrix& w) {
  const auto& info = dtype_info(w.dtype);
  return kChunk / info.block_elems * info.block_bytes;
}

inline void prefetch_panel(const Matrix& w, int64_t r0, int64_t rows, int64_t chunk, int64_t n_chunks) {
  const int64_t bytes_per_chunk = chunk_bytes(w);
  const int64_t begin = chunk * bytes_per_chunk;
  const int64_t end = min_of(begin + n_chunks * bytes_per_chunk, static_cast<int64_t>(w.row_bytes));
  for (int64_t r = r0; r < r0 + rows; ++r) {
    // From the cache line holding the first byte: rows need not start on a line.
    const uintptr_t first = (reinterpret_cast<uintptr_t>(w.row(r)) + static_cast<uintptr_t>(begin)) & ~uintptr_t{63};
    const uintptr_t last = reinterpret_cast<uintptr_t>(w.row(r)) + static_cast<uintptr_t>(end);
    for (uintptr_t line = first; line < last; line += 64) __builtin_prefetch(reinterpret_cast<const void*>(line), 0, 0);
  }
}

// The panel after (r0, k0) in the order the drivers visit them: the next k-block of the same rows
// within [a0, a0 + ac), else the next row tile's first one.
template <int64_t kPanel>
inline void prefetch_next_panel(const Matrix& w, int64_t r0, int64_t tile_rows, int64_t row_end, int64_t k0,
                                int64_t a0, int64_t ac) {
  if (k0 + kPanel < a0 + ac) {
    prefetch_panel(w, r0, min_of(tile_rows, row_end - r0), k0 + kPanel, min_of(kPanel, a0 + ac - k0 - kPanel));
  } else if (r0 + tile_rows < row_end) {
    prefetch_panel(w, r0 + tile_rows, min_of(tile_rows, row_end - r0 - tile_rows), a0, min_of(kPanel, ac));
  }
}

// The row-major (decode) loops walk their rows, one contiguous stretch of memory, a tile of rows at a time
// and a panel at a time within it. One-row tiles prefetch inline, chunk by chunk (prefetch_ahead.h). The
// tiles of several rows, and the panels, take RowMajorPrefetch: before each panel the row loop prefetches
// as many bytes as the panel reads, a whole number of tiles (at least kPrefetchAheadBytes) ahead, so the
// next tiles arrive row by row while this one is in hand (whole tiles rather than 8 KiB help rows of 8960
// columns and more). The prefetch runs on past the rows in hand, up to the matrix's last row: a decode
// thread takes its share of the rows in pieces, each the front half of what is left of it
// (parallel_for_split), so the rows after a piece are most often its next piece (for the one-row tiles,
// before they prefetched inline: 0.1-4.2% less time per token on the 1.5B Q4_K_M than stopping at each
// piece's end).

class RowMajorPrefetch {
 public:
  RowMajorPrefetch(const Matrix& w, int64_t row_begin, int64_t tile_rows)
      : start_(w.row(row_begin)),
        chunk_bytes_(chunk_bytes(w)),
        row_bytes_(static_cast<int64_t>(w.row_bytes)) {
    const int64_t tile_bytes = tile_rows * row_bytes_;
    end_ = (w.rows - row_begin) * row_bytes_;
    issued_ = wanted_ = (kPrefetchAheadBytes + tile_bytes - 1) / tile_bytes * tile_bytes;
  }
  void panel(int64_t rows, int64_t chunk0, int64_t chunks) {  // once per panel, with where it is
    // The lines issued track the bytes read exactly: rounding each panel up to whole lines would let the
    // prefetch run further ahead with every panel whose size is not a multiple of 64 (q6_K's 210-byte
    // chunks: ~150 KB ahead by the end of a slice of the output matrix, past L1).
    // A row's short last chunk (columns not a multiple of 256) counts for its bytes only.
    wanted_ += rows * (min_of((chunk0 + chunks) * chunk_bytes_, row_bytes_) - chunk0 * chunk_bytes_);
    for (; issued_ < wanted_ && issued_ < end_; issued_ += 64) __builtin_prefetch(start_ + issued_, 0, 0);
  }

 private:
  const uint8_t* start_;
  int64_t chunk_bytes_;
  int64_t row_bytes_;
  int64_t end_;     // bytes from start_ to the end of the matrix
  int64_t issued_;  // bytes from start_ prefetched so far (a whole tile ahead of the reads at first)
  int64_t wanted_;  // where the prefetch should have reached: the start offset plus the bytes read
};

// ---- block-quantized weights, int8 activations, levels in the tier's lane order (panels.h).

template <DType kType, LevelForm kForm>
void decode_int_in_lane_order(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  if constexpr (kLaneOrder != LaneOrder::kValue) {
    decode_int_grouped<kType, kForm>(w, row, chunk, out);
  } else {
    decode_int<kType, kForm>(w, row, chunk, out);
  }
}

inline void quantize_act_in_lane_order(const float* x, int64_t cols, int64_t chunk_begin, int64_t n_chunks,
                                       ActChunk* out) {
  quantize_act_chunks(x, cols, chunk_begin, n_chunks, out);
  if constexpr (kLaneOrder != LaneOrder::kValue) {
    for (int64_t c = 0; c < n_chunks; ++c) to_lane_order(reinterpret_cast<uint8_t*>(out[c].q));
  }
}

// The two quantized-activation paths share one loop nest; a Path names its chunk forms, decoder,
// quantizer, tile grid and activation budget.
// kPacked: the matrix is in the tier's kPackedLayout (the same chunks, levels already in lane order).
template <DType kType, LevelForm kForm, bool kPacked = false>
struct Int8Path {
  static constexpr bool kFused = kFusedIntAvailable<kType>;
  static constexpr int kFusedTokens = kFusedIntTokens;
  static constexpr bool kHalfRowPairs = kHalfRowPairsAvailable<kType> && !kPacked;
  static int64_t half_row_pairs(const Matrix& w, const ActChunk& a, float* y, int64_t row_begin, int64_t row_end) {
    return fused_half_row_pairs<kType>(w, a, y, row_begin, row_end);
  }
  static constexpr bool kTailPairs = kHalfRowPairsAvailable<kType> && !kPacked;
  static void tail_pair(const Matrix& w, int64_t r, int64_t chunk0, const ActChunk* a, int64_t n_chunks,
                        float (&out)[2]) {
    fused_tail_pair<kType>(w, r, chunk0, a, n_chunks, out);
  }
  template <int R, int T, bool kPrefetch = false>
  static void fused_tile(const Matrix& w, int64_t r0, int64_t chunk0, const ActChunk* a, int64_t a_stride,
                         int64_t n_chunks, float (&out)[R][T]) {
    if constexpr (kPacked) {
      fused_int_tile_packed<R, T, kType, kPrefetch>(w, r0, chunk0, a, a_stride, n_chunks, out);
    } else {
      fused_int_tile<R, T, kType, kPrefetch>(w, r0, chunk0, a, a_stride, n_chunks, out);
    }
  }
  // The k4 types' folded form (kFoldedK4: q4_K, q5_K on AVX2) has its own panel chunks and tiles.
  static constexpr bool kFolded = kFoldedK4<kType>;
  using Panel = std::conditional_t<kFolded, K4Chunk, IntChunk>;
  using Act = ActChunk;
  static constexpr int kRows = kIntRows, kTokens = kIntTokens;
  static constexpr int64_t kPanel = kPanelChunks;
  static constexpr int64_t kActBudget = kActChunkBudget;
  static void decode(const Matrix& w, int64_t row, int64_t chunk, Panel* out) {
    if constexpr (kFolded) {
      decode_k4_chunk<kType, kPacked>(w, row, chunk, out);
    } else if constexpr (kPacked) {
      decode_int_packed<kType>(w, row, chunk, out);
    } else {
      decode_int_in_lane_order<kType, kForm>(w, row, chunk, out);
    }
  }
  static void quantize(const float* x, int64_t cols, int64_t chunk_begin, int64_t n_chunks, ActChunk* out) {
    quantize_act_in_lane_order(x, cols, chunk_begin, n_chunks, out);
  }
  static constexpr const auto& tiles() {
    if constexpr (kFolded) {
      return kK4Tiles<kType>;
    } else {
      return kIntTiles<kForm == LevelForm::kSigned>;
    }
  }
  static constexpr const auto& kTiles = tiles();
};

template <DType kType, bool kPacked = false>
struct WidePath {  // q8_0: int16 activations against widened levels (panels.h)
  static constexpr bool kHalfRowPairs = false;
  static constexpr bool kTailPairs = kWideTailPairsAvailable && !kPacked;
  static void tail_pair(const Matrix& w, int64_t r, int64_t chunk0, const WideChunk* a, int64_t n_chunks,
                        float (&out)[2]) {
    fused_wide_tail_pair(w, r, chunk0, a, n_chunks, out);
  }
  static constexpr bool kFused = kFusedWideAvailable;
  static constexpr int kFusedTokens = kFusedWideTokens;
  template <int R, int T, bool kPrefetch = false>
  static void fused_tile(const Matrix& w, int64_t r0, int64_t chunk0, const WideChunk* a, int64_t a_stride,
                         int64_t n_chunks, float (&out)[R][T]) {
    if constexpr (kPacked) {
      fused_wide_tile_packed<R, T, kPrefetch>(w, r0, chunk0, a, a_stride, n_chunks, out);
    } else {
      fused_wide_tile<R, T, kPrefetch>(w, r0, chunk0, a, a_stride, n_chunks, out);
    }
  }
  using Panel = WideChunk;
  using Act = WideChunk;
  static constexpr int kRows = kWideRows, kTokens = kWideTokens;
  static constexpr int64_t kPanel = kWidePanelChunks;
  static constexpr int64_t kActBudget = kWideChunkBudget;
  static void decode(const Matrix& w, int64_t row, int64_t chunk, WideChunk* out) {
    if constexpr (kPacked) {
      decode_wide_packed(w, row, chunk, out);
    } else {
      decode_wide<kType>(w, row, chunk, out);
    }
  }
  static void quantize(const float* x, int64_t cols, int64_t chunk_begin, int64_t n_chunks, WideChunk* out) {
    quantize_act_wide_chunks(x, cols, chunk_begin, n_chunks, out);
  }
  static constexpr const auto& kTiles = kWideTiles;
};

// ---- decode: up to Path::kFusedTokens tokens, types whose chunks the tier decodes in registers skip the
// panel (Path::fused_tile). The loop and the tiles' arithmetic are prepared_rows' panel ones, so the
// results agree bit for bit with a larger batch's.

template <class Path>
using FusedTileFn = void (*)(const Matrix& w, int64_t r0, int64_t chunk0, const typename Path::Act* a,
                             int64_t a_stride, int64_t n_chunks, float* y, int64_t y_stride, bool accumulate);

template <class Path, int R, int T>
void fused_tile_entry(const Matrix& w, int64_t r0, int64_t chunk0, const typename Path::Act* a, int64_t a_stride,
                      int64_t n_chunks, float* y, int64_t y_stride, bool accumulate) {
  float sums[R][T];
  Path::template fused_tile<R, T>(w, r0, chunk0, a, a_stride, n_chunks, sums);
  store_tile(&sums[0][0], R, T, y, y_stride, accumulate);
}
template <class Path, int R, size_t... Ts>
constexpr std::array<FusedTileFn<Path>, sizeof...(Ts)> fused_tile_row(std::index_sequence<Ts...>) {
  return {&fused_tile_entry<Path, R, static_cast<int>(Ts) + 1>...};
}
template <class Path, size_t... Rs>
constexpr std::array<std::array<FusedTileFn<Path>, Path::kFusedTokens>, sizeof...(Rs)> fused_tile_table(
    std::index_sequence<Rs...>) {
  return {fused_tile_row<Path, static_cast<int>(Rs) + 1>(std::make_index_sequence<Path::kFusedTokens>())...};
}

// One token, rows whose last chunk is half (Path::kTailPairs, 256 k + 128 columns): each row's panels but
// the last as fused_one_row_tiles takes them, then both rows' last panels in one call that puts their two
// half chunks into one whole step (the same bits). Returns the first row not done (an odd last row is
// left to the caller).
template <class Path>
int64_t fused_tail_pair_rows(const Matrix& w, const typename Path::Act* act, int64_t n_chunks, float* y,
                             int64_t row_begin, int64_t row_end) {
  const int64_t last = (n_chunks - 1) / Path::kPanel * Path::kPanel;  // the first chunk of the last panel
  int64_t r = row_begin;
  for (; r + 2 <= row_end; r += 2) {
    for (int64_t row = r; row < r + 2; ++row) {
      for (int64_t k0 = 0; k0 < last; k0 += Path::kPanel) {
        float sums[1][1];
        Path::template fused_tile<1, 1, true>(w, row, k0, act + k0, n_chunks, Path::kPanel, sums);
        y[row] = k0 > 0 ? y[row] + sums[0][0] : sums[0][0];  // store_tile's rule
      }
    }
    float sums[2];  // (tail_pair prefetches inline, as the tiles)
    Path::tail_pair(w, r, last, act + last, n_chunks - last, sums);
    for (int i = 0; i < 2; ++i) y[r + i] = last > 0 ? y[r + i] + sums[i] : sums[i];
  }
  return r;
}

// A tile of one row reads its rows as one forward stream, which the hardware prefetchers follow alongside
// the software prefetch; a tile of several rows reads as many streams interleaved. Where the tier asks for
// it (kOneRowFusedTokens) the few-token tiles take one row: each row's sums are the same either way.
// Those one-row tiles are inlined into the row loop (flatten): a call per row and panel, with the tile's
// set-up and reduction around it, cost as much as a short row's arithmetic. MLA's per-head W_UK and W_UV
// rows are 128 and 512 columns (AVX2 on Zen 3: V2-Lite's W_UK, q5_0, 2.6 -> 1.6 ms per token; the 1.5B
// GEMVs stream faster in 15 of 16 decode_stream_bench cases, up to 23%; AVX-512 on Zen 5: one token only,
// see microkernels_avx512.h). The same tile, same arguments, so the same bits. Each chunk step prefetches
// inline (prefetch_ahead.h; a 128-column row pair of half_row_pairs does not: a head is one short stream).
template <class Path, int T>
[[gnu::flatten]] void fused_one_row_tiles(const Matrix& w, const typename Path::Act* act, int64_t n_chunks, float* y,
                                          int64_t y_stride, int64_t row_begin, int64_t row_end) {
  if constexpr (T == 1 && Path::kHalfRowPairs) {
    if (2 * w.cols == kChunk) {  // rows of half a chunk (MLA's W_UK): two per step, the same bits
      row_begin = Path::half_row_pairs(w, act[0], y, row_begin, row_end);
    }
  }
  if constexpr (T == 1 && Path::kTailPairs) {  // (after half_row_pairs, which leaves at most one row)
    if (w.cols % kChunk == kChunk / 2) {
      row_begin = fused_tail_pair_rows<Path>(w, act, n_chunks, y, row_begin, row_end);
    }
  }
  for (int64_t r = row_begin; r < row_end; ++r) {
    for (int64_t k0 = 0; k0 < n_chunks; k0 += Path::kPanel) {
      const int64_t kc = min_of(Path::kPanel, n_chunks - k0);
      float sums[1][T];
      Path::template fused_tile<1, T, true>(w, r, k0, act + k0, n_chunks, kc, sums);
      for (int t = 0; t < T; ++t) {
        float& out = y[t * y_stride + r];
        out = k0 > 0 ? out + sums[0][t] : sums[0][t];  // store_tile's rule
      }
    }
  }
}

template <class Path>
void fused_rows(const Matrix& w, const typename Path::Act* act, int64_t n_tokens, float* y, int64_t y_stride,
                int64_t row_begin, int64_t row_end) {
  static constexpr auto kTiles = fused_tile_table<Path>(std::make_index_sequence<Path::kRows>());
  const int64_t n_chunks = chunks_for(w.cols);
  if constexpr (kOneRowFusedTokens >= 1) {
    static_assert(kOneRowFusedTokens <= 2);
    if (n_tokens == 1) return fused_one_row_tiles<Path, 1>(w, act, n_chunks, y, y_stride, row_begin, row_end);
    if (n_tokens == 2 && kOneRowFusedTokens == 2) {
      return fused_one_row_tiles<Path, 2>(w, act, n_chunks, y, y_stride, row_begin, row_end);
    }
  }
  RowMajorPrefetch prefetch(w, row_begin, Path::kRows);
  for (int64_t r0 = row_begin; r0 < row_end; r0 += Path::kRows) {
    const int64_t rc = min_of(Path::kRows, row_end - r0);
    for (int64_t k0 = 0; k0 < n_chunks; k0 += Path::kPanel) {
      const int64_t kc = min_of(Path::kPanel, n_chunks - k0);
      prefetch.panel(rc, k0, kc);
      kTiles[rc - 1][n_tokens - 1](w, r0, k0, act + k0, n_chunks, kc, y + r0, y_stride, k0 > 0);
    }
  }
}

// The row-major order on activations already quantized: n_tokens x chunks_for(w.cols) chunks of Path::Act
// in the tier's lane order. matmul_with quantizes them once per call and hands the rows out in slices.
template <class Path>
void prepared_rows(const Matrix& w, const void* act_chunks, int64_t n_tokens, float* y, int64_t y_stride,
                   int64_t row_begin, int64_t row_end) {
  constexpr int kRows = Path::kRows, kTokens = Path::kTokens;
  const auto* act = static_cast<const typename Path::Act*>(act_chunks);
  if constexpr (Path::kFused) {
    if (n_tokens <= Path::kFusedTokens) {
      fused_rows<Path>(w, act, n_tokens, y, y_stride, row_begin, row_end);
      return;
    }
  }
  const int64_t n_chunks = chunks_for(w.cols);
  alignas(64) typename Path::Panel panel[kRows * Path::kPanel];
  RowMajorPrefetch prefetch(w, row_begin, kRows);
  for (int64_t r0 = row_begin; r0 < row_end; r0 += kRows) {
    const int64_t rc = min_of(kRows, row_end - r0);
    for (int64_t k0 = 0; k0 < n_chunks; k0 += Path::kPanel) {
      const int64_t kc = min_of(Path::kPanel, n_chunks - k0);
      prefetch.panel(rc, k0, kc);
      for (int64_t r = 0; r < rc; ++r) {
        for (int64_t c = 0; c < kc; ++c) Path::decode(w, r0 + r, k0 + c, &panel[r * Path::kPanel + c]);
      }
      for (int64_t tt = 0; tt < n_tokens; tt += kTokens) {
        const int64_t tc = min_of(kTokens, n_tokens - tt);
        Path::kTiles[rc - 1][tc - 1](panel, Path::kPanel, act + tt * n_chunks + k0, n_chunks, kc,
                                     y + tt * y_stride + r0, y_stride, k0 > 0);
      }
    }
  }
}

// Few tokens: every row's activations are quantized once (row-major, prepared_rows). Many: a block of up
// to 64 tokens is quantized one panel width (1024 columns) at a time (k-major).
template <class Path>
void quantized_matmul_rows(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y,
                           int64_t y_stride, int64_t row_begin, int64_t row_end) {
  constexpr int kRows = Path::kRows, kTokens = Path::kTokens;
  const int64_t n_chunks = chunks_for(w.cols);
  alignas(64) typename Path::Act act[Path::kActBudget];
  if (n_tokens * n_chunks <= Path::kActBudget) {
    for (int64_t t = 0; t < n_tokens; ++t) Path::quantize(x + t * x_stride, w.cols, 0, n_chunks, act + t * n_chunks);
    prepared_rows<Path>(w, act, n_tokens, y, y_stride, row_begin, row_end);
    return;
  }
  alignas(64) typename Path::Panel panel[kRows * Path::kPanel];
  const int64_t token_block = min_of(kMaxTokenBlock, Path::kActBudget / Path::kPanel);
  for (int64_t t0 = 0; t0 < n_tokens; t0 += token_block) {
    const int64_t tb = min_of(token_block, n_tokens - t0);
    for (int64_t a0 = 0; a0 < n_chunks; a0 += Path::kPanel) {
      const int64_t ac = min_of(Path::kPanel, n_chunks - a0);
      for (int64_t t = 0; t < tb; ++t) Path::quantize(x + (t0 + t) * x_stride, w.cols, a0, ac, act + t * ac);
      for (int64_t r0 = row_begin; r0 < row_end; r0 += kRows) {
        const int64_t rc = min_of(kRows, row_end - r0);
        prefetch_next_panel<Path::kPanel>(w, r0, kRows, row_end, a0, a0, ac);
        for (int64_t r = 0; r < rc; ++r) {
          for (int64_t c = 0; c < ac; ++c) Path::decode(w, r0 + r, a0 + c, &panel[r * Path::kPanel + c]);
        }
        for (int64_t tt = 0; tt < tb; tt += kTokens) {
          const int64_t tc = min_of(kTokens, tb - tt);
          Path::kTiles[rc - 1][tc - 1](panel, Path::kPanel, act + tt * ac, ac, ac, y + (t0 + tt) * y_stride + r0,
                                       y_stride, a0 > 0);
        }
      }
    }
  }
}

template <DType kType, LevelForm kForm, bool kPacked = false>
void int_matmul_rows(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
                     int64_t row_begin, int64_t row_end) {
  quantized_matmul_rows<Int8Path<kType, kForm, kPacked>>(w, x, x_stride, n_tokens, y, y_stride, row_begin, row_end);
}

// ---- float activations: f32, f16, bf16, FP8 (block scales applied while decoding), anything else
// through the scalar decoder. The activations are read in place. Up to kFusedFloatTokens tokens
// the tier's loaders convert the weights in registers; more tokens share a decoded panel.

constexpr int64_t kFloatRowMajorTokens = 16;

template <DType kType>
void fused_float_rows(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y, int64_t y_stride,
                      int64_t row_begin, int64_t row_end) {
  const int64_t n_chunks = chunks_for(w.cols);
  const float* x_rows[kFloatTokens];
  for (int64_t r0 = row_begin; r0 < row_end; r0 += kFloatRows) {
    const int64_t rc = min_of(kFloatRows, row_end - r0);
    for (int64_t k0 = 0; k0 < n_chunks; k0 += kFloatPanelChunks) {
      const int64_t count = min_of(kFloatPanelChunks * kChunk, w.cols - k0 * kChunk);
      prefetch_next_panel<kFloatPanelChunks>(w, r0, kFloatRows, row_end, k0, 0, n_chunks);
      for (int64_t t = 0; t < n_tokens; ++t) x_rows[t] = x + t * x_stride + k0 * kChunk;
      kFusedFloatTiles<kType>[rc - 1][n_tokens - 1](w, r0, x_rows, k0 * kChunk, count, y + r0, y_stride, k0 > 0);
    }
  }
}

template <DType kType>
void float_matmul_rows(const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens, float* y,
                       int64_t y_stride, int64_t row_begin, int64_t row_end) {
  if constexpr (Loader16<kType>::kAvailable) {
    if (n_tokens <= kFusedFloatTokens && Loader16<kType>::supports(w)) {
      fused_float_rows<kType>(w, x, x_stride, n_tokens, y, y_stride, row_begin, row_end);
      return;
    }
  }
  const int64_t n_chunks = chunks_for(w.cols);
  alignas(64) FloatChunk panel[kFloatRows * kFloatPanelChunks];
  const float* w_rows[kFloatRows];
  const float* x_rows[kFloatTokens];
  const bool row_major = n_tokens <= kFloatRowMajorTokens;
  const int64_t token_block = row_major ? n_tokens : kMaxTokenBlock;
  const int64_t block_chunks = row_major ? n_chunks : kFloatPanelChunks;
  for (int64_t t0 = 0; t0 < n_tokens; t0 += token_block) {
    const int64_t tb = min_of(token_block, n_tokens - t0);
    for (int64_t a0 = 0; a0 < n_chunks; a0 += block_chunks) {
      const int64_t ac = min_of(block_chunks, n_chunks - a0);
      for (int64_t r0 = row_begin; r0 < row_end; r0 += kFloatRows) {
        const int64_t rc = min_of(kFloatRows, row_end - r0);
        for (int64_t k0 = a0; k0 < a0 + ac; k0 += kFloatPanelChunks) {
          const int64_t kc = min_of(kFloatPanelChunks, a0 + ac - k0);
          const int64_t count = min_of(kc * kChunk, w.cols - k0 * kChunk);
          prefetch_next_panel<kFloatPanelChunks>(w, r0, kFloatRows, row_end, k0, a0, ac);
          for (int64_t r = 0; r < rc; ++r) w_rows[r] = decode_float<kType>(w, r0 + r, k0, kc, &panel[r * kFloatPanelChunks]);
          for (int64_t tt = 0; tt < tb; tt += kFloatTokens) {
            const int64_t tc = min_of(kFloatTokens, tb - tt);
            for (int64_t t = 0; t < tc; ++t) x_rows[t] = x + (t0 + tt + t) * x_stride + k0 * kChunk;
            kFloatTiles[rc - 1][tc - 1](w_rows, x_rows, count, y + (t0 + tt) * y_stride + r0, y_stride, k0 > 0);
          }
        }
      }
    }
  }
}

// ---- table entries

template <DType kType>
void set_int_entry(MatmulKernels* table) {
  constexpr LevelForm kForm =
      kPrefersSignedLevels && has_signed_form(kType) ? LevelForm::kSigned : LevelForm::kOffset;
  if (activation_form(kType) == ActivationForm::kInt8) {
    table->rows[static_cast<int>(kType)] = &int_matmul_rows<kType, kForm>;
    table->prepared_rows[static_cast<int>(kType)] = &prepared_rows<Int8Path<kType, kForm>>;
  }
  table->decode_int[static_cast<int>(kType)] = &decode_int_in_lane_order<kType, kForm>;
  table->int_form[static_cast<int>(kType)] = kForm;
  if constexpr (kPackedAvailable<kType>) {
    static_assert(kForm == LevelForm::kOffset && kFusedIntAvailable<kType>);
    if (activation_form(kType) == ActivationForm::kInt8) {
      table->packed_rows[static_cast<int>(kType)] = &int_matmul_rows<kType, kForm, true>;
      table->packed_prepared_rows[static_cast<int>(kType)] = &prepared_rows<Int8Path<kType, kForm, true>>;
    }
    table->packed_decode_int[static_cast<int>(kType)] = &decode_int_packed<kType>;
    table->pack_unit[static_cast<int>(kType)] = &pack_chunk_simd<kType>;
    table->packed_layout = kPackedLayout;
  }
  table->quantize_act = &quantize_act_in_lane_order;
  table->lane_order = kLaneOrder;
}

template <DType kType>
void set_wide_entry(MatmulKernels* table) {
  static_assert(kType == DType::kQ8_0, "the wide path is q8_0's");
  table->rows[static_cast<int>(kType)] = &quantized_matmul_rows<WidePath<kType>>;
  table->prepared_rows[static_cast<int>(kType)] = &prepared_rows<WidePath<kType>>;
  table->decode_wide = &decode_wide<kType>;
  table->quantize_wide = &quantize_act_wide_chunks;
  if constexpr (kPackedWideAvailable) {
    table->packed_rows[static_cast<int>(kType)] = &quantized_matmul_rows<WidePath<kType, true>>;
    table->packed_prepared_rows[static_cast<int>(kType)] = &prepared_rows<WidePath<kType, true>>;
    table->packed_decode_wide = &decode_wide_packed;
    table->pack_unit[static_cast<int>(kType)] = &pack_q8_0_half_simd;
    table->packed_layout = kPackedLayout;
  }
}

// The block formats' entries, the same list on every tier, by family: each tier's translation unit for a
// family fills that family (a template, so a unit instantiates only the family it calls).
enum class BlockFamily { k32Value, kSuperBlock };
template <BlockFamily kFamily>
void set_block_format_entries(MatmulKernels* table) {
  if constexpr (kFamily == BlockFamily::k32Value) {
    set_int_entry<DType::kQ4_0>(table);
    set_int_entry<DType::kQ4_1>(table);
    set_int_entry<DType::kQ5_0>(table);
    set_int_entry<DType::kQ5_1>(table);
    set_int_entry<DType::kQ8_0>(table);  // its int8 decoder, for the tests
    set_wide_entry<DType::kQ8_0>(table);
    set_int_entry<DType::kIQ4_NL>(table);
  } else {
    set_int_entry<DType::kQ2_K>(table);
    set_int_entry<DType::kQ3_K>(table);
    set_int_entry<DType::kQ4_K>(table);
    set_int_entry<DType::kQ5_K>(table);
    set_int_entry<DType::kQ6_K>(table);
    set_int_entry<DType::kIQ4_XS>(table);
  }
}

template <DType kType>
void set_float_entry(MatmulKernels* table) {
  table->rows[static_cast<int>(kType)] = &float_matmul_rows<kType>;
  table->decode_float[static_cast<int>(kType)] = &decode_float<kType>;
}

}  // namespace sinan::cpu::SINAN_CPU_ISA
