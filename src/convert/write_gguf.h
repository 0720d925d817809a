// Writes a ConversionPlan as a GGUF file of a given file type: each tensor's type chosen by llama.cpp's
// rules (tensor_mix.h), its rows read, quantized on the thread pool and streamed to disk a chunk at a time.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "convert/file_type.h"
#include "convert/plan.h"
#include "core/status.h"

namespace sinan {

struct WriteOptions {
  int threads = 0;        // <= 0: one per hardware thread
  bool progress = false;  // draw a progress bar
  std::FILE* progress_out = stderr;
};

struct WrittenTensor {
  std::string name;
  std::vector<int64_t> shape;
  MixChoice choice;
  uint64_t bytes = 0;
};

struct WriteSummary {
  std::vector<WrittenTensor> tensors;
  uint64_t data_bytes = 0;  // tensor data, padding included
  uint64_t parameters = 0;
  double seconds = 0;
};

// The type of every tensor of `plan` in a file of `file_type`, in plan order.
Result<std::vector<MixChoice>> plan_tensor_types(const ConversionPlan& plan, FileType file_type);

// Writes the file (as PATH.part, renamed when complete). Errors name the tensor and the row at fault.
Result<WriteSummary> write_gguf(const ConversionPlan& plan, FileType file_type, const std::string& path,
                                const WriteOptions& options);

}  // namespace sinan
