#include "model/forward_common.h"

#include "kernels/elementwise.h"
#include "kernels/matmul.h"

namespace sinan {

void embed_tokens(const Matrix& embedding, const Batch& batch, float* x) {
  for (int64_t t = 0; t < batch.size(); ++t) {
    dequantize_matrix_row(embedding, batch.tokens[t], x + t * embedding.cols);  // [hidden]
  }
}

void gated_ffn(const FfnWeights& w, const float* h, int64_t n_tokens, float* gate, float* up, float* out,
               ThreadPool& pool) {
  const int64_t hidden = w.gate.cols, ffn = w.gate.rows;
  const MatmulJob gate_up[] = {{&w.gate, h, hidden, n_tokens, gate, ffn},   // [n_tokens, ffn]
                               {&w.up, h, hidden, n_tokens, up, ffn}};      // [n_tokens, ffn]
  matmul_jobs(gate_up, &pool);
  silu_mul(gate, up, n_tokens * ffn, gate, pool);             // [n_tokens, ffn]
  matmul(w.down, gate, ffn, n_tokens, out, hidden, &pool);  // [n_tokens, hidden]
}

void final_norm_and_logits(const ModelConfig& config, const ModelWeights& weights, const Batch& batch, const float* x,
                           float* normed, float* gathered, float* logits, ThreadPool& pool, Tracer* tracer) {
  const int64_t hidden = config.hidden_size, n = batch.size();
  rms_norm(x, hidden, weights.output_norm.data(), config.rms_norm_eps, n, hidden, normed, hidden);  // [n, hidden]
  trace(tracer, "final_norm", normed, n, hidden);
  int64_t wanted = 0;
  for (int64_t t = 0; t < n; ++t) {
    if (!batch.want_logits[t]) continue;
    std::copy(normed + t * hidden, normed + (t + 1) * hidden, gathered + wanted * hidden);  // [wanted, hidden]
    ++wanted;
  }
  matmul(weights.output, gathered, hidden, wanted, logits, config.vocab_size, &pool);  // [wanted, vocab]
}

void run_decoder(const ModelConfig& c, const ModelWeights& weights, const Batch& batch, const DecoderBuffers& b,
                 FunctionRef<void(int layer)> attention, FunctionRef<void(int layer)> ffn, float* logits,
                 ThreadPool& pool, Tracer* tracer) {
  const int64_t T = batch.size(), hidden = c.hidden_size;
  embed_tokens(weights.token_embedding, batch, b.x);  // [T, hidden]
  trace(tracer, "embed", b.x, T, hidden);
  for (int l = 0; l < c.n_layers; ++l) {
    const LayerWeights& w = weights.layers[l];
    rms_norm(b.x, hidden, w.attn_norm.data(), c.rms_norm_eps, T, hidden, b.h, hidden);  // [T, hidden]
    if (tracer) trace(tracer, layer_trace_name(l, "attn_norm"), b.h, T, hidden);
    attention(l);  // b.h <- [T, hidden]
    if (tracer) trace(tracer, layer_trace_name(l, "attn_out"), b.h, T, hidden);
    add_scaled(b.h, 1.0f, T * hidden, b.x);

    rms_norm(b.x, hidden, w.ffn_norm.data(), c.rms_norm_eps, T, hidden, b.h, hidden);  // [T, hidden]
    if (tracer) trace(tracer, layer_trace_name(l, "ffn_norm"), b.h, T, hidden);
    ffn(l);  // b.h <- [T, hidden]
    if (tracer) trace(tracer, layer_trace_name(l, "ffn_out"), b.h, T, hidden);
    add_scaled(b.h, 1.0f, T * hidden, b.x);
    if (tracer) trace(tracer, layer_trace_name(l, "out"), b.x, T, hidden);
  }
  final_norm_and_logits(c, weights, batch, b.x, b.normed, b.gathered, logits, pool, tracer);
}

}  // namespace sinan
