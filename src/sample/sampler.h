// logits -> token. A pure function of the logits, the parameters, the token history and the seed:
// the same seed gives the same text on every platform (a portable generator, no std distributions).
//
// Steps, in this order (documented in docs/SAMPLING.md):
//   1. logit bias          logits[id] += bias
//   2. penalties           repetition (divide positive / multiply negative logits of seen tokens),
//                          presence (-p once per seen token), frequency (-f per occurrence)
//   3. logprobs            log-softmax of the result (what the API reports)
//   4. greedy              temperature 0: the largest logit (lowest id on ties); stop here
//   5. temperature         logits / T
//   6. top-k               keep the k most likely
//   7. top-p               keep the smallest set whose probability reaches p
//   8. min-p               keep tokens with probability >= min_p * the best one's
//   9. draw                one token from the renormalized survivors
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace sinan {

struct SamplingParams {
  float temperature = 1.0f;  // 0 = greedy
  int top_k = 0;             // 0 = off
  float top_p = 1.0f;        // 1 = off
  float min_p = 0.0f;        // 0 = off
  float repetition_penalty = 1.0f;  // 1 = off; > 1 discourages repeats
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int penalty_last_n = -1;  // how many recent tokens the penalties look at; -1 = all
  std::vector<std::pair<int32_t, float>> logit_bias;
  uint64_t seed = 0;
  bool logprobs = false;  // compute the chosen token's logprob (a log-softmax over the vocabulary: off unless asked)
  int top_logprobs = 0;   // alternatives to report per token (implies logprobs)
};

// xoshiro256** seeded by splitmix64: small, fast, and the same sequence everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) { reseed(seed); }
  void reseed(uint64_t seed);
  uint64_t next();
  double uniform();  // [0, 1) with 53 random bits

 private:
  uint64_t state_[4];
};

struct TokenLogprob {
  int32_t token = -1;
  float logprob = 0;
};

struct SampledToken {
  int32_t token = -1;
  float logprob = 0;                 // of the chosen token, from step 3
  std::vector<TokenLogprob> top;     // the top_logprobs most likely tokens, best first
};

class Sampler {
 public:
  Sampler(const SamplingParams& params, int64_t vocab_size);

  const SamplingParams& params() const { return params_; }
  void reseed(uint64_t seed) { rng_.reseed(seed); }

  // `history` holds the tokens the penalties consider (prompt and generated, oldest first).
  // Buffers are reused between calls: no allocation per token after the first.
  SampledToken sample(const float* logits, std::span<const int32_t> history);

 private:
  void apply_bias_and_penalties(std::span<const int32_t> history);
  void compute_logprobs(SampledToken* out);
  int32_t draw();

  SamplingParams params_;
  int64_t vocab_size_;
  Rng rng_;
  std::vector<float> logits_;             // [vocab] working copy
  std::vector<int32_t> counts_;           // [vocab] occurrences in the penalty window
  std::vector<int32_t> touched_;          // ids with non-zero counts, to reset them cheaply
  std::vector<std::pair<float, int32_t>> candidates_;  // (probability or logit, id)
};

}  // namespace sinan
