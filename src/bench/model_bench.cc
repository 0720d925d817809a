#include "bench/model_bench.h"

#include <chrono>
#include <cmath>
#include <memory>

#include "io/mapped_file.h"
#include "kernels/cpu/bandwidth.h"
#include "model/context.h"
#include "sample/sampler.h"

namespace sinan {
namespace {

BenchStats summarize(std::vector<double> samples) {
  BenchStats s;
  s.samples = std::move(samples);
  for (double v : s.samples) s.mean += v;
  s.mean /= static_cast<double>(s.samples.size());
  for (double v : s.samples) s.stddev += (v - s.mean) * (v - s.mean);
  s.stddev = s.samples.size() > 1 ? std::sqrt(s.stddev / static_cast<double>(s.samples.size() - 1)) : 0.0;
  return s;
}

// The layer a tensor belongs to (-1 for global tensors), in either naming convention.
int layer_of(const std::string& name) {
  for (const char* prefix : {"blk.", "model.layers."}) {
    const std::string p = prefix;
    if (name.rfind(p, 0) == 0) return std::atoi(name.c_str() + p.size());
  }
  return -1;
}

bool is_routed_expert(const std::string& name) {
  return name.find("_exps.") != std::string::npos || name.find(".mlp.experts.") != std::string::npos;
}

bool is_embedding(const std::string& name) {
  return name == "token_embd.weight" || name == "model.embed_tokens.weight";
}

}  // namespace

double bytes_read_per_token(const Model& model, double average_context) {
  const ModelConfig& c = model.config();
  const double expert_fraction =
      c.n_routed_experts > 0 ? static_cast<double>(c.experts_per_token) / c.n_routed_experts : 1.0;
  double bytes = 0;
  for (const TensorInfo& t : model.files().tensors()) {
    if (layer_of(t.name) >= c.n_layers) continue;  // MTP layers take no part in the normal forward
    if (is_embedding(t.name)) {
      bytes += static_cast<double>(t.nbytes) / static_cast<double>(c.vocab_size);  // one row
      if (c.tie_embeddings) bytes += static_cast<double>(t.nbytes);               // and the whole head
      continue;
    }
    bytes += static_cast<double>(t.nbytes) * (is_routed_expert(t.name) ? expert_fraction : 1.0);
  }
  bytes += average_context * static_cast<double>(c.kv_row_width() * c.n_layers) * sizeof(float);
  return bytes;
}

Result<BenchResult> run_model_bench(const Model& model, const BenchOptions& options) {
  if (options.n_prompt < 0 || options.n_gen < 0 || options.n_depth < 0 || options.repetitions < 1) {
    return Status::error("bench: -p, -n and -d must be >= 0 and -r >= 1");
  }
  const ModelConfig& c = model.config();
  ContextOptions context_options;
  context_options.context_tokens = options.n_depth + std::max<int64_t>(options.n_prompt, options.n_gen) + 16;
  // The depth is filled in batches of up to 512 tokens (or the prompt's size, if larger).
  const int64_t fill_batch = std::max<int64_t>(options.n_prompt, std::min<int64_t>(options.n_depth, 512));
  context_options.max_batch_tokens = std::max<int64_t>(fill_batch, 1);
  context_options.n_threads = options.threads;
  context_options.spin_iterations = options.spin_iterations;
  SINAN_ASSIGN_OR_RETURN(std::unique_ptr<Context> context, Context::create(model, context_options));

  BenchResult result;
  result.threads = options.threads > 0 ? options.threads : ThreadPool::default_thread_count();
  Rng rng(options.seed);
  auto random_token = [&] { return static_cast<int32_t>(rng.next() % static_cast<uint64_t>(c.vocab_size)); };
  std::vector<float> logits(static_cast<size_t>(c.vocab_size));
  Batch batch;

  // An empty sequence 0, then n_depth random tokens in it (untimed).
  auto start_at_depth = [&]() -> Status {
    context->clear_sequence(0);
    for (int64_t p0 = 0; p0 < options.n_depth; p0 += fill_batch) {
      const int64_t count = std::min(fill_batch, options.n_depth - p0);
      batch.clear();
      for (int64_t i = 0; i < count; ++i) batch.add(random_token(), 0, static_cast<int32_t>(p0 + i), i + 1 == count);
      SINAN_RETURN_IF_ERROR(context->decode(batch, logits.data()));
    }
    return Status();
  };
  auto time_pp = [&]() -> Result<double> {
    SINAN_RETURN_IF_ERROR(start_at_depth());
    batch.clear();
    for (int64_t i = 0; i < options.n_prompt; ++i) {
      batch.add(random_token(), 0, static_cast<int32_t>(options.n_depth + i), i + 1 == options.n_prompt);
    }
    const auto start = std::chrono::steady_clock::now();
    SINAN_RETURN_IF_ERROR(context->decode(batch, logits.data()));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // The generation test's reference: after every token, one plain read of a buffer larger than the
  // caches, timed apart, at the pace of a read of bytes_per_token. A shared machine's bandwidth moves by
  // 2x within seconds, so the best of a few passes taken before or after the test is not what the memory
  // gave while it ran; reads interleaved token by token are (docs/BENCHMARKS.md).
  const double bytes_per_token = bytes_read_per_token(
      model, static_cast<double>(options.n_depth) + static_cast<double>(options.n_gen) / 2.0);
  std::unique_ptr<cpu::ReadStream> interleaved;
  if (options.n_gen > 0 && options.measure_bandwidth && options.interleaved_reads) {
    constexpr double kMin = 256.0 * (1 << 20), kMax = 1024.0 * (1 << 20);
    const double limit = std::min(kMax, static_cast<double>(physical_memory_bytes()) / 8);
    const auto bytes = static_cast<size_t>(std::max(std::min(bytes_per_token, limit), kMin)) / 4096 * 4096;
    interleaved = std::make_unique<cpu::ReadStream>(context->thread_pool(), bytes);
  }
  double read_seconds = 0;  // the interleaved reads of one test, scaled to bytes_per_token each
  auto time_tg = [&]() -> Result<double> {
    SINAN_RETURN_IF_ERROR(start_at_depth());
    read_seconds = 0;
    double seconds = 0;
    for (int64_t i = 0; i < options.n_gen; ++i) {
      batch.clear();
      batch.add(random_token(), 0, static_cast<int32_t>(options.n_depth + i), true);
      const auto start = std::chrono::steady_clock::now();
      SINAN_RETURN_IF_ERROR(context->decode(batch, logits.data()));
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (interleaved) {
        read_seconds += interleaved->read_seconds(context->thread_pool()) * bytes_per_token /
                        static_cast<double>(interleaved->bytes());
      }
    }
    return seconds;
  };

  std::vector<double> pp, tg;
  if (options.n_prompt > 0) {
    SINAN_RETURN_IF_ERROR(time_pp().status());  // warm-up: page in the weights, fill caches
    for (int r = 0; r < options.repetitions; ++r) {
      SINAN_ASSIGN_OR_RETURN(double seconds, time_pp());
      pp.push_back(static_cast<double>(options.n_prompt) / seconds);
    }
    result.pp = summarize(pp);
  }
  if (options.n_gen > 0) {
    SINAN_RETURN_IF_ERROR(time_tg().status());
    std::vector<double> read_gbs;
    for (int r = 0; r < options.repetitions; ++r) {
      SINAN_ASSIGN_OR_RETURN(double seconds, time_tg());
      tg.push_back(static_cast<double>(options.n_gen) / seconds);
      if (interleaved) {
        read_gbs.push_back(bytes_per_token * static_cast<double>(options.n_gen) / read_seconds / 1e9);
      }
    }
    result.tg = summarize(tg);
    if (interleaved) {
      result.interleaved_gbs = summarize(read_gbs).mean;
      result.interleaved_roofline_tokens_per_s = result.interleaved_gbs * 1e9 / bytes_per_token;
    }
  }
  result.bytes_per_token = bytes_per_token;
  result.achieved_gbs = result.bytes_per_token * result.tg.mean / 1e9;
  if (options.measure_bandwidth) {
    result.bandwidth_gbs = cpu::measure_read_bandwidth(context->thread_pool()).best_gbs;
    result.roofline_tokens_per_s = result.bandwidth_gbs * 1e9 / result.bytes_per_token;
  }
  return result;
}

}  // namespace sinan
