#include "model/weight_binder.h"

#include <fmt/format.h>

#include <cstring>

#include "model/tensor_names.h"
#include "quant/dequantize.h"

namespace sinan {
namespace {

std::string scale_name(const std::string& weight_name) {
  // DeepSeek's FP8 checkpoints: "X.weight" is scaled by "X.weight_scale_inv".
  return weight_name + "_scale_inv";
}

}  // namespace

const TensorInfo* WeightBinder::lookup(const std::string& logical, const char* suffix, int expert,
                                       std::string* file_name) {
  if (files_.format == SourceFormat::kGguf) {
    *file_name = gguf_tensor_name(logical, suffix);
  } else {
    auto hf = hf_tensor_name(logical, suffix, expert);
    if (!hf) {
      problems_.push_back(fmt::format("{} has no Hugging Face name (internal naming table)", logical));
      return nullptr;
    }
    *file_name = *hf;
  }
  const TensorInfo* t = files_.find(*file_name);
  if (t != nullptr) used_.insert(*file_name);
  return t;
}

bool WeightBinder::has(const std::string& logical, const char* suffix) const {
  if (files_.format == SourceFormat::kGguf) return files_.find(gguf_tensor_name(logical, suffix)) != nullptr;
  auto hf = hf_tensor_name(logical, suffix);
  return hf && files_.find(*hf) != nullptr;
}

bool WeightBinder::check_compute_type(const TensorInfo& t, const std::string& name) {
  if (can_dequantize(t.dtype)) return true;
  problems_.push_back(fmt::format("{}: tensor '{}' has type {}, which sinan cannot compute with yet", t.file, name,
                                  dtype_name(t.dtype)));
  return false;
}

bool WeightBinder::to_matrix(const TensorInfo& t, const std::string& name, int64_t rows, int64_t cols, Matrix* out) {
  if (t.shape != std::vector<int64_t>{rows, cols}) {
    problems_.push_back(fmt::format("{}: tensor '{}' has shape {}, the config expects [{}, {}]", t.file, name,
                                    shape_string(t.shape), rows, cols));
    return false;
  }
  if (!check_compute_type(t, name)) return false;
  Matrix m;
  m.dtype = t.dtype;
  m.rows = rows;
  m.cols = cols;
  m.data = t.data;
  m.row_bytes = *dtype_row_bytes(t.dtype, cols);
  if (t.dtype == DType::kF8E4M3) {
    if (config_.fp8_block_rows <= 0) {
      problems_.push_back(fmt::format("{}: tensor '{}' is float8_e4m3 but config.json has no fp8 quantization_config",
                                      t.file, name));
      return false;
    }
    const std::string scales_name = scale_name(name);
    const TensorInfo* scales = files_.find(scales_name);
    if (scales == nullptr) {
      problems_.push_back(fmt::format("{}: FP8 tensor '{}' has no '{}'", t.file, name, scales_name));
      return false;
    }
    used_.insert(scales_name);
    const int64_t block_rows = config_.fp8_block_rows, block_cols = config_.fp8_block_cols;
    const std::vector<int64_t> expected{(rows + block_rows - 1) / block_rows, (cols + block_cols - 1) / block_cols};
    if (scales->shape != expected || !dtype_info(scales->dtype).is_float_plain) {
      problems_.push_back(fmt::format("{}: tensor '{}' is {} {}, expected float [{}, {}] (one scale per {}x{} block)",
                                      scales->file, scales_name, dtype_name(scales->dtype), shape_string(scales->shape),
                                      expected[0], expected[1], block_rows, block_cols));
      return false;
    }
    auto copy = std::make_unique<float[]>(static_cast<size_t>(scales->numel()));
    dequantize_row(scales->dtype, scales->data, copy.get(), scales->numel());
    m.block_scales = copy.get();
    m.scale_cols = expected[1];
    m.scale_block_rows = block_rows;
    m.scale_block_cols = block_cols;
    weights_->owned.push_back(std::move(copy));
  }
  *out = m;
  return true;
}

void WeightBinder::matrix(const std::string& logical, int64_t rows, int64_t cols, Matrix* out) {
  std::string name;
  const TensorInfo* t = lookup(logical, "weight", -1, &name);
  if (t == nullptr) {
    problems_.push_back(fmt::format("{}: missing tensor '{}'", files_.path, name));
    return;
  }
  to_matrix(*t, name, rows, cols, out);
}

void WeightBinder::vector(const std::string& logical, int64_t n, std::vector<float>* out, const char* suffix) {
  std::string name;
  const TensorInfo* t = lookup(logical, suffix, -1, &name);
  if (t == nullptr) {
    problems_.push_back(fmt::format("{}: missing tensor '{}'", files_.path, name));
    return;
  }
  if (t->shape != std::vector<int64_t>{n}) {
    problems_.push_back(fmt::format("{}: tensor '{}' has shape {}, the config expects [{}]", t->file, name,
                                    shape_string(t->shape), n));
    return;
  }
  if (!check_compute_type(*t, name)) return;
  out->resize(static_cast<size_t>(n));
  dequantize_row(t->dtype, t->data, out->data(), n);
}

void WeightBinder::expert_matrix(const std::string& logical, int expert, int n_experts, int64_t rows, int64_t cols,
                                 Matrix* out) {
  std::string name;
  const TensorInfo* t = lookup(logical, "weight", expert, &name);
  if (t == nullptr) {
    problems_.push_back(fmt::format("{}: missing tensor '{}'", files_.path, name));
    return;
  }
  if (files_.format == SourceFormat::kHuggingFace) {
    to_matrix(*t, name, rows, cols, out);
    return;
  }
  if (t->shape != std::vector<int64_t>{n_experts, rows, cols}) {
    problems_.push_back(fmt::format("{}: tensor '{}' has shape {}, the config expects [{}, {}, {}]", t->file, name,
                                    shape_string(t->shape), n_experts, rows, cols));
    return;
  }
  if (!check_compute_type(*t, name)) return;
  Matrix m;
  m.dtype = t->dtype;
  m.rows = rows;
  m.cols = cols;
  m.row_bytes = *dtype_row_bytes(t->dtype, cols);
  m.data = t->data + static_cast<size_t>(expert) * static_cast<size_t>(rows) * m.row_bytes;
  *out = m;
}

void WeightBinder::head_matrices(const std::string& logical, int n_heads, int64_t rows, int64_t cols,
                                 std::vector<Matrix>* out) {
  std::string name;
  const TensorInfo* t = lookup(logical, "weight", -1, &name);
  if (t == nullptr) {
    problems_.push_back(fmt::format("{}: missing tensor '{}'", files_.path, name));
    return;
  }
  if (t->shape != std::vector<int64_t>{n_heads, rows, cols}) {
    problems_.push_back(fmt::format("{}: tensor '{}' has shape {}, the config expects [{}, {}, {}]", t->file, name,
                                    shape_string(t->shape), n_heads, rows, cols));
    return;
  }
  if (!check_compute_type(*t, name)) return;
  out->resize(static_cast<size_t>(n_heads));
  const size_t row_bytes = *dtype_row_bytes(t->dtype, cols);
  for (int h = 0; h < n_heads; ++h) {
    Matrix& m = (*out)[h];
    m.dtype = t->dtype;
    m.rows = rows;
    m.cols = cols;
    m.row_bytes = row_bytes;
    m.data = t->data + static_cast<size_t>(h) * static_cast<size_t>(rows) * row_bytes;
  }
}

Status WeightBinder::finish(std::vector<std::string>* unused) {
  for (const auto& t : files_.tensors()) {
    if (used_.count(t.name) == 0) unused->push_back(t.name);
  }
  if (problems_.empty()) return Status();
  constexpr size_t kShown = 12;
  std::string message = fmt::format("{} problem{} with the weights: ", problems_.size(), problems_.size() == 1 ? "" : "s");
  for (size_t i = 0; i < problems_.size() && i < kShown; ++i) message += (i ? "; " : "") + problems_[i];
  if (problems_.size() > kShown) message += fmt::format("; and {} more", problems_.size() - kShown);
  return Status::error(message);
}

}  // namespace sinan
