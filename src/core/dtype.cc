#include "core/dtype.h"

#include <array>
#include <cctype>

#include "core/check.h"

namespace sinan {
namespace {

// Block sizes follow ggml (ggml-common.h): QK4_0 = 32, QK_K = 256, and the byte sizes of each block struct.
constexpr std::array<DTypeInfo, static_cast<size_t>(DType::kCount)> kTable = {{
    {DType::kF32, "f32", 1, 4, 0, "F32", true},
    {DType::kF16, "f16", 1, 2, 1, "F16", true},
    {DType::kBF16, "bf16", 1, 2, 30, "BF16", true},
    {DType::kF64, "f64", 1, 8, 28, "F64", true},
    {DType::kI8, "i8", 1, 1, 24, "I8", false},
    {DType::kI16, "i16", 1, 2, 25, "I16", false},
    {DType::kI32, "i32", 1, 4, 26, "I32", false},
    {DType::kI64, "i64", 1, 8, 27, "I64", false},
    {DType::kU8, "u8", 1, 1, -1, "U8", false},
    {DType::kBool, "bool", 1, 1, -1, "BOOL", false},
    {DType::kF8E4M3, "f8_e4m3", 1, 1, -1, "F8_E4M3", false},
    {DType::kF8E5M2, "f8_e5m2", 1, 1, -1, "F8_E5M2", false},
    {DType::kQ4_0, "q4_0", 32, 18, 2, "", false},
    {DType::kQ4_1, "q4_1", 32, 20, 3, "", false},
    {DType::kQ5_0, "q5_0", 32, 22, 6, "", false},
    {DType::kQ5_1, "q5_1", 32, 24, 7, "", false},
    {DType::kQ8_0, "q8_0", 32, 34, 8, "", false},
    {DType::kQ8_1, "q8_1", 32, 36, 9, "", false},
    {DType::kQ2_K, "q2_K", 256, 84, 10, "", false},
    {DType::kQ3_K, "q3_K", 256, 110, 11, "", false},
    {DType::kQ4_K, "q4_K", 256, 144, 12, "", false},
    {DType::kQ5_K, "q5_K", 256, 176, 13, "", false},
    {DType::kQ6_K, "q6_K", 256, 210, 14, "", false},
    {DType::kQ8_K, "q8_K", 256, 292, 15, "", false},
    {DType::kIQ2_XXS, "iq2_xxs", 256, 66, 16, "", false},
    {DType::kIQ2_XS, "iq2_xs", 256, 74, 17, "", false},
    {DType::kIQ3_XXS, "iq3_xxs", 256, 98, 18, "", false},
    {DType::kIQ1_S, "iq1_s", 256, 50, 19, "", false},
    {DType::kIQ4_NL, "iq4_nl", 32, 18, 20, "", false},
    {DType::kIQ3_S, "iq3_s", 256, 110, 21, "", false},
    {DType::kIQ2_S, "iq2_s", 256, 82, 22, "", false},
    {DType::kIQ4_XS, "iq4_xs", 256, 136, 23, "", false},
    {DType::kIQ1_M, "iq1_m", 256, 56, 29, "", false},
    {DType::kTQ1_0, "tq1_0", 256, 54, 34, "", false},
    {DType::kTQ2_0, "tq2_0", 256, 66, 35, "", false},
    {DType::kMXFP4, "mxfp4", 32, 17, 39, "", false},
}};

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
  SINAN_CHECK(index < kTable.size());
  SINAN_CHECK(kTable[index].type == type);
  return kTable[index];
}

std::optional<DType> dtype_from_ggml_id(uint32_t id) {
  for (const auto& info : kTable) {
    if (info.ggml_id >= 0 && static_cast<uint32_t>(info.ggml_id) == id) return info.type;
  }
  return std::nullopt;
}

std::optional<DType> dtype_from_safetensors(std::string_view name) {
  for (const auto& info : kTable) {
    if (!info.safetensors.empty() && info.safetensors == name) return info.type;
  }
  return std::nullopt;
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& info : kTable) {
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
