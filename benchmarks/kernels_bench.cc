// CPU matmul kernels: GEMV (decode, 1 token) and GEMM (prefill) for every weight type, on the real
// shapes of R1-Distill-Qwen-1.5B (hidden 1536, ffn 8960) and Llama-3.1-8B (4096, 14336), with the pool's
// threads (2 by default). Reports the weights streamed per second (GB/s, next to the machine's read
// bandwidth measured at start-up) and GFLOP/s (2 * rows * cols * tokens). Timings are never asserted.
//
//   ./build/benchmarks/kernels_bench [--benchmark_filter=gemv/q4_K] [--threads=N] [--tiers=all] [--no-bandwidth]
//   SINAN_CPU=avx2 ./build/benchmarks/kernels_bench    (forces a lower tier, as the engine does)
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench_matrix.h"
#include "core/dtype.h"
#include "kernels/attention.h"
#include "kernels/chunk_layout.h"
#include "kernels/cpu/bandwidth.h"
#include "kernels/cpu/matmul_kernels.h"
#include "kernels/matmul.h"
#include "model/context.h"
#include "quant/quantize.h"

namespace sinan {
namespace {

struct Shape {
  const char* model;
  int64_t rows, cols;
  bool from_memory = true;  // false: one small matrix that stays in L2 (the kernels' compute ceiling)
};

// Decode streams every layer's weights once per token, far more than the last-level cache holds; GEMV
// cycles through copies of the matrix totalling at least this much, so no iteration finds its weights
// in L3 (16-32 MB here).
constexpr double kStreamedBytes = 512.0 * (1 << 20);

void run_matmul(benchmark::State& state, const cpu::MatmulKernels& kernels, DType type, ChunkLayout layout,
                Shape shape, int64_t n_tokens, ThreadPool& pool, double bandwidth_gbs) {
  const BenchMatrix first = make_matrix(type, shape.rows, shape.cols, layout);
  std::vector<BenchMatrix> copies;
  const auto n_copies =
      n_tokens == 1 && shape.from_memory ? static_cast<size_t>(std::ceil(kStreamedBytes / first.m.nbytes())) : 1;
  for (size_t i = 1; i < n_copies; ++i) {
    copies.push_back(first);
    copies.back().m.data = copies.back().bytes.data();
    if (!copies.back().scales.empty()) copies.back().m.block_scales = copies.back().scales.data();
  }
  std::vector<const Matrix*> matrices{&first.m};
  for (const auto& c : copies) matrices.push_back(&c.m);
  std::vector<float> x(static_cast<size_t>(n_tokens * shape.cols));
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (auto& v : x) v = normal(rng);
  std::vector<float> y(static_cast<size_t>(n_tokens * shape.rows));
  size_t next = 0;
  for (auto _ : state) {
    cpu::matmul_with(kernels, *matrices[next], x.data(), shape.cols, n_tokens, y.data(), shape.rows, &pool);
    next = (next + 1) % matrices.size();
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double bytes = static_cast<double>(first.m.nbytes());
  const double flops = 2.0 * static_cast<double>(shape.rows) * static_cast<double>(shape.cols) * n_tokens;
  state.counters["weights_GB"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  if (n_tokens == 1 && bandwidth_gbs > 0) {
    // Fraction of the measured read bandwidth: 1.0 is the roofline of decode.
    state.counters["of_bandwidth"] =
        benchmark::Counter(bytes / 1e9 / bandwidth_gbs, benchmark::Counter::kIsIterationInvariantRate);
  }
  state.SetLabel(std::string(shape.model) + " " + std::string(cpu::cpu_tier_name(kernels.tier)));
}

const DType kTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kF8E4M3, DType::kQ8_0,  DType::kQ4_0,
                        DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kIQ4_NL, DType::kQ2_K,  DType::kQ3_K,
                        DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kIQ4_XS};

const Shape kShapes[] = {
    {"qwen1.5b ffn_up", 8960, 1536},
    {"qwen1.5b ffn_down", 1536, 8960},
    {"llama8b ffn_up", 14336, 4096},
    {"llama8b ffn_down", 4096, 14336},
    {"in-cache", 256, 1024, false},
    {"in-cache, v2-lite expert ffn_down cols", 256, 1408, false},
    {"in-cache, v2-lite W_UK head", 512, 128, false},
    // The same bytes (in L2) in short and long rows: the per-row cost of a tile against its per-chunk cost.
    {"in-cache, qwen1.5b hidden cols", 192, 1536, false},
    {"in-cache, qwen1.5b ffn cols", 32, 8960, false},
};

// Decode attention, one thread: the query heads that share rows (one call) over n_positions cached rows in
// 16-token pages. GFLOP counts 2 x (key_len + value_len) per head and position.
struct AttentionShape {
  const char* name;
  int64_t heads, key_offset, key_len, value_offset, value_len, row_width;
};
const AttentionShape kAttentionShapes[] = {
    {"gqa-qwen1.5b", 6, 0, 128, 256, 128, 512},  // 6 query heads per KV head, rows [K0 K1 V0 V1] of 128
    {"mla-v2lite", 16, 0, 576, 0, 512, 576},     // every head over [latent 512 | rope key 64]
};

void run_attention(benchmark::State& state, const AttentionShape& shape, int64_t n_positions) {
  constexpr int64_t kPage = 16;
  const int64_t pages = (n_positions + kPage - 1) / kPage;
  // Rows start on a cache line, as the KV cache's do (a 32-byte load that crosses a line costs twice).
  std::vector<float> storage(static_cast<size_t>(pages * kPage * shape.row_width + 16));
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (auto& v : storage) v = normal(rng);
  float* base = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) / sizeof(float) % 16) % 16;
  std::vector<int32_t> table(static_cast<size_t>(pages));
  for (int64_t i = 0; i < pages; ++i) table[i] = static_cast<int32_t>(i);
  KvRows rows{base, table.data(), kPage, kPage * shape.row_width, shape.row_width};
  std::vector<float> q(static_cast<size_t>(shape.heads * shape.key_len)), out(static_cast<size_t>(shape.heads * shape.value_len));
  for (auto& v : q) v = normal(rng) * 0.1f;
  for (auto _ : state) {
    attend_heads(q.data(), shape.key_len, shape.heads, shape.key_offset, shape.key_len, shape.value_offset,
                 shape.value_len, rows, n_positions, 0.088f, out.data(), shape.value_len);
    benchmark::DoNotOptimize(out.data());
  }
  const double flops = 2.0 * static_cast<double>(shape.heads * n_positions * (shape.key_len + shape.value_len));
  state.counters["GFLOP"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// One token's activations quantized for the integer tiles (what a decode matmul does on its calling thread
// before the threads start): Qwen 1.5B's hidden width and FFN width.
void run_quantize_act(benchmark::State& state, const cpu::MatmulKernels& kernels, int64_t cols) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  std::vector<float> x(static_cast<size_t>(cols));
  for (auto& v : x) v = normal(rng);
  const int64_t n_chunks = cpu::chunks_for(cols);
  std::vector<cpu::ActChunk> out(static_cast<size_t>(n_chunks));
  for (auto _ : state) {
    kernels.quantize_act(x.data(), cols, 0, n_chunks, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["values/s"] =
      benchmark::Counter(static_cast<double>(cols), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace
}  // namespace sinan

int main(int argc, char** argv) {
  using namespace sinan;
  int threads = 0;
  bool all_tiers = false;
  bool measure_bandwidth = true;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      threads = std::atoi(argv[i] + 10);
    } else if (std::strcmp(argv[i], "--no-bandwidth") == 0) {
      measure_bandwidth = false;
    } else if (std::strcmp(argv[i], "--tiers=all") == 0) {
      all_tiers = true;
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  // Spinning between calls as the engine's pool does: a pool that sleeps at once (the default) spent ~20 us
  // waking its worker for every call, which a 2-thread in-cache case measured instead of its kernel.
  static ThreadPool pool(threads, ContextOptions{}.spin_iterations);

  cpu::BandwidthMeasurement bw;
  if (measure_bandwidth) bw = cpu::measure_read_bandwidth(pool);
  std::printf("memory read bandwidth, %d threads, %zu MiB streamed: best %.1f GB/s, median %.1f GB/s (%d passes)\n",
              pool.size(), bw.bytes >> 20, bw.best_gbs, bw.median_gbs, bw.passes);
  std::printf("active tier: %s (detected %s)\n", std::string(cpu::cpu_tier_name(cpu::active_cpu_tier())).c_str(),
              std::string(cpu::cpu_tier_name(cpu::detected_cpu_tier())).c_str());
  std::fflush(stdout);

  std::vector<cpu::CpuTier> tiers{cpu::active_cpu_tier()};
  if (all_tiers) {
    tiers.clear();
    for (int t = static_cast<int>(cpu::active_cpu_tier()); t >= 0; --t) tiers.push_back(static_cast<cpu::CpuTier>(t));
  }
  const double bandwidth = bw.best_gbs;
  for (cpu::CpuTier tier : tiers) {
    const cpu::MatmulKernels& kernels = cpu::matmul_kernels(tier);
    const std::string tier_name(cpu::cpu_tier_name(tier));
    for (DType type : kTypes) {
      for (const Shape& shape : kShapes) {
        // A row holds whole blocks only (the 1408-column shape has no k-quant form, as in V2-Lite's files).
        if (shape.cols % dtype_info(type).block_elems != 0) continue;
        const std::string dims = std::to_string(shape.rows) + "x" + std::to_string(shape.cols);
        // The file layout, and the tier's rearranged one (name suffix "/packed") where it has one for the type.
        std::vector<ChunkLayout> layouts{ChunkLayout::kFile};
        if (kernels.packed_rows[static_cast<int>(type)] != nullptr) layouts.push_back(kernels.packed_layout);
        for (ChunkLayout layout : layouts) {
          for (int64_t tokens : {int64_t{1}, int64_t{128}}) {
            const std::string name = std::string(tokens == 1 ? "gemv/" : "gemm/") + std::string(dtype_name(type)) +
                                     "/" + dims + "/t" + std::to_string(tokens) + "/" + tier_name +
                                     (layout == ChunkLayout::kFile ? "" : "/packed");
            benchmark::RegisterBenchmark(name.c_str(), [&kernels, type, layout, shape, tokens, bandwidth](benchmark::State& s) {
              run_matmul(s, kernels, type, layout, shape, tokens, pool, bandwidth);
            })->Unit(shape.from_memory ? benchmark::kMillisecond : benchmark::kMicrosecond)->UseRealTime();
          }
        }
      }
    }
  }
  for (cpu::CpuTier tier : tiers) {
    for (int64_t cols : {int64_t{1536}, int64_t{8960}}) {
      const std::string name =
          "quantize_act/" + std::to_string(cols) + "/" + std::string(cpu::cpu_tier_name(tier));
      benchmark::RegisterBenchmark(name.c_str(), [tier, cols](benchmark::State& s) {
        run_quantize_act(s, cpu::matmul_kernels(tier), cols);
      })->Unit(benchmark::kMicrosecond);
    }
  }
  for (const AttentionShape& shape : kAttentionShapes) {
    for (int64_t positions : {int64_t{128}, int64_t{2048}}) {
      const std::string name = "attention/" + std::string(shape.name) + "/" + std::to_string(positions);
      benchmark::RegisterBenchmark(name.c_str(), [shape, positions](benchmark::State& s) {
        run_attention(s, shape, positions);
      })->Unit(benchmark::kMicrosecond)->UseRealTime();
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
