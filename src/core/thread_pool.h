// A fixed pool of worker threads for data-parallel loops. The calling thread takes part, so a pool of
// n threads starts n - 1 workers. Owned by whoever runs a model (no global pool).
//
// A decode step calls parallel_for a few hundred times, so waking workers is on the critical path.
// With spin_iterations > 0, workers spin (with a pause instruction) that long after each job before
// sleeping on a condition variable, and the caller spins while it waits: lower latency on an idle
// machine, but harmful when other processes compete for the cores (a spinning thread then keeps a
// descheduled partner off the CPU). 0 waits on the condition variable at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/function_ref.h"

namespace sinan {

class ThreadPool {
 public:
  // n_threads <= 0 means one per hardware thread.
  explicit ThreadPool(int n_threads, int spin_iterations = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls body(begin, end) on disjoint chunks covering [0, n); returns when all are done.
  // Chunks are contiguous so each thread streams its own part of a weight matrix.
  void parallel_for(int64_t n, FunctionRef<void(int64_t begin, int64_t end)> body);

  // Calls body(begin, end) on chunks of at most `grain` indices covering [0, n), handed out in order to
  // whichever thread is free: for work whose cost varies by index (causal attention over growing
  // prefixes), where an even split leaves one thread idle while the other finishes the heavy half.
  // A pool of one thread makes one call over [0, n).
  void parallel_for_dynamic(int64_t n, int64_t grain, FunctionRef<void(int64_t begin, int64_t end)> body);

  // As parallel_for_dynamic, but each free thread takes a share of what is left: max(min_grain,
  // remaining / (2 * size())) indices (guided self-scheduling). The first slices are long (few restarts of
  // a weight stream) and the last ones min_grain long, so the threads finish within one short slice of
  // each other. The slices depend on timing; callers must not let results depend on them.
  void parallel_for_guided(int64_t n, int64_t min_grain, FunctionRef<void(int64_t begin, int64_t end)> body);

  // Each thread starts on its own contiguous share of [0, n) and works through it from the front, taking
  // half of what is left of it (at least min_grain indices) per call of body, so its calls continue one
  // forward stream; a thread whose share is done takes the back half of the largest share still left, so
  // a thread slowed by another process is relieved as with parallel_for_guided. Where the threads keep
  // pace, each streams one contiguous range (guided slices alternate between the threads, so each slice
  // starts a new stream). The calls depend on timing; callers must not let results depend on them.
  void parallel_for_split(int64_t n, int64_t min_grain, FunctionRef<void(int64_t begin, int64_t end)> body);

  // Calls body(thread_index) once on each of the pool's threads.
  void run_on_all(FunctionRef<void(int thread_index)> body);

  static int default_thread_count();

 private:
  void worker_loop(int thread_index);

  // A thread's share for parallel_for_split: [begin, end) packed in one word, so the owner (advancing
  // begin) and a thief (lowering end) change it with one compare-and-swap each and never take the same
  // index. One per thread, kept with the pool (which is not re-entrant), so a call sets only its threads'.
  struct alignas(64) SplitShare {
    std::atomic<uint64_t> range{0};
  };

  int n_threads_;
  int spin_iterations_;
  std::vector<std::thread> workers_;
  std::unique_ptr<SplitShare[]> split_shares_;
  std::atomic<uint64_t> generation_{0};  // bumped once per job
  std::atomic<int> pending_{0};          // workers still running the current job
  std::atomic<bool> stopping_{false};
  std::atomic<int> sleepers_{0};         // workers blocked on wake_
  FunctionRef<void(int)>* job_ = nullptr;  // published by the generation bump (release/acquire)
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
};

}  // namespace sinan
