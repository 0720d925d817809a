// Helpers shared by the test suites: where the bundled fixtures live, and reading raw float files.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace sinan {

inline std::string test_data(const std::string& relative) { return std::string(SINAN_TEST_DATA_DIR) + "/" + relative; }

inline std::vector<char> read_binary(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

template <typename T>
std::vector<T> read_array_file(const std::string& path) {
  const std::vector<char> bytes = read_binary(path);
  std::vector<T> values(bytes.size() / sizeof(T));
  std::copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(values.size() * sizeof(T)),
            reinterpret_cast<char*>(values.data()));
  return values;
}

}  // namespace sinan
