// The machine's memory read bandwidth, measured: every pool thread streams its own part of a buffer much
// larger than the caches, summing it. The roofline for decode (weights bytes / bandwidth per token).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/thread_pool.h"

namespace sinan::cpu {

// A buffer the pool's threads read, each its own contiguous part, as plainly as memory allows (wide loads,
// independent sums). Built once, first touched by the threads that read it, so passes time no page faults.
// The pool passed to read_seconds must have the size it was built with.
class ReadStream {
 public:
  ReadStream(ThreadPool& pool, size_t bytes);
  double read_seconds(ThreadPool& pool);  // one full pass
  size_t bytes() const { return n_words_ * 8; }

 private:
  std::unique_ptr<uint64_t[]> words_;
  size_t n_words_;
  int threads_;
  std::vector<uint64_t> sums_;  // per thread, kept so the reads are not optimized away
};

struct BandwidthMeasurement {
  double best_gbs = 0;    // fastest pass, 1e9 bytes per second
  double median_gbs = 0;  // median pass
  size_t bytes = 0;       // buffer size
  int passes = 0;
};

// Allocates `bytes` (touched first so page faults are not timed), then times `passes` full read passes.
BandwidthMeasurement measure_read_bandwidth(ThreadPool& pool, size_t bytes = size_t{1} << 30, int passes = 7);

}  // namespace sinan::cpu
