#include "sample/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"

namespace sinan {

void Rng::reseed(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : state_) {  // splitmix64
    x += 0x9e3779b97f4a7c15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    s = z ^ (z >> 31);
  }
}

uint64_t Rng::next() {
  auto rotl = [](uint64_t v, int k) { return (v << k) | (v >> (64 - k)); };
  const uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

Sampler::Sampler(const SamplingParams& params, int64_t vocab_size)
    : params_(params), vocab_size_(vocab_size), rng_(params.seed) {
  SINAN_CHECK(vocab_size > 0);
  logits_.resize(static_cast<size_t>(vocab_size));
  counts_.assign(static_cast<size_t>(vocab_size), 0);
  candidates_.reserve(static_cast<size_t>(vocab_size));
}

void Sampler::apply_bias_and_penalties(std::span<const int32_t> history) {
  for (const auto& [id, bias] : params_.logit_bias) {
    if (id >= 0 && id < vocab_size_) logits_[id] += bias;
  }
  const bool penalize =
      params_.repetition_penalty != 1.0f || params_.presence_penalty != 0.0f || params_.frequency_penalty != 0.0f;
  if (!penalize || history.empty()) return;
  const size_t window = params_.penalty_last_n < 0 ? history.size()
                                                    : std::min(history.size(), static_cast<size_t>(params_.penalty_last_n));
  touched_.clear();
  for (size_t i = history.size() - window; i < history.size(); ++i) {
    const int32_t id = history[i];
    if (id < 0 || id >= vocab_size_) continue;
    if (counts_[id]++ == 0) touched_.push_back(id);
  }
  for (int32_t id : touched_) {
    float& l = logits_[id];
    if (params_.repetition_penalty != 1.0f) l = l > 0 ? l / params_.repetition_penalty : l * params_.repetition_penalty;
    l -= params_.presence_penalty + params_.frequency_penalty * static_cast<float>(counts_[id]);
    counts_[id] = 0;
  }
}

void Sampler::compute_logprobs(SampledToken* out) {
  double max_logit = -std::numeric_limits<double>::infinity();
  for (float l : logits_) max_logit = std::max(max_logit, static_cast<double>(l));
  double sum = 0;
  for (float l : logits_) sum += std::exp(l - max_logit);
  const double log_z = max_logit + std::log(sum);
  if (out->token >= 0) out->logprob = static_cast<float>(logits_[out->token] - log_z);
  if (params_.top_logprobs <= 0) return;
  const auto k = static_cast<size_t>(std::min<int64_t>(params_.top_logprobs, vocab_size_));
  candidates_.clear();
  for (int32_t id = 0; id < vocab_size_; ++id) candidates_.emplace_back(logits_[id], id);
  auto better = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(k), candidates_.end(), better);
  out->top.clear();
  for (size_t i = 0; i < k; ++i) {
    out->top.push_back(TokenLogprob{candidates_[i].second, static_cast<float>(candidates_[i].first - log_z)});
  }
}

int32_t Sampler::draw() {
  const float inv_t = 1.0f / params_.temperature;
  float max_logit = -std::numeric_limits<float>::infinity();
  for (float l : logits_) max_logit = std::max(max_logit, l);
  candidates_.clear();
  for (int32_t id = 0; id < vocab_size_; ++id) {
    const float p = std::exp((logits_[id] - max_logit) * inv_t);  // unnormalized probability
    if (p > 0) candidates_.emplace_back(p, id);
  }
  auto better = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  size_t n = candidates_.size();
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n) {
    std::nth_element(candidates_.begin(), candidates_.begin() + params_.top_k, candidates_.end(), better);
    n = static_cast<size_t>(params_.top_k);
  }
  if (params_.top_p < 1.0f || params_.min_p > 0.0f) {
    std::sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(n), better);
  }
  if (params_.top_p < 1.0f) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) total += candidates_[i].first;
    double cumulative = 0;
    size_t keep = n;
    for (size_t i = 0; i < n; ++i) {
      cumulative += candidates_[i].first;
      if (cumulative >= params_.top_p * total) {
        keep = i + 1;
        break;
      }
    }
    n = keep;
  }
  if (params_.min_p > 0.0f && n > 0) {
    const double threshold = params_.min_p * candidates_[0].first;  // sorted: [0] is the best
    size_t keep = 1;
    while (keep < n && candidates_[keep].first >= threshold) ++keep;
    n = keep;
  }
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += candidates_[i].first;
  const double target = rng_.uniform() * total;
  double cumulative = 0;
  for (size_t i = 0; i < n; ++i) {
    cumulative += candidates_[i].first;
    if (target < cumulative) return candidates_[i].second;
  }
  return candidates_[n - 1].second;  // rounding at the very end of the range
}

SampledToken Sampler::sample(const float* logits, std::span<const int32_t> history) {
  std::copy(logits, logits + vocab_size_, logits_.begin());
  apply_bias_and_penalties(history);
  SampledToken out;
  if (params_.temperature <= 0.0f) {
    out.token = static_cast<int32_t>(std::max_element(logits_.begin(), logits_.end()) - logits_.begin());
  } else {
    out.token = draw();
  }
  if (params_.logprobs || params_.top_logprobs > 0) {
    compute_logprobs(&out);  // of the distribution before temperature and truncation (step 3)
  }
  return out;
}

}  // namespace sinan
