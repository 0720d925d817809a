// Decode GEMVs streaming from memory, interleaved with the read-bandwidth probe. On a shared VM the memory
// bandwidth drifts by 20-40% within minutes, more than most kernel changes move a GEMV, so Google
// Benchmark's one-case-after-another timings (kernels_bench) cannot rank them. Here every round runs the
// probe and then each case once, so the drift touches all of them alike; the table gives each case's
// median over the rounds next to the probe's median and best.
//
// The cases are the matrices one generated token of R1-Distill-Qwen-1.5B reads (Q4_K_M: q4_K with q6_K
// for ffn_down and the output head; Q8_0), with the pool spinning between calls as the engine's does.
// Each case cycles through copies of its matrix totalling 512 MiB, so no call finds its weights in L3,
// on 2 MB pages where the kernel gives them (as the engine's loaded weights are).
//
// It holds ~4.2 GiB of weights.
//
//   ./build/benchmarks/decode_stream_bench [--rounds N (8)] [--threads N (all)] [--tokens 1-16 (1)]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <sys/mman.h>

#include "bench_matrix.h"
#include "core/thread_pool.h"
#include "kernels/cpu/bandwidth.h"
#include "kernels/cpu/matmul_kernels.h"
#include "kernels/matmul.h"
#include "model/context.h"

namespace sinan {
namespace {

constexpr size_t kStreamedBytes = size_t{512} << 20;
constexpr size_t kProbeBytes = size_t{512} << 20;

struct Case {
  const char* name;
  DType type;
  int64_t rows, cols;
};

// One token of R1-Distill-Qwen-1.5B: q, k, v as one matrix; o; gate and up as one; down; the output head.
const Case kCases[] = {
    {"q4_K qkv 2048 x 1536", DType::kQ4_K, 2048, 1536},
    {"q4_K o 1536 x 1536", DType::kQ4_K, 1536, 1536},
    {"q4_K gate+up 17920 x 1536", DType::kQ4_K, 17920, 1536},
    {"q4_K down 1536 x 8960", DType::kQ4_K, 1536, 8960},
    {"q6_K down 1536 x 8960", DType::kQ6_K, 1536, 8960},
    {"q6_K output 151936 x 1536", DType::kQ6_K, 151936, 1536},
    {"q8_0 gate+up 17920 x 1536", DType::kQ8_0, 17920, 1536},
    {"q8_0 down 1536 x 8960", DType::kQ8_0, 1536, 8960},
};

// An anonymous mapping aligned to 2 MB and advised to take huge pages.
class HugePageBuffer {
 public:
  explicit HugePageBuffer(size_t bytes) : bytes_((bytes + kHuge - 1) / kHuge * kHuge) {
    void* p = ::mmap(nullptr, bytes_ + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      std::fprintf(stderr, "decode_stream_bench: cannot map %zu bytes\n", bytes_);
      std::exit(1);
    }
    raw_ = static_cast<uint8_t*>(p);
    data_ = raw_ + (kHuge - reinterpret_cast<uintptr_t>(raw_) % kHuge) % kHuge;
#ifdef MADV_HUGEPAGE
    ::madvise(data_, bytes_, MADV_HUGEPAGE);
#endif
  }
  ~HugePageBuffer() { ::munmap(raw_, bytes_ + kHuge); }
  HugePageBuffer(const HugePageBuffer&) = delete;
  HugePageBuffer& operator=(const HugePageBuffer&) = delete;
  uint8_t* data() const { return data_; }

 private:
  static constexpr size_t kHuge = size_t{2} << 20;
  size_t bytes_;
  uint8_t* raw_ = nullptr;
  uint8_t* data_ = nullptr;
};

struct Copies {
  std::vector<std::unique_ptr<HugePageBuffer>> storage;
  std::vector<Matrix> matrices;
};

// Copies of one rows x cols matrix of `type` (bench_matrix.h), in the tier's load-time layout where it has
// one, totalling at least kStreamedBytes.
Copies make_copies(const cpu::MatmulKernels& kernels, const Case& c) {
  const bool packed = kernels.packed_rows[static_cast<int>(c.type)] != nullptr;
  const BenchMatrix first = make_matrix(c.type, c.rows, c.cols, packed ? kernels.packed_layout : ChunkLayout::kFile);
  const size_t bytes = first.m.nbytes();
  Copies copies;
  for (size_t i = 0; i < std::max<size_t>(1, (kStreamedBytes + bytes - 1) / bytes); ++i) {
    auto buffer = std::make_unique<HugePageBuffer>(bytes);
    std::memcpy(buffer->data(), first.m.data, bytes);
    Matrix copy = first.m;
    copy.data = buffer->data();
    copies.matrices.push_back(copy);
    copies.storage.push_back(std::move(buffer));
  }
  return copies;
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int parse_int(const char* text, const char* flag, int max) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 1 || value > max) {
    std::fprintf(stderr, "decode_stream_bench: %s takes a whole number from 1 to %d, got '%s'\n", flag, max, text);
    std::exit(2);
  }
  return static_cast<int>(value);
}

}  // namespace
}  // namespace sinan

int main(int argc, char** argv) {
  using namespace sinan;
  int rounds = 8, threads = 0, tokens = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 < argc && arg == "--rounds") {
      rounds = parse_int(argv[++i], "--rounds", 1000);
    } else if (i + 1 < argc && arg == "--threads") {
      threads = parse_int(argv[++i], "--threads", 1024);
    } else if (i + 1 < argc && arg == "--tokens") {
      tokens = parse_int(argv[++i], "--tokens", 16);
    } else {
      std::fprintf(stderr, "usage: decode_stream_bench [--rounds N (8)] [--threads N (all)] [--tokens 1-16 (1)]\n");
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  ThreadPool pool(threads, ContextOptions{}.spin_iterations);
  const cpu::MatmulKernels& kernels = cpu::matmul_kernels(cpu::active_cpu_tier());
  std::printf("tier %s, %d threads, %d tokens, %d rounds; preparing %zu MiB per case...\n",
              std::string(cpu::cpu_tier_name(kernels.tier)).c_str(), pool.size(), tokens, rounds,
              kStreamedBytes >> 20);
  std::fflush(stdout);

  std::vector<Copies> copies;
  int64_t max_rows = 0, max_cols = 0;
  for (const Case& c : kCases) {
    copies.push_back(make_copies(kernels, c));
    max_rows = std::max(max_rows, c.rows);
    max_cols = std::max(max_cols, c.cols);
  }
  std::vector<float> x(static_cast<size_t>(tokens * max_cols));
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (auto& v : x) v = normal(rng);
  std::vector<float> y(static_cast<size_t>(tokens * max_rows));

  std::vector<double> probe;
  std::vector<std::vector<double>> gbs(std::size(kCases));
  for (int round = 0; round < rounds; ++round) {
    probe.push_back(cpu::measure_read_bandwidth(pool, kProbeBytes, 1).best_gbs);
    for (size_t i = 0; i < std::size(kCases); ++i) {
      const Case& c = kCases[i];
      double bytes = 0;
      const auto start = std::chrono::steady_clock::now();
      for (const Matrix& m : copies[i].matrices) {
        cpu::matmul_with(kernels, m, x.data(), c.cols, tokens, y.data(), c.rows, &pool);
        bytes += static_cast<double>(m.nbytes());
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      gbs[i].push_back(bytes / seconds / 1e9);
    }
  }
  const double probe_median = median_of(probe), probe_best = *std::max_element(probe.begin(), probe.end());
  std::printf("read bandwidth (probe, %zu MiB per pass, one pass per round): median %.1f GB/s, best %.1f\n",
              kProbeBytes >> 20, probe_median, probe_best);
  std::printf("%-28s %10s %10s %9s\n", "case", "GB/s", "% median", "% best");
  for (size_t i = 0; i < std::size(kCases); ++i) {
    const double g = median_of(gbs[i]);
    std::printf("%-28s %10.1f %9.0f%% %8.0f%%\n", kCases[i].name, g, 100 * g / probe_median, 100 * g / probe_best);
  }
  return 0;
}
