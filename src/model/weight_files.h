// The files a model is read from: one GGUF, or a Hugging Face directory's safetensors shards.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "io/safetensors.h"
#include "model/config.h"

namespace sinan {

struct WeightFiles {
  SourceFormat format = SourceFormat::kGguf;
  std::string path;  // what the user named
  std::optional<GgufFile> gguf;
  std::optional<SafetensorsArchive> safetensors;

  const TensorInfo* find(const std::string& name) const {
    return gguf ? gguf->find_tensor(name) : safetensors->find(name);
  }
  const std::vector<TensorInfo>& tensors() const { return gguf ? gguf->tensors() : safetensors->tensors(); }
};

// Opens `path` (a .gguf file or a Hugging Face directory) and reads its config.
Result<WeightFiles> open_weight_files(const std::string& path, ModelConfig* config);

}  // namespace sinan
