#include "io/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

namespace sinan {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // the reference implementation's limit

}  // namespace

Result<std::vector<TensorInfo>> parse_safetensors(std::span<const uint8_t> bytes, const std::string& label) {
  if (bytes.size() < 8) return Status::errorf("{}: too short to be a safetensors file ({} bytes)", label, bytes.size());
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  if (header_size > kMaxHeaderBytes) {
    return Status::errorf("{}: header length {} is not plausible (not a safetensors file?)", label, header_size);
  }
  if (header_size > bytes.size() - 8) {
    return Status::errorf("{}: header of {} bytes runs past the end of the {}-byte file (truncated file?)", label,
                          header_size, bytes.size());
  }
  const auto* header_begin = reinterpret_cast<const char*>(bytes.data() + 8);
  json header = json::parse(header_begin, header_begin + header_size, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) return Status::errorf("{}: header is not valid JSON", label);
  if (!header.is_object()) return Status::errorf("{}: header is not a JSON object", label);

  const size_t data_start = 8 + static_cast<size_t>(header_size);
  const size_t data_size = bytes.size() - data_start;
  std::vector<TensorInfo> tensors;
  tensors.reserve(header.size());
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    if (!entry.is_object()) return Status::errorf("{}: entry '{}' is not an object", label, name);
    const auto dtype_it = entry.find("dtype");
    const auto shape_it = entry.find("shape");
    const auto offsets_it = entry.find("data_offsets");
    if (dtype_it == entry.end() || !dtype_it->is_string()) {
      return Status::errorf("{}: tensor '{}' has no dtype string", label, name);
    }
    if (shape_it == entry.end() || !shape_it->is_array()) {
      return Status::errorf("{}: tensor '{}' has no shape array", label, name);
    }
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2) {
      return Status::errorf("{}: tensor '{}' has no [begin, end] data_offsets", label, name);
    }
    const auto dtype_name_str = dtype_it->get<std::string>();
    const auto dtype = dtype_from_safetensors(dtype_name_str);
    if (!dtype) return Status::errorf("{}: tensor '{}' has unsupported dtype '{}'", label, name, dtype_name_str);

    TensorInfo info;
    info.name = name;
    info.dtype = *dtype;
    info.file = label;
    for (const auto& dim : *shape_it) {
      if (!dim.is_number_unsigned()) return Status::errorf("{}: tensor '{}' has a bad shape entry", label, name);
      const auto d = dim.get<uint64_t>();
      if (d > (uint64_t{1} << 40)) return Status::errorf("{}: tensor '{}' has absurd dimension {}", label, name, d);
      info.shape.push_back(static_cast<int64_t>(d));
    }
    if (info.shape.size() > 8) return Status::errorf("{}: tensor '{}' has too many dimensions", label, name);
    int64_t numel = 0;
    if (!checked_numel(info.shape, &numel)) return Status::errorf("{}: tensor '{}' is absurdly large", label, name);
    const auto& begin_json = (*offsets_it)[0];
    const auto& end_json = (*offsets_it)[1];
    if (!begin_json.is_number_unsigned() || !end_json.is_number_unsigned()) {
      return Status::errorf("{}: tensor '{}' has non-integer data_offsets", label, name);
    }
    const auto begin = begin_json.get<uint64_t>();
    const auto end = end_json.get<uint64_t>();
    const uint64_t expected = static_cast<uint64_t>(numel) * static_cast<uint64_t>(dtype_info(*dtype).block_bytes);
    if (end < begin || end - begin != expected) {
      return Status::errorf("{}: tensor '{}' ({} {}) should take {} bytes but data_offsets give {}..{}", label, name,
                            dtype_name_str, shape_string(info.shape), expected, begin, end);
    }
    if (end > data_size) {
      return Status::errorf("{}: tensor '{}' needs bytes {}..{} of the data section, but the file holds only {} "
                            "(truncated file?)",
                            label, name, begin, end, data_size);
    }
    info.data = bytes.data() + data_start + begin;
    info.nbytes = static_cast<size_t>(expected);
    tensors.push_back(std::move(info));
  }
  return tensors;
}

Result<SafetensorsArchive> SafetensorsArchive::open(const std::string& path) {
  SafetensorsArchive archive;
  std::error_code ec;
  std::string target = path;
  if (fs::is_directory(path, ec)) {
    const fs::path dir(path);
    if (fs::exists(dir / "model.safetensors.index.json", ec)) {
      target = (dir / "model.safetensors.index.json").string();
    } else if (fs::exists(dir / "model.safetensors", ec)) {
      target = (dir / "model.safetensors").string();
    } else {
      return Status::errorf("{}: no model.safetensors or model.safetensors.index.json in this directory", path);
    }
  }

  if (target.size() >= 5 && target.compare(target.size() - 5, 5, ".json") == 0) {
    SINAN_ASSIGN_OR_RETURN(std::string text, read_text_file(target));
    json index = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (index.is_discarded() || !index.is_object()) return Status::errorf("{}: not valid JSON", target);
    const auto map_it = index.find("weight_map");
    if (map_it == index.end() || !map_it->is_object()) return Status::errorf("{}: has no weight_map object", target);
    std::set<std::string> shards;
    for (const auto& [tensor, shard] : map_it->items()) {
      if (!shard.is_string()) return Status::errorf("{}: weight_map entry '{}' is not a file name", target, tensor);
      const auto shard_name = shard.get<std::string>();
      if (shard_name.find('/') != std::string::npos || shard_name == ".." || shard_name.empty()) {
        return Status::errorf("{}: weight_map entry '{}' names '{}', which is not a plain file name", target, tensor,
                              shard_name);
      }
      shards.insert(shard_name);
    }
    const fs::path dir = fs::path(target).parent_path();
    for (const auto& shard : shards) SINAN_RETURN_IF_ERROR(archive.add_file((dir / shard).string()));
    for (const auto& [tensor, shard] : map_it->items()) {
      const TensorInfo* info = archive.find(tensor);
      if (info == nullptr) {
        return Status::errorf("{}: lists tensor '{}' in {}, but that file does not contain it", target, tensor,
                              shard.get<std::string>());
      }
    }
  } else {
    SINAN_RETURN_IF_ERROR(archive.add_file(target));
  }
  return archive;
}

Status SafetensorsArchive::add_file(const std::string& path) {
  SINAN_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> mapped, MappedFile::open(path));
  std::shared_ptr<MappedFile> file = std::move(mapped);
  SINAN_ASSIGN_OR_RETURN(std::vector<TensorInfo> tensors, parse_safetensors(file->bytes(), path));
  for (auto& tensor : tensors) {
    if (index_.count(tensor.name) != 0) {
      return Status::errorf("{}: tensor '{}' is also in {}", path, tensor.name, tensors_[index_[tensor.name]].file);
    }
    index_[tensor.name] = tensors_.size();
    tensors_.push_back(std::move(tensor));
  }
  files_.push_back(std::move(file));
  return Status();
}

const TensorInfo* SafetensorsArchive::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace sinan
