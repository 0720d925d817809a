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

// The pre-norm residual decoder every architecture shares: x = embed(tokens); per layer
// x += attention(norm(x)); x += ffn(norm(x)); then the final norm and the output head. `attention(l)` and
// `ffn(l)` read the normalized activations in h ([n_tokens, hidden]) and write their output back there.
struct DecoderBuffers {
  float* x;         // [n_tokens, hidden] the residual stream
  float* h;         // [n_tokens, hidden] normalized input / block output
  float* normed;    // [n_tokens, hidden] final norm
  float* gathered;  // [n_tokens, hidden] rows that want logits
};
void run_decoder(const ModelConfig& config, const ModelWeights& weights, const Batch& batch, const DecoderBuffers& b,
                 FunctionRef<void(int layer)> attention, FunctionRef<void(int layer)> ffn, float* logits,
                 ThreadPool& pool, Tracer* tracer);

inline void trace(Tracer* tracer, std::string_view name, const float* data, int64_t rows, int64_t cols) {
  if (tracer != nullptr) tracer->tensor(name, data, rows, cols);
}
inline std::string layer_trace_name(int layer, const char* what) { return fmt::format("l{}.{}", layer, what); }

}  // namespace sinan
