// Comparing logits with a reference: relative error, top-1 agreement and mean KL divergence.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace sinan {

struct LogitsComparison {
  double relative_error = 0;  // ||got - ref|| / ||ref|| over all rows
  int64_t top1_agree = 0;
  int64_t rows = 0;
  double mean_kl = 0;  // mean over rows of KL(ref || got) of the softmax distributions
  double max_kl = 0;
};

inline LogitsComparison compare_logits(const float* got, const float* ref, int64_t rows, int64_t vocab) {
  LogitsComparison c;
  c.rows = rows;
  double diff2 = 0, ref2 = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* g = got + r * vocab;
    const float* f = ref + r * vocab;
    int64_t arg_g = 0, arg_f = 0;
    double max_g = g[0], max_f = f[0];
    for (int64_t i = 0; i < vocab; ++i) {
      diff2 += (static_cast<double>(g[i]) - f[i]) * (static_cast<double>(g[i]) - f[i]);
      ref2 += static_cast<double>(f[i]) * f[i];
      if (g[i] > g[arg_g]) arg_g = i;
      if (f[i] > f[arg_f]) arg_f = i;
      max_g = std::max(max_g, static_cast<double>(g[i]));
      max_f = std::max(max_f, static_cast<double>(f[i]));
    }
    c.top1_agree += arg_g == arg_f;
    double sum_g = 0, sum_f = 0;
    for (int64_t i = 0; i < vocab; ++i) {
      sum_g += std::exp(g[i] - max_g);
      sum_f += std::exp(f[i] - max_f);
    }
    const double log_z_g = max_g + std::log(sum_g), log_z_f = max_f + std::log(sum_f);
    double kl = 0;
    for (int64_t i = 0; i < vocab; ++i) {
      const double log_p = f[i] - log_z_f, log_q = g[i] - log_z_g;
      kl += std::exp(log_p) * (log_p - log_q);
    }
    c.mean_kl += kl;
    c.max_kl = std::max(c.max_kl, kl);
  }
  c.relative_error = std::sqrt(diff2 / ref2);
  c.mean_kl /= static_cast<double>(rows);
  return c;
}

}  // namespace sinan
