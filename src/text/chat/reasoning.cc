#include "text/chat/reasoning.h"

namespace sinan::chat {
namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t skip_spaces(std::string_view s, size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// Length of the longest suffix of `s` that is a proper prefix of `tag`: text that may still become the tag.
size_t partial_tag_suffix(std::string_view s, std::string_view tag) {
  for (size_t n = std::min(s.size(), tag.size() - 1); n > 0; --n) {
    if (s.substr(s.size() - n) == tag.substr(0, n)) return n;
  }
  return 0;
}

}  // namespace

ReasoningStreamSplitter::ReasoningStreamSplitter(bool prompt_opened_think)
    : prompt_opened_think_(prompt_opened_think) {}

ReasoningDelta ReasoningStreamSplitter::feed(std::string_view text) {
  pending_.append(text);
  ReasoningDelta out;
  run(&out, false);
  return out;
}

ReasoningDelta ReasoningStreamSplitter::finish() {
  ReasoningDelta out;
  run(&out, true);
  return out;
}

void ReasoningStreamSplitter::run(ReasoningDelta* out, bool final) {
  while (true) {
    switch (state_) {
      case State::kStart: {
        // Leading whitespace, then maybe "<think>": wait until it is clear whether the model re-opened the
        // block.
        size_t i = skip_spaces(pending_, 0);
        std::string_view rest = std::string_view(pending_).substr(i);
        if (rest.substr(0, kOpen.size()) == kOpen) {
          pending_.erase(0, i + kOpen.size());
          state_ = State::kReasoning;
          continue;
        }
        if (!final && kOpen.substr(0, rest.size()) == rest) return;  // all spaces, or a prefix of "<think>"
        state_ = prompt_opened_think_ ? State::kReasoning : State::kContentStart;
        continue;
      }
      case State::kReasoning: {
        if (!reasoning_started_) {
          size_t i = skip_spaces(pending_, 0);
          pending_.erase(0, i);
          if (pending_.empty()) return;
        }
        size_t close = pending_.find(kClose);
        if (close != std::string::npos) {
          std::string_view before = std::string_view(pending_).substr(0, close);
          size_t end = before.size();
          while (end > 0 && is_space(before[end - 1])) --end;
          out->reasoning_content.append(before.substr(0, end));
          pending_.erase(0, close + kClose.size());
          state_ = State::kContentStart;
          continue;
        }
        // Emit all but a possible partial "</think>" and the trailing whitespace (trimmed if the block ends
        // next).
        size_t keep = final ? 0 : partial_tag_suffix(pending_, kClose);
        size_t end = pending_.size() - keep;
        while (end > 0 && is_space(pending_[end - 1])) --end;
        if (final) {
          out->reasoning_content.append(pending_, 0, end);
          pending_.clear();
          return;
        }
        if (end > 0) {
          out->reasoning_content.append(pending_, 0, end);
          reasoning_started_ = true;
          pending_.erase(0, end);
        }
        return;
      }
      case State::kContentStart: {
        size_t i = skip_spaces(pending_, 0);
        pending_.erase(0, i);
        if (pending_.empty()) return;
        state_ = State::kContent;
        continue;
      }
      case State::kContent:
        out->content.append(pending_);
        pending_.clear();
        return;
    }
  }
}

ReasoningSplit split_reasoning(std::string_view completion, bool prompt_opened_think) {
  ReasoningStreamSplitter splitter(prompt_opened_think);
  ReasoningDelta a = splitter.feed(completion);
  ReasoningDelta b = splitter.finish();
  ReasoningSplit out;
  out.reasoning_content = a.reasoning_content + b.reasoning_content;
  out.content = a.content + b.content;
  out.reasoning_finished = splitter.reasoning_finished();
  return out;
}

}  // namespace sinan::chat
