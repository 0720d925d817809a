// The machine's memory read bandwidth, measured: the limit every decode speed is compared with.
#pragma once

#include <cstddef>

#include "core/thread_pool.h"

namespace sinan {

struct BandwidthMeasurement {
  double gb_per_s = 0;  // best of the repetitions, 1 GB = 1e9 bytes
  size_t bytes = 0;     // buffer size read per repetition
};

// Streams a buffer of `bytes` (default 1 GiB, far larger than any cache) with every thread of the pool
// summing its own contiguous slice, `repetitions` times; reports the best.
BandwidthMeasurement measure_read_bandwidth(ThreadPool& pool, size_t bytes = size_t{1} << 30, int repetitions = 5);

}  // namespace sinan
