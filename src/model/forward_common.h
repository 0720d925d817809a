// Pieces of the forward pass every architecture shares: embedding lookup, the SiLU-gated FFN, the
// final norm and output head, and tracing.
#pragma once

#include <fmt/format.h>

#include "core/thread_pool.h"
#include "model/model.h"

namespace sinan {

// x[t] = embedding row of batch.tokens[t]; x is [n_tokens, hidden].
void embed_tokens(const Matrix& embedding, const Batch& batch, float* x);

// out = down(silu(gate(h)) * up(h)) for n_tokens rows; gate/up buffers hold [n_tokens, ffn] each.
void gated_ffn(const FfnWeights& w, const float* h, int64_t n_tokens, float* gate, float* up, float* out,
               ThreadPool& pool);

// Final RMSNorm of every row into `normed` [n_tokens, hidden], then logits for the wanted rows
// (gathered into `gathered`) into logits [n wanted, vocab].
void final_norm_and_logits(const ModelConfig& config, const ModelWeights& weights, const Batch& batch, const float* x,
                           float* normed, float* gathered, float* logits, ThreadPool& pool, Tracer* tracer);

inline void trace(Tracer* tracer, std::string_view name, const float* data, int64_t rows, int64_t cols) {
  if (tracer != nullptr) tracer->tensor(name, data, rows, cols);
}
inline std::string layer_trace_name(int layer, const char* what) { return fmt::format("l{}.{}", layer, what); }

}  // namespace sinan
