#include "quant/dequantize.h"

#include <cstring>

#include "core/check.h"
#include "quant/dequantize_internal.h"
#include "quant/scalar_convert.h"

namespace sinan {
namespace {

using RowDecoder = void (*)(const void* src, float* dst, int64_t n);

void decode_f32(const void* src, float* dst, int64_t n) { std::memcpy(dst, src, static_cast<size_t>(n) * 4); }
void decode_f64(const void* src, float* dst, int64_t n) {
  const auto* s = static_cast<const double*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(s[i]);
}
void decode_f16(const void* src, float* dst, int64_t n) {
  const auto* s = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(s[i]);
}
void decode_bf16(const void* src, float* dst, int64_t n) {
  const auto* s = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(s[i]);
}
void decode_f8e4m3(const void* src, float* dst, int64_t n) {
  const auto* s = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = f8e4m3_to_f32(s[i]);
}
void decode_f8e5m2(const void* src, float* dst, int64_t n) {
  const auto* s = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = f8e5m2_to_f32(s[i]);
}

RowDecoder decoder_for(DType type) {
  switch (type) {
    case DType::kF32: return decode_f32;
    case DType::kF64: return decode_f64;
    case DType::kF16: return decode_f16;
    case DType::kBF16: return decode_bf16;
    case DType::kF8E4M3: return decode_f8e4m3;
    case DType::kF8E5M2: return decode_f8e5m2;
    case DType::kQ8_0: return quant_detail::dequantize_q8_0;
    default: return nullptr;
  }
}

}  // namespace

bool can_dequantize(DType type) { return decoder_for(type) != nullptr; }

void dequantize_row(DType type, const void* src, float* dst, int64_t n) {
  const RowDecoder decode = decoder_for(type);
  SINAN_CHECK_MSG(decode != nullptr, "no decoder for {}", dtype_name(type));
  SINAN_CHECK_MSG(n % dtype_info(type).block_elems == 0, "{} values is not a whole number of {} blocks", n,
                  dtype_name(type));
  decode(src, dst, n);
}

}  // namespace sinan
