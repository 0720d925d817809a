// A model on its way to a GGUF file: the metadata to write and every tensor as something that can be read
// row by row as float32, whatever the input was (a GGUF, a Hugging Face checkpoint, random weights).
// Writing (write_gguf.h) pulls rows a chunk at a time, so no tensor is ever held whole in memory.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "convert/tensor_mix.h"
#include "core/status.h"
#include "io/gguf_writer.h"

namespace sinan {

struct PlannedTensor {
  std::string name;            // GGUF name: "blk.3.ffn_down_exps.weight"
  std::vector<int64_t> shape;  // outermost first; rows are the innermost dimension
  // The type the input holds it in, kept when the file type leaves the tensor alone (norms, biases, the
  // router); float32 for tensors computed on the way (transposed, permuted, generated).
  DType source_type = DType::kF32;
  // Decodes rows [first, first + count) of the tensor seen as [rows(), cols()] into out (count * cols()
  // floats). Called from several threads at once on disjoint rows.
  std::function<Status(int64_t first, int64_t count, float* out)> read_rows;
  // The input's bytes when they are already source_type in this layout (GGUF input): copied unchanged
  // when the chosen type is source_type. Null otherwise.
  const uint8_t* raw = nullptr;

  int64_t cols() const { return shape.back(); }
  int64_t rows() const {
    int64_t n = 1;
    for (size_t i = 0; i + 1 < shape.size(); ++i) n *= shape[i];
    return n;
  }
  int64_t numel() const { return rows() * cols(); }
};

struct ConversionPlan {
  std::string source;                  // what was read, for messages
  GgufWriter metadata;                 // everything but general.file_type, which the writer sets
  std::vector<PlannedTensor> tensors;  // in the order they are written
  MixModel mix_model;
  // Where general.quantization_version and general.file_type go: false, moved to the end as llama-quantize
  // does; true, set in place where the plan put them (convert_hf_to_gguf.py's positions).
  bool metadata_in_place = false;
  std::vector<std::string> notes;  // things the user should know (skipped tensors, requantization, ...)
  std::vector<std::shared_ptr<const void>> keep_alive;  // mapped inputs the readers point into
};

// Sorts plan.tensors into llama.cpp's order.
void sort_tensors_like_llama_cpp(ConversionPlan& plan);

// Reads a GGUF file written by llama.cpp or sinan (any type sinan can decode).
Result<ConversionPlan> plan_from_gguf(const std::string& path);

}  // namespace sinan
