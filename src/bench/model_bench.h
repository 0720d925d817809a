// `sinan bench`: prompt processing and generation speed, next to the memory-bandwidth limit.
// Modelled on llama-bench's pp/tg tests so the numbers compare: pp = one batch of n_prompt tokens into
// an empty cache; tg = n_gen single-token decode steps from an empty cache. Random tokens, no sampling.
// With a depth (llama-bench's -d), each test starts from a cache already holding n_depth tokens (filled
// untimed), so the attention over a long context is part of what is measured.
#pragma once

#include <vector>

#include "model/context.h"
#include "model/model.h"

namespace sinan {

struct BenchOptions {
  int64_t n_prompt = 512;
  int64_t n_gen = 128;
  int64_t n_depth = 0;  // tokens in the cache before each timed test
  int repetitions = 5;
  int threads = 0;  // 0: one per core
  int spin_iterations = ContextOptions{}.spin_iterations;  // the thread pool's spin window
  uint64_t seed = 1;
  bool measure_bandwidth = true;
  bool interleaved_reads = true;  // with measure_bandwidth: a plain read after every generated token
};

struct BenchStats {
  double mean = 0, stddev = 0;
  std::vector<double> samples;
};

struct BenchResult {
  BenchStats pp;  // tokens/s
  BenchStats tg;  // tokens/s
  double bytes_per_token = 0;   // read from memory per generated token (weights + KV cache)
  double achieved_gbs = 0;      // bytes_per_token * tg.mean
  double bandwidth_gbs = 0;     // the machine's read bandwidth: the best of 7 plain passes after the tests
  double roofline_tokens_per_s = 0;  // bandwidth / bytes_per_token
  // Plain reads interleaved with the generation test, one after each token (0 if not measured): what the
  // memory delivered while the test ran, as the mean over repetitions like tg.
  double interleaved_gbs = 0;
  double interleaved_roofline_tokens_per_s = 0;  // interleaved_gbs / bytes_per_token
  int threads = 0;
};

// Bytes one decode step reads: every weight the normal forward uses (the embedding: one row; routed
// experts: top-k of n), plus the KV cache rows at an average context of `average_context` tokens.
double bytes_read_per_token(const Model& model, double average_context);

Result<BenchResult> run_model_bench(const Model& model, const BenchOptions& options);

}  // namespace sinan
