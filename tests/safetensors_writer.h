// Test helper: writes safetensors files (the format is a JSON header plus raw data), so tests can build
// checkpoints with extra, missing, misshapen or sharded tensors.
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "io/tensor_info.h"

namespace sinan {

struct RawTensor {
  std::string name;
  std::string dtype;  // safetensors name: "BF16", "F32", "F8_E4M3", ...
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

inline RawTensor raw_from(const TensorInfo& t, const std::string& name = "") {
  return RawTensor{name.empty() ? t.name : name, std::string(dtype_info(t.dtype).safetensors), t.shape,
                   std::vector<uint8_t>(t.data, t.data + t.nbytes)};
}

inline void write_safetensors(const std::string& path, const std::vector<RawTensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump();
  while ((text.size() + 8) % 8 != 0) text += ' ';
  std::ofstream out(path, std::ios::binary);
  const uint64_t length = text.size();
  out.write(reinterpret_cast<const char*>(&length), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const auto& t : tensors) out.write(reinterpret_cast<const char*>(t.data.data()), static_cast<std::streamsize>(t.data.size()));
}

}  // namespace sinan
