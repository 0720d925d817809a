// Differences between two GGUF files, in words: metadata keys missing or with other values, tensors missing
// or with another shape, type or bytes. Empty when the files say the same thing.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "io/gguf.h"

namespace sinan {

inline bool same_value(const GgufValue& a, const GgufValue& b);

inline bool same_array(const GgufArray& a, const GgufArray& b) {
  if (a.element_type != b.element_type || a.size() != b.size()) return false;
  if (a.ints != b.ints || a.floats != b.floats || a.strings != b.strings) return false;
  for (size_t i = 0; i < a.arrays.size(); ++i) {
    if (!same_value(a.arrays[i], b.arrays[i])) return false;
  }
  return true;
}

inline bool same_value(const GgufValue& a, const GgufValue& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case GgufType::kString:
      return a.s == b.s;
    case GgufType::kArray:
      return same_array(*a.array, *b.array);
    case GgufType::kF32:
    case GgufType::kF64:
      return a.f == b.f;
    case GgufType::kBool:
      return a.b == b.b;
    default:
      return a.i == b.i && a.u == b.u;
  }
}

inline std::string describe_value(const GgufValue& v) {
  switch (v.type) {
    case GgufType::kString:
      return fmt::format("'{}'", v.s.substr(0, 60));
    case GgufType::kArray:
      return std::string("array of ") + std::to_string(v.array->size());
    case GgufType::kF32:
    case GgufType::kF64:
      return std::to_string(v.f);
    case GgufType::kBool:
      return v.b ? "true" : "false";
    default:
      return std::to_string(v.i) + " (" + gguf_type_name(v.type) + ")";
  }
}

// `ignore_keys` are left out of the metadata comparison; with `compare_data` tensor bytes must match too.
inline std::vector<std::string> gguf_differences(const GgufFile& got, const GgufFile& want,
                                                 const std::vector<std::string>& ignore_keys = {},
                                                 bool compare_data = true) {
  std::vector<std::string> out;
  auto ignored = [&](const std::string& k) {
    return std::find(ignore_keys.begin(), ignore_keys.end(), k) != ignore_keys.end();
  };
  for (const auto& [key, value] : want.metadata()) {
    if (ignored(key)) continue;
    const GgufValue* mine = got.find(key);
    if (mine == nullptr) {
      out.push_back("missing key " + key);
    } else if (!same_value(*mine, value)) {
      out.push_back("key " + key + ": " + describe_value(*mine) + ", llama.cpp has " + describe_value(value));
    }
  }
  for (const auto& [key, value] : got.metadata()) {
    if (!ignored(key) && want.find(key) == nullptr) out.push_back("extra key " + key);
  }
  for (const TensorInfo& t : want.tensors()) {
    const TensorInfo* mine = got.find_tensor(t.name);
    if (mine == nullptr) {
      out.push_back("missing tensor " + t.name);
    } else if (mine->shape != t.shape || mine->dtype != t.dtype) {
      out.push_back("tensor " + t.name + ": " + std::string(dtype_name(mine->dtype)) + " " +
                    shape_string(mine->shape) + ", llama.cpp has " + std::string(dtype_name(t.dtype)) + " " +
                    shape_string(t.shape));
    } else if (compare_data && (mine->nbytes != t.nbytes || std::memcmp(mine->data, t.data, t.nbytes) != 0)) {
      out.push_back("tensor " + t.name + ": different bytes");
    }
  }
  for (const TensorInfo& t : got.tensors()) {
    if (want.find_tensor(t.name) == nullptr) out.push_back("extra tensor " + t.name);
  }
  return out;
}

}  // namespace sinan
