// The progress bar's line: bar, percentage, tensor, bytes, rate and time left.
#include "convert/progress.h"

#include <gtest/gtest.h>

namespace sinan {
namespace {

TEST(Progress, LineShowsTensorBytesRateAndTimeLeft) {
  EXPECT_EQ(format_progress_line(500'000'000, 1'000'000'000, "blk.3.ffn_down.weight", 5.0, 10),
            "[#####-----]  50%  blk.3.ffn_down.weight  500.0 MB / 1.00 GB  100.0 MB/s  0:05 left");
  EXPECT_EQ(format_progress_line(0, 1'000'000, "output.weight", 0.0, 4),
            "[----]   0%  output.weight  0.0 kB / 1.0 MB  0.0 MB/s  --:-- left");
  EXPECT_EQ(format_progress_line(1'000'000, 1'000'000, "done", 2.0, 4),
            "[####] 100%  done  1.0 MB / 1.0 MB  0.5 MB/s  0:00 left");
}

TEST(Progress, BytesAndDurations) {
  EXPECT_EQ(format_bytes(12'345), "12.3 kB");
  EXPECT_EQ(format_bytes(310'000'000), "310.0 MB");
  EXPECT_EQ(format_bytes(4'920'000'000), "4.92 GB");
  EXPECT_EQ(format_duration(7.4), "0:07");
  EXPECT_EQ(format_duration(723), "12:03");
  EXPECT_EQ(format_duration(3723), "1:02:03");
}

TEST(Progress, DrawsOnlyWhenEnabled) {
  std::FILE* sink = std::tmpfile();
  ASSERT_NE(sink, nullptr);
  ProgressBar off(100, false, sink);
  off.begin_tensor("a");
  off.add(50);
  off.finish();
  EXPECT_EQ(std::ftell(sink), 0);
  ProgressBar on(100, true, sink);
  on.begin_tensor("a");
  on.add(100);
  on.finish();
  EXPECT_GT(std::ftell(sink), 0);
  std::fclose(sink);
}

}  // namespace
}  // namespace sinan
