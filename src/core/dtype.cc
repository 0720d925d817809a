#include "core/dtype.h"

#include <cctype>

#include "core/check.h"

namespace sinan {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

const DTypeInfo& dtype_info(DType type) {
  const auto index = static_cast<size_t>(type);
  SINAN_CHECK(index < kDTypeTable.size());
  SINAN_CHECK(kDTypeTable[index].type == type);
  return kDTypeTable[index];
}

std::optional<DType> dtype_from_ggml_id(uint32_t id) {
  for (const auto& info : kDTypeTable) {
    if (info.ggml_id >= 0 && static_cast<uint32_t>(info.ggml_id) == id) return info.type;
  }
  return std::nullopt;
}

std::optional<DType> dtype_from_safetensors(std::string_view name) {
  for (const auto& info : kDTypeTable) {
    if (!info.safetensors.empty() && info.safetensors == name) return info.type;
  }
  return std::nullopt;
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& info : kDTypeTable) {
    if (iequals(info.name, name)) return info.type;
  }
  return std::nullopt;
}

std::optional<size_t> dtype_row_bytes(DType type, int64_t n) {
  const auto& info = dtype_info(type);
  if (n < 0 || n % info.block_elems != 0) return std::nullopt;
  return static_cast<size_t>(n / info.block_elems * info.block_bytes);
}

}  // namespace sinan
