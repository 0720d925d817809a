// safetensors files and sharded Hugging Face checkpoints (model.safetensors.index.json), read in place.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/mapped_file.h"
#include "io/tensor_info.h"

namespace sinan {

// Parses one safetensors file held in `bytes`; tensor data pointers point into `bytes`.
// `label` names the file in messages.
Result<std::vector<TensorInfo>> parse_safetensors(std::span<const uint8_t> bytes, const std::string& label);

// All tensors of a checkpoint, across shards. Owns the file maps.
class SafetensorsArchive {
 public:
  // `path` is a .safetensors file, a model.safetensors.index.json, or a directory holding either.
  static Result<SafetensorsArchive> open(const std::string& path);

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(const std::string& name) const;

 private:
  Status add_file(const std::string& path);

  std::vector<std::shared_ptr<MappedFile>> files_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
};

}  // namespace sinan
