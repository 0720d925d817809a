// Writes minimal GGUF v3 files (metadata only, no tensors) for tokenizer error tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace sinan {

class GgufWriter {
 public:
  void add_string(const std::string& key, const std::string& value) {
    key_header(key, 8);
    string(value);
  }
  void add_u32(const std::string& key, uint32_t value) {
    key_header(key, 4);
    pod(value);
  }
  void add_bool(const std::string& key, bool value) {
    key_header(key, 7);
    pod(static_cast<uint8_t>(value));
  }
  void add_strings(const std::string& key, const std::vector<std::string>& values) {
    key_header(key, 9);
    pod(uint32_t{8});
    pod(static_cast<uint64_t>(values.size()));
    for (const std::string& v : values) string(v);
  }
  void add_i32s(const std::string& key, const std::vector<int32_t>& values) {
    key_header(key, 9);
    pod(uint32_t{5});
    pod(static_cast<uint64_t>(values.size()));
    for (int32_t v : values) pod(v);
  }

  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out = {'G', 'G', 'U', 'F'};
    append(out, uint32_t{3});
    append(out, uint64_t{0});  // tensors
    append(out, count_);
    out.insert(out.end(), body_.begin(), body_.end());
    return out;
  }

 private:
  template <typename T>
  static void append(std::vector<uint8_t>& out, T value) {
    uint8_t raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    out.insert(out.end(), raw, raw + sizeof(T));
  }
  template <typename T>
  void pod(T value) {
    append(body_, value);
  }
  void string(const std::string& s) {
    pod(static_cast<uint64_t>(s.size()));
    body_.insert(body_.end(), s.begin(), s.end());
  }
  void key_header(const std::string& key, uint32_t type) {
    ++count_;
    string(key);
    pod(type);
  }
  std::vector<uint8_t> body_;
  uint64_t count_ = 0;
};

}  // namespace sinan
