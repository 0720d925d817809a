#include "model/weight_files.h"

#include <filesystem>

namespace sinan {

Result<WeightFiles> open_weight_files(const std::string& path, ModelConfig* config) {
  namespace fs = std::filesystem;
  std::error_code ec;
  WeightFiles files;
  files.path = path;
  if (!fs::exists(path, ec)) return Status::errorf("{}: no such file or directory", path);
  if (fs::is_directory(path, ec)) {
    const fs::path dir(path);
    if (!fs::exists(dir / "config.json", ec)) {
      return Status::errorf("{}: not a Hugging Face model directory (no config.json)", path);
    }
    SINAN_ASSIGN_OR_RETURN(*config, read_hf_config((dir / "config.json").string()));
    config->name = dir.filename().string();
    if (config->name.empty()) config->name = dir.parent_path().filename().string();
    SINAN_ASSIGN_OR_RETURN(SafetensorsArchive archive, SafetensorsArchive::open(path));
    files.format = SourceFormat::kHuggingFace;
    files.safetensors = std::move(archive);
    return files;
  }
  SINAN_ASSIGN_OR_RETURN(GgufFile gguf, GgufFile::open(path));
  SINAN_ASSIGN_OR_RETURN(*config, read_gguf_config(gguf));
  if (config->name.empty()) config->name = fs::path(path).stem().string();
  files.format = SourceFormat::kGguf;
  files.gguf = std::move(gguf);
  return files;
}

}  // namespace sinan
