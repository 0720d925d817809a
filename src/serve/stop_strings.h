// Stop strings over streamed text: text is released only once it cannot be the start of a stop string,
// so a client never sees part of a stop string, and generation ends exactly where one completes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sinan {

class StopStringFilter {
 public:
  explicit StopStringFilter(std::vector<std::string> stops);

  // Adds generated text; returns what can be released now. After a stop string completes, stopped()
  // is true, the returned text ends just before it, and further text is ignored.
  std::string push(std::string_view text);
  // Releases what was held back (at the end of generation).
  std::string finish();
  bool stopped() const { return stopped_; }
  const std::string& matched() const { return matched_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool stopped_ = false;
  std::string matched_;
};

}  // namespace sinan
