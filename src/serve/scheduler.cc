#include "serve/scheduler.h"

#include <algorithm>

#include "core/check.h"

namespace sinan {

Result<Scheduler> Scheduler::create(const SchedulerOptions& options) {
  if (options.n_slots < 1) return Status::error("--parallel must be at least 1");
  if (options.max_queue < 0) return Status::error("--max-queue cannot be negative");
  if (options.step_tokens <= options.n_slots) {
    return Status::errorf("--batch-tokens ({}) must be larger than --parallel ({}) so prompts can advance",
                          options.step_tokens, options.n_slots);
  }
  return Scheduler(options);
}

Scheduler::Scheduler(const SchedulerOptions& options) : options_(options) {
  slots_.resize(static_cast<size_t>(options.n_slots));
  plan_.reserve(static_cast<size_t>(options.n_slots));
  prefill_order_.reserve(static_cast<size_t>(options.n_slots));
}

bool Scheduler::enqueue(RequestId id) {
  if (waiting() >= options_.max_queue) return false;
  queue_.push_back(id);
  return true;
}

bool Scheduler::remove_waiting(RequestId id) {
  const auto it = std::find(queue_.begin(), queue_.end(), id);
  if (it == queue_.end()) return false;
  queue_.erase(it);
  return true;
}

std::optional<Scheduler::RequestId> Scheduler::next_waiting() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.front();
}

int Scheduler::free_slot() const {
  for (int i = 0; i < options_.n_slots; ++i) {
    if (slots_[i].state == SlotState::kFree) return i;
  }
  return -1;
}

int Scheduler::active() const {
  int n = 0;
  for (const Slot& s : slots_) n += s.state != SlotState::kFree ? 1 : 0;
  return n;
}

void Scheduler::admit(int slot, int64_t prompt_tokens, int64_t cached_tokens) {
  SINAN_CHECK(slot >= 0 && slot < options_.n_slots && slots_[slot].state == SlotState::kFree &&
              !queue_.empty());
  SINAN_CHECK(prompt_tokens > 0 && cached_tokens >= 0 && cached_tokens < prompt_tokens);
  Slot& s = slots_[slot];
  s.state = SlotState::kPrefill;
  s.request = queue_.front();
  queue_.pop_front();
  s.prompt_tokens = prompt_tokens;
  s.cached = cached_tokens;
  s.admitted = admissions_++;
}

const std::vector<Scheduler::Work>& Scheduler::plan() {
  plan_.clear();
  int64_t budget = options_.step_tokens;
  for (int i = 0; i < options_.n_slots; ++i) {
    if (slots_[i].state != SlotState::kDecode) continue;
    plan_.push_back(Work{i, slots_[i].cached, 1, true, true});
    --budget;
  }
  prefill_order_.clear();
  for (int i = 0; i < options_.n_slots; ++i) {
    if (slots_[i].state == SlotState::kPrefill) prefill_order_.push_back(i);
  }
  std::sort(prefill_order_.begin(), prefill_order_.end(),
            [&](int a, int b) { return slots_[a].admitted < slots_[b].admitted; });
  for (int i : prefill_order_) {
    if (budget <= 0) break;
    const Slot& s = slots_[i];
    const int64_t n = std::min(budget, s.prompt_tokens - s.cached);
    plan_.push_back(Work{i, s.cached, n, false, s.cached + n == s.prompt_tokens});
    budget -= n;
  }
  return plan_;
}

void Scheduler::computed(const Work& work) {
  Slot& s = slots_[work.slot];
  SINAN_CHECK(s.state != SlotState::kFree && work.first_position == s.cached);
  s.cached += work.n_tokens;
  if (s.state == SlotState::kPrefill && s.cached == s.prompt_tokens) s.state = SlotState::kDecode;
}

void Scheduler::release(int slot) {
  SINAN_CHECK(slot >= 0 && slot < options_.n_slots);
  slots_[slot] = Slot{};
}

}  // namespace sinan
