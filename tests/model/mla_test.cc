// MLA: the engine's absorbed attention over the latent cache against a naive implementation that
// decompresses every key and value per head (as transformers does), on the real fixture weights,
// for both stored layouts (HF kv_b_proj and llama.cpp's attn_k_b / attn_v_b).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/elementwise.h"
#include "kernels/rope.h"
#include "model/context.h"
#include "recording_tracer.h"
#include "test_util.h"

namespace sinan {
namespace {

std::vector<float> decode_all(const Matrix& m) {  // [rows, cols]
  std::vector<float> out(static_cast<size_t>(m.rows * m.cols));
  for (int64_t r = 0; r < m.rows; ++r) dequantize_matrix_row(m, r, out.data() + r * m.cols);
  return out;
}

std::vector<double> product(const std::vector<float>& w, int64_t rows, int64_t cols, const float* x) {
  std::vector<double> y(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) y[r] += static_cast<double>(w[r * cols + c]) * x[c];
  }
  return y;
}

// Naive MLA for layer 0 on its input h [T, hidden]: returns o_proj's output [T, hidden].
std::vector<double> naive_mla(const Model& model, const std::vector<float>& h, int64_t T) {
  const ModelConfig& c = model.config();
  const MlaWeights& w = model.weights().layers[0].mla;
  const int64_t hidden = c.hidden_size, nh = c.n_heads, nope = c.qk_nope_head_dim, rope = c.qk_rope_head_dim;
  const int64_t kv_lora = c.kv_lora_rank, v = c.v_head_dim;
  const auto inv_freq = rope_inverse_frequencies(c.rope);

  std::vector<std::vector<float>> q(T), latent(T), k_rope(T);
  for (int64_t t = 0; t < T; ++t) {
    const float* x = h.data() + t * hidden;
    std::vector<float> qv;
    if (c.q_lora_rank > 0) {
      auto qa = product(decode_all(w.q_a), c.q_lora_rank, hidden, x);
      std::vector<float> qa_f(qa.begin(), qa.end());
      rms_norm(qa_f.data(), c.q_lora_rank, w.q_a_norm.data(), c.rms_norm_eps, 1, c.q_lora_rank, qa_f.data(), 0);
      auto qq = product(decode_all(w.q_b), nh * (nope + rope), c.q_lora_rank, qa_f.data());
      qv.assign(qq.begin(), qq.end());
    } else {
      auto qq = product(decode_all(w.q), nh * (nope + rope), hidden, x);
      qv.assign(qq.begin(), qq.end());
    }
    apply_rope(qv.data(), nh, nope + rope, nope, inv_freq, c.rope.layout, 1.0f, t);
    q[t] = qv;
    auto kv = product(decode_all(w.kv_a), kv_lora + rope, hidden, x);
    std::vector<float> kv_f(kv.begin(), kv.end());
    rms_norm(kv_f.data(), kv_lora, w.kv_a_norm.data(), c.rms_norm_eps, 1, kv_lora, kv_f.data(), 0);
    apply_rope(kv_f.data(), 1, kv_lora + rope, kv_lora, inv_freq, c.rope.layout, 1.0f, t);
    latent[t].assign(kv_f.begin(), kv_f.begin() + kv_lora);
    k_rope[t].assign(kv_f.begin() + kv_lora, kv_f.end());
  }

  std::vector<float> attn(static_cast<size_t>(T * nh * v));
  for (int64_t head = 0; head < nh; ++head) {
    const auto k_up = decode_all(w.k_up[head]);  // [nope, kv_lora] or [kv_lora, nope]
    const auto v_up = decode_all(w.v_up[head]);  // [v, kv_lora]
    // Decompress this head's keys and values for every position.
    std::vector<std::vector<double>> keys(T), values(T);
    for (int64_t p = 0; p < T; ++p) {
      keys[p].assign(static_cast<size_t>(nope), 0.0);
      for (int64_t j = 0; j < nope; ++j) {
        for (int64_t i = 0; i < kv_lora; ++i) {
          const float wji = w.k_up_is_transposed ? k_up[i * nope + j] : k_up[j * kv_lora + i];
          keys[p][j] += static_cast<double>(wji) * latent[p][i];
        }
      }
      for (int64_t j = 0; j < rope; ++j) keys[p].push_back(k_rope[p][j]);
      values[p] = product(v_up, v, kv_lora, latent[p].data());
    }
    for (int64_t t = 0; t < T; ++t) {
      std::vector<double> scores(static_cast<size_t>(t + 1));
      double max_score = -1e300;
      for (int64_t p = 0; p <= t; ++p) {
        double s = 0;
        for (int64_t j = 0; j < nope + rope; ++j) s += q[t][head * (nope + rope) + j] * keys[p][j];
        scores[p] = s * c.softmax_scale;
        max_score = std::max(max_score, scores[p]);
      }
      double z = 0;
      for (auto& s : scores) z += (s = std::exp(s - max_score));
      for (int64_t j = 0; j < v; ++j) {
        double acc = 0;
        for (int64_t p = 0; p <= t; ++p) acc += scores[p] / z * values[p][j];
        attn[t * nh * v + head * v + j] = static_cast<float>(acc);
      }
    }
  }
  std::vector<double> out;
  const auto o = decode_all(w.o);
  for (int64_t t = 0; t < T; ++t) {
    auto y = product(o, hidden, nh * v, attn.data() + t * nh * v);
    out.insert(out.end(), y.begin(), y.end());
  }
  return out;
}

class MlaTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MlaTest, AbsorbedAttentionOverLatentCacheEqualsNaiveAttention) {
  auto model = Model::load(test_data(GetParam()));
  ASSERT_TRUE(model.ok()) << model.message();
  ContextOptions options;
  options.context_tokens = 32;
  auto context = Context::create(**model, options);
  ASSERT_TRUE(context.ok());
  RecordingTracer tracer;
  (*context)->set_tracer(&tracer);
  const std::vector<int32_t> tokens = {1799, 801, 1088, 526, 1103, 422, 1622};
  Batch batch;
  for (size_t i = 0; i < tokens.size(); ++i) batch.add(tokens[i], 0, static_cast<int32_t>(i), i + 1 == tokens.size());
  std::vector<float> logits((*model)->config().vocab_size);
  ASSERT_TRUE((*context)->decode(batch, logits.data()).ok());

  const auto T = static_cast<int64_t>(tokens.size());
  const auto expected = naive_mla(**model, tracer.records["l0.attn_norm"].values, T);
  const auto& got = tracer.records["l0.attn_out"].values;
  ASSERT_EQ(got.size(), expected.size());
  double diff2 = 0, ref2 = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    diff2 += (got[i] - expected[i]) * (got[i] - expected[i]);
    ref2 += expected[i] * expected[i];
  }
  EXPECT_LE(std::sqrt(diff2 / ref2), 1e-5);
  // The cache holds only the latent and the rope key per token and layer.
  EXPECT_EQ((*context)->cache().options().row_width,
            (*model)->config().kv_lora_rank + (*model)->config().qk_rope_head_dim);
}

INSTANTIATE_TEST_SUITE_P(Layouts, MlaTest,
                         ::testing::Values("models/deepseek_v3", "gguf/deepseek_v3-bf16.gguf", "models/deepseek_v2",
                                           "gguf/deepseek_v2-bf16.gguf", "models/deepseek_v3_fp8"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace sinan
