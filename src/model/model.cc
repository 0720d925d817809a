#include "model/model.h"

#include <fmt/format.h>

#include <map>

#include "io/mapped_file.h"

namespace sinan {

Result<std::unique_ptr<Model>> Model::load(const std::string& path, LoadReport* report) {
  ModelConfig config;
  SINAN_ASSIGN_OR_RETURN(WeightFiles files, open_weight_files(path, &config));

  std::unique_ptr<Model> model =
      config.arch == Architecture::kDeepseek2 ? make_deepseek2_model() : make_llama_model();
  model->config_ = std::move(config);
  model->files_ = std::move(files);

  LoadReport local_report;
  LoadReport& r = report != nullptr ? *report : local_report;
  WeightBinder binder(model->files_, model->config_, &model->weights_);
  if (!model->config_.rope.freq_factors.empty()) binder.consume("rope_freqs.weight");
  Status bound = model->config_.arch == Architecture::kDeepseek2
                     ? bind_deepseek2_weights(model->config_, binder, &model->weights_, &r.warnings)
                     : bind_llama_weights(model->config_, binder, &model->weights_);
  std::vector<std::string> unused;
  Status finished = binder.finish(&unused);
  SINAN_RETURN_IF_ERROR(bound.with_context(path));
  SINAN_RETURN_IF_ERROR(finished.with_context(path));
  model->prepare();
  constexpr size_t kListed = 8;
  if (!unused.empty()) {
    std::string names;
    for (size_t i = 0; i < unused.size() && i < kListed; ++i) names += (i ? ", " : "") + unused[i];
    if (unused.size() > kListed) names += fmt::format(" and {} more", unused.size() - kListed);
    r.warnings.push_back(fmt::format("{}: {} unexpected tensor{} ignored: {}", path, unused.size(),
                                     unused.size() == 1 ? "" : "s", names));
  }
  return model;
}

void Model::prepare_weight_memory() const {
  std::call_once(weight_memory_prepared_, [this] {
    struct Range {
      const uint8_t* begin = nullptr;
      const uint8_t* end = nullptr;
    };
    std::map<std::string, Range> by_file;  // each file's tensors as one block
    size_t total = 0;
    for (const TensorInfo& t : files_.tensors()) {
      if (t.data == nullptr || t.nbytes == 0) continue;
      total += t.nbytes;
      Range& r = by_file[t.file];
      if (r.begin == nullptr || t.data < r.begin) r.begin = t.data;
      if (t.data + t.nbytes > r.end) r.end = t.data + t.nbytes;
    }
    if (total > physical_memory_bytes() / 10 * 8) return;
    for (const auto& [file, r] : by_file) {
      const auto n = static_cast<size_t>(r.end - r.begin);
      if (!move_mapped_range_to_huge_pages(r.begin, n)) prefault_mapped_range(r.begin, n);
    }
  });
}

}  // namespace sinan
