// A GGUF file as a conversion input: metadata copied, tensors decoded row by row.
#include <algorithm>
#include <cstring>

#include "convert/plan.h"
#include "io/gguf.h"
#include "quant/dequantize.h"

namespace sinan {
namespace {

Result<int> metadata_int(const GgufFile& file, const std::string& key, int fallback) {
  SINAN_ASSIGN_OR_RETURN(std::optional<int64_t> v, file.get_int(key));
  return static_cast<int>(v.value_or(fallback));
}

}  // namespace

void sort_tensors_like_llama_cpp(ConversionPlan& plan) {
  std::stable_sort(
      plan.tensors.begin(), plan.tensors.end(),
      [](const PlannedTensor& a, const PlannedTensor& b) { return llama_tensor_order(a.name, b.name); });
}

Result<ConversionPlan> plan_from_gguf(const std::string& path) {
  SINAN_ASSIGN_OR_RETURN(GgufFile parsed, GgufFile::open(path));
  auto file = std::make_shared<GgufFile>(std::move(parsed));
  ConversionPlan plan;
  plan.source = path;
  plan.keep_alive.push_back(file);
  plan.metadata.copy_metadata(*file);

  SINAN_ASSIGN_OR_RETURN(std::optional<std::string> arch, file->get_string("general.architecture"));
  if (!arch) return Status::errorf("{}: missing metadata 'general.architecture'", path);
  plan.mix_model.arch = *arch;
  SINAN_ASSIGN_OR_RETURN(plan.mix_model.n_layer_all, metadata_int(*file, *arch + ".block_count", 0));
  SINAN_ASSIGN_OR_RETURN(plan.mix_model.n_head, metadata_int(*file, *arch + ".attention.head_count", 0));
  SINAN_ASSIGN_OR_RETURN(plan.mix_model.n_head_kv,
                         metadata_int(*file, *arch + ".attention.head_count_kv", plan.mix_model.n_head));
  SINAN_ASSIGN_OR_RETURN(plan.mix_model.n_expert, metadata_int(*file, *arch + ".expert_count", 0));

  bool quantized_input = false;
  for (const TensorInfo& t : file->tensors()) {
    if (!can_dequantize(t.dtype)) {
      return Status::errorf("{}: tensor '{}' has type {}, which sinan cannot decode", path, t.name,
                            dtype_name(t.dtype));
    }
    if (t.shape.empty()) return Status::errorf("{}: tensor '{}' has no dimensions", path, t.name);
    PlannedTensor p;
    p.name = t.name;
    p.shape = t.shape;
    p.source_type = t.dtype;
    p.raw = t.data;
    const DType dtype = t.dtype;
    const uint8_t* data = t.data;
    const int64_t cols = t.shape.back();
    const size_t row_bytes = *dtype_row_bytes(dtype, cols);
    p.read_rows = [dtype, data, cols, row_bytes](int64_t first, int64_t count, float* out) {
      for (int64_t r = 0; r < count; ++r) {
        dequantize_row(dtype, data + static_cast<size_t>(first + r) * row_bytes, out + r * cols, cols);
      }
      return Status();
    };
    quantized_input = quantized_input || !dtype_info(dtype).is_float_plain;
    plan.tensors.push_back(std::move(p));
  }
  if (quantized_input) {
    plan.notes.push_back(
        "the input is already quantized: tensors that change type are requantized from its rounded values, "
        "which "
        "loses more than quantizing the original float weights");
  }
  // llama-quantize drops split bookkeeping; a converted file is always one piece.
  plan.metadata.remove("split.no");
  plan.metadata.remove("split.count");
  plan.metadata.remove("split.tensors.count");
  sort_tensors_like_llama_cpp(plan);
  return plan;
}

}  // namespace sinan
