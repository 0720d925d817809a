// Running a model: the paged KV cache shared by all sequences, preallocated scratch, a thread pool,
// and the checks that turn a caller's batch into a valid forward pass.
#pragma once

#include <memory>

#include "core/thread_pool.h"
#include "model/model.h"

namespace sinan {

struct ContextOptions {
  int64_t context_tokens = 4096;  // KV cache rows across all sequences
  int64_t max_batch_tokens = 512;  // larger batches are split into chunks of this size
  int max_sequences = 1;
  int n_threads = 0;  // 0: one per hardware thread
  // How long pool threads spin (pause instructions) before sleeping between the few hundred parallel
  // loops of a decode step. Measured on the 2-core benchmark VM (docs/BENCHMARKS.md): tg128 of the 1.5B
  // Q4_K_M preset 22 tokens/s without spinning, 24.7 with 3000; 30000 gave nothing more. 0 when other
  // work competes for the cores (a spinning thread keeps a descheduled partner waiting).
  int spin_iterations = 3000;
  // When the weights take at most 80% of physical memory, move them into huge-page memory (or at least
  // map every page) before the first step; otherwise pages come in from the file as first used.
  bool prefault_weights = true;
  int64_t kv_block_tokens = 16;
};

class Context {
 public:
  static Result<std::unique_ptr<Context>> create(const Model& model, const ContextOptions& options);

  // Runs a batch. For each sequence in it, its tokens must come in position order, starting at or
  // before the sequence's current length (starting before it drops the cached tail first).
  // `logits` receives [batch.n_logits(), vocab] float32, in batch order.
  Status decode(const Batch& batch, float* logits);

  void clear_sequence(int seq);
  int64_t sequence_length(int seq) const { return cache_.length(seq); }
  const PagedKvCache& cache() const { return cache_; }
  // For sharing blocks between sequences (a server's prefix cache); see PagedKvCache::share.
  PagedKvCache& mutable_cache() { return cache_; }
  const ContextOptions& options() const { return options_; }
  const Model& model() const { return model_; }
  // The threads decode runs on, for work interleaved with it (sinan bench's reads alongside decode).
  ThreadPool& thread_pool() { return pool_; }
  void set_tracer(Tracer* tracer) { tracer_ = tracer; }

 private:
  Context(const Model& model, const ContextOptions& options, PagedKvCache cache);
  Status validate(const Batch& batch);
  Status decode_chunk(const Batch& chunk, float* logits);

  const Model& model_;
  ContextOptions options_;
  PagedKvCache cache_;
  ThreadPool pool_;
  std::unique_ptr<ForwardScratch> scratch_;
  Batch chunk_;  // reused for batches longer than max_batch_tokens
  std::vector<int64_t> next_position_;  // per sequence, while validating
  Tracer* tracer_ = nullptr;
};

}  // namespace sinan
