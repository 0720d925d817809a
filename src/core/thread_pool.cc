#include "core/thread_pool.h"

#include <algorithm>

#include "core/check.h"

namespace sinan {

int ThreadPool::default_thread_count() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads <= 0 ? default_thread_count() : n_threads) {
  workers_.reserve(n_threads_ - 1);
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::worker_loop(int thread_index) {
  uint64_t seen_generation = 0;
  for (;;) {
    FunctionRef<void(int)>* job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || generation_ != seen_generation; });
      if (stopping_) return;
      seen_generation = generation_;
      job = job_;
    }
    (*job)(thread_index);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) work_done_.notify_one();
    }
  }
}

void ThreadPool::run_on_all(FunctionRef<void(int thread_index)> body) {
  if (n_threads_ == 1) {
    body(0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    SINAN_CHECK_MSG(job_ == nullptr, "ThreadPool is not re-entrant");
    job_ = &body;
    pending_ = n_threads_ - 1;
    ++generation_;
  }
  work_ready_.notify_all();
  body(0);
  std::unique_lock<std::mutex> lock(mutex_);
  work_done_.wait(lock, [&] { return pending_ == 0; });
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

}  // namespace sinan
