// The scheduler: which requests run, and what each forward pass computes. Pure bookkeeping over token
// counts (no model, no threads), so it is unit-tested on its own; the engine (engine.h) owns the data.
//
// Requests wait in a bounded FIFO queue and run in one of `n_slots` slots; slot i computes KV sequence i.
// Slot states:
//
//   kFree ──admit──► kPrefill ──last prompt chunk computed──► kDecode ──release──► kFree
//                       │          (its logits give the first token)       ▲
//                       └──────────────────release (cancelled)─────────────┘
//
//   kFree     no request; its KV sequence is empty.
//   kPrefill  the prompt is going in: tokens [0, cached) are in the KV cache (some may have come from the
//             prefix cache at admission); each step computes the next chunk.
//   kDecode   each step feeds the token sampled last and samples the next; the engine decides when the
//             request is done (end token, stop string, max_tokens, context full, client gone) and releases.
//
// One step = one ragged forward pass of at most `step_tokens` tokens: every decoding slot gets its token
// first (new requests never stall running streams), then prefilling slots share what is left in admission
// order (chunked prefill: a long prompt takes several steps while the others keep decoding). Requests
// admitted now join the batch at the next step: continuous batching.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "core/status.h"

namespace sinan {

struct SchedulerOptions {
  int n_slots = 4;
  int64_t step_tokens = 256;  // tokens per forward pass (> n_slots, so prefill always advances)
  int64_t max_queue = 64;     // waiting requests; more are refused (HTTP 429)
};

class Scheduler {
 public:
  using RequestId = uint64_t;
  enum class SlotState { kFree, kPrefill, kDecode };

  struct Work {
    int slot = -1;
    int64_t first_position = 0;  // tokens [first_position, first_position + n_tokens) of the sequence
    int64_t n_tokens = 0;
    bool decode = false;        // one generated token (else a chunk of the prompt)
    bool wants_logits = false;  // a token is sampled after this work
  };

  static Result<Scheduler> create(const SchedulerOptions& options);

  // Queue. enqueue() refuses (false) when the queue is full.
  bool enqueue(RequestId id);
  bool remove_waiting(RequestId id);  // a waiting request was cancelled; false if it is not waiting
  std::optional<RequestId> next_waiting() const;
  int64_t waiting() const { return static_cast<int64_t>(queue_.size()); }

  // A free slot for the next waiting request, or -1.
  int free_slot() const;
  // Moves the next waiting request into `slot`. `cached_tokens` of its prompt are already in the KV cache.
  void admit(int slot, int64_t prompt_tokens, int64_t cached_tokens);

  // The work of the next step (empty when there is nothing to run). Valid until the next call.
  const std::vector<Work>& plan();
  // Records that a planned piece of work was computed.
  void computed(const Work& work);
  // The request in `slot` is done (finished or cancelled): the slot is free again.
  void release(int slot);

  SlotState state(int slot) const { return slots_[slot].state; }
  RequestId request(int slot) const { return slots_[slot].request; }
  int64_t cached(int slot) const { return slots_[slot].cached; }  // tokens of the sequence in the KV cache
  int64_t prompt_tokens(int slot) const { return slots_[slot].prompt_tokens; }
  int active() const;
  const SchedulerOptions& options() const { return options_; }

 private:
  struct Slot {
    SlotState state = SlotState::kFree;
    RequestId request = 0;
    int64_t prompt_tokens = 0;
    int64_t cached = 0;
    uint64_t admitted = 0;  // admission order, for fair prefill
  };
  explicit Scheduler(const SchedulerOptions& options);

  SchedulerOptions options_;
  std::deque<RequestId> queue_;
  std::vector<Slot> slots_;
  std::vector<Work> plan_;
  std::vector<int> prefill_order_;
  uint64_t admissions_ = 0;
};

}  // namespace sinan
