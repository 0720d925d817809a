#include "quant/dequantize.h"

#include <cstring>

#include "core/check.h"
#include "quant/dequantize_internal.h"
#include "quant/scalar_convert.h"

namespace sinan {
namespace {

using RowDecoder = void (*)(const void* src, float* dst, int64_t n);

void decode_f32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * 4);
}
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

struct DecoderEntry {
  DType type;
  RowDecoder decode;
};

// The one dispatch point from element type to its scalar decoder.
constexpr DecoderEntry kDecoders[] = {
    {DType::kF32, decode_f32},
    {DType::kF64, decode_f64},
    {DType::kF16, decode_f16},
    {DType::kBF16, decode_bf16},
    {DType::kF8E4M3, decode_f8e4m3},
    {DType::kF8E5M2, decode_f8e5m2},
    {DType::kQ4_0, quant_detail::dequantize_q4_0},
    {DType::kQ4_1, quant_detail::dequantize_q4_1},
    {DType::kQ5_0, quant_detail::dequantize_q5_0},
    {DType::kQ5_1, quant_detail::dequantize_q5_1},
    {DType::kQ8_0, quant_detail::dequantize_q8_0},
    {DType::kQ8_1, quant_detail::dequantize_q8_1},
    {DType::kQ2_K, quant_detail::dequantize_q2_K},
    {DType::kQ3_K, quant_detail::dequantize_q3_K},
    {DType::kQ4_K, quant_detail::dequantize_q4_K},
    {DType::kQ5_K, quant_detail::dequantize_q5_K},
    {DType::kQ6_K, quant_detail::dequantize_q6_K},
    {DType::kQ8_K, quant_detail::dequantize_q8_K},
    {DType::kIQ4_NL, quant_detail::dequantize_iq4_nl},
    {DType::kIQ4_XS, quant_detail::dequantize_iq4_xs},
    {DType::kMXFP4, quant_detail::dequantize_mxfp4},
};

RowDecoder decoder_for(DType type) {
  for (const auto& entry : kDecoders) {
    if (entry.type == type) return entry.decode;
  }
  return nullptr;
}

}  // namespace

bool can_dequantize(DType type) {
  return decoder_for(type) != nullptr;
}

void dequantize_row(DType type, const void* src, float* dst, int64_t n) {
  const RowDecoder decode = decoder_for(type);
  SINAN_CHECK_MSG(decode != nullptr, "no decoder for {}", dtype_name(type));
  SINAN_CHECK_MSG(n >= 0 && n % dtype_info(type).block_elems == 0,
                  "{} values is not a whole number of {} blocks", n, dtype_name(type));
  decode(src, dst, n);
}

}  // namespace sinan
