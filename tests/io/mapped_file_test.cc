#include "io/mapped_file.h"

#include <gtest/gtest.h>

#include <cstring>

#include "test_util.h"

namespace sinan {
namespace {

// Prefaulting maps pages only: any sub-range, aligned or not, leaves the bytes as they were.
TEST(MappedFile, PrefaultKeepsTheBytesOfAnyRange) {
  auto file = MappedFile::open(test_data("gguf/qwen2-bf16.gguf"));
  ASSERT_TRUE(file.ok()) << file.status().message();
  const MappedFile& f = **file;
  const std::vector<char> expected = read_binary(f.path());
  ASSERT_EQ(expected.size(), f.size());
  prefault_mapped_range(f.data(), f.size());
  prefault_mapped_range(f.data() + 1, 5000);
  prefault_mapped_range(f.data() + f.size() - 3, 3);
  prefault_mapped_range(f.data(), 0);
  prefault_mapped_range(nullptr, 100);
  EXPECT_EQ(std::memcmp(expected.data(), f.data(), f.size()), 0);
  EXPECT_GT(physical_memory_bytes(), size_t{1} << 20);
}

// Moving a range into anonymous memory keeps the addresses and the bytes (unaligned ends included), and
// the file's other bytes stay readable through the same mapping.
TEST(MappedFile, MoveToHugePagesKeepsAddressesAndBytes) {
  auto file = MappedFile::open(test_data("gguf/llama-bf16.gguf"));
  ASSERT_TRUE(file.ok()) << file.status().message();
  const MappedFile& f = **file;
  const std::vector<char> expected = read_binary(f.path());
  ASSERT_GT(f.size(), size_t{20000});
  EXPECT_TRUE(move_mapped_range_to_huge_pages(f.data() + 7000, f.size() - 7001));
  EXPECT_EQ(std::memcmp(expected.data(), f.data(), f.size()), 0);
  EXPECT_FALSE(move_mapped_range_to_huge_pages(nullptr, 10));
}

}  // namespace
}  // namespace sinan
