// The file types `sinan quantize --type` writes: llama.cpp's LLAMA_FTYPE_* mixes (q4_K_M, q5_K_S, ...) and
// the plain ones (f16, q8_0, ...). A file type names a default tensor type; for the _S/_M/_L mixes, the
// per-tensor rules of tensor_mix.h raise some tensors above it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/dtype.h"

namespace sinan {

enum class FileType {
  kF32,
  kF16,
  kBF16,
  kQ8_0,
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ2_K,
  kQ3_K_S,
  kQ3_K_M,
  kQ3_K_L,
  kQ4_K_S,
  kQ4_K_M,
  kQ5_K_S,
  kQ5_K_M,
  kQ6_K,
  kIQ4_NL,
  kIQ4_XS,
};

struct FileTypeInfo {
  FileType type;
  std::string_view name;     // as llama-quantize spells it: "q4_K_M"
  uint32_t llama_ftype;      // general.file_type (LLAMA_FTYPE_*)
  DType default_dtype;       // the type most tensors get
  std::string_view summary;  // one line for --help
};

const FileTypeInfo& file_type_info(FileType type);
std::span<const FileTypeInfo> all_file_types();
// Case-insensitive: "Q4_K_M", "q4_k_m" and "q4_K_M" all name the same type.
std::optional<FileType> file_type_from_name(std::string_view name);
// "f32, f16, bf16, q8_0, ..." for messages.
std::string file_type_names();

inline bool is_float_file_type(FileType t) {
  return t == FileType::kF32 || t == FileType::kF16 || t == FileType::kBF16;
}

}  // namespace sinan
