#include "serve/engine.h"

#include <algorithm>
#include <limits>

#include "core/check.h"
#include "serve/json_constraint.h"
#include "serve/stop_strings.h"
#include "text/chat/reasoning.h"
#include "text/incremental_decoder.h"

namespace sinan {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int64_t blocks_for(int64_t tokens, int64_t block_tokens) {
  return (tokens + block_tokens - 1) / block_tokens;
}

}  // namespace

// A request in a slot: its sampler and the text pipeline that turns tokens into reasoning and content.
struct Engine::Active {
  Active(Pending&& p, const ChatModel& model, int64_t vocab)
      : id(p.id),
        request(std::move(p.request)),
        stream(std::move(p.stream)),
        sampler(request.sampling, vocab),
        decoder(*model.tokenizer),
        stops(request.stop),
        submitted(p.submitted) {}

  uint64_t id;
  EngineRequest request;
  std::shared_ptr<RequestStream> stream;
  Sampler sampler;
  std::vector<int32_t> tokens;     // the sequence: prompt, then generated tokens
  std::vector<int32_t> generated;  // what the penalties look at
  IncrementalDecoder decoder;
  StopStringFilter stops;  // on the answer only, for reasoning requests
  std::optional<chat::ReasoningStreamSplitter> splitter;
  std::optional<JsonConstraint> json;
  bool answer_started = false;  // past the reasoning (JSON constraint applies)
  std::string think_tail;       // the last bytes of raw text while reasoning, to find what follows </think>
  int64_t max_total = 0;        // prompt + generated may not exceed this
  int64_t shared_blocks = 0;    // blocks taken from the prefix cache at admission
  int64_t reserve_blocks = 0;   // blocks of its own it may take in the worst case
  int64_t indexed_blocks = 0;   // full blocks already given to the prefix cache
  Usage usage;
  StreamEvent event;  // what the current step produced
  Clock::time_point submitted, admitted, first_token;
};

Result<std::unique_ptr<Engine>> Engine::create(const ChatModel& model, const EngineOptions& options_in) {
  EngineOptions options = options_in;
  if (!model.tokenizer) return Status::error("the model has no tokenizer");
  if (options.context_tokens < 2) return Status::error("--ctx-size must be at least 2");
  if (options.kv_tokens == 0) options.kv_tokens = options.context_tokens * options.n_slots;
  if (options.kv_tokens < options.context_tokens) {
    return Status::errorf("--kv-tokens ({}) must hold at least one whole context (--ctx-size {})",
                          options.kv_tokens, options.context_tokens);
  }
  if (options.kv_block_tokens < 1) return Status::error("the KV block size must be positive");
  SchedulerOptions so;
  so.n_slots = options.n_slots;
  so.step_tokens = options.step_tokens;
  so.max_queue = std::numeric_limits<int64_t>::max();  // the engine bounds the queue at submit()
  SINAN_ASSIGN_OR_RETURN(Scheduler scheduler, Scheduler::create(so));
  if (options.max_queue < 0) return Status::error("--max-queue cannot be negative");
  ContextOptions co;
  co.context_tokens = options.kv_tokens;
  co.max_batch_tokens = options.step_tokens;
  co.max_sequences = options.n_slots;
  co.n_threads = options.n_threads;
  co.kv_block_tokens = options.kv_block_tokens;
  SINAN_ASSIGN_OR_RETURN(std::unique_ptr<Context> context, Context::create(*model.model, co));
  return std::unique_ptr<Engine>(new Engine(model, options, std::move(context), std::move(scheduler)));
}

Engine::Engine(const ChatModel& model, const EngineOptions& options, std::unique_ptr<Context> context,
               Scheduler scheduler)
    : model_(model),
      options_(options),
      context_(std::move(context)),
      scheduler_(std::move(scheduler)),
      prefix_cache_(options.kv_block_tokens) {
  vocab_ = model.model->config().vocab_size;
  const int32_t n_tokens = model.tokenizer->n_vocab();
  token_bytes_.reserve(static_cast<size_t>(n_tokens));
  for (int32_t id = 0; id < n_tokens; ++id)
    token_bytes_.emplace_back(model.tokenizer->decode_bytes({&id, 1}));
  slots_.resize(static_cast<size_t>(options.n_slots));
  logits_.resize(static_cast<size_t>(options.n_slots * vocab_));
  batch_.tokens.reserve(static_cast<size_t>(options.step_tokens));
  batch_.seq_ids.reserve(static_cast<size_t>(options.step_tokens));
  batch_.positions.reserve(static_cast<size_t>(options.step_tokens));
  batch_.want_logits.reserve(static_cast<size_t>(options.step_tokens));
  metrics_.update([&](EngineMetrics& m) {
    m.slots = options.n_slots;
    m.kv_blocks_total = context_->cache().total_blocks();
    m.kv_block_tokens = options.kv_block_tokens;
  });
  thread_ = std::thread([this] { run(); });
}

Engine::~Engine() {
  stop();
}

void Engine::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Engine::wake() {
  wake_.notify_all();
}

Submitted Engine::submit(EngineRequest request) {
  Submitted out;
  auto refuse = [&](SubmitError error, std::string message) {
    out.error = error;
    out.message = std::move(message);
    return out;
  };
  if (request.logprobs) request.sampling.logprobs = true;  // the sampler skips the log-softmax otherwise
  const auto n = static_cast<int64_t>(request.prompt.size());
  const int64_t context = options_.context_tokens;
  if (n == 0) return refuse(SubmitError::kInvalid, "the prompt is empty");
  for (int32_t t : request.prompt) {
    if (t < 0 || t >= vocab_) {
      return refuse(SubmitError::kInvalid,
                    fmt::format("token id {} is outside the model's vocabulary (0..{})", t, vocab_ - 1));
    }
  }
  if (n >= context) {
    return refuse(
        SubmitError::kInvalid,
        fmt::format("the prompt has {} tokens but the context holds {} (prompt and completion together), "
                    "so it is {} tokens too long; shorten it, or start the server with a larger --ctx-size",
                    n, context, n - context + 1));
  }
  if (request.max_tokens == 0 || request.max_tokens < -1) {
    return refuse(SubmitError::kInvalid, "max_tokens must be at least 1");
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return refuse(SubmitError::kShuttingDown, "the server is shutting down");
    if (in_system_.load() >= options_.n_slots + options_.max_queue) {
      return refuse(
          SubmitError::kQueueFull,
          fmt::format("the server is busy ({} requests running or waiting, the most it takes); retry "
                      "shortly",
                      in_system_.load()));
    }
    Pending p;
    p.id = next_id_++;
    p.request = std::move(request);
    p.stream = std::make_shared<RequestStream>([this] { wake(); });
    p.submitted = Clock::now();
    out.stream = p.stream;
    incoming_.push_back(std::move(p));
    ++in_system_;
  }
  wake_.notify_all();
  return out;
}

void Engine::run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(200), [&] {
        return stopping_ || !incoming_.empty() || scheduler_.active() > 0 || !waiting_.empty();
      });
      if (stopping_) break;
      take_incoming();
    }
    drop_cancelled();
    admit();
    step();
  }
  // Shutting down: every request still here ends with an error.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    take_incoming();
  }
  for (int slot = 0; slot < options_.n_slots; ++slot) {
    if (slots_[slot]) finish(slot, FinishReason::kStop, "the server is shutting down");
  }
  for (Pending& p : waiting_) {
    StreamEvent e;
    e.finished = true;
    e.error = "the server is shutting down";
    p.stream->push(std::move(e));
    --in_system_;
  }
  waiting_.clear();
}

void Engine::take_incoming() {
  while (!incoming_.empty()) {
    Pending& p = incoming_.front();
    SINAN_CHECK(scheduler_.enqueue(p.id));
    waiting_.push_back(std::move(p));
    incoming_.pop_front();
  }
}

void Engine::drop_cancelled() {
  for (int slot = 0; slot < options_.n_slots; ++slot) {
    if (slots_[slot] && slots_[slot]->stream->cancelled()) finish(slot, FinishReason::kCancelled);
  }
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (!it->stream->cancelled()) {
      ++it;
      continue;
    }
    SINAN_CHECK(scheduler_.remove_waiting(it->id));
    StreamEvent e;
    e.finished = true;
    e.finish_reason = FinishReason::kCancelled;
    it->stream->push(std::move(e));
    it = waiting_.erase(it);
    --in_system_;
    metrics_.update([](EngineMetrics& m) { ++m.requests_cancelled; });
  }
}

int64_t Engine::outstanding_blocks() const {
  int64_t total = 0;
  for (int slot = 0; slot < options_.n_slots; ++slot) {
    const Active* a = slots_[slot].get();
    if (a == nullptr) continue;
    const auto owned = static_cast<int64_t>(context_->cache().block_table(slot).size()) - a->shared_blocks;
    total += std::max<int64_t>(0, a->reserve_blocks - owned);
  }
  return total;
}

void Engine::admit() {
  PagedKvCache& cache = context_->mutable_cache();
  const int64_t bt = options_.kv_block_tokens;
  for (;;) {
    const int slot = scheduler_.free_slot();
    const auto next = scheduler_.next_waiting();
    if (slot < 0 || !next) return;
    Pending& p = waiting_.front();
    SINAN_CHECK(p.id == *next);
    const auto& prompt = p.request.prompt;
    const auto n = static_cast<int64_t>(prompt.size());
    const int64_t max_total = p.request.max_tokens < 0
                                  ? options_.context_tokens
                                  : std::min(options_.context_tokens, n + p.request.max_tokens);
    // Reuse whole cached blocks, but leave the last prompt token to compute: its logits give the first token.
    std::vector<int32_t> shared;
    if (options_.prefix_cache) shared = prefix_cache_.lookup(prompt, n - 1);
    if (!shared.empty()) cache.share(slot, shared);
    const int64_t need = blocks_for(max_total, bt) - static_cast<int64_t>(shared.size());
    const int64_t available = cache.free_blocks() + prefix_cache_.evictable(cache) - outstanding_blocks();
    if (need > available) {  // wait for running requests to finish
      if (!shared.empty()) context_->clear_sequence(slot);
      return;
    }
    const int64_t cached = static_cast<int64_t>(shared.size()) * bt;
    scheduler_.admit(slot, n, cached);
    auto a = std::make_unique<Active>(std::move(p), model_, vocab_);
    waiting_.pop_front();
    a->admitted = Clock::now();
    a->tokens = a->request.prompt;
    a->generated.reserve(static_cast<size_t>(max_total - n));
    a->tokens.reserve(static_cast<size_t>(max_total));
    a->max_total = max_total;
    a->shared_blocks = static_cast<int64_t>(shared.size());
    a->indexed_blocks = a->shared_blocks;
    a->reserve_blocks = need;
    a->usage.prompt_tokens = n;
    a->usage.cached_tokens = cached;
    a->usage.queue_seconds = seconds_between(a->submitted, a->admitted);
    if (a->request.reasoning) a->splitter.emplace(true);
    a->answer_started = !a->request.reasoning;
    if (a->request.json_object) a->json.emplace(&token_bytes_, model_.end_tokens);
    slots_[slot] = std::move(a);
    metrics_.update([&](EngineMetrics& m) {
      m.prompt_tokens += n;
      m.prompt_tokens_cached += cached;
      m.prompt_tokens_computed += n - cached;
    });
  }
}

bool Engine::ensure_free_blocks(const std::vector<Scheduler::Work>& plan) {
  PagedKvCache& cache = context_->mutable_cache();
  int64_t needed = 0;
  for (const auto& w : plan) {
    const auto have = static_cast<int64_t>(cache.block_table(w.slot).size());
    needed +=
        std::max<int64_t>(0, blocks_for(w.first_position + w.n_tokens, options_.kv_block_tokens) - have);
  }
  // Evicting sorts the whole index, so free a few dozen blocks beyond the need at once.
  if (cache.free_blocks() < needed) prefix_cache_.evict(cache, needed + 32);
  return cache.free_blocks() >= needed;
}

void Engine::step() {
  const auto& plan = scheduler_.plan();
  if (plan.empty()) {
    publish_metrics(0, 0, 0);
    return;
  }
  Status status;
  if (!ensure_free_blocks(plan)) status = Status::error("internal error: the KV cache ran out of blocks");
  batch_.clear();
  for (const auto& w : plan) {
    const Active& a = *slots_[w.slot];
    for (int64_t i = 0; i < w.n_tokens; ++i) {
      const int64_t position = w.first_position + i;
      batch_.add(a.tokens[position], w.slot, static_cast<int32_t>(position),
                 w.wants_logits && i + 1 == w.n_tokens);
    }
  }
  const auto start = Clock::now();
  if (status.ok()) status = context_->decode(batch_, logits_.data());
  const double seconds = seconds_between(start, Clock::now());
  if (!status.ok()) {
    const std::vector<Scheduler::Work> failed = plan;
    for (const auto& w : failed) finish(w.slot, FinishReason::kStop, status.message());
    return;
  }
  const std::vector<Scheduler::Work>& work = plan;  // unchanged until the next plan()
  int64_t row = 0;
  for (const auto& w : work) {
    scheduler_.computed(w);
    if (options_.prefix_cache) index_blocks(w.slot);
    if (w.wants_logits) sample(w.slot, logits_.data() + (row++) * vocab_);
  }
  for (auto& a : slots_) {
    if (a && !a->event.empty()) {
      a->stream->push(std::move(a->event));
      a->event = StreamEvent{};
    }
  }
  publish_metrics(batch_.size(), static_cast<int64_t>(work.size()), seconds);
}

void Engine::index_blocks(int slot) {
  Active& a = *slots_[slot];
  const int64_t full = scheduler_.cached(slot) / options_.kv_block_tokens;
  if (full <= a.indexed_blocks) return;
  PagedKvCache& cache = context_->mutable_cache();
  const auto table = cache.block_table(slot);
  prefix_cache_.insert(
      std::span<const int32_t>(a.tokens.data(), static_cast<size_t>(full * options_.kv_block_tokens)),
      table.subspan(0, static_cast<size_t>(full)), cache);
  a.indexed_blocks = full;
}

void Engine::sample(int slot, float* logits) {
  Active& a = *slots_[slot];
  const auto position = static_cast<int64_t>(a.tokens.size());  // where the new token goes
  const int64_t tokens_left = a.max_total - position;
  SINAN_CHECK(tokens_left >= 1);
  if (a.json && a.answer_started && !a.json->mask(logits, vocab_, tokens_left)) {
    finish(slot, FinishReason::kLength);  // no token can continue the object within the limit
    return;
  }
  SampledToken sampled = a.sampler.sample(logits, a.generated);
  const int32_t token = sampled.token;
  if (a.usage.completion_tokens == 0) a.first_token = Clock::now();
  ++a.usage.completion_tokens;
  if (a.splitter && !a.splitter->reasoning_finished()) ++a.usage.reasoning_tokens;
  if (a.request.logprobs) a.event.tokens.push_back(std::move(sampled));
  metrics_.update([](EngineMetrics& m) { ++m.generated_tokens; });
  const auto& ends = model_.end_tokens;
  if (!a.request.ignore_eos && std::find(ends.begin(), ends.end(), token) != ends.end()) {
    finish(slot, FinishReason::kStop);
    return;
  }
  a.tokens.push_back(token);
  a.generated.push_back(token);
  if (a.json && a.answer_started && !a.json->accept(token)) a.json.reset();  // cannot happen after mask()
  handle_text(a, a.decoder.push(token));
  if (a.stops.stopped()) {
    finish(slot, FinishReason::kStop);
    return;
  }
  if (position + 1 >= a.max_total) finish(slot, FinishReason::kLength);
}

void Engine::handle_text(Active& a, const std::string& text) {
  if (text.empty()) return;
  if (!a.splitter) {
    a.event.content += a.stops.push(text);
    return;
  }
  const chat::ReasoningDelta d = a.splitter->feed(text);
  a.event.reasoning += d.reasoning_content;
  if (!d.content.empty()) a.event.content += a.stops.push(d.content);
  if (a.json && !a.answer_started) {
    if (a.think_tail.size() > 16) a.think_tail.erase(0, a.think_tail.size() - 16);
    a.think_tail += text;
    if (a.splitter->reasoning_finished()) {
      a.answer_started = true;
      const size_t tag = a.think_tail.rfind("</think>");
      const std::string rest = tag == std::string::npos ? std::string() : a.think_tail.substr(tag + 8);
      if (!a.json->accept_text(rest)) a.json.reset();  // the same token began an answer that is not JSON
    }
  }
}

void Engine::finish(int slot, FinishReason reason, const std::string& error) {
  Active& a = *slots_[slot];
  if (reason != FinishReason::kCancelled && error.empty()) {
    // Release what the decoder, the splitter and the stop filter held back.
    const std::string tail = a.decoder.finish();
    if (a.splitter) {
      chat::ReasoningDelta d = a.splitter->feed(tail);
      const chat::ReasoningDelta last = a.splitter->finish();
      a.event.reasoning += d.reasoning_content + last.reasoning_content;
      a.event.content += a.stops.push(d.content + last.content);
    } else {
      a.event.content += a.stops.push(tail);
    }
    a.event.content += a.stops.finish();
  }
  const auto now = Clock::now();
  if (a.usage.completion_tokens > 0) {
    a.usage.prompt_seconds = seconds_between(a.admitted, a.first_token);
    a.usage.generation_seconds = seconds_between(a.first_token, now);
  } else {
    a.usage.prompt_seconds = seconds_between(a.admitted, now);
  }
  a.event.finished = true;
  a.event.finish_reason = reason;
  a.event.error = error;
  a.event.usage = a.usage;
  StreamEvent last = std::move(a.event);
  const std::shared_ptr<RequestStream> stream = a.stream;
  context_->clear_sequence(slot);
  scheduler_.release(slot);
  slots_[slot].reset();
  --in_system_;
  // The counters and gauges change before the client hears of the end, so a client that reads
  // /metrics after its answer sees its request gone and its blocks freed.
  const PagedKvCache& cache = context_->cache();
  evictable_ = prefix_cache_.evictable(cache);
  metrics_.update([&](EngineMetrics& m) {
    if (!error.empty()) {
      ++m.requests_failed;
    } else if (reason == FinishReason::kCancelled) {
      ++m.requests_cancelled;
    } else {
      ++m.requests_finished;
    }
    m.active_requests = scheduler_.active();
    m.kv_blocks_used = cache.total_blocks() - cache.free_blocks();
    m.kv_blocks_cached = evictable_;
    m.prefix_cache_blocks = prefix_cache_.size();
  });
  stream->push(std::move(last));
}

void Engine::publish_metrics(int64_t batch_tokens, int64_t batch_sequences, double seconds) {
  const double now = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  const PagedKvCache& cache = context_->cache();
  // Counting the reusable blocks walks the whole prefix index: a few times a second is enough for a gauge.
  if (now - evictable_counted_at_ > 0.25 || scheduler_.active() == 0) {
    evictable_ = prefix_cache_.evictable(cache);
    evictable_counted_at_ = now;
  }
  const int64_t evictable = evictable_;
  metrics_.update([&](EngineMetrics& m) {
    if (batch_tokens > 0) {
      ++m.steps;
      m.step_tokens += batch_tokens;
      m.step_seconds += seconds;
      m.last_batch_tokens = batch_tokens;
      m.last_batch_sequences = batch_sequences;
    }
    rate_window_.emplace_back(now, m.generated_tokens);
    while (rate_window_.size() > 2 && now - rate_window_.front().first > 5.0) rate_window_.pop_front();
    const double span = rate_window_.back().first - rate_window_.front().first;
    m.generated_tokens_per_second =
        span > 0.5 ? static_cast<double>(rate_window_.back().second - rate_window_.front().second) / span
                   : 0.0;
    m.queue_depth = static_cast<int64_t>(waiting_.size());
    m.active_requests = scheduler_.active();
    m.kv_blocks_used = cache.total_blocks() - cache.free_blocks();
    m.kv_blocks_cached = evictable;
    m.prefix_cache_blocks = prefix_cache_.size();
  });
}

}  // namespace sinan
