// The machine's memory read bandwidth, measured: every pool thread streams its own part of a buffer much
// larger than the caches, summing it. The roofline for decode (weights bytes / bandwidth per token).
#pragma once

#include <cstddef>

#include "core/thread_pool.h"

namespace sinan::cpu {

struct BandwidthMeasurement {
  double best_gbs = 0;    // fastest pass, 1e9 bytes per second
  double median_gbs = 0;  // median pass
  size_t bytes = 0;       // buffer size
  int passes = 0;
};

// Allocates `bytes` (touched first so page faults are not timed), then times `passes` full read passes.
BandwidthMeasurement measure_read_bandwidth(ThreadPool& pool, size_t bytes = size_t{1} << 30, int passes = 7);

}  // namespace sinan::cpu
