// The one table of element types: names, block geometry and on-disk ids in GGUF and safetensors.
// Numbers <-> bytes conversions live in quant/; this file knows only sizes, so every parser can
// validate tensor sizes without pulling in math.
#pragma once

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

const DTypeInfo& dtype_info(DType type);
inline std::string_view dtype_name(DType type) { return dtype_info(type).name; }

std::optional<DType> dtype_from_ggml_id(uint32_t id);
std::optional<DType> dtype_from_safetensors(std::string_view name);
std::optional<DType> dtype_from_name(std::string_view name);  // case-insensitive

// Bytes for a row of n values; nullopt when n is not a whole number of blocks.
std::optional<size_t> dtype_row_bytes(DType type, int64_t n);

}  // namespace sinan
