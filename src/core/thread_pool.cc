#include "core/thread_pool.h"

#include <algorithm>

#include "core/check.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SINAN_CPU_PAUSE() _mm_pause()
#else
#define SINAN_CPU_PAUSE() std::this_thread::yield()
#endif

namespace sinan {
int ThreadPool::default_thread_count() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

ThreadPool::ThreadPool(int n_threads, int spin_iterations)
    : n_threads_(n_threads <= 0 ? default_thread_count() : n_threads),
      spin_iterations_(std::max(spin_iterations, 0)),
      split_shares_(new SplitShare[static_cast<size_t>(n_threads_)]) {
  workers_.reserve(static_cast<size_t>(n_threads_ - 1));
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::worker_loop(int thread_index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t generation = generation_.load(std::memory_order_acquire);
    for (int spin = 0; generation == seen && spin < spin_iterations_; ++spin) {
      if (stopping_.load(std::memory_order_relaxed)) return;
      SINAN_CPU_PAUSE();
      generation = generation_.load(std::memory_order_acquire);
    }
    if (generation == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleepers_.fetch_add(1);
      wake_.wait(lock, [&] { return stopping_.load() || generation_.load(std::memory_order_acquire) != seen; });
      sleepers_.fetch_sub(1);
      if (stopping_.load()) return;
      generation = generation_.load(std::memory_order_acquire);
    }
    seen = generation;
    (*job_)(thread_index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);  // the caller may be about to wait on done_
      done_.notify_one();
    }
  }
}

void ThreadPool::run_on_all(FunctionRef<void(int thread_index)> body) {
  if (n_threads_ == 1) {
    body(0);
    return;
  }
  SINAN_CHECK_MSG(pending_.load() == 0, "ThreadPool is not re-entrant");
  job_ = &body;
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_acq_rel);  // publishes job_ and pending_
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);  // pairs with the sleepers' predicate check
    wake_.notify_all();
  }
  body(0);
  if (pending_.load(std::memory_order_acquire) != 0) {
    for (int spin = 0; spin < spin_iterations_ && pending_.load(std::memory_order_acquire) != 0; ++spin) {
      SINAN_CPU_PAUSE();
    }
    if (pending_.load(std::memory_order_acquire) != 0) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
    }
  }
  job_ = nullptr;
}

void ThreadPool::parallel_for(int64_t n, FunctionRef<void(int64_t begin, int64_t end)> body) {
  if (n <= 0) return;
  const int64_t n_chunks = std::min<int64_t>(n, n_threads_);
  if (n_chunks == 1) {
    body(0, n);
    return;
  }
  run_on_all([&](int thread_index) {
    if (thread_index >= n_chunks) return;
    const int64_t begin = n * thread_index / n_chunks;
    const int64_t end = n * (thread_index + 1) / n_chunks;
    body(begin, end);
  });
}

void ThreadPool::parallel_for_dynamic(int64_t n, int64_t grain, FunctionRef<void(int64_t begin, int64_t end)> body) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  if (n_threads_ == 1 || n <= grain) {
    body(0, n);
    return;
  }
  std::atomic<int64_t> next{0};
  run_on_all([&](int) {
    for (int64_t begin = next.fetch_add(grain, std::memory_order_relaxed); begin < n;
         begin = next.fetch_add(grain, std::memory_order_relaxed)) {
      body(begin, std::min(begin + grain, n));
    }
  });
}

void ThreadPool::parallel_for_guided(int64_t n, int64_t min_grain, FunctionRef<void(int64_t begin, int64_t end)> body) {
  if (n <= 0) return;
  min_grain = std::max<int64_t>(min_grain, 1);
  if (n_threads_ == 1 || n <= min_grain) {
    body(0, n);
    return;
  }
  const int64_t divisor = 2 * static_cast<int64_t>(n_threads_);
  std::atomic<int64_t> next{0};
  run_on_all([&](int) {
    int64_t begin = next.load(std::memory_order_relaxed);
    while (begin < n) {
      const int64_t end = std::min(n, begin + std::max(min_grain, (n - begin) / divisor));
      if (next.compare_exchange_weak(begin, end, std::memory_order_relaxed)) {
        body(begin, end);
        begin = next.load(std::memory_order_relaxed);
      }  // else begin now holds the current value: try again from there
    }
  });
}

namespace {

uint64_t pack_range(int64_t begin, int64_t end) {
  return static_cast<uint64_t>(begin) << 32 | static_cast<uint64_t>(end);
}
int64_t range_begin(uint64_t r) {
  return static_cast<int64_t>(r >> 32);
}
int64_t range_end(uint64_t r) {
  return static_cast<int64_t>(r & 0xffffffffu);
}

}  // namespace

void ThreadPool::parallel_for_split(int64_t n, int64_t min_grain,
                                    FunctionRef<void(int64_t begin, int64_t end)> body) {
  if (n <= 0) return;
  min_grain = std::max<int64_t>(min_grain, 1);
  if (n_threads_ == 1 || n <= min_grain) {
    body(0, n);
    return;
  }
  if (n >= (int64_t{1} << 31)) {  // beyond the packed shares
    parallel_for_guided(n, min_grain, body);
    return;
  }
  SplitShare* shares = split_shares_.get();
  const int threads = n_threads_;
  for (int t = 0; t < threads; ++t) {  // published to the workers by run_on_all
    shares[t].range.store(pack_range(n * t / threads, n * (t + 1) / threads), std::memory_order_relaxed);
  }
  run_on_all([&](int t) {
    for (;;) {
      uint64_t own = shares[t].range.load(std::memory_order_acquire);
      while (range_begin(own) < range_end(own)) {
        const int64_t begin = range_begin(own), end = range_end(own);
        const int64_t take_end = std::min(end, begin + std::max(min_grain, (end - begin) / 2));
        if (shares[t].range.compare_exchange_weak(own, pack_range(take_end, end),
                                                  std::memory_order_acq_rel)) {
          body(begin, take_end);
          own = shares[t].range.load(std::memory_order_acquire);
        }  // else own now holds the current share (a thief lowered its end): try again
      }
      // This share is done: take the back half of the largest one left, if it is worth a call.
      int victim = -1;
      int64_t most = 2 * min_grain - 1;
      for (int v = 0; v < threads; ++v) {
        const uint64_t r = shares[v].range.load(std::memory_order_acquire);
        if (range_end(r) - range_begin(r) > most) {
          most = range_end(r) - range_begin(r);
          victim = v;
        }
      }
      if (victim < 0) return;
      uint64_t r = shares[victim].range.load(std::memory_order_acquire);
      for (;;) {
        const int64_t begin = range_begin(r), end = range_end(r);
        if (end - begin < 2 * min_grain) break;
        const int64_t middle = begin + (end - begin) / 2;
        if (shares[victim].range.compare_exchange_weak(r, pack_range(begin, middle),
                                                       std::memory_order_acq_rel)) {
          shares[t].range.store(pack_range(middle, end), std::memory_order_release);
          break;
        }
      }
    }
  });
}

}  // namespace sinan
