// The engine: one thread that owns the model's Context and runs every request, step by step.
//
// Each step it (1) takes newly submitted requests into the scheduler's queue and drops cancelled ones,
// freeing their KV blocks, (2) admits waiting requests into free slots, starting each on the longest
// prefix of its prompt already in the prefix cache, (3) runs the scheduler's plan as ONE ragged
// Context::decode over all active sequences (decode tokens plus prefill chunks), (4) samples a token for
// every sequence that wanted one, with that request's own Sampler (its own seed), and streams the text.
//
// Determinism: a token's logits do not depend on what else is in the batch (every kernel computes each
// token's row in a fixed order, tested in tests/serve/batch_invariance_test.cc), KV rows reused from the
// prefix cache are the very rows a fresh computation writes, and each request samples from its own
// generator. So a request with a seed gets the same tokens alone, batched, or after a cache hit.
//
// Memory: the KV cache is shared by all slots. A request is admitted only when the blocks it may need in
// the worst case (prompt + max_tokens, at most the context) fit beside what the running requests may still
// take, counting blocks only the prefix cache holds as free (they are evicted, least recently used first,
// when a sequence needs them). So a running request never runs out of cache.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "model/context.h"
#include "serve/chat_model.h"
#include "serve/metrics.h"
#include "serve/prefix_cache.h"
#include "serve/request_stream.h"
#include "serve/scheduler.h"

namespace sinan {

struct EngineOptions {
  int n_slots = 4;                // requests generating at once (--parallel)
  int64_t context_tokens = 4096;  // per request: prompt + completion (--ctx-size)
  int64_t kv_tokens = 0;          // the whole KV cache; 0: n_slots * context_tokens
  int64_t step_tokens = 256;      // tokens per forward pass (--batch-tokens)
  int64_t max_queue = 64;         // requests waiting beyond the slots (--max-queue)
  int n_threads = 0;              // 0: one per core
  int64_t kv_block_tokens = 16;
  bool prefix_cache = true;
};

enum class SubmitError { kNone, kInvalid, kQueueFull, kShuttingDown };

struct Submitted {
  std::shared_ptr<RequestStream> stream;  // set when accepted
  SubmitError error = SubmitError::kNone;
  std::string message;
};

class Engine {
 public:
  // The model must outlive the engine.
  static Result<std::unique_ptr<Engine>> create(const ChatModel& model, const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Thread-safe. Checks the request against the context and the queue, then queues it.
  Submitted submit(EngineRequest request);
  // Stops the engine thread; running and waiting requests end with an error event.
  void stop();

  EngineMetrics metrics() const { return metrics_.snapshot(); }
  const EngineOptions& options() const { return options_; }
  const ChatModel& model() const { return model_; }
  // Raw bytes of every token of the tokenizer (for logprobs and the JSON constraint).
  const std::vector<std::string>& token_bytes() const { return token_bytes_; }

 private:
  struct Pending {
    uint64_t id = 0;
    EngineRequest request;
    std::shared_ptr<RequestStream> stream;
    std::chrono::steady_clock::time_point submitted;
  };
  struct Active;

  Engine(const ChatModel& model, const EngineOptions& options, std::unique_ptr<Context> context,
         Scheduler scheduler);
  void run();
  void take_incoming();
  void drop_cancelled();
  void admit();
  int64_t outstanding_blocks() const;
  bool ensure_free_blocks(const std::vector<Scheduler::Work>& plan);
  void step();
  void sample(int slot, float* logits);
  void handle_text(Active& a, const std::string& text);
  void finish(int slot, FinishReason reason, const std::string& error = "");
  void index_blocks(int slot);
  void publish_metrics(int64_t batch_tokens, int64_t batch_sequences, double seconds);
  void wake();

  const ChatModel& model_;
  EngineOptions options_;
  std::unique_ptr<Context> context_;
  Scheduler scheduler_;
  PrefixCache prefix_cache_;
  std::vector<std::string> token_bytes_;
  int64_t vocab_ = 0;

  // Shared with submitting threads.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> incoming_;
  bool stopping_ = false;
  std::atomic<int64_t> in_system_{0};  // submitted and not yet finished (waiting or running)
  uint64_t next_id_ = 1;

  // Engine thread only.
  std::vector<std::unique_ptr<Active>> slots_;
  std::deque<Pending> waiting_;  // in scheduler queue order
  Batch batch_;
  std::vector<float> logits_;                           // [n_slots, vocab]
  std::deque<std::pair<double, int64_t>> rate_window_;  // (time, generated tokens) for tokens/s
  int64_t evictable_ = 0;                               // blocks only the prefix cache holds, as last counted
  double evictable_counted_at_ = 0;

  MetricsBox metrics_;
  std::thread thread_;
};

}  // namespace sinan
