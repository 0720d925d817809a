#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
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

// Runs a schedule (a ThreadPool member taking n, a grain and a body) on pools of 1, 2, 3 and 7 threads over a
// range of n and grains and expects every index visited exactly once; check_call(threads, n, grain, begin,
// end) sees each call of the body.
template <class CheckCall>
void expect_every_index_once(void (ThreadPool::*schedule)(int64_t, int64_t,
                                                          FunctionRef<void(int64_t, int64_t)>),
                             CheckCall check_call) {
  for (int threads : {1, 2, 3, 7}) {
    ThreadPool pool(threads, threads == 2 ? 4096 : 0);
    for (int64_t n : {0, 1, 2, 5, 64, 1001, 9496}) {
      for (int64_t grain : {0, 1, 3, 5000}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        (pool.*schedule)(n, grain, [&](int64_t begin, int64_t end) {
          EXPECT_LT(begin, end);
          check_call(threads, n, grain, begin, end);
          for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
        });
        for (auto& h : hits) EXPECT_EQ(h.load(), 1) << threads << " " << n << " " << grain;
      }
    }
  }
}

TEST(ThreadPool, GuidedParallelForCoversEveryIndexOnceInShrinkingSlices) {
  expect_every_index_once(&ThreadPool::parallel_for_guided, [](int threads, int64_t n, int64_t min_grain,
                                                               int64_t begin, int64_t end) {
    if (threads > 1 && n > min_grain) {
      // A share of what was left at the time, never below min_grain unless the end cuts it.
      const int64_t share = std::max<int64_t>(std::max<int64_t>(min_grain, 1), (n - begin) / (2 * threads));
      EXPECT_EQ(end - begin, std::min(share, n - begin)) << n << " " << min_grain << " " << begin;
    }
  });
}

TEST(ThreadPool, SplitParallelForCoversEveryIndexOnce) {
  expect_every_index_once(&ThreadPool::parallel_for_split, [](int, int64_t, int64_t, int64_t, int64_t) {});
}

// A thread held up on its share leaves the back of it to the others, which take it without taking an index
// twice.
TEST(ThreadPool, SplitParallelForRelievesASlowThread) {
  ThreadPool pool(3, 4096);
  constexpr int64_t n = 3000;
  std::vector<std::atomic<int>> hits(n);
  std::vector<std::atomic<size_t>> thread_of(n);  // a hash of the thread that took each index
  pool.parallel_for_split(n, 4, [&](int64_t begin, int64_t end) {
    const size_t id = std::hash<std::thread::id>{}(std::this_thread::get_id());
    if (begin < n / 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the first share is slow
    for (int64_t i = begin; i < end; ++i) {
      hits[static_cast<size_t>(i)]++;
      thread_of[static_cast<size_t>(i)] = id;
    }
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  // While its owner sleeps on the front half, the others take part of the first share's back half.
  int64_t relieved = 0;
  for (int64_t i = 0; i < n / 3; ++i) {
    relieved += thread_of[static_cast<size_t>(i)].load() != thread_of[0].load();
  }
  EXPECT_GT(relieved, 0);
}

TEST(ThreadPool, SplitParallelForRunsOneCallWithOneThread) {
  ThreadPool pool(1);
  int calls = 0;
  pool.parallel_for_split(100, 1, [&](int64_t begin, int64_t end) {
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 100);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
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
