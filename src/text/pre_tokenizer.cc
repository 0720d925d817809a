#include "text/pre_tokenizer.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/check.h"

namespace sinan::text {

std::string_view split_behavior_name(SplitBehavior behavior) {
  switch (behavior) {
    case SplitBehavior::kRemoved:
      return "Removed";
    case SplitBehavior::kIsolated:
      return "Isolated";
    case SplitBehavior::kMergedWithPrevious:
      return "MergedWithPrevious";
    case SplitBehavior::kMergedWithNext:
      return "MergedWithNext";
    case SplitBehavior::kContiguous:
      return "Contiguous";
  }
  return "?";
}

void PreTokenizer::add_split(Regex regex, SplitBehavior behavior, bool invert) {
  steps_.push_back(Step{false, std::move(regex), behavior, invert});
}

void PreTokenizer::add_prefix_space() {
  steps_.push_back(Step{true, std::nullopt, SplitBehavior::kIsolated, false});
}

std::string PreTokenizer::describe() const {
  std::string out;
  for (const Step& step : steps_) {
    if (step.prefix_space) {
      out += "prefix-space\n";
    } else {
      out += fmt::format("split {}{} /{}/\n", split_behavior_name(step.behavior),
                         step.invert ? " inverted" : "", step.regex->pattern());
    }
  }
  return out;
}

// Mirrors HF's NormalizedString::split: matches and gaps become events, the behaviour decides which events
// merge and which are removed, and empty results are dropped.
Status PreTokenizer::split_one(const Step& step, std::string_view piece, PreTokenizeScratch& scratch) const {
  using Event = PreTokenizeScratch::Event;
  scratch.matches.clear();
  SINAN_RETURN_IF_ERROR(step.regex->find_all(piece, scratch.regex, scratch.matches));

  std::vector<Event>& events = scratch.events;
  events.clear();
  size_t previous = 0;
  for (const Span& m : scratch.matches) {
    if (previous != m.begin) events.push_back({previous, m.begin, false});
    events.push_back({m.begin, m.end, true});
    previous = m.end;
  }
  if (previous != piece.size()) events.push_back({previous, piece.size(), false});
  if (step.invert) {
    for (Event& e : events) e.flag = !e.flag;
  }

  std::vector<Event>& out = scratch.merged;
  out.clear();
  switch (step.behavior) {
    case SplitBehavior::kIsolated:
      for (const Event& e : events) out.push_back({e.begin, e.end, false});
      break;
    case SplitBehavior::kRemoved:
      out = events;  // flag = is a match = remove it
      break;
    case SplitBehavior::kContiguous: {
      bool previous_match = false;
      for (const Event& e : events) {
        if (e.flag == previous_match && !out.empty()) {
          out.back().end = e.end;
        } else {
          out.push_back({e.begin, e.end, false});
        }
        previous_match = e.flag;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool previous_match = false;
      for (const Event& e : events) {
        if (e.flag && !previous_match && !out.empty()) {
          out.back().end = e.end;
        } else {
          out.push_back({e.begin, e.end, false});
        }
        previous_match = e.flag;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous_match = false;
      for (auto it = events.rbegin(); it != events.rend(); ++it) {
        if (it->flag && !previous_match && !out.empty()) {
          out.back().begin = it->begin;
        } else {
          out.push_back({it->begin, it->end, false});
        }
        previous_match = it->flag;
      }
      std::reverse(out.begin(), out.end());
      break;
    }
  }
  for (const Event& e : out) {
    if (!e.flag && e.end > e.begin) scratch.next.push_back(piece.substr(e.begin, e.end - e.begin));
  }
  return Status();
}

Status PreTokenizer::split(std::vector<std::string_view>& pieces, PreTokenizeScratch& scratch) const {
  for (const Step& step : steps_) {
    scratch.next.clear();
    for (std::string_view piece : pieces) {
      if (step.prefix_space) {
        if (!piece.empty() && piece.front() == ' ') {
          scratch.next.push_back(piece);
        } else {
          scratch.owned.push_back(std::string(" ").append(piece));
          scratch.next.push_back(scratch.owned.back());
        }
        continue;
      }
      SINAN_RETURN_IF_ERROR(split_one(step, piece, scratch));
    }
    pieces.swap(scratch.next);
  }
  return Status();
}

}  // namespace sinan::text
