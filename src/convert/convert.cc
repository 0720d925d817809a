#include "convert/convert.h"

#include <filesystem>

namespace sinan {

Result<ConversionPlan> open_conversion_input(const std::string& path, const HfOptions& hf_options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::errorf("{}: no such file or directory", path);
  if (std::filesystem::is_directory(path, ec)) return plan_from_hf(path, hf_options);
  return plan_from_gguf(path);
}

}  // namespace sinan
