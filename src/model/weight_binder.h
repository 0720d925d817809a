// Binds named tensors of the weight files to the model's weight views, checking every tensor's
// presence, dtype and shape against the config before any math runs. Problems are collected so one
// load reports all of them, each naming the file and the tensor.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/weight_files.h"
#include "model/weights.h"

namespace sinan {

class WeightBinder {
 public:
  WeightBinder(const WeightFiles& files, const ModelConfig& config, ModelWeights* weights)
      : files_(files), config_(config), weights_(weights) {}

  // Logical names are llama.cpp's ("blk.3.attn_q"); see tensor_names.h.
  bool has(const std::string& logical, const char* suffix = "weight") const;

  void matrix(const std::string& logical, int64_t rows, int64_t cols, Matrix* out);
  void vector(const std::string& logical, int64_t n, std::vector<float>* out, const char* suffix = "weight");
  // One expert of a *_exps weight: a slice of GGUF's [n_experts, rows, cols] tensor, or HF's per-expert tensor.
  void expert_matrix(const std::string& logical, int expert, int n_experts, int64_t rows, int64_t cols, Matrix* out);
  // Per-head matrices of a GGUF [n_heads, rows, cols] tensor (llama.cpp's attn_k_b / attn_v_b).
  void head_matrices(const std::string& logical, int n_heads, int64_t rows, int64_t cols, std::vector<Matrix>* out);

  // Marks a tensor the config reader already consumed (e.g. rope_freqs.weight) as used.
  void consume(const std::string& file_name) { used_.insert(file_name); }

  // Records a problem found by the caller.
  void problem(std::string message) { problems_.push_back(std::move(message)); }

  // Ok when every requested tensor bound; otherwise one error listing every problem. Tensors in the
  // files that nothing asked for are reported in `unused`.
  Status finish(std::vector<std::string>* unused);

 private:
  const TensorInfo* lookup(const std::string& logical, const char* suffix, int expert, std::string* file_name);
  bool to_matrix(const TensorInfo& t, const std::string& name, int64_t rows, int64_t cols, Matrix* out);
  bool check_compute_type(const TensorInfo& t, const std::string& name);

  const WeightFiles& files_;
  const ModelConfig& config_;
  ModelWeights* weights_;
  std::set<std::string> used_;
  std::vector<std::string> problems_;
};

}  // namespace sinan
