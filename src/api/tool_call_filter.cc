#include "api/tool_call_filter.h"

#include <algorithm>

namespace sinan::api {
namespace {

// A tool-call section starts with either marker (tool_calls.h accepts a section opening on a single call).
constexpr std::string_view kMarkers[] = {"<｜tool▁calls▁begin｜>", "<｜tool▁call▁begin｜>"};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

std::string ToolCallFilter::push(std::string_view content) {
  held_.append(content);
  if (in_section_) return {};
  size_t start = std::string::npos;
  for (std::string_view marker : kMarkers) start = std::min(start, held_.find(marker));
  if (start != std::string::npos) {
    // Text before the section is content, except trailing whitespace (parse_tool_calls trims it).
    size_t end = start;
    while (end > 0 && is_space(held_[end - 1])) --end;
    std::string out = held_.substr(0, end);
    held_.erase(0, end);
    in_section_ = true;
    shown_ |= !out.empty();
    return out;
  }
  // Hold back a tail that could begin a marker, and trailing whitespace that may precede one.
  size_t keep = 0;
  for (std::string_view marker : kMarkers) {
    for (size_t n = std::min(marker.size() - 1, held_.size()); n > keep; --n) {
      if (held_.compare(held_.size() - n, n, marker.substr(0, n)) == 0) {
        keep = n;
        break;
      }
    }
  }
  size_t cut = held_.size() - keep;
  while (cut > 0 && is_space(held_[cut - 1])) --cut;
  std::string out = held_.substr(0, cut);
  held_.erase(0, cut);
  shown_ |= !out.empty();
  return out;
}

ToolCallFilter::End ToolCallFilter::finish() {
  End end;
  if (!in_section_) {
    end.content = std::move(held_);
    held_.clear();
    // A finished answer keeps no trailing whitespace (as the one-shot split and parse_tool_calls return it).
    while (!end.content.empty() && is_space(end.content.back())) end.content.pop_back();
    return end;
  }
  chat::ToolCallParse parsed = chat::parse_tool_calls(held_);
  held_.clear();
  if (!parsed.error.empty() || parsed.calls.empty()) {
    end.error = parsed.error;
    end.content = std::move(parsed.content);
    return end;
  }
  end.calls = std::move(parsed.calls);
  end.content = std::move(parsed.content);                            // text after the section
  if (shown_ && !end.content.empty()) end.content.insert(0, "\n\n");  // as parse_tool_calls joins the two
  return end;
}

}  // namespace sinan::api
