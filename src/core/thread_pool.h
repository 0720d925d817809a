// A fixed pool of worker threads for data-parallel loops. The calling thread takes part, so a pool of
// n threads starts n - 1 workers. Owned by whoever runs a model (no global pool).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/function_ref.h"

namespace sinan {

class ThreadPool {
 public:
  // n_threads <= 0 means one per hardware thread.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls body(begin, end) on disjoint chunks covering [0, n); returns when all are done.
  // Chunks are contiguous so each thread streams its own part of a weight matrix.
  void parallel_for(int64_t n, FunctionRef<void(int64_t begin, int64_t end)> body);

  // Calls body(thread_index) once on each of the pool's threads.
  void run_on_all(FunctionRef<void(int thread_index)> body);

  static int default_thread_count();

 private:
  void worker_loop(int thread_index);

  int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stopping_ = false;
  FunctionRef<void(int)>* job_ = nullptr;
};

}  // namespace sinan
