// Counters and gauges of the engine, read by GET /metrics (rendered as Prometheus text in api/metrics.cc).
// The engine thread writes them once per step under a mutex; readers take a copy.
#pragma once

#include <cstdint>
#include <mutex>

namespace sinan {

struct EngineMetrics {
  // Counters (since start).
  int64_t requests_finished = 0;     // ended normally (stop, length)
  int64_t requests_cancelled = 0;    // their client went away
  int64_t requests_failed = 0;       // an engine error
  int64_t prompt_tokens = 0;         // prompt tokens of admitted requests
  int64_t prompt_tokens_cached = 0;  // of those, reused from the prefix cache
  int64_t prompt_tokens_computed = 0;
  int64_t generated_tokens = 0;
  int64_t steps = 0;        // forward passes
  int64_t step_tokens = 0;  // tokens over all forward passes
  double step_seconds = 0;  // time inside forward passes
  // Gauges (now).
  int64_t queue_depth = 0;                 // requests waiting for a slot
  int64_t active_requests = 0;             // requests in slots
  int64_t last_batch_tokens = 0;           // tokens in the latest forward pass
  int64_t last_batch_sequences = 0;        // sequences in it
  double generated_tokens_per_second = 0;  // over the last few seconds
  int64_t kv_blocks_total = 0;
  int64_t kv_blocks_used = 0;    // held by a sequence or the prefix cache
  int64_t kv_blocks_cached = 0;  // held only by the prefix cache (reusable, evictable)
  int64_t kv_block_tokens = 0;
  int64_t prefix_cache_blocks = 0;  // blocks the prefix cache indexes
  int64_t slots = 0;
};

class MetricsBox {
 public:
  EngineMetrics snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return metrics_;
  }
  template <typename F>
  void update(F&& f) {
    std::lock_guard<std::mutex> lock(mutex_);
    f(metrics_);
  }

 private:
  mutable std::mutex mutex_;
  EngineMetrics metrics_;
};

}  // namespace sinan
