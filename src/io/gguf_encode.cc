#include "io/gguf_encode.h"

#include <algorithm>

namespace sinan::gguf_encode {
namespace {

void put_array(FileSink& out, const GgufArray& a) {
  out.put<uint32_t>(static_cast<uint32_t>(a.element_type));
  out.put<uint64_t>(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    GgufValue element;
    element.type = a.element_type;
    switch (a.element_type) {
      case GgufType::kString:
        element.s = a.strings[i];
        break;
      case GgufType::kArray:
        element = a.arrays[i];
        break;
      case GgufType::kF32:
      case GgufType::kF64:
        element.f = a.floats[i];
        break;
      case GgufType::kBool:
        element.b = a.ints[i] != 0;
        break;
      default:
        element.i = a.ints[i];
        element.u = static_cast<uint64_t>(a.ints[i]);
        break;
    }
    put_value(out, element);
  }
}

}  // namespace

void FileSink::write(const void* data, size_t n) {
  if (n != 0 && std::fwrite(data, 1, n, f_) != n) ok_ = false;
  offset_ += n;
}

void FileSink::pad_to(size_t alignment) {
  static const uint8_t zeros[64] = {};
  while (offset_ % alignment != 0)
    write(zeros, std::min<size_t>(alignment - offset_ % alignment, sizeof zeros));
}

void put_value(FileSink& out, const GgufValue& v) {
  switch (v.type) {
    case GgufType::kU8:
      out.put<uint8_t>(static_cast<uint8_t>(v.u));
      break;
    case GgufType::kI8:
      out.put<int8_t>(static_cast<int8_t>(v.i));
      break;
    case GgufType::kU16:
      out.put<uint16_t>(static_cast<uint16_t>(v.u));
      break;
    case GgufType::kI16:
      out.put<int16_t>(static_cast<int16_t>(v.i));
      break;
    case GgufType::kU32:
      out.put<uint32_t>(static_cast<uint32_t>(v.u));
      break;
    case GgufType::kI32:
      out.put<int32_t>(static_cast<int32_t>(v.i));
      break;
    case GgufType::kU64:
      out.put<uint64_t>(v.u);
      break;
    case GgufType::kI64:
      out.put<int64_t>(v.i);
      break;
    case GgufType::kF32:
      out.put<float>(static_cast<float>(v.f));
      break;
    case GgufType::kF64:
      out.put<double>(v.f);
      break;
    case GgufType::kBool:
      out.put<uint8_t>(v.b ? 1 : 0);
      break;
    case GgufType::kString:
      out.put_string(v.s);
      break;
    case GgufType::kArray:
      put_array(out, *v.array);
      break;
  }
}

void put_header(FileSink& out, const std::vector<std::pair<std::string, GgufValue>>& metadata,
                const std::vector<HeaderTensor>& tensors, size_t alignment) {
  out.write("GGUF", 4);
  out.put<uint32_t>(3);
  out.put<uint64_t>(tensors.size());
  out.put<uint64_t>(metadata.size());
  for (const auto& [key, value] : metadata) {
    out.put_string(key);
    out.put<uint32_t>(static_cast<uint32_t>(value.type));
    put_value(out, value);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    out.put_string(*t.name);
    out.put<uint32_t>(static_cast<uint32_t>(t.shape->size()));
    for (auto it = t.shape->rbegin(); it != t.shape->rend(); ++it)
      out.put<uint64_t>(static_cast<uint64_t>(*it));
    out.put<uint32_t>(static_cast<uint32_t>(dtype_info(t.dtype).ggml_id));
    out.put<uint64_t>(offset);
    offset += padded_size(t.nbytes, alignment);
  }
  out.pad_to(alignment);
}

}  // namespace sinan::gguf_encode
