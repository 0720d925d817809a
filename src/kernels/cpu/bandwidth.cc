#include "kernels/cpu/bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace sinan::cpu {
namespace {

// Eight independent sums so the loads, not an addition chain, set the pace.
uint64_t sum_words(const uint64_t* p, size_t n) {
  uint64_t s[8] = {};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int l = 0; l < 8; ++l) s[l] += p[i + l];
  }
  for (; i < n; ++i) s[0] += p[i];
  uint64_t total = 0;
  for (uint64_t v : s) total += v;
  return total;
}

}  // namespace

BandwidthMeasurement measure_read_bandwidth(ThreadPool& pool, size_t bytes, int passes) {
  const size_t words = bytes / 8;
  std::unique_ptr<uint64_t[]> buffer(new uint64_t[words]);
  const int threads = pool.size();
  pool.run_on_all([&](int t) {  // first touch by the thread that reads it
    const size_t begin = words * t / threads, end = words * (t + 1) / threads;
    for (size_t i = begin; i < end; ++i) buffer[i] = i;
  });
  std::vector<double> gbs;
  std::vector<uint64_t> sums(static_cast<size_t>(threads));
  for (int p = 0; p < passes; ++p) {
    const auto start = std::chrono::steady_clock::now();
    pool.run_on_all([&](int t) {
      const size_t begin = words * t / threads, end = words * (t + 1) / threads;
      sums[t] += sum_words(buffer.get() + begin, end - begin);
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    gbs.push_back(static_cast<double>(words * 8) / seconds / 1e9);
  }
  volatile uint64_t sink = 0;  // keep the sums alive
  for (uint64_t s : sums) sink = sink + s;
  std::sort(gbs.begin(), gbs.end());
  BandwidthMeasurement m;
  m.best_gbs = gbs.back();
  m.median_gbs = gbs[gbs.size() / 2];
  m.bytes = words * 8;
  m.passes = passes;
  return m;
}

}  // namespace sinan::cpu
