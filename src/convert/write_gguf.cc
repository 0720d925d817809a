#include "convert/write_gguf.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>

#include "convert/progress.h"
#include "core/thread_pool.h"
#include "io/gguf_stream_writer.h"
#include "quant/quantize.h"

namespace sinan {
namespace {

constexpr int64_t kChunkValues = int64_t{1} << 22;  // 4M floats (16 MB) of rows decoded at a time

// Decodes and encodes one tensor chunk by chunk, handing each encoded chunk to `sink`.
class TensorEncoder {
 public:
  TensorEncoder(const PlannedTensor& t, DType type, ThreadPool& pool) : t_(t), type_(type), pool_(pool) {}

  template <typename Sink>
  Status run(Sink&& sink) {
    const int64_t cols = t_.cols(), rows = t_.rows();
    const size_t row_bytes = *dtype_row_bytes(type_, cols);
    const int64_t chunk_rows =
        std::clamp<int64_t>(kChunkValues / std::max<int64_t>(cols, 1), 1, std::max<int64_t>(rows, 1));
    std::vector<float> values(static_cast<size_t>(chunk_rows * cols));          // [chunk_rows, cols]
    std::vector<uint8_t> encoded(static_cast<size_t>(chunk_rows) * row_bytes);  // [chunk_rows, row_bytes]
    for (int64_t first = 0; first < rows; first += chunk_rows) {
      const int64_t count = std::min(chunk_rows, rows - first);
      std::mutex error_mutex;
      Status error;
      std::atomic<bool> failed{false};
      pool_.parallel_for(count, [&](int64_t begin, int64_t end) {
        if (failed.load()) return;
        float* v = values.data() + begin * cols;
        Status read = t_.read_rows(first + begin, end - begin, v);
        if (read.ok()) read = check_finite(v, begin, end, first, cols);
        if (!read.ok()) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!failed.exchange(true)) error = read;
          return;
        }
        for (int64_t r = begin; r < end; ++r) {
          quantize_row(type_, values.data() + r * cols, encoded.data() + static_cast<size_t>(r) * row_bytes,
                       cols);
        }
      });
      if (failed.load()) return error.with_context(fmt::format("tensor '{}'", t_.name));
      SINAN_RETURN_IF_ERROR(sink(encoded.data(), static_cast<size_t>(count) * row_bytes));
    }
    return Status();
  }

 private:
  Status check_finite(const float* v, int64_t begin, int64_t end, int64_t first, int64_t cols) const {
    for (int64_t i = 0; i < (end - begin) * cols; ++i) {
      if (!std::isfinite(v[i])) {
        return Status::errorf("row {} holds {} at column {}", first + begin + i / cols, v[i], i % cols);
      }
    }
    return Status();
  }

  const PlannedTensor& t_;
  DType type_;
  ThreadPool& pool_;
};

}  // namespace

Result<std::vector<MixChoice>> plan_tensor_types(const ConversionPlan& plan, FileType file_type) {
  // llama.cpp's rules count tensors in its own order, whatever order the file has.
  std::vector<size_t> order(plan.tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return llama_tensor_order(plan.tensors[a].name, plan.tensors[b].name);
  });
  std::vector<MixTensor> tensors;
  tensors.reserve(plan.tensors.size());
  for (size_t i : order)
    tensors.push_back({plan.tensors[i].name, plan.tensors[i].shape, plan.tensors[i].source_type});
  SINAN_ASSIGN_OR_RETURN(std::vector<MixChoice> sorted,
                         choose_tensor_types(file_type, plan.mix_model, tensors));
  std::vector<MixChoice> choices(plan.tensors.size());
  for (size_t k = 0; k < order.size(); ++k) choices[order[k]] = sorted[k];
  return choices;
}

Result<WriteSummary> write_gguf(const ConversionPlan& plan, FileType file_type, const std::string& path,
                                const WriteOptions& options) {
  SINAN_ASSIGN_OR_RETURN(std::vector<MixChoice> choices, plan_tensor_types(plan, file_type));
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    const DType type = choices[i].type;
    const auto& t = plan.tensors[i];
    if (type != t.source_type && !can_quantize(type)) {
      return Status::errorf("tensor '{}': sinan cannot write type {}", t.name, dtype_name(type));
    }
  }
  GgufWriter metadata = plan.metadata;
  if (!plan.metadata_in_place) {
    metadata.remove("general.quantization_version");
    metadata.remove("general.file_type");
  }
  metadata.set_u32("general.quantization_version", 2);
  metadata.set_u32("general.file_type", file_type_info(file_type).llama_ftype);

  std::vector<GgufTensorDecl> decls;
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    decls.push_back({plan.tensors[i].name, choices[i].type, plan.tensors[i].shape});
  }
  SINAN_ASSIGN_OR_RETURN(std::unique_ptr<GgufStreamWriter> writer,
                         GgufStreamWriter::create(path, metadata, std::move(decls)));

  ThreadPool pool(options.threads);
  WriteSummary summary;
  uint64_t total = 0;
  for (size_t i = 0; i < plan.tensors.size(); ++i) total += writer->tensor_bytes(i);
  ProgressBar progress(total, options.progress, options.progress_out);
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    const PlannedTensor& t = plan.tensors[i];
    const DType type = choices[i].type;
    progress.begin_tensor(t.name);
    auto sink = [&](const uint8_t* data, size_t n) {
      SINAN_RETURN_IF_ERROR(writer->write(data, n));
      progress.add(n);
      return Status();
    };
    if (type == t.source_type && t.raw != nullptr) {
      const uint64_t n = writer->tensor_bytes(i);
      constexpr uint64_t kCopyChunk = uint64_t{64} << 20;
      for (uint64_t offset = 0; offset < n; offset += kCopyChunk) {
        SINAN_RETURN_IF_ERROR(sink(t.raw + offset, static_cast<size_t>(std::min(kCopyChunk, n - offset))));
      }
    } else {
      SINAN_RETURN_IF_ERROR(TensorEncoder(t, type, pool).run(sink));
    }
    SINAN_RETURN_IF_ERROR(writer->end_tensor());
    summary.tensors.push_back({t.name, t.shape, choices[i], writer->tensor_bytes(i)});
    summary.parameters += static_cast<uint64_t>(t.numel());
  }
  SINAN_RETURN_IF_ERROR(writer->finish());
  progress.finish();
  summary.data_bytes = writer->total_data_bytes();
  summary.seconds = progress.elapsed_seconds();
  return summary;
}

}  // namespace sinan
