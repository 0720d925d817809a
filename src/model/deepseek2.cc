// DeepSeek V2, V2-Lite, V3 and R1: multi-head latent attention (MLA) and DeepSeekMoE.
//
// MLA caches, per token and layer, only the normalized latent c_kv (kv_lora_rank values) and the
// rotated rope key (qk_rope_head_dim). Attention runs in the absorbed form: each head's query is
// mapped into latent space through W_UK (q_lat = W_UK^T q_nope), scored against the latents plus the
// rope part, the softmax-weighted latent is mapped out through W_UV, then o_proj. No per-head key or
// value is ever materialized, so the cache is DeepSeek's size, not a decompressed copy.
#include <algorithm>

#include "core/check.h"
#include "kernels/attention.h"
#include "kernels/elementwise.h"
#include "kernels/matmul.h"
#include "kernels/moe_routing.h"
#include "model/forward_common.h"
#include "model/model.h"
#include "model/tensor_names.h"

namespace sinan {
namespace {

struct Deepseek2Scratch : ForwardScratch {
  std::vector<float> x, h, q_a, q, kv_a, q_full, o_latent, o, gate, up, normed, gathered;
  // MoE
  std::vector<float> router_logits, route_scratch, expert_weights, routed_weight, gathered_in, expert_out, moe_out;
  std::vector<int32_t> expert_ids, expert_count, expert_offset, routed_token, sorted_ids;
  std::vector<float> sorted_weights;
  // The few-token path (grouped_experts): every routed slot's FFN at once.
  std::vector<float> slot_gate, slot_up, slot_out;
  std::vector<MatmulJob> jobs;
  std::vector<float> rope;  // [T, rope]: each token's cos and sin, for every layer
};

// Up to this many routed (token, expert) slots, all experts of a step run in two parallel loops (gate and
// up of every expert and the shared ones, then every down) instead of three loops per expert: decode of
// a few sequences is a few hundred tiny products, and each loop costs a wake-up and a join.
constexpr int64_t kGroupedSlots = 32;

class Deepseek2Model : public Model {
 public:
  std::unique_ptr<ForwardScratch> make_scratch(int64_t max_tokens) const override {
    const ModelConfig& c = config_;
    auto s = std::make_unique<Deepseek2Scratch>();
    s->max_tokens = max_tokens;
    const auto T = static_cast<size_t>(max_tokens);
    const auto nh = static_cast<size_t>(c.n_heads);
    const auto qk_head = static_cast<size_t>(c.qk_nope_head_dim + c.qk_rope_head_dim);
    const auto latent_row = static_cast<size_t>(c.kv_lora_rank + c.qk_rope_head_dim);
    const auto k = static_cast<size_t>(std::max(c.experts_per_token, 1));
    const auto n_experts = static_cast<size_t>(std::max(c.n_routed_experts, 1));
    const int64_t ffn_width =
        std::max<int64_t>({c.intermediate_size, c.moe_intermediate_size * std::max(c.n_shared_experts, 1), 1});
    s->x.resize(T * c.hidden_size);                          // [T, hidden]
    s->h.resize(T * c.hidden_size);                          // [T, hidden]
    s->q_a.resize(T * std::max<int64_t>(c.q_lora_rank, 1));  // [T, q_lora]
    s->q.resize(T * nh * qk_head);                           // [T, n_heads * (nope + rope)]
    s->kv_a.resize(T * latent_row);                          // [T, kv_lora + rope]
    s->q_full.resize(T * nh * latent_row);                   // [T, n_heads, kv_lora + rope]
    s->o_latent.resize(T * nh * c.kv_lora_rank);             // [T, n_heads, kv_lora]
    s->o.resize(T * nh * c.v_head_dim);                      // [T, n_heads * v_head]
    s->gate.resize(T * ffn_width);                           // [T, ffn]
    s->up.resize(T * ffn_width);                             // [T, ffn]
    s->normed.resize(T * c.hidden_size);                     // [T, hidden]
    s->gathered.resize(T * c.hidden_size);                   // [T, hidden]
    s->router_logits.resize(T * n_experts);                  // [T, n_experts]
    s->route_scratch.resize(2 * n_experts);                  // [2, n_experts]
    s->expert_ids.resize(T * k);                             // [T, top_k]
    s->expert_weights.resize(T * k);                         // [T, top_k]
    s->sorted_ids.resize(T * k);                             // [T, top_k] ascending, for tracing
    s->sorted_weights.resize(T * k);                         // [T, top_k]
    s->expert_count.resize(n_experts);                       // [n_experts]
    s->expert_offset.resize(n_experts + 1);                  // [n_experts + 1]
    s->routed_token.resize(T * k);                           // [T * top_k] token of each routed slot
    s->routed_weight.resize(T * k);                          // [T * top_k]
    s->gathered_in.resize(T * c.hidden_size);                // [tokens of one expert, hidden]
    s->expert_out.resize(T * c.hidden_size);                 // [tokens of one expert, hidden]
    s->moe_out.resize(T * c.hidden_size);                    // [T, hidden]
    const auto slots = static_cast<size_t>(std::min<int64_t>(T * static_cast<int64_t>(k), kGroupedSlots));
    s->gathered_in.resize(std::max(T, slots) * c.hidden_size);  // [tokens of one expert or slots, hidden]
    // The routed slots' FFN values, then the shared experts' for the same tokens (at most `slots` of them),
    // so one SiLU call covers both.
    const auto slot_ffn = slots * static_cast<size_t>(c.moe_intermediate_size) +
                          slots * static_cast<size_t>(c.n_shared_experts * c.moe_intermediate_size);
    s->slot_gate.resize(slot_ffn);                            // [slots, moe_ffn] then [tokens, shared_ffn]
    s->slot_up.resize(slot_ffn);                              // [slots, moe_ffn] then [tokens, shared_ffn]
    s->slot_out.resize(slots * c.hidden_size);                // [slots, hidden]
    s->jobs.reserve(2 * (slots + 2));
    s->rope.resize(T * rope_row());  // [T, rope]
    return s;
  }

  void forward(const Batch& batch, PagedKvCache& cache, ForwardScratch& scratch_base, ThreadPool& pool, float* logits,
               Tracer* tracer) const override {
    auto& s = static_cast<Deepseek2Scratch&>(scratch_base);
    const int64_t T = batch.size();
    const auto attention_factor = static_cast<float>(config_.rope.attention_factor);
    for (int64_t t = 0; t < T; ++t) {
      rope_cos_sin(inv_freq_, attention_factor, batch.positions[t],
                   s.rope.data() + t * rope_row());  // [rope]
    }
    const DecoderBuffers buffers{s.x.data(), s.h.data(), s.normed.data(), s.gathered.data()};
    run_decoder(
        config_, weights_, batch, buffers, [&](int l) { attention(l, weights_.layers[l].mla, batch, cache, s, pool); },
        [&](int l) {
          const LayerWeights& w = weights_.layers[l];
          if (w.is_moe) {
            moe(l, w.moe, T, s, pool, tracer);  // s.h <- [T, hidden]
          } else {
            gated_ffn(w.ffn, s.h.data(), T, s.gate.data(), s.up.data(), s.h.data(), pool);  // [T, hidden]
          }
        },
        logits, pool, tracer);
  }

 private:
  void prepare() override { inv_freq_ = rope_inverse_frequencies(config_.rope); }
  int64_t rope_row() const { return 2 * static_cast<int64_t>(inv_freq_.size()); }

  // MLA on s.h ([T, hidden]); writes the attention output back into s.h.
  void attention(int l, const MlaWeights& w, const Batch& batch, PagedKvCache& cache, Deepseek2Scratch& s,
                 ThreadPool& pool) const {
    const ModelConfig& c = config_;
    const int64_t T = batch.size(), hidden = c.hidden_size, nh = c.n_heads;
    const int64_t nope = c.qk_nope_head_dim, rope = c.qk_rope_head_dim, kv_lora = c.kv_lora_rank;
    const int64_t qk_head = nope + rope, q_stride = nh * qk_head;
    const int64_t latent_row = kv_lora + rope, q_full_stride = nh * latent_row;
    const int64_t v_head = c.v_head_dim, o_stride = nh * v_head, o_latent_stride = nh * kv_lora;

    // The query's first product and kv_a both read s.h: one parallel loop, one quantization of s.h.
    const bool q_lora = c.q_lora_rank > 0;
    const Matrix& q_first = q_lora ? w.q_a : w.q;
    float* q_out = q_lora ? s.q_a.data() : s.q.data();
    const int64_t q_width = q_lora ? c.q_lora_rank : q_stride;  // q_a's rows, or q's
    const MatmulJob from_h[] = {
        {&q_first, s.h.data(), hidden, T, q_out, q_width},             // [T, q_width]
        {&w.kv_a, s.h.data(), hidden, T, s.kv_a.data(), latent_row}};  // [T, kv_lora + rope]
    matmul_jobs(from_h, &pool);
    if (q_lora) {
      rms_norm(s.q_a.data(), c.q_lora_rank, w.q_a_norm.data(), c.rms_norm_eps, T, c.q_lora_rank, s.q_a.data(),
               c.q_lora_rank);
      matmul(w.q_b, s.q_a.data(), c.q_lora_rank, T, s.q.data(), q_stride, &pool);  // [T, n_heads * (nope + rope)]
    }
    // Normalize the latent in place; the rope key stays as projected.
    rms_norm(s.kv_a.data(), latent_row, w.kv_a_norm.data(), c.rms_norm_eps, T, kv_lora, s.kv_a.data(), latent_row);

    const auto half = static_cast<int64_t>(inv_freq_.size());
    for (int64_t t = 0; t < T; ++t) {
      const int64_t position = batch.positions[t];
      const float* cos_sin = s.rope.data() + t * rope_row();  // computed in forward()
      apply_rope_cos_sin(s.q.data() + t * q_stride, nh, qk_head, nope, half, c.rope.layout, cos_sin);
      apply_rope_cos_sin(s.kv_a.data() + t * latent_row, 1, latent_row, kv_lora, half, c.rope.layout,
                         cos_sin);
      float* row = cache.row(l, batch.seq_ids[t], position);  // [kv_lora + rope]
      std::copy(s.kv_a.data() + t * latent_row, s.kv_a.data() + (t + 1) * latent_row, row);
    }

    // Absorb W_UK into each head's query: q_full[t, h] = [W_UK_h^T q_nope[t, h] | q_rope[t, h]].
    pool.parallel_for(nh, [&](int64_t begin, int64_t end) {
      for (int64_t head = begin; head < end; ++head) {
        const float* q_nope = s.q.data() + head * qk_head;      // rows of [T, nope], stride q_stride
        float* q_latent = s.q_full.data() + head * latent_row;  // rows of [T, kv_lora], stride q_full_stride
        if (w.k_up_is_transposed) {
          matmul_rows(w.k_up[head], q_nope, q_stride, T, q_latent, q_full_stride, 0, kv_lora);
        } else {
          matmul_transposed(w.k_up[head], q_nope, q_stride, T, q_latent, q_full_stride);
        }
        for (int64_t t = 0; t < T; ++t) {
          const float* q_rope = q_nope + t * q_stride + nope;
          std::copy(q_rope, q_rope + rope, q_latent + t * q_full_stride + kv_lora);
        }
      }
    });

    // Scores against [latent | rope key]; the latent is also the value, and every head reads the same rows,
    // so a call takes a token's heads together (split only to give each thread work). Calls are handed out
    // one at a time because their cost grows with the position.
    const int64_t heads_per_call = attention_heads_per_call(T, 1, nh, pool.size());
    const int64_t calls_per_token = (nh + heads_per_call - 1) / heads_per_call;
    pool.parallel_for_dynamic(T * calls_per_token, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t t = i / calls_per_token, head = (i % calls_per_token) * heads_per_call;
        const KvRows rows = cache.rows(l, batch.seq_ids[t]);
        attend_heads(s.q_full.data() + t * q_full_stride + head * latent_row, latent_row,
                     std::min(heads_per_call, nh - head), 0, latent_row, 0, kv_lora, rows, batch.positions[t] + 1,
                     c.softmax_scale, s.o_latent.data() + t * o_latent_stride + head * kv_lora, kv_lora);
      }
    });

    // Out of latent space through W_UV: o[t, h] = W_UV_h o_latent[t, h].
    pool.parallel_for(nh, [&](int64_t begin, int64_t end) {
      for (int64_t head = begin; head < end; ++head) {
        matmul_rows(w.v_up[head], s.o_latent.data() + head * kv_lora, o_latent_stride, T, s.o.data() + head * v_head,
                    o_stride, 0, v_head);
      }
    });
    matmul(w.o, s.o.data(), o_stride, T, s.h.data(), hidden, &pool);  // [T, hidden]
  }

  // DeepSeekMoE on s.h ([T, hidden]): routed experts (tokens grouped per expert so each expert's
  // weights stream once per batch) plus the shared experts; writes the result back into s.h.
  void moe(int l, const MoeWeights& w, int64_t T, Deepseek2Scratch& s, ThreadPool& pool, Tracer* tracer) const {
    const ModelConfig& c = config_;
    const int64_t hidden = c.hidden_size, n_experts = c.n_routed_experts, k = c.experts_per_token;
    matmul(w.router, s.h.data(), hidden, T, s.router_logits.data(), n_experts, &pool);  // [T, n_experts]
    if (tracer) trace(tracer, layer_trace_name(l, "router_logits"), s.router_logits.data(), T, n_experts);
    const RouterParams params = c.router_params(w.selection_bias.empty() ? nullptr : w.selection_bias.data());
    for (int64_t t = 0; t < T; ++t) {
      route_token(s.router_logits.data() + t * n_experts, params, s.route_scratch.data(), s.expert_ids.data() + t * k,
                  s.expert_weights.data() + t * k);
    }
    if (tracer) trace_routing(l, T, s, tracer);

    // Counting sort of the (token, slot) pairs by expert.
    std::fill(s.expert_count.begin(), s.expert_count.end(), 0);
    for (int64_t i = 0; i < T * k; ++i) s.expert_count[s.expert_ids[i]]++;
    s.expert_offset[0] = 0;
    for (int64_t e = 0; e < n_experts; ++e) s.expert_offset[e + 1] = s.expert_offset[e] + s.expert_count[e];
    for (int64_t e = 0; e < n_experts; ++e) s.expert_count[e] = 0;
    for (int64_t i = 0; i < T * k; ++i) {
      const int32_t e = s.expert_ids[i];
      const int32_t slot = s.expert_offset[e] + s.expert_count[e]++;
      s.routed_token[slot] = static_cast<int32_t>(i / k);
      s.routed_weight[slot] = s.expert_weights[i];
    }

    std::fill(s.moe_out.begin(), s.moe_out.begin() + T * hidden, 0.0f);
    if (T * k <= kGroupedSlots) {
      grouped_experts(w, T, s, pool);
      std::copy(s.moe_out.begin(), s.moe_out.begin() + T * hidden, s.h.begin());
      return;
    }
    for (int64_t e = 0; e < n_experts; ++e) {
      const int32_t begin = s.expert_offset[e], n = s.expert_offset[e + 1] - begin;
      if (n == 0) continue;
      for (int32_t i = 0; i < n; ++i) {
        const float* src = s.h.data() + s.routed_token[begin + i] * hidden;
        std::copy(src, src + hidden, s.gathered_in.data() + i * hidden);  // [n, hidden]
      }
      gated_ffn(w.experts[e], s.gathered_in.data(), n, s.gate.data(), s.up.data(), s.expert_out.data(), pool);
      for (int32_t i = 0; i < n; ++i) {
        add_scaled(s.expert_out.data() + i * hidden, s.routed_weight[begin + i], hidden,
                   s.moe_out.data() + s.routed_token[begin + i] * hidden);
      }
    }
    if (!w.shared.empty()) {
      gated_ffn(w.shared, s.h.data(), T, s.gate.data(), s.up.data(), s.expert_out.data(), pool);  // [T, hidden]
      add_scaled(s.expert_out.data(), 1.0f, T * hidden, s.moe_out.data());
    }
    std::copy(s.moe_out.begin(), s.moe_out.begin() + T * hidden, s.h.begin());
  }

  // moe()'s expert part for few tokens, with the same arithmetic in the same order (so the same bits):
  // slots in expert order, each expert's rows through matmul_jobs, sums added expert by expert.
  void grouped_experts(const MoeWeights& w, int64_t T, Deepseek2Scratch& s, ThreadPool& pool) const {
    const int64_t hidden = config_.hidden_size, n_experts = config_.n_routed_experts, k = config_.experts_per_token;
    const int64_t ffn = config_.moe_intermediate_size, slots = T * k;
    const bool shared = !w.shared.empty();
    const int64_t shared_ffn = shared ? w.shared.gate.rows : 0;
    s.jobs.clear();
    for (int64_t e = 0; e < n_experts; ++e) {
      const int32_t begin = s.expert_offset[e], n = s.expert_offset[e + 1] - begin;
      if (n == 0) continue;
      // An expert with one slot reads the token's row of s.h itself: matmul_jobs quantizes each distinct
      // input once, so one token's experts (and the shared expert) share one quantization instead of 7.
      const float* in = s.h.data() + s.routed_token[begin] * hidden;
      if (n > 1) {
        for (int32_t i = begin; i < begin + n; ++i) {
          const float* src = s.h.data() + s.routed_token[i] * hidden;
          std::copy(src, src + hidden, s.gathered_in.data() + i * hidden);  // [slots, hidden]
        }
        in = s.gathered_in.data() + begin * hidden;
      }
      s.jobs.push_back({&w.experts[e].gate, in, hidden, n, s.slot_gate.data() + begin * ffn, ffn});  // [n, ffn]
      s.jobs.push_back({&w.experts[e].up, in, hidden, n, s.slot_up.data() + begin * ffn, ffn});      // [n, ffn]
    }
    // The shared experts' values follow the routed slots', so one SiLU call takes both.
    SINAN_CHECK(static_cast<size_t>(slots * ffn + T * shared_ffn) <= s.slot_gate.size());
    float* shared_gate = s.slot_gate.data() + slots * ffn;  // [T, shared_ffn]
    float* shared_up = s.slot_up.data() + slots * ffn;      // [T, shared_ffn]
    if (shared) {
      s.jobs.push_back({&w.shared.gate, s.h.data(), hidden, T, shared_gate, shared_ffn});  // [T, shared_ffn]
      s.jobs.push_back({&w.shared.up, s.h.data(), hidden, T, shared_up, shared_ffn});      // [T, shared_ffn]
    }
    matmul_jobs(s.jobs, &pool);
    silu_mul(s.slot_gate.data(), s.slot_up.data(), slots * ffn + T * shared_ffn, s.slot_gate.data(),
             pool);  // [slots, ffn] then [T, shared_ffn]
    s.jobs.clear();
    for (int64_t e = 0; e < n_experts; ++e) {
      const int32_t begin = s.expert_offset[e], n = s.expert_offset[e + 1] - begin;
      if (n == 0) continue;
      s.jobs.push_back({&w.experts[e].down, s.slot_gate.data() + begin * ffn, ffn, n, s.slot_out.data() + begin * hidden,
                        hidden});  // [n, hidden]
    }
    if (shared) {
      s.jobs.push_back(
          {&w.shared.down, shared_gate, shared_ffn, T, s.expert_out.data(), hidden});  // [T, hidden]
    }
    matmul_jobs(s.jobs, &pool);
    for (int64_t i = 0; i < slots; ++i) {
      add_scaled(s.slot_out.data() + i * hidden, s.routed_weight[i], hidden,
                 s.moe_out.data() + s.routed_token[i] * hidden);
    }
    if (shared) add_scaled(s.expert_out.data(), 1.0f, T * hidden, s.moe_out.data());
  }

  // Records the chosen experts per token in ascending id order, with their final weights.
  void trace_routing(int l, int64_t T, Deepseek2Scratch& s, Tracer* tracer) const {
    const int64_t k = config_.experts_per_token;
    for (int64_t t = 0; t < T; ++t) {
      std::vector<std::pair<int32_t, float>> chosen;  // tracing only: allocation is fine here
      for (int64_t j = 0; j < k; ++j) chosen.emplace_back(s.expert_ids[t * k + j], s.expert_weights[t * k + j]);
      std::sort(chosen.begin(), chosen.end());
      for (int64_t j = 0; j < k; ++j) {
        s.sorted_ids[t * k + j] = chosen[j].first;
        s.sorted_weights[t * k + j] = chosen[j].second;
      }
    }
    tracer->ids(layer_trace_name(l, "experts"), s.sorted_ids.data(), T, k);
    tracer->tensor(layer_trace_name(l, "expert_weights"), s.sorted_weights.data(), T, k);
  }

  std::vector<float> inv_freq_;
};

void bind_ffn(WeightBinder& b, int l, const char* gate, const char* up, const char* down, int64_t ffn, int64_t hidden,
              FfnWeights* out) {
  b.matrix(layer_name(l, gate), ffn, hidden, &out->gate);
  b.matrix(layer_name(l, up), ffn, hidden, &out->up);
  b.matrix(layer_name(l, down), hidden, ffn, &out->down);
}

// One decoder block: MLA plus a dense FFN or DeepSeekMoE. `l` is the file's layer index.
void bind_layer(const ModelConfig& c, WeightBinder& b, int l, LayerWeights* lw) {
  const int64_t hidden = c.hidden_size, nh = c.n_heads;
  const int64_t nope = c.qk_nope_head_dim, rope = c.qk_rope_head_dim, kv_lora = c.kv_lora_rank, v = c.v_head_dim;
  b.vector(layer_name(l, "attn_norm"), hidden, &lw->attn_norm);
  b.vector(layer_name(l, "ffn_norm"), hidden, &lw->ffn_norm);
  MlaWeights& a = lw->mla;
  if (c.q_lora_rank > 0) {
    b.matrix(layer_name(l, "attn_q_a"), c.q_lora_rank, hidden, &a.q_a);
    b.vector(layer_name(l, "attn_q_a_norm"), c.q_lora_rank, &a.q_a_norm);
    b.matrix(layer_name(l, "attn_q_b"), nh * (nope + rope), c.q_lora_rank, &a.q_b);
  } else {
    b.matrix(layer_name(l, "attn_q"), nh * (nope + rope), hidden, &a.q);
  }
  b.matrix(layer_name(l, "attn_kv_a_mqa"), kv_lora + rope, hidden, &a.kv_a);
  b.vector(layer_name(l, "attn_kv_a_norm"), kv_lora, &a.kv_a_norm);
  if (b.has(layer_name(l, "attn_kv_b"))) {
    // Hugging Face (and older GGUF) keep W_UK and W_UV stacked per head in kv_b_proj.
    Matrix kv_b;
    b.matrix(layer_name(l, "attn_kv_b"), nh * (nope + v), kv_lora, &kv_b);
    if (!kv_b.empty()) {
      a.k_up.resize(static_cast<size_t>(nh));
      a.v_up.resize(static_cast<size_t>(nh));
      for (int64_t h = 0; h < nh; ++h) {
        a.k_up[h] = kv_b.row_slice(h * (nope + v), nope);     // [nope, kv_lora]
        a.v_up[h] = kv_b.row_slice(h * (nope + v) + nope, v);  // [v, kv_lora]
      }
    }
    a.k_up_is_transposed = false;
  } else {
    b.head_matrices(layer_name(l, "attn_k_b"), static_cast<int>(nh), kv_lora, nope, &a.k_up);  // [nh][kv_lora, nope]
    b.head_matrices(layer_name(l, "attn_v_b"), static_cast<int>(nh), v, kv_lora, &a.v_up);     // [nh][v, kv_lora]
    a.k_up_is_transposed = true;
  }
  b.matrix(layer_name(l, "attn_output"), hidden, nh * v, &a.o);

  lw->is_moe = c.is_moe_layer(l);
  if (!lw->is_moe) {
    bind_ffn(b, l, "ffn_gate", "ffn_up", "ffn_down", c.intermediate_size, hidden, &lw->ffn);
    return;
  }
  MoeWeights& m = lw->moe;
  b.matrix(layer_name(l, "ffn_gate_inp"), c.n_routed_experts, hidden, &m.router);
  if (c.has_selection_bias) b.vector(layer_name(l, "exp_probs_b"), c.n_routed_experts, &m.selection_bias, "bias");
  m.experts.resize(static_cast<size_t>(c.n_routed_experts));
  const int64_t ffn = c.moe_intermediate_size;
  for (int e = 0; e < c.n_routed_experts; ++e) {
    b.expert_matrix(layer_name(l, "ffn_gate_exps"), e, c.n_routed_experts, ffn, hidden, &m.experts[e].gate);
    b.expert_matrix(layer_name(l, "ffn_up_exps"), e, c.n_routed_experts, ffn, hidden, &m.experts[e].up);
    b.expert_matrix(layer_name(l, "ffn_down_exps"), e, c.n_routed_experts, hidden, ffn, &m.experts[e].down);
  }
  if (c.n_shared_experts > 0) {
    bind_ffn(b, l, "ffn_gate_shexp", "ffn_up_shexp", "ffn_down_shexp", ffn * c.n_shared_experts, hidden, &m.shared);
  }
}

}  // namespace

std::unique_ptr<Model> make_deepseek2_model() { return std::make_unique<Deepseek2Model>(); }

Status bind_deepseek2_weights(const ModelConfig& c, WeightBinder& b, ModelWeights* w,
                              std::vector<std::string>* warnings) {
  const int64_t hidden = c.hidden_size;
  b.matrix("token_embd", c.vocab_size, hidden, &w->token_embedding);
  b.vector("output_norm", hidden, &w->output_norm);
  if (b.has("output") || !c.tie_embeddings) {
    b.matrix("output", c.vocab_size, hidden, &w->output);
  } else {
    w->output = w->token_embedding;
  }
  w->layers.resize(static_cast<size_t>(c.n_layers));
  for (int l = 0; l < c.n_layers; ++l) bind_layer(c, b, l, &w->layers[l]);

  // Multi-token prediction: layers numbered after the decoder's, kept for speculative decoding.
  for (int k = 0; k < c.n_mtp_layers; ++k) {
    const int l = c.n_layers + k;
    if (!b.has(layer_name(l, "nextn.eh_proj"))) {
      warnings->push_back(fmt::format("the config declares {} multi-token-prediction layer(s) but layer {} is not in "
                                      "the files; speculative decoding with it will be unavailable",
                                      c.n_mtp_layers, l));
      break;
    }
    MtpWeights& mtp = w->mtp.emplace_back();
    b.vector(layer_name(l, "nextn.enorm"), hidden, &mtp.enorm);
    b.vector(layer_name(l, "nextn.hnorm"), hidden, &mtp.hnorm);
    b.matrix(layer_name(l, "nextn.eh_proj"), hidden, 2 * hidden, &mtp.eh_proj);
    b.vector(layer_name(l, "nextn.shared_head_norm"), hidden, &mtp.head_norm);
    // Converters may drop the MTP copies of the embedding and head when they equal the main ones.
    if (b.has(layer_name(l, "nextn.embed_tokens"))) {
      b.matrix(layer_name(l, "nextn.embed_tokens"), c.vocab_size, hidden, &mtp.embedding);
    } else {
      mtp.embedding = w->token_embedding;
    }
    if (b.has(layer_name(l, "nextn.shared_head_head"))) {
      b.matrix(layer_name(l, "nextn.shared_head_head"), c.vocab_size, hidden, &mtp.head);
    } else {
      mtp.head = w->output;
    }
    bind_layer(c, b, l, &mtp.block);
  }
  return Status();
}

}  // namespace sinan
