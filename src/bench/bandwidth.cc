#include "bench/bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace sinan {

BandwidthMeasurement measure_read_bandwidth(ThreadPool& pool, size_t bytes, int repetitions) {
  const size_t n = bytes / sizeof(uint64_t);
  std::unique_ptr<uint64_t[]> buffer(new uint64_t[n]);
  pool.parallel_for(static_cast<int64_t>(n), [&](int64_t begin, int64_t end) {  // first touch by the reader
    for (int64_t i = begin; i < end; ++i) buffer[i] = static_cast<uint64_t>(i);
  });
  std::vector<uint64_t> sums(static_cast<size_t>(pool.size()));
  BandwidthMeasurement m;
  m.bytes = n * sizeof(uint64_t);
  for (int r = 0; r < repetitions; ++r) {
    const auto start = std::chrono::steady_clock::now();
    pool.run_on_all([&](int t) {
      const size_t begin = n * static_cast<size_t>(t) / static_cast<size_t>(pool.size());
      const size_t end = n * static_cast<size_t>(t + 1) / static_cast<size_t>(pool.size());
      uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;  // independent chains
      size_t i = begin;
      for (; i + 8 <= end; i += 8) {
        s0 += buffer[i];
        s1 += buffer[i + 1];
        s2 += buffer[i + 2];
        s3 += buffer[i + 3];
        s4 += buffer[i + 4];
        s5 += buffer[i + 5];
        s6 += buffer[i + 6];
        s7 += buffer[i + 7];
      }
      for (; i < end; ++i) s0 += buffer[i];
      sums[static_cast<size_t>(t)] = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;  // keeps the loads alive
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m.gb_per_s = std::max(m.gb_per_s, static_cast<double>(m.bytes) / seconds / 1e9);
  }
  volatile uint64_t sink = 0;
  for (uint64_t s : sums) sink = sink + s;
  return m;
}

}  // namespace sinan
