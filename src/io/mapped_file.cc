#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sinan {

Result<std::unique_ptr<MappedFile>> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::errorf("{}: cannot open: {}", path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::errorf("{}: cannot stat: {}", path, std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::errorf("{}: is a directory, not a file", path);
  }
  const auto size = static_cast<size_t>(st.st_size);
  const uint8_t* data = nullptr;
  if (size > 0) {
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      return Status::errorf("{}: cannot map {} bytes: {}", path, size, std::strerror(err));
    }
    data = static_cast<const uint8_t*>(map);
  }
  ::close(fd);  // the mapping keeps the file alive
  return std::unique_ptr<MappedFile>(new MappedFile(path, data, size));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

void prefault_mapped_range(const uint8_t* data, size_t n) {
  if (data == nullptr || n == 0) return;
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data) & ~(page - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(data) + n;
#ifdef MADV_POPULATE_READ
  if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ) == 0) return;
#endif
  // Kernels before 5.14: touch one byte per page.
  volatile uint8_t sink = 0;
  for (uintptr_t p = begin < reinterpret_cast<uintptr_t>(data) ? begin + page : begin; p < end; p += page) {
    sink = sink + *reinterpret_cast<const uint8_t*>(p);
  }
}

bool move_mapped_range_to_huge_pages(const uint8_t* data, size_t n, const std::function<void(uint8_t* copy)>& edit) {
  if (data == nullptr || n == 0) return false;
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + n + page - 1) & ~(page - 1);
  const size_t len = end - begin;
  // A staging area congruent to `begin` modulo 2 MB, so its huge pages stay whole when moved there.
  void* raw = ::mmap(nullptr, len + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return false;
  const auto raw_begin = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t stage = raw_begin + ((begin - raw_begin) & (kHuge - 1));
  if (stage > raw_begin) ::munmap(raw, stage - raw_begin);
  if (raw_begin + len + kHuge > stage + len) {
    ::munmap(reinterpret_cast<void*>(stage + len), raw_begin + len + kHuge - (stage + len));
  }
#ifdef MADV_HUGEPAGE
  ::madvise(reinterpret_cast<void*>(stage), len, MADV_HUGEPAGE);
#endif
  std::memcpy(reinterpret_cast<void*>(stage), reinterpret_cast<const void*>(begin), len);
  if (edit) edit(reinterpret_cast<uint8_t*>(stage + (reinterpret_cast<uintptr_t>(data) - begin)));
  if (::mprotect(reinterpret_cast<void*>(stage), len, PROT_READ) != 0 ||
      ::mremap(reinterpret_cast<void*>(stage), len, len, MREMAP_MAYMOVE | MREMAP_FIXED, reinterpret_cast<void*>(begin)) ==
          MAP_FAILED) {
    ::munmap(reinterpret_cast<void*>(stage), len);
    return false;
  }
  return true;
}

size_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : 0;
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::errorf("{}: cannot open: {}", path, std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::errorf("{}: read error", path);
  return text.str();
}

}  // namespace sinan
