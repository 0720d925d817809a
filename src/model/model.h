// A loaded model: config, weight views into the mapped files, and the architecture's forward pass.
// The model is immutable after loading; per-request state (KV cache, scratch) lives in a Context.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "model/config.h"
#include "model/weight_binder.h"
#include "model/weight_files.h"
#include "model/weights.h"
#include "runtime/batch.h"
#include "runtime/kv_cache.h"

namespace sinan {

// Observes named activations during a forward pass ("embed", "l3.attn_out", "final_norm", ...).
// Off unless set; used to find where a mismatch with a reference starts.
class Tracer {
 public:
  virtual ~Tracer() = default;
  virtual void tensor(std::string_view name, const float* data, int64_t rows, int64_t cols) = 0;
  virtual void ids(std::string_view name, const int32_t* data, int64_t rows, int64_t cols) = 0;
};

// Preallocated activation buffers for batches of up to max_tokens tokens: the token loop allocates nothing.
class ForwardScratch {
 public:
  virtual ~ForwardScratch() = default;
  int64_t max_tokens = 0;
};

struct LoadReport {
  std::vector<std::string> warnings;  // unexpected tensors, absent optional parts
};

class Model {
 public:
  virtual ~Model() = default;

  // Loads a .gguf file or a Hugging Face directory. Every tensor is checked before any math runs.
  static Result<std::unique_ptr<Model>> load(const std::string& path, LoadReport* report = nullptr);

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }
  const WeightFiles& files() const { return files_; }

  // When the weights take at most 80% of physical memory, moves each file's tensor range into huge-page
  // anonymous memory at the same addresses, or failing that maps every page now (io/mapped_file.h), so
  // decode does not page-walk or fault through 4 KB page-cache pages. In memory so moved, the matmul
  // weights whose type the active CPU tier reads faster rearranged are rearranged (kernels/chunk_layout.h;
  // same bytes per chunk, same results bit for bit). Once per model: later calls (one per Context) return
  // at once. Best effort.
  void prepare_weight_memory() const;

  virtual std::unique_ptr<ForwardScratch> make_scratch(int64_t max_tokens) const = 0;

  // Runs one validated batch (see Context::decode): stores each token's cache row at its position,
  // and writes logits [n wanted, vocab] for the tokens that want them, in batch order.
  virtual void forward(const Batch& batch, PagedKvCache& cache, ForwardScratch& scratch, ThreadPool& pool,
                       float* logits, Tracer* tracer) const = 0;

 protected:
  // Called once after the weights are bound: derived tables (rope frequencies, ...).
  virtual void prepare() {}

  ModelConfig config_;
  WeightFiles files_;
  ModelWeights weights_;

 private:
  // The matmul weights lying in [begin, end) that the active CPU tier reads faster rearranged and that no
  // other view (embedding, router, MTP) shares bytes with.
  std::vector<Matrix*> packable_weights_in(const uint8_t* begin, const uint8_t* end);

  mutable std::once_flag weight_memory_prepared_;
};

// Architecture factories (one file each).
std::unique_ptr<Model> make_llama_model();
std::unique_ptr<Model> make_deepseek2_model();
Status bind_llama_weights(const ModelConfig& config, WeightBinder& binder, ModelWeights* weights);
Status bind_deepseek2_weights(const ModelConfig& config, WeightBinder& binder, ModelWeights* weights,
                              std::vector<std::string>* warnings);

}  // namespace sinan
