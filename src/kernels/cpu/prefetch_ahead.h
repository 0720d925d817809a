// Software prefetch for the decode (few-token) matmuls, shared by the SIMD tiers.
//
// A decode GEMV streams every weight byte once, so the memory has to be asked for each byte well before
// the arithmetic reaches it. Two forms:
//  - one-row tiles prefetch inline: each chunk step, as it starts, asks for the bytes kPrefetchAheadBytes
//    after its own (prefetch_chunks_ahead). The requests go out a few at a time among the arithmetic, as
//    fast as it consumes bytes. A row's bytes follow the previous row's, so this runs on across rows and
//    into whatever follows the rows in hand.
//  - the multi-row tiles (several row streams at once) keep RowMajorPrefetch (matmul_driver.h): a burst
//    per panel, issued by the row loop before the tile.
// Zen 5 VM, tg, the two alternating token by token in one run (2026-12-07), inline against the burst
// before each one-row panel: 1.5B Q4_K_M 2.6-7.1% less time per token (4 runs), its Q8_0 20-26% (4),
// V2-Lite Q4_K_M 3.4-7.1% (4); the avx2 tier on the same machine 1.7% / 4.6% / 6.7%. The same bytes are
// read, so the results are the same bits.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "kernels/cpu/panels.h"
#include "kernels/matrix.h"

namespace sinan::cpu {

// How far ahead of the bytes in hand the decode prefetch reaches. Measured on the 1.5B q4_K_M file (tg,
// 2 threads, per-panel bursts): the next panel only 30.4 tokens/s, 4 KiB ahead 34, 8 KiB 37-40. Inline
// (per-token alternation, 1.5B Q4_K_M / V2-Lite / 1.5B Q8_0): 4, 6, 12 and 16 KiB and the T0 hint all
// within 4% of 8 KiB NTA, none better in every run.
constexpr int64_t kPrefetchAheadBytes = 8192;

// Bytes of one 256-value chunk: one k-quant super-block, or eight 32-value blocks (as chunk_bytes(w) in
// matmul_driver.h, at compile time).
template <DType kType>
inline constexpr int64_t kChunkBytes = (kChunk / dtype_info_constexpr(kType).block_elems) *
                                       dtype_info_constexpr(kType).block_bytes;

// Asks for the kBytes bytes kPrefetchAheadBytes after `at`: one prefetch per 64 bytes from its first,
// so a range that does not start on a line may leave its last line to the next range's first prefetch
// (consecutive ranges, as a row's chunks are, cover every line). NTA: the bytes are read once.
template <int64_t kBytes>
__attribute__((always_inline)) inline void prefetch_ahead(const void* at) {
  const char* ahead = static_cast<const char*>(at) + kPrefetchAheadBytes;
  for (int64_t line = 0; line < kBytes; line += 64) __builtin_prefetch(ahead + line, 0, 0);
}

// The inline prefetch of kChunks consecutive chunks from (row, chunk) on.
template <DType kType, int kChunks = 1>
__attribute__((always_inline)) inline void prefetch_chunks_ahead(const Matrix& w, int64_t row,
                                                                 int64_t chunk) {
  static_assert(dtype_info_constexpr(kType).block_elems > 1, "a block format");
  prefetch_ahead<kChunks * kChunkBytes<kType>>(w.row(row) + chunk * kChunkBytes<kType>);
}

}  // namespace sinan::cpu
