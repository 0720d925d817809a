// The scheduler alone: queue bounds, admission, the shape of each step (decodes first, then prompt chunks
// in admission order within the token budget), slot state transitions.
#include "serve/scheduler.h"

#include <gtest/gtest.h>

namespace sinan {
namespace {

Scheduler make(int slots, int64_t step_tokens, int64_t max_queue) {
  SchedulerOptions o;
  o.n_slots = slots;
  o.step_tokens = step_tokens;
  o.max_queue = max_queue;
  auto s = Scheduler::create(o);
  EXPECT_TRUE(s.ok()) << s.message();
  return std::move(*s);
}

// Runs the plan as if every piece of work was computed.
std::vector<Scheduler::Work> run_step(Scheduler& s) {
  std::vector<Scheduler::Work> plan = s.plan();
  for (const auto& w : plan) s.computed(w);
  return plan;
}

TEST(Scheduler, RejectsOptionsThatCannotMakeProgress) {
  SchedulerOptions o;
  o.n_slots = 0;
  EXPECT_FALSE(Scheduler::create(o).ok());
  o.n_slots = 8;
  o.step_tokens = 8;  // every token would go to decoding; prompts would never advance
  auto s = Scheduler::create(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--batch-tokens"), std::string::npos);
}

TEST(Scheduler, QueueIsBoundedAndFifo) {
  Scheduler s = make(1, 16, 2);
  EXPECT_TRUE(s.enqueue(10));
  EXPECT_TRUE(s.enqueue(11));
  EXPECT_FALSE(s.enqueue(12));  // full: the server answers 429
  EXPECT_EQ(*s.next_waiting(), 10u);
  EXPECT_TRUE(s.remove_waiting(10));  // cancelled while waiting
  EXPECT_FALSE(s.remove_waiting(10));
  EXPECT_EQ(*s.next_waiting(), 11u);
  EXPECT_TRUE(s.enqueue(12));
  EXPECT_EQ(s.waiting(), 2);
}

TEST(Scheduler, SlotGoesFromPrefillToDecodeToFree) {
  Scheduler s = make(2, 8, 4);
  ASSERT_TRUE(s.enqueue(7));
  const int slot = s.free_slot();
  ASSERT_EQ(slot, 0);
  s.admit(slot, /*prompt_tokens=*/20, /*cached_tokens=*/4);
  EXPECT_EQ(s.state(slot), Scheduler::SlotState::kPrefill);
  EXPECT_EQ(s.request(slot), 7u);
  EXPECT_EQ(s.active(), 1);
  EXPECT_EQ(s.free_slot(), 1);

  // 16 prompt tokens left, 8 per step: two chunks, the second wants logits.
  auto plan = run_step(s);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].first_position, 4);
  EXPECT_EQ(plan[0].n_tokens, 8);
  EXPECT_FALSE(plan[0].wants_logits);
  plan = run_step(s);
  EXPECT_EQ(plan[0].first_position, 12);
  EXPECT_EQ(plan[0].n_tokens, 8);
  EXPECT_TRUE(plan[0].wants_logits);
  EXPECT_EQ(s.state(slot), Scheduler::SlotState::kDecode);
  EXPECT_EQ(s.cached(slot), 20);

  plan = run_step(s);  // one generated token at position 20
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_TRUE(plan[0].decode);
  EXPECT_EQ(plan[0].first_position, 20);
  EXPECT_EQ(plan[0].n_tokens, 1);
  EXPECT_TRUE(plan[0].wants_logits);
  s.release(slot);
  EXPECT_EQ(s.state(slot), Scheduler::SlotState::kFree);
  EXPECT_TRUE(s.plan().empty());
}

TEST(Scheduler, DecodesComeFirstAndALongPromptIsChunked) {
  Scheduler s = make(3, 10, 4);
  for (uint64_t id : {1, 2, 3}) ASSERT_TRUE(s.enqueue(id));
  s.admit(s.free_slot(), 2, 0);
  s.admit(s.free_slot(), 2, 0);
  run_step(s);  // both short prompts in one step
  EXPECT_EQ(s.state(0), Scheduler::SlotState::kDecode);
  EXPECT_EQ(s.state(1), Scheduler::SlotState::kDecode);
  s.admit(s.free_slot(), 100, 0);  // a long prompt joins the running batch
  int steps = 0;
  while (s.state(2) == Scheduler::SlotState::kPrefill) {
    const auto plan = run_step(s);
    ++steps;
    int64_t tokens = 0;
    bool decoded0 = false, decoded1 = false;
    for (const auto& w : plan) {
      tokens += w.n_tokens;
      decoded0 |= w.slot == 0 && w.decode;
      decoded1 |= w.slot == 1 && w.decode;
    }
    EXPECT_LE(tokens, 10);
    EXPECT_TRUE(decoded0 && decoded1) << "the running streams decode at every step " << steps;
  }
  EXPECT_EQ(steps, 13);  // 100 prompt tokens, 8 a step beside the two decodes
  EXPECT_EQ(s.cached(2), 100);
}

TEST(Scheduler, PrefillGoesInAdmissionOrder) {
  Scheduler s = make(3, 6, 4);
  for (uint64_t id : {1, 2, 3}) ASSERT_TRUE(s.enqueue(id));
  s.admit(2, 5, 0);  // admitted first into the last slot
  s.admit(0, 5, 0);
  s.admit(1, 5, 0);
  const auto& plan = s.plan();
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].slot, 2);
  EXPECT_EQ(plan[0].n_tokens, 5);
  EXPECT_EQ(plan[1].slot, 0);
  EXPECT_EQ(plan[1].n_tokens, 1);  // what the budget leaves
}

}  // namespace
}  // namespace sinan
