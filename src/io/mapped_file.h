// A read-only memory map of a whole file. Weights are read in place from here; nothing is copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/status.h"

namespace sinan {

class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size) : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const uint8_t* data_;
  size_t size_;
};

// Maps every page of [data, data + n) of a mapped file into the page table now (reading it from disk if
// needed), so the first pass over the weights does not take one page fault per 4 KB: decode of a MoE
// model touches experts it has not used before for thousands of tokens. Best effort: errors are ignored.
void prefault_mapped_range(const uint8_t* data, size_t n);

// Replaces the pages of [data, data + n) of a read-only file mapping by anonymous memory holding the same
// bytes, backed by transparent huge pages where the kernel allows (madvise mode included), at the same
// addresses, so every pointer into the range stays valid. Decode reads every weight once per token; with
// 4 KB page-cache pages an 8B model's page tables alone are ~10 MB and each new page costs a page walk
// that misses the caches. Returns false (leaving the mapping as it was) if any step fails. `edit`, if
// given, may rewrite the copy before it replaces the mapping: it gets the copy's address of `data`.
bool move_mapped_range_to_huge_pages(const uint8_t* data, size_t n, const std::function<void(uint8_t* copy)>& edit = {});

// The machine's physical memory in bytes (0 if unknown).
size_t physical_memory_bytes();

// Reads a whole (small) text file such as config.json.
Result<std::string> read_text_file(const std::string& path);

}  // namespace sinan
