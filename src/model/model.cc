#include "model/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "io/mapped_file.h"
#include "kernels/chunk_layout.h"
#include "kernels/matmul.h"

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
    // Every Context calls this before its first forward and the first one does the work under the once
    // flag, so no forward reads a matrix while its layout changes.
    auto* self = const_cast<Model*>(this);
    for (const auto& [file, r] : by_file) {
      const auto n = static_cast<size_t>(r.end - r.begin);
      const uint8_t* begin = r.begin;  // (a structured binding, which clang's lambdas cannot capture)
      const std::vector<Matrix*> to_pack = self->packable_weights_in(begin, r.end);
      const bool moved = move_mapped_range_to_huge_pages(begin, n, [&](uint8_t* copy) {
        for (Matrix* m : to_pack) {
          Matrix packed = *m;  // the copy's bytes, which replace m's in place
          packed.data = copy + (m->data - begin);
          pack_for_active_tier(&packed, const_cast<uint8_t*>(packed.data));
          m->layout = packed.layout;
        }
      });
      if (!moved) {
        for (Matrix* m : to_pack) m->layout = ChunkLayout::kFile;
        prefault_mapped_range(r.begin, n);
      }
    }
  });
}

namespace {

void add_ffn(FfnWeights& f, std::vector<Matrix*>* out) {
  for (Matrix* m : {&f.gate, &f.up, &f.down}) out->push_back(m);
}

}  // namespace

std::vector<Matrix*> Model::packable_weights_in(const uint8_t* begin, const uint8_t* end) {
  // The matmul weights may be rearranged; every other view (the embedding, the router, the MTP module)
  // reads the file layout, so a matrix sharing bytes with one stays as it is.
  std::vector<Matrix*> matmul_weights;
  std::vector<const Matrix*> other_views = {&weights_.token_embedding};
  for (LayerWeights& l : weights_.layers) {
    for (Matrix* m : {&l.gqa.q, &l.gqa.k, &l.gqa.v, &l.gqa.o, &l.mla.q, &l.mla.q_a, &l.mla.q_b, &l.mla.kv_a, &l.mla.o}) {
      matmul_weights.push_back(m);
    }
    add_ffn(l.ffn, &matmul_weights);
    for (FfnWeights& e : l.moe.experts) add_ffn(e, &matmul_weights);
    add_ffn(l.moe.shared, &matmul_weights);
    for (Matrix& m : l.mla.k_up) matmul_weights.push_back(&m);  // matmul_rows, or matmul_transposed, which
    for (Matrix& m : l.mla.v_up) matmul_weights.push_back(&m);  // dequantizes through the layout
    other_views.push_back(&l.moe.router);
  }
  for (const MtpWeights& mtp : weights_.mtp) {
    for (const Matrix* m : {&mtp.eh_proj, &mtp.embedding, &mtp.head}) other_views.push_back(m);
  }
  if (weights_.output.data != weights_.token_embedding.data) {
    matmul_weights.push_back(&weights_.output);
  } else {
    other_views.push_back(&weights_.output);
  }
  // A sweep over every view sorted by address finds those sharing bytes with another (V3 has ~45k views).
  struct View {
    const uint8_t* begin;
    const uint8_t* end;
    Matrix* matmul;  // nullptr for the other views
    bool shared;
  };
  std::vector<View> views;
  for (Matrix* m : matmul_weights) {
    if (!m->empty()) views.push_back({m->data, m->data + m->nbytes(), m, false});
  }
  for (const Matrix* m : other_views) {
    if (!m->empty()) views.push_back({m->data, m->data + m->nbytes(), nullptr, false});
  }
  std::sort(views.begin(), views.end(), [](const View& a, const View& b) { return a.begin < b.begin; });
  for (size_t i = 0, reach = 0; i < views.size(); ++i) {  // reach: the view before i ending furthest
    if (i > 0 && views[i].begin < views[reach].end) views[i].shared = views[reach].shared = true;
    if (i == 0 || views[i].end > views[reach].end) reach = i;
  }
  std::vector<Matrix*> to_pack;
  for (const View& v : views) {
    Matrix* m = v.matmul;
    if (m == nullptr || v.shared || v.begin < begin || v.end > end || m->layout != ChunkLayout::kFile) continue;
    if (preferred_chunk_layout(*m) != ChunkLayout::kFile) to_pack.push_back(m);
  }
  return to_pack;
}

}  // namespace sinan
