#include "kernels/cpu/bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "core/check.h"
#include "kernels/cpu/cpu_tier.h"

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

ReadStream::ReadStream(ThreadPool& pool, size_t bytes)
    : words_(new uint64_t[bytes / 8]),
      n_words_(bytes / 8),
      threads_(pool.size()),
      sums_(static_cast<size_t>(pool.size())) {
  pool.run_on_all([&](int t) {  // first touch by the thread that reads it
    const size_t begin = n_words_ * t / threads_, end = n_words_ * (t + 1) / threads_;
    for (size_t i = begin; i < end; ++i) words_[i] = i;
  });
}

double ReadStream::read_seconds(ThreadPool& pool) {
  SINAN_CHECK(pool.size() == threads_);
  const auto start = std::chrono::steady_clock::now();
  pool.run_on_all([&](int t) {
    const size_t begin = n_words_ * t / threads_, end = n_words_ * (t + 1) / threads_;
    sums_[t] += sum_words(words_.get() + begin, end - begin);
  });
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

BandwidthMeasurement measure_read_bandwidth(ThreadPool& pool, size_t bytes, int passes) {
  ReadStream stream(pool, bytes);
  std::vector<double> gbs;
  for (int p = 0; p < passes; ++p)
    gbs.push_back(static_cast<double>(stream.bytes()) / stream.read_seconds(pool) / 1e9);
  std::sort(gbs.begin(), gbs.end());
  BandwidthMeasurement m;
  m.best_gbs = gbs.back();
  m.median_gbs = gbs[gbs.size() / 2];
  m.bytes = stream.bytes();
  m.passes = passes;
  return m;
}

}  // namespace sinan::cpu
