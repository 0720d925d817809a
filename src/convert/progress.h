// A progress bar for long conversions on stderr: the tensor being written, bytes done, the rate and the time
// left, redrawn at most ten times a second. Off, it prints nothing (the caller prints a summary line).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace sinan {

// One line of the bar, e.g.
// "[##########----------]  50%  blk.3.ffn_down.weight  1.21 / 2.43 GB  95.3 MB/s  0:12 left".
std::string format_progress_line(uint64_t done, uint64_t total, const std::string& tensor, double seconds,
                                 int bar_width = 24);
// "1.21 GB", "310.0 MB", "12.0 kB".
std::string format_bytes(uint64_t bytes);
// "0:07", "12:03", "1:02:03".
std::string format_duration(double seconds);

class ProgressBar {
 public:
  ProgressBar(uint64_t total_bytes, bool enabled, std::FILE* out = stderr);
  void begin_tensor(const std::string& name);
  void add(uint64_t bytes);
  void finish();  // final redraw and newline
  double elapsed_seconds() const;

 private:
  void draw(bool force);

  uint64_t total_, done_ = 0;
  bool enabled_;
  std::FILE* out_;
  std::string tensor_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

}  // namespace sinan
