#include "convert/file_type.h"

#include <cctype>

#include "core/check.h"

namespace sinan {
namespace {

constexpr FileTypeInfo kFileTypes[] = {
    {FileType::kF32, "f32", 0, DType::kF32, "float32, no rounding"},
    {FileType::kF16, "f16", 1, DType::kF16, "float16 matrices, float32 norms"},
    {FileType::kBF16, "bf16", 32, DType::kBF16, "bfloat16 matrices: exact for bf16 checkpoints"},
    {FileType::kQ8_0, "q8_0", 7, DType::kQ8_0, "8.5 bits/weight, near-lossless"},
    {FileType::kQ4_0, "q4_0", 2, DType::kQ4_0, "4.5 bits/weight, legacy"},
    {FileType::kQ4_1, "q4_1", 3, DType::kQ4_1, "5 bits/weight, legacy"},
    {FileType::kQ5_0, "q5_0", 8, DType::kQ5_0, "5.5 bits/weight, legacy"},
    {FileType::kQ5_1, "q5_1", 9, DType::kQ5_1, "6 bits/weight, legacy"},
    {FileType::kQ2_K, "q2_K", 10, DType::kQ2_K, "q2_K mix (attn_v, ffn_down and attn_output q3_K/q4_K)"},
    {FileType::kQ3_K_S, "q3_K_S", 11, DType::kQ3_K, "q3_K everywhere"},
    {FileType::kQ3_K_M, "q3_K_M", 12, DType::kQ3_K,
     "q3_K mix (attn_v q5_K/q4_K, ffn_down and attn_output q4_K)"},
    {FileType::kQ3_K_L, "q3_K_L", 13, DType::kQ3_K, "q3_K mix (attn_v, ffn_down and attn_output q5_K)"},
    {FileType::kQ4_K_S, "q4_K_S", 14, DType::kQ4_K, "q4_K mix (first attn_v and ffn_down q5_K)"},
    {FileType::kQ4_K_M, "q4_K_M", 15, DType::kQ4_K,
     "q4_K mix (half of attn_v and ffn_down q6_K): the usual choice"},
    {FileType::kQ5_K_S, "q5_K_S", 16, DType::kQ5_K, "q5_K everywhere"},
    {FileType::kQ5_K_M, "q5_K_M", 17, DType::kQ5_K, "q5_K mix (half of attn_v and ffn_down q6_K)"},
    {FileType::kQ6_K, "q6_K", 18, DType::kQ6_K, "6.6 bits/weight"},
    {FileType::kIQ4_NL, "iq4_nl", 25, DType::kIQ4_NL, "4.5 bits/weight, non-linear levels, 32-value blocks"},
    {FileType::kIQ4_XS, "iq4_xs", 30, DType::kIQ4_XS,
     "4.25 bits/weight, non-linear levels, 256-value blocks"},
};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

const FileTypeInfo& file_type_info(FileType type) {
  for (const auto& info : kFileTypes) {
    if (info.type == type) return info;
  }
  SINAN_CHECK_MSG(false, "unknown file type {}", static_cast<int>(type));
  return kFileTypes[0];
}

std::span<const FileTypeInfo> all_file_types() {
  return kFileTypes;
}

std::optional<FileType> file_type_from_name(std::string_view name) {
  for (const auto& info : kFileTypes) {
    if (equal_ignoring_case(info.name, name)) return info.type;
  }
  return std::nullopt;
}

std::string file_type_names() {
  std::string out;
  for (const auto& info : kFileTypes) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

}  // namespace sinan
