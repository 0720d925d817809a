#include "core/status.h"

#include <gtest/gtest.h>

namespace sinan {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Status::errorf("value {} is not positive", v);
  return v;
}

Result<int> doubled(int v) {
  SINAN_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

TEST(Status, OkAndError) {
  EXPECT_TRUE(Status().ok());
  Status s = Status::error("bad").with_context("file.gguf");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "file.gguf: bad");
}

TEST(Result, PropagatesErrors) {
  EXPECT_EQ(*doubled(4), 8);
  auto r = doubled(-1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.message(), "value -1 is not positive");
}

}  // namespace
}  // namespace sinan
