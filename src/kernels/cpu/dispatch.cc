// The per-tier tables (built once, immutable) and the threading around a table's row kernels.
#include <algorithm>
#include <array>

#include "core/check.h"
#include "kernels/cpu/decode_reference.h"
#include "kernels/cpu/matmul_kernels.h"
#include "kernels/cpu/panels.h"

namespace sinan::cpu {

// q8_0 takes int16 activations: int8 ones take the q8_0 golden models past their KL bars (qwen2 2.07e-4 >
// 1.8e-4, deepseek_v3 3.96e-3 > 3.47e-3; float activations: 1.11e-4 and 2.92e-3), int16 ones round 258
// times finer and keep an integer kernel (vpdpwssd / pmaddwd).
ActivationForm activation_form(DType type) {
  if (type == DType::kQ8_0) return ActivationForm::kInt16;
  return has_int_decoder(type) ? ActivationForm::kInt8 : ActivationForm::kFloat;
}

MatmulRowsFn MatmulKernels::for_matrix(const Matrix& w) const {
  // Block scales are a DeepSeek FP8 feature; on any other type only the generic path applies them.
  if (w.block_scales != nullptr && w.dtype != DType::kF8E4M3) return generic;
  const MatmulRowsFn fn = w.layout == ChunkLayout::kFile      ? rows[static_cast<int>(w.dtype)]
                          : w.layout == packed_layout ? packed_rows[static_cast<int>(w.dtype)]
                                                      : nullptr;
  return fn != nullptr ? fn : generic;
}

PreparedRowsFn MatmulKernels::prepared_for(const Matrix& w) const {
  if (w.block_scales != nullptr) return nullptr;
  if (w.layout == ChunkLayout::kFile) return prepared_rows[static_cast<int>(w.dtype)];
  return w.layout == packed_layout ? packed_prepared_rows[static_cast<int>(w.dtype)] : nullptr;
}

namespace {

// Activations quantized once per call for the few-token kernels (prepared_rows), on the caller's stack:
// one rows call's budget, so whatever a rows call quantizes row-major fits. Products that read the same
// input (q, k and v) share one copy.
class PreparedActivations {
 public:
  // x quantized as w's kernels read it, or nullptr when it does not fit.
  const void* add(const MatmulKernels& kernels, const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens) {
    const ActivationForm form = activation_form(w.dtype);
    for (int i = 0; i < n_entries_; ++i) {
      const Entry& e = entries_[i];
      if (e.x == x && e.x_stride == x_stride && e.n_tokens == n_tokens && e.cols == w.cols && e.form == form) {
        return e.chunks;
      }
    }
    const int64_t n_chunks = chunks_for(w.cols);
    const int64_t chunk_bytes = form == ActivationForm::kInt16 ? sizeof(WideChunk) : sizeof(ActChunk);
    const int64_t bytes = n_tokens * n_chunks * chunk_bytes;
    if (n_entries_ == kMaxEntries || used_ + bytes > static_cast<int64_t>(sizeof(bytes_))) return nullptr;
    unsigned char* chunks = bytes_ + used_;  // chunk sizes are multiples of 64: stays aligned
    for (int64_t t = 0; t < n_tokens; ++t) {
      if (form == ActivationForm::kInt16) {
        kernels.quantize_wide(x + t * x_stride, w.cols, 0, n_chunks, reinterpret_cast<WideChunk*>(chunks) + t * n_chunks);
      } else {
        kernels.quantize_act(x + t * x_stride, w.cols, 0, n_chunks, reinterpret_cast<ActChunk*>(chunks) + t * n_chunks);
      }
    }
    used_ += bytes;
    entries_[n_entries_++] = Entry{x, x_stride, n_tokens, w.cols, form, chunks};
    return chunks;
  }

 private:
  struct Entry {
    const float* x;
    int64_t x_stride, n_tokens, cols;
    ActivationForm form;
    const void* chunks;
  };
  static constexpr int kMaxEntries = 96;
  alignas(64) unsigned char bytes_[kActChunkBudget * sizeof(ActChunk)];
  int64_t used_ = 0;
  Entry entries_[kMaxEntries];
  int n_entries_ = 0;
};

// Up to this many tokens a matmul is a weight stream. Each thread streams its own contiguous share of the
// row units and a thread done with its share takes the back half of what another has left
// (parallel_for_split), so one thread slowed by the other's memory traffic or by another process holds the
// other at the barrier for a short piece at most. Guided slices balanced as well but alternate between the
// threads, so every slice started a new stream: the first lines of each are read before any prefetch
// covers them. Zen 5, 2 threads, q4_K x 1536 columns from memory, alternating in one process: 512 rows
// 18.2-19.1 -> 13.6-14.2 us, 2048 rows 48.3-48.7 -> 41.5-41.8 us, 17920 rows 313-337 -> 304-332 us;
// tg64 switched per repetition: V2-Lite Q4_K_M faster in 8 of 10 pairs (+1.3%, +2.3%), 1.5B Q4_K_M
// +0.6% / +2.2% over 16-repetition runs. (Guided slices had replaced slices of 1/8 of a share on
// 2026-11-24: 1.5B 41.6 -> 43.3 tokens/s.) The activations are quantized once per call
// (PreparedActivations), so a piece costs no more than a share. Above it each thread takes one contiguous
// share for the k-major order. Either way each row is computed alike, so results do not depend on the
// split.
constexpr int64_t kDynamicSplitTokens = 16;

// Rows are handed out in units of up to 16 rows (one cache line of y, so two threads seldom write one) and
// of at most kUnitBytes of weights, so a thread left without work at the end of a call waits for at most a
// short piece of the other's: the threads finish one or two units apart, and a unit of 16 rows of an FFN
// down matrix (8960 columns, 80-118 KB) took 3-4 us, what a decode call's calling thread waited for its
// worker on average (1.5B Q4_K_M: 3.4 -> 1.9 us). A power of two, so units keep the multi-row tiles whole.
constexpr int64_t kMaxUnitRows = 16;
constexpr size_t kUnitBytes = 16 * 1024;

int64_t unit_rows(const Matrix& w) {
  int64_t rows = kMaxUnitRows;
  while (rows > 1 && static_cast<size_t>(rows) * w.row_bytes > kUnitBytes) rows /= 2;
  return rows;
}
int64_t units_of(const Matrix& w) {
  const int64_t rows_per_unit = unit_rows(w);
  return (w.rows + rows_per_unit - 1) / rows_per_unit;
}
constexpr int kMaxJobs = 96;

void parallel_over_units(ThreadPool* pool, int64_t units, int64_t n_tokens,
                         FunctionRef<void(int64_t begin, int64_t end)> body) {
  if (n_tokens <= kDynamicSplitTokens) {
    pool->parallel_for_split(units, 1, body);
  } else {
    pool->parallel_for(units, body);
  }
}

// Only the tiers this CPU runs are filled: the fill functions themselves are compiled for their tier.
std::array<MatmulKernels, kCpuTierCount> build_tables() {
  std::array<MatmulKernels, kCpuTierCount> tables;
  const int detected = static_cast<int>(detected_cpu_tier());
  tables[0].tier = CpuTier::kScalar;
  scalar::fill_float_types(&tables[0]);
  scalar::fill_quant_types(&tables[0]);
#if SINAN_CPU_X86_TIERS
  if (detected >= static_cast<int>(CpuTier::kAvx2)) {
    tables[1].tier = CpuTier::kAvx2;
    avx2::fill_float_types(&tables[1]);
    avx2::fill_legacy_quants(&tables[1]);
    avx2::fill_k_quants(&tables[1]);
  }
  if (detected >= static_cast<int>(CpuTier::kAvx512)) {
    tables[2].tier = CpuTier::kAvx512;
    avx512::fill_float_types(&tables[2]);
    avx512::fill_legacy_quants(&tables[2]);
    avx512::fill_k_quants(&tables[2]);
  }
  if (detected >= static_cast<int>(CpuTier::kAvx512Icl)) {
    tables[3] = tables[2];  // the avx512 float kernels
    tables[3].tier = CpuTier::kAvx512Icl;
    avx512icl::fill_legacy_quants(&tables[3]);
    avx512icl::fill_k_quants(&tables[3]);
  }
#endif
  return tables;
}

// The few-token matmul with its activations quantized once (not inlined: the activations live in this frame
// only). False when they do not fit; nothing has been written then.
[[gnu::noinline]] bool prepared_matmul(const MatmulKernels& kernels, const Matrix& w, const float* x, int64_t x_stride,
                                       int64_t n_tokens, float* y, int64_t y_stride, ThreadPool* pool, int64_t units) {
  PreparedActivations acts;
  const void* act = acts.add(kernels, w, x, x_stride, n_tokens);
  if (act == nullptr) return false;
  const PreparedRowsFn rows_fn = kernels.prepared_for(w);
  const int64_t rows_per_unit = unit_rows(w);
  parallel_over_units(pool, units, n_tokens, [&](int64_t begin, int64_t end) {
    rows_fn(w, act, n_tokens, y, y_stride, begin * rows_per_unit, min_of(end * rows_per_unit, w.rows));
  });
  return true;
}

// A matmul_jobs call's split, worked out once per call: each job's kernel, the prefix sums of the jobs' row
// units (job j's units are [first_unit[j], first_unit[j + 1]) of the call's) and its rows per unit.
struct JobUnits {
  std::array<MatmulRowsFn, kMaxJobs> fns;
  std::array<int64_t, kMaxJobs + 1> first_unit;
  std::array<int64_t, kMaxJobs> rows_per_unit;
};

// matmul_jobs' row units [begin, end); a job with prepared activations (acts[j] set) takes its prepared rows.
void run_job_units(const MatmulKernels& kernels, std::span<const MatmulJob> jobs, const JobUnits& units,
                   const void* const* acts, int64_t begin, int64_t end) {
  for (size_t j = 0; j < jobs.size(); ++j) {
    const int64_t b = std::max(begin, units.first_unit[j]) - units.first_unit[j];
    const int64_t e = std::min(end, units.first_unit[j + 1]) - units.first_unit[j];
    if (b >= e) continue;
    const MatmulJob& job = jobs[j];
    const int64_t row_begin = b * units.rows_per_unit[j];
    const int64_t row_end = std::min(e * units.rows_per_unit[j], job.w->rows);
    if (acts != nullptr && acts[j] != nullptr) {
      kernels.prepared_for(*job.w)(*job.w, acts[j], job.n_tokens, job.y, job.y_stride, row_begin, row_end);
    } else {
      units.fns[j](*job.w, job.x, job.x_stride, job.n_tokens, job.y, job.y_stride, row_begin, row_end);
    }
  }
}

// matmul_jobs for a few tokens each, with activations quantized once per distinct input (as prepared_matmul).
[[gnu::noinline]] void prepared_jobs(const MatmulKernels& kernels, std::span<const MatmulJob> jobs,
                                     const JobUnits& units, int64_t total, int64_t most_tokens,
                                     ThreadPool* pool) {
  PreparedActivations prepared;
  const void* acts[kMaxJobs] = {};
  for (size_t j = 0; j < jobs.size(); ++j) {
    const MatmulJob& job = jobs[j];
    if (job.n_tokens > 0 && kernels.prepared_for(*job.w) != nullptr) {
      acts[j] = prepared.add(kernels, *job.w, job.x, job.x_stride, job.n_tokens);
    }
  }
  parallel_over_units(pool, total, most_tokens, [&](int64_t begin, int64_t end) {
    run_job_units(kernels, jobs, units, acts, begin, end);
  });
}

}  // namespace

const MatmulKernels& matmul_kernels(CpuTier tier) {
  SINAN_CHECK_MSG(static_cast<int>(tier) <= static_cast<int>(detected_cpu_tier()), "this CPU cannot run the {} kernels",
                  cpu_tier_name(tier));
  static const std::array<MatmulKernels, kCpuTierCount> tables = build_tables();
  return tables[static_cast<int>(tier)];
}

void matmul_with(const MatmulKernels& kernels, const Matrix& w, const float* x, int64_t x_stride, int64_t n_tokens,
                 float* y, int64_t y_stride, ThreadPool* pool) {
  const MatmulRowsFn rows_fn = kernels.for_matrix(w);
  SINAN_CHECK_MSG(rows_fn != nullptr, "no matmul kernel for {}", dtype_name(w.dtype));
  if (n_tokens <= 0 || w.rows <= 0) return;
  if (pool == nullptr || pool->size() == 1 || w.rows < 4 * kMaxUnitRows) {
    rows_fn(w, x, x_stride, n_tokens, y, y_stride, 0, w.rows);
    return;
  }
  const int64_t units = units_of(w), rows_per_unit = unit_rows(w);
  if (n_tokens <= kDynamicSplitTokens && kernels.prepared_for(w) != nullptr &&
      prepared_matmul(kernels, w, x, x_stride, n_tokens, y, y_stride, pool, units)) {
    return;
  }
  parallel_over_units(pool, units, n_tokens, [&](int64_t begin, int64_t end) {
    rows_fn(w, x, x_stride, n_tokens, y, y_stride, begin * rows_per_unit,
            min_of(end * rows_per_unit, w.rows));
  });
}

void matmul_jobs_with(const MatmulKernels& kernels, std::span<const MatmulJob> jobs, ThreadPool* pool) {
  SINAN_CHECK(jobs.size() <= kMaxJobs);
  JobUnits units;
  units.first_unit[0] = 0;
  for (size_t j = 0; j < jobs.size(); ++j) {
    units.fns[j] = kernels.for_matrix(*jobs[j].w);
    SINAN_CHECK_MSG(units.fns[j] != nullptr, "no matmul kernel for {}", dtype_name(jobs[j].w->dtype));
    units.rows_per_unit[j] = unit_rows(*jobs[j].w);
    units.first_unit[j + 1] = units.first_unit[j] + (jobs[j].n_tokens > 0 ? units_of(*jobs[j].w) : 0);
  }
  const int64_t total = units.first_unit[jobs.size()];
  if (pool == nullptr || pool->size() == 1 || total < 4) {
    run_job_units(kernels, jobs, units, nullptr, 0, total);
    return;
  }
  int64_t most_tokens = 0;
  for (const MatmulJob& job : jobs) most_tokens = std::max(most_tokens, job.n_tokens);
  if (most_tokens <= kDynamicSplitTokens) {
    prepared_jobs(kernels, jobs, units, total, most_tokens, pool);
    return;
  }
  parallel_over_units(pool, total, most_tokens, [&](int64_t begin, int64_t end) {
    run_job_units(kernels, jobs, units, nullptr, begin, end);
  });
}

}  // namespace sinan::cpu
