#include "io/gguf_stream_writer.h"

#include <cerrno>
#include <cstring>
#include <set>

namespace sinan {

Result<std::unique_ptr<GgufStreamWriter>> GgufStreamWriter::create(const std::string& path,
                                                                   const GgufWriter& metadata,
                                                                   std::vector<GgufTensorDecl> tensors) {
  std::unique_ptr<GgufStreamWriter> w(new GgufStreamWriter());
  w->path_ = path;
  w->part_path_ = path + ".part";
  w->alignment_ = metadata.alignment();
  std::set<std::string> names;
  for (const auto& t : tensors) {
    const auto& info = dtype_info(t.dtype);
    if (info.ggml_id < 0) return Status::errorf("tensor '{}': type {} has no GGUF id", t.name, info.name);
    if (t.shape.empty() || t.shape.size() > 4) {
      return Status::errorf("tensor '{}': GGUF tensors have 1 to 4 dimensions, not {}", t.name,
                            t.shape.size());
    }
    int64_t numel = 0;
    if (!checked_numel(t.shape, &numel))
      return Status::errorf("tensor '{}': bad shape {}", t.name, shape_string(t.shape));
    const auto row_bytes = dtype_row_bytes(t.dtype, t.shape.back());
    if (!row_bytes) {
      return Status::errorf("tensor '{}': rows of {} values are not whole {} blocks", t.name, t.shape.back(),
                            info.name);
    }
    if (!names.insert(t.name).second) return Status::errorf("tensor '{}' declared twice", t.name);
    w->sizes_.push_back(*row_bytes * static_cast<uint64_t>(t.shape.back() == 0 ? 0 : numel / t.shape.back()));
  }
  w->tensors_ = std::move(tensors);
  w->file_ = std::fopen(w->part_path_.c_str(), "wb");
  if (w->file_ == nullptr)
    return Status::errorf("{}: cannot create: {}", w->part_path_, std::strerror(errno));
  w->sink_ = std::make_unique<gguf_encode::FileSink>(w->file_);
  std::vector<gguf_encode::HeaderTensor> infos;
  for (size_t i = 0; i < w->tensors_.size(); ++i) {
    infos.push_back({&w->tensors_[i].name, w->tensors_[i].dtype, &w->tensors_[i].shape, w->sizes_[i]});
  }
  gguf_encode::put_header(*w->sink_, metadata.metadata(), infos, w->alignment_);
  if (!w->sink_->ok()) return Status::errorf("{}: write failed: {}", w->part_path_, std::strerror(errno));
  return w;
}

GgufStreamWriter::~GgufStreamWriter() {
  if (file_ != nullptr) std::fclose(file_);
  if (!finished_ && !part_path_.empty()) std::remove(part_path_.c_str());
}

uint64_t GgufStreamWriter::total_data_bytes() const {
  uint64_t total = 0;
  for (uint64_t s : sizes_) total += gguf_encode::padded_size(s, alignment_);
  return total;
}

Status GgufStreamWriter::write(const void* data, size_t n) {
  if (current_ >= tensors_.size())
    return Status::errorf("{}: data written after the last tensor", part_path_);
  if (current_bytes_ + n > sizes_[current_]) {
    return Status::errorf("{}: tensor '{}' given more than its {} bytes", part_path_, tensors_[current_].name,
                          sizes_[current_]);
  }
  sink_->write(data, n);
  current_bytes_ += n;
  if (!sink_->ok()) return Status::errorf("{}: write failed: {}", part_path_, std::strerror(errno));
  return Status();
}

Status GgufStreamWriter::end_tensor() {
  if (current_ >= tensors_.size()) return Status::errorf("{}: no tensor is open", part_path_);
  if (current_bytes_ != sizes_[current_]) {
    return Status::errorf("{}: tensor '{}' got {} of its {} bytes", part_path_, tensors_[current_].name,
                          current_bytes_, sizes_[current_]);
  }
  sink_->pad_to(alignment_);
  if (!sink_->ok()) return Status::errorf("{}: write failed: {}", part_path_, std::strerror(errno));
  ++current_;
  current_bytes_ = 0;
  return Status();
}

Status GgufStreamWriter::finish() {
  if (current_ != tensors_.size()) {
    return Status::errorf("{}: only {} of {} tensors were written", part_path_, current_, tensors_.size());
  }
  std::FILE* f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0) return Status::errorf("{}: write failed: {}", part_path_, std::strerror(errno));
  if (std::rename(part_path_.c_str(), path_.c_str()) != 0) {
    return Status::errorf("{}: cannot rename to {}: {}", part_path_, path_, std::strerror(errno));
  }
  finished_ = true;
  return Status();
}

}  // namespace sinan
