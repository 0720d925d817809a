// Rotary position embeddings with the frequency schedules the R1 family uses: plain, llama3 and YaRN.
// The frequencies are computed once per model (in double, rounded to float32 as transformers does);
// applying them rotates pairs of values in one of two layouts.
#pragma once

#include <cstdint>
#include <vector>

namespace sinan {

enum class RopeLayout {
  kNeox,        // pairs (i, i + d/2): Hugging Face rotate_half (Qwen2, Llama in HF layout)
  kInterleaved  // pairs (2i, 2i + 1): DeepSeek's layout, and llama.cpp's Llama after its q/k permutation
};

enum class RopeScaling { kNone, kLinear, kLlama3, kYarn };

struct RopeParams {
  int dim = 0;  // rotated values per head
  double theta = 10000.0;
  RopeLayout layout = RopeLayout::kNeox;
  RopeScaling scaling = RopeScaling::kNone;
  double factor = 1.0;
  int original_context = 0;  // llama3 and YaRN: the pre-extension context length
  // llama3
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  // YaRN
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  bool yarn_truncate = true;
  double attention_factor = 1.0;  // cos/sin are multiplied by this (YaRN's mscale ratio)
  // Per-frequency divisors stored in a GGUF (`rope_freqs.weight`, llama3); overrides `scaling` when set.
  std::vector<float> freq_factors;
};

// Per-pair inverse frequencies (dim / 2 of them).
std::vector<float> rope_inverse_frequencies(const RopeParams& params);

// YaRN's magnitude correction: 0.1 * mscale * ln(factor) + 1 (1 when factor <= 1).
double yarn_mscale(double factor, double mscale);

// Rotates `n_heads` vectors of `head_stride` floats each, at offset `offset` within each head, by the
// angles for `position`. cos/sin are computed from float32 angles (position * inv_freq, as transformers).
void apply_rope(float* x, int64_t n_heads, int64_t head_stride, int64_t offset, const std::vector<float>& inv_freq,
                RopeLayout layout, float attention_factor, int64_t position);

// apply_rope in two steps, so a forward pass computes each token's cos/sin once for all its layers (in
// double, they were 0.6% of a 1.5B decode token): rope_cos_sin writes cos_sin[i] = cos and cos_sin[half + i]
// = sin (times attention_factor) for the inv_freq.size() = half pairs; apply_rope_cos_sin rotates with them.
// The same bits as apply_rope.
void rope_cos_sin(const std::vector<float>& inv_freq, float attention_factor, int64_t position,
                  float* cos_sin);
void apply_rope_cos_sin(float* x, int64_t n_heads, int64_t head_stride, int64_t offset, int64_t half,
                        RopeLayout layout, const float* cos_sin);

}  // namespace sinan
