#include "convert/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sinan {

std::string format_bytes(uint64_t bytes) {
  const auto b = static_cast<double>(bytes);
  if (b >= 1e9) return fmt::format("{:.2f} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.1f} MB", b / 1e6);
  return fmt::format("{:.1f} kB", b / 1e3);
}

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::max(0.0, std::round(seconds)));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string format_progress_line(uint64_t done, uint64_t total, const std::string& tensor, double seconds,
                                 int bar_width) {
  const double fraction =
      total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  const int filled = static_cast<int>(fraction * bar_width);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(bar_width - filled), '-');
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;  // bytes per second
  std::string left = "--:--";
  if (rate > 0 && done < total) left = format_duration(static_cast<double>(total - done) / rate);
  if (done >= total) left = "0:00";
  return fmt::format("[{}] {:3.0f}%  {}  {} / {}  {:.1f} MB/s  {} left", bar, fraction * 100, tensor,
                     format_bytes(done), format_bytes(total), rate / 1e6, left);
}

ProgressBar::ProgressBar(uint64_t total_bytes, bool enabled, std::FILE* out)
    : total_(total_bytes),
      enabled_(enabled),
      out_(out),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double ProgressBar::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::begin_tensor(const std::string& name) {
  tensor_ = name;
  draw(false);
}

void ProgressBar::add(uint64_t bytes) {
  done_ += bytes;
  draw(false);
}

void ProgressBar::finish() {
  if (!enabled_) return;
  done_ = std::max(done_, total_);
  tensor_ = "done";
  draw(true);
  std::fputc('\n', out_);
  std::fflush(out_);
}

void ProgressBar::draw(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  // \r returns to the line start; \033[K clears what a longer previous line left behind.
  std::fprintf(out_, "\r%s\033[K", format_progress_line(done_, total_, tensor_, elapsed_seconds()).c_str());
  std::fflush(out_);
}

}  // namespace sinan
