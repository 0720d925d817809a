#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <vector>

namespace sinan {
namespace {

TEST(ThreadPool, ParallelForCoversEveryIndexOnce) {
  for (int threads : {1, 2, 3, 7}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 2, 5, 64, 1001}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      for (int repeat = 0; repeat < 3; ++repeat) {
        pool.parallel_for(n, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
        });
      }
      for (auto& h : hits) EXPECT_EQ(h.load(), 3);
    }
  }
}

TEST(ThreadPool, DynamicParallelForCoversEveryIndexOnce) {
  for (int threads : {1, 2, 3, 7}) {
    ThreadPool pool(threads, threads == 2 ? 4096 : 0);
    for (int64_t n : {0, 1, 2, 5, 64, 1001}) {
      for (int64_t grain : {1, 3, 64, 5000}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        pool.parallel_for_dynamic(n, grain, [&](int64_t begin, int64_t end) {
          if (threads > 1) {
            EXPECT_LE(end - begin, grain);  // one thread runs everything in one call
          }
          EXPECT_LT(begin, end);
          for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
        });
        for (auto& h : hits) EXPECT_EQ(h.load(), 1) << n << " " << grain;
      }
    }
  }
}

TEST(ThreadPool, GuidedParallelForCoversEveryIndexOnceInShrinkingSlices) {
  for (int threads : {1, 2, 3, 7}) {
    ThreadPool pool(threads, threads == 2 ? 4096 : 0);
    for (int64_t n : {0, 1, 2, 5, 64, 1001, 9496}) {
      for (int64_t min_grain : {0, 1, 3, 5000}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        pool.parallel_for_guided(n, min_grain, [&](int64_t begin, int64_t end) {
          EXPECT_LT(begin, end);
          if (threads > 1 && n > min_grain) {
            // A share of what was left at the time, never below min_grain unless the end cuts it.
            const int64_t share = std::max<int64_t>(std::max<int64_t>(min_grain, 1), (n - begin) / (2 * threads));
            EXPECT_EQ(end - begin, std::min(share, n - begin)) << n << " " << min_grain << " " << begin;
          }
          for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
        });
        for (auto& h : hits) EXPECT_EQ(h.load(), 1) << n << " " << min_grain;
      }
    }
  }
}

TEST(ThreadPool, SpinningPoolIsEquallyCorrect) {
  for (int threads : {2, 3}) {
    ThreadPool pool(threads, 4096);
    std::atomic<int64_t> total{0};
    for (int repeat = 0; repeat < 2000; ++repeat) {
      pool.parallel_for(100, [&](int64_t begin, int64_t end) { total += end - begin; });
    }
    EXPECT_EQ(total.load(), 200000);
  }
}

TEST(ThreadPool, RunOnAllVisitsEachThread) {
  ThreadPool pool(4);
  std::vector<std::atomic<int>> seen(4);
  pool.run_on_all([&](int t) { seen[static_cast<size_t>(t)]++; });
  for (auto& s : seen) EXPECT_EQ(s.load(), 1);
}

}  // namespace
}  // namespace sinan
