// DeepSeek-R1 reasoning: R1's template ends the prompt with "<｜Assistant｜><think>\n", so the model writes
// its reasoning, then "</think>", then the answer. These split a completion into reasoning_content and
// content:
//   - the opening "<think>" may be absent (the prompt opened it) or re-emitted by the model (it is dropped);
//   - without "</think>" the completion is all reasoning (truncated), unless the prompt did not open a think
//   block
//     and the completion does not start with "<think>" (V3.1 non-thinking mode): then it is all content;
//   - whitespace around the reasoning and before the content is trimmed (ASCII space, tab, CR, LF), as
//   DeepSeek's
//     API returns them.
// The streaming splitter gives exactly the same text as the one-shot split, delta by delta, and never lets a
// partial tag ("</thi") or whitespace that may turn out to be trimmed reach either stream before it is
// decided.
#pragma once

#include <string>
#include <string_view>

namespace sinan::chat {

struct ReasoningSplit {
  std::string reasoning_content;
  std::string content;
  bool reasoning_finished = false;  // "</think>" was seen
};

struct ReasoningDelta {
  std::string reasoning_content;
  std::string content;
};

class ReasoningStreamSplitter {
 public:
  // prompt_opened_think: the prompt ended inside a think block (R1's template; V3.1 with thinking on).
  explicit ReasoningStreamSplitter(bool prompt_opened_think = true);

  // Feeds the next piece of completion text (any split, even inside a UTF-8 character or a tag).
  ReasoningDelta feed(std::string_view text);
  // End of the completion: releases what was held back (a partial tag is text after all).
  ReasoningDelta finish();

  bool in_reasoning() const {
    return state_ == State::kStart ? prompt_opened_think_ : state_ == State::kReasoning;
  }
  bool reasoning_finished() const { return state_ == State::kContentStart || state_ == State::kContent; }

 private:
  enum class State { kStart, kReasoning, kContentStart, kContent };
  void run(ReasoningDelta* out, bool final);

  bool prompt_opened_think_;
  State state_ = State::kStart;
  std::string pending_;             // text not yet decided
  bool reasoning_started_ = false;  // some non-whitespace reasoning was emitted
};

ReasoningSplit split_reasoning(std::string_view completion, bool prompt_opened_think = true);

}  // namespace sinan::chat
