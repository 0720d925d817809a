// Llama and Qwen2 (R1-Distill-Llama, R1-Distill-Qwen): grouped-query attention with rotary
// embeddings (Qwen2 adds q/k/v biases) and a SiLU-gated FFN.
#include <algorithm>

#include "kernels/attention.h"
#include "kernels/elementwise.h"
#include "kernels/matmul.h"
#include "model/forward_common.h"
#include "model/model.h"
#include "model/tensor_names.h"

namespace sinan {
namespace {

struct LlamaScratch : ForwardScratch {
  std::vector<float> x, h, q, k, v, attn, gate, up, normed, gathered;
  std::vector<float> rope;  // [T, rope_dim]: each token's cos and sin, for every layer
};

class LlamaModel : public Model {
 public:
  std::unique_ptr<ForwardScratch> make_scratch(int64_t max_tokens) const override {
    const ModelConfig& c = config_;
    auto s = std::make_unique<LlamaScratch>();
    s->max_tokens = max_tokens;
    const auto T = static_cast<size_t>(max_tokens);
    s->x.resize(T * c.hidden_size);                    // [T, hidden]
    s->h.resize(T * c.hidden_size);                    // [T, hidden]
    s->q.resize(T * c.n_heads * c.head_dim);           // [T, n_heads * head_dim]
    s->k.resize(T * c.n_kv_heads * c.head_dim);        // [T, n_kv_heads * head_dim]
    s->v.resize(T * c.n_kv_heads * c.head_dim);        // [T, n_kv_heads * head_dim]
    s->attn.resize(T * c.n_heads * c.head_dim);        // [T, n_heads * head_dim]
    s->gate.resize(T * c.intermediate_size);           // [T, ffn]
    s->up.resize(T * c.intermediate_size);             // [T, ffn]
    s->normed.resize(T * c.hidden_size);               // [T, hidden]
    s->gathered.resize(T * c.hidden_size);             // [T, hidden]
    s->rope.resize(T * inv_freq_.size() * 2);          // [T, rope_dim]
    return s;
  }

  void forward(const Batch& batch, PagedKvCache& cache, ForwardScratch& scratch_base, ThreadPool& pool, float* logits,
               Tracer* tracer) const override {
    auto& s = static_cast<LlamaScratch&>(scratch_base);
    const auto attention_factor = static_cast<float>(config_.rope.attention_factor);
    for (int64_t t = 0; t < batch.size(); ++t) {
      rope_cos_sin(inv_freq_, attention_factor, batch.positions[t],
                   s.rope.data() + t * rope_row());  // [rope_dim]
    }
    const DecoderBuffers buffers{s.x.data(), s.h.data(), s.normed.data(), s.gathered.data()};
    run_decoder(
        config_, weights_, batch, buffers, [&](int l) { attention(l, weights_.layers[l].gqa, batch, cache, s, pool); },
        [&](int l) {
          const int64_t T = batch.size();
          gated_ffn(weights_.layers[l].ffn, s.h.data(), T, s.gate.data(), s.up.data(), s.h.data(), pool);  // [T, hidden]
        },
        logits, pool, tracer);
  }

 private:
  // Grouped-query attention on s.h ([T, hidden]); writes the output back into s.h.
  void attention(int l, const GqaWeights& w, const Batch& batch, PagedKvCache& cache, LlamaScratch& s,
                 ThreadPool& pool) const {
    const ModelConfig& c = config_;
    const int64_t T = batch.size(), hidden = c.hidden_size, hd = c.head_dim;
    const int64_t q_width = c.n_heads * hd, kv_width = c.n_kv_heads * hd;
    const int group = c.n_heads / c.n_kv_heads;
    const MatmulJob qkv[] = {{&w.q, s.h.data(), hidden, T, s.q.data(), q_width},    // [T, n_heads * hd]
                             {&w.k, s.h.data(), hidden, T, s.k.data(), kv_width},   // [T, n_kv_heads * hd]
                             {&w.v, s.h.data(), hidden, T, s.v.data(), kv_width}};  // [T, n_kv_heads * hd]
    matmul_jobs(qkv, &pool);
    const auto half = static_cast<int64_t>(inv_freq_.size());
    for (int64_t t = 0; t < T; ++t) {
      if (!w.q_bias.empty()) add_scaled(w.q_bias.data(), 1.0f, q_width, s.q.data() + t * q_width);
      if (!w.k_bias.empty()) add_scaled(w.k_bias.data(), 1.0f, kv_width, s.k.data() + t * kv_width);
      if (!w.v_bias.empty()) add_scaled(w.v_bias.data(), 1.0f, kv_width, s.v.data() + t * kv_width);
      const float* cos_sin = s.rope.data() + t * rope_row();  // computed in forward()
      apply_rope_cos_sin(s.q.data() + t * q_width, c.n_heads, hd, 0, half, c.rope.layout, cos_sin);
      apply_rope_cos_sin(s.k.data() + t * kv_width, c.n_kv_heads, hd, 0, half, c.rope.layout, cos_sin);
      float* row = cache.row(l, batch.seq_ids[t], batch.positions[t]);  // [2 * kv_width]: K then V
      std::copy(s.k.data() + t * kv_width, s.k.data() + (t + 1) * kv_width, row);
      std::copy(s.v.data() + t * kv_width, s.v.data() + (t + 1) * kv_width, row + kv_width);
    }
    // Each token attends over its own sequence's cached rows up to its position; the query heads of one KV
    // head read the same rows, so a call takes them together (split only to give each thread work). Calls
    // are handed out one at a time because their cost grows with the position (a prompt's last tokens cost
    // most).
    const int64_t heads_per_call = attention_heads_per_call(T, c.n_kv_heads, group, pool.size());
    const int64_t calls_per_kv_head = (group + heads_per_call - 1) / heads_per_call;
    const int64_t calls_per_token = c.n_kv_heads * calls_per_kv_head;
    pool.parallel_for_dynamic(T * calls_per_token, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t t = i / calls_per_token, kv_head = (i % calls_per_token) / calls_per_kv_head;
        const int64_t first = (i % calls_per_kv_head) * heads_per_call, head = kv_head * group + first;
        const KvRows rows = cache.rows(l, batch.seq_ids[t]);
        attend_heads(s.q.data() + t * q_width + head * hd, hd, std::min(heads_per_call, group - first), kv_head * hd,
                     hd, kv_width + kv_head * hd, hd, rows, batch.positions[t] + 1, c.softmax_scale,
                     s.attn.data() + t * q_width + head * hd, hd);
      }
    });
    matmul(w.o, s.attn.data(), q_width, T, s.h.data(), hidden, &pool);  // [T, hidden]
  }

  void prepare() override { inv_freq_ = rope_inverse_frequencies(config_.rope); }
  int64_t rope_row() const { return 2 * static_cast<int64_t>(inv_freq_.size()); }

  std::vector<float> inv_freq_;
};

}  // namespace

std::unique_ptr<Model> make_llama_model() { return std::make_unique<LlamaModel>(); }

Status bind_llama_weights(const ModelConfig& c, WeightBinder& b, ModelWeights* w) {
  const int64_t hidden = c.hidden_size, hd = c.head_dim;
  b.matrix("token_embd", c.vocab_size, hidden, &w->token_embedding);
  b.vector("output_norm", hidden, &w->output_norm);
  if (b.has("output")) {
    b.matrix("output", c.vocab_size, hidden, &w->output);
  } else if (c.tie_embeddings || c.source == SourceFormat::kGguf) {
    w->output = w->token_embedding;  // tied embeddings
  } else {
    b.matrix("output", c.vocab_size, hidden, &w->output);  // reports it missing
  }
  w->layers.resize(static_cast<size_t>(c.n_layers));
  for (int l = 0; l < c.n_layers; ++l) {
    LayerWeights& lw = w->layers[l];
    b.vector(layer_name(l, "attn_norm"), hidden, &lw.attn_norm);
    b.vector(layer_name(l, "ffn_norm"), hidden, &lw.ffn_norm);
    b.matrix(layer_name(l, "attn_q"), c.n_heads * hd, hidden, &lw.gqa.q);
    b.matrix(layer_name(l, "attn_k"), c.n_kv_heads * hd, hidden, &lw.gqa.k);
    b.matrix(layer_name(l, "attn_v"), c.n_kv_heads * hd, hidden, &lw.gqa.v);
    b.matrix(layer_name(l, "attn_output"), hidden, c.n_heads * hd, &lw.gqa.o);
    if (c.attention_bias) {
      b.vector(layer_name(l, "attn_q"), c.n_heads * hd, &lw.gqa.q_bias, "bias");
      b.vector(layer_name(l, "attn_k"), c.n_kv_heads * hd, &lw.gqa.k_bias, "bias");
      b.vector(layer_name(l, "attn_v"), c.n_kv_heads * hd, &lw.gqa.v_bias, "bias");
    }
    b.matrix(layer_name(l, "ffn_gate"), c.intermediate_size, hidden, &lw.ffn.gate);
    b.matrix(layer_name(l, "ffn_up"), c.intermediate_size, hidden, &lw.ffn.up);
    b.matrix(layer_name(l, "ffn_down"), hidden, c.intermediate_size, &lw.ffn.down);
  }
  return Status();
}

}  // namespace sinan
