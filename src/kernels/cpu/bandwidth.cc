#include "kernels/cpu/bandwidth.h"

#include "kernels/cpu/cpu_tier.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace sinan::cpu {
namespace {

// Independent sums so the loads, not an addition chain, set the pace. With SSE2 only a core sums about
// 20 GB/s, less than one core can stream, so the AVX2 build of the same loop runs where it can.
inline uint64_t sum_words_impl(const uint64_t* p, size_t n) {
  uint64_t s[16] = {};
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int l = 0; l < 16; ++l) s[l] += p[i + l];
  }
  for (; i < n; ++i) s[0] += p[i];
  uint64_t total = 0;
  for (uint64_t v : s) total += v;
  return total;
}

uint64_t sum_words_baseline(const uint64_t* p, size_t n) { return sum_words_impl(p, n); }

#if defined(__x86_64__)
__attribute__((target("avx2"))) uint64_t sum_words_avx2(const uint64_t* p, size_t n) { return sum_words_impl(p, n); }
#endif

uint64_t sum_words(const uint64_t* p, size_t n) {
#if defined(__x86_64__)
  if (detected_cpu_tier() >= CpuTier::kAvx2) return sum_words_avx2(p, n);
#endif
  return sum_words_baseline(p, n);
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
