// The one table of element types: names, block geometry and on-disk ids in GGUF and safetensors.
// Numbers <-> bytes conversions live in quant/; this file knows only sizes, so every parser can
// validate tensor sizes without pulling in math.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sinan {

enum class DType : uint8_t {
  kF32,
  kF16,
  kBF16,
  kF64,
  kI8,
  kI16,
  kI32,
  kI64,
  kU8,
  kBool,
  kF8E4M3,  // DeepSeek's FP8 weights (safetensors F8_E4M3), scaled per 128x128 block
  kF8E5M2,
  // llama.cpp block formats
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ8_0,
  kQ8_1,
  kQ2_K,
  kQ3_K,
  kQ4_K,
  kQ5_K,
  kQ6_K,
  kQ8_K,
  kIQ2_XXS,
  kIQ2_XS,
  kIQ3_XXS,
  kIQ1_S,
  kIQ4_NL,
  kIQ3_S,
  kIQ2_S,
  kIQ4_XS,
  kIQ1_M,
  kTQ1_0,
  kTQ2_0,
  kMXFP4,
  kCount,
};

struct DTypeInfo {
  DType type;
  std::string_view name;          // sinan's and llama.cpp's lower-case name, e.g. "q4_K"
  int64_t block_elems;            // values per block (1 for plain types)
  int64_t block_bytes;            // bytes per block
  int ggml_id;                    // GGUF tensor type id, or -1
  std::string_view safetensors;   // safetensors dtype string, or ""
  bool is_float_plain;            // F32/F16/BF16/F64
};

// Block sizes follow ggml (ggml-common.h): QK4_0 = 32, QK_K = 256, and the byte sizes of each block struct.
inline constexpr std::array<DTypeInfo, static_cast<size_t>(DType::kCount)> kDTypeTable = {{
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

constexpr bool dtype_table_in_order() {
  for (size_t i = 0; i < kDTypeTable.size(); ++i) {
    if (kDTypeTable[i].type != static_cast<DType>(i)) return false;
  }
  return true;
}
static_assert(dtype_table_in_order(), "kDTypeTable's rows follow the DType enum");

const DTypeInfo& dtype_info(DType type);
// dtype_info at compile time (no range check: for a type named in the code).
constexpr const DTypeInfo& dtype_info_constexpr(DType type) {
  return kDTypeTable[static_cast<size_t>(type)];
}
inline std::string_view dtype_name(DType type) { return dtype_info(type).name; }

std::optional<DType> dtype_from_ggml_id(uint32_t id);
std::optional<DType> dtype_from_safetensors(std::string_view name);
std::optional<DType> dtype_from_name(std::string_view name);  // case-insensitive

// Bytes for a row of n values; nullopt when n is not a whole number of blocks.
std::optional<size_t> dtype_row_bytes(DType type, int64_t n);

}  // namespace sinan
