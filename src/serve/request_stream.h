// What the engine runs for one request, and the thread-safe channel its results come back on.
// The engine thread pushes one StreamEvent per step that produced something; the HTTP thread serving the
// request waits for events and may cancel (its client went away).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "sample/sampler.h"
#include "serve/generate.h"

namespace sinan {

struct EngineRequest {
  std::vector<int32_t> prompt;
  SamplingParams sampling;  // seed included: the same seed gives the same tokens, alone or batched
  bool logprobs = false;    // report each token's logprob (and sampling.top_logprobs alternatives)
  int64_t max_tokens = -1;  // generated tokens at most; -1: until the context is full
  std::vector<std::string> stop;
  bool ignore_eos = false;
  bool reasoning = false;    // the prompt opened a think block: split reasoning_content from content
  bool json_object = false;  // constrain the answer (after the reasoning) to one JSON object
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;      // prompt tokens whose KV came from the prefix cache
  int64_t completion_tokens = 0;  // every sampled token, the final end token included
  int64_t reasoning_tokens = 0;   // of those, the ones inside the think block (through </think>)
  double queue_seconds = 0;       // submitted -> admitted
  double prompt_seconds = 0;      // admitted -> first token
  double generation_seconds = 0;  // first token -> finished
};

struct StreamEvent {
  std::string reasoning;             // reasoning_content delta
  std::string content;               // content (answer) delta
  std::vector<SampledToken> tokens;  // tokens sampled for this event (logprobs filled if requested)
  bool finished = false;
  FinishReason finish_reason = FinishReason::kStop;
  Usage usage;        // set when finished
  std::string error;  // non-empty: the request failed inside the engine (finished is set too)

  bool empty() const { return reasoning.empty() && content.empty() && tokens.empty() && !finished; }
};

class RequestStream {
 public:
  explicit RequestStream(std::function<void()> on_cancel) : on_cancel_(std::move(on_cancel)) {}

  // Engine side.
  void push(StreamEvent event) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_ = finished_ || event.finished;
      events_.push_back(std::move(event));
    }
    ready_.notify_one();
  }

  // Client side: waits up to `timeout` for an event; then, unless the request has finished, keeps gathering
  // events until `not_before` (so a writer can send a few tokens at a time instead of waking for each one).
  // Moves all that are ready into `out` (cleared first). False when none came.
  bool wait(std::vector<StreamEvent>* out, std::chrono::milliseconds timeout,
            std::chrono::steady_clock::time_point not_before = {}) {
    out->clear();
    std::unique_lock<std::mutex> lock(mutex_);
    if (!ready_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return false;
    ready_.wait_until(lock, not_before, [&] { return finished_; });
    out->swap(events_);
    return true;
  }

  // The client is gone: the engine drops the request and frees its cache at its next step.
  void cancel() {
    if (!cancelled_.exchange(true) && on_cancel_) on_cancel_();
  }
  bool cancelled() const { return cancelled_.load(); }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<StreamEvent> events_;
  bool finished_ = false;  // the final event was pushed
  std::atomic<bool> cancelled_{false};
  std::function<void()> on_cancel_;
};

}  // namespace sinan
