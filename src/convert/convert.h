// src/convert: model files -> GGUF files.
//
//   Result<ConversionPlan> plan = open_conversion_input("DeepSeek-R1-Distill-Qwen-7B/");  // or a .gguf
//   Result<WriteSummary> done = write_gguf(*plan, FileType::kQ4_K_M, "r1-qwen-7b-q4_K_M.gguf", {});
//
// The input (a GGUF, a Hugging Face directory, or random weights from synth.h) becomes a ConversionPlan:
// metadata plus tensors read row by row. write_gguf picks each tensor's type with llama.cpp's rules for
// the file type, quantizes on the thread pool and streams the file to disk.
#pragma once

#include "convert/file_type.h"
#include "convert/hf_input.h"
#include "convert/plan.h"
#include "convert/synth.h"
#include "convert/write_gguf.h"

namespace sinan {

// A .gguf file or a Hugging Face model directory.
Result<ConversionPlan> open_conversion_input(const std::string& path, const HfOptions& hf_options = {});

}  // namespace sinan
