#include "quant/quantize.h"

#include <cstring>

#include "core/check.h"
#include "quant/quantize_internal.h"
#include "quant/scalar_convert.h"

namespace sinan {
namespace {

using RowEncoder = void (*)(const float* src, void* dst, int64_t n, const float* importance);

void encode_f32(const float* src, void* dst, int64_t n, const float*) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void encode_f16(const float* src, void* dst, int64_t n, const float*) {
  auto* out = static_cast<uint8_t*>(dst);
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t h = f32_to_f16(src[i]);
    std::memcpy(out + 2 * i, &h, 2);
  }
}

void encode_bf16(const float* src, void* dst, int64_t n, const float*) {
  auto* out = static_cast<uint8_t*>(dst);
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t h = f32_to_bf16(src[i]);
    std::memcpy(out + 2 * i, &h, 2);
  }
}

struct EncoderEntry {
  DType type;
  RowEncoder encode;
};

// The one dispatch point from element type to its reference quantizer.
constexpr EncoderEntry kEncoders[] = {
    {DType::kF32, encode_f32},
    {DType::kF16, encode_f16},
    {DType::kBF16, encode_bf16},
    {DType::kQ4_0, quant_detail::quantize_q4_0},
    {DType::kQ4_1, quant_detail::quantize_q4_1},
    {DType::kQ5_0, quant_detail::quantize_q5_0},
    {DType::kQ5_1, quant_detail::quantize_q5_1},
    {DType::kQ8_0, quant_detail::quantize_q8_0},
    {DType::kQ8_1, quant_detail::quantize_q8_1},
    {DType::kQ2_K, quant_detail::quantize_q2_K},
    {DType::kQ3_K, quant_detail::quantize_q3_K},
    {DType::kQ4_K, quant_detail::quantize_q4_K},
    {DType::kQ5_K, quant_detail::quantize_q5_K},
    {DType::kQ6_K, quant_detail::quantize_q6_K},
    {DType::kQ8_K, quant_detail::quantize_q8_K},
    {DType::kIQ4_NL, quant_detail::quantize_iq4_nl},
    {DType::kIQ4_XS, quant_detail::quantize_iq4_xs},
    {DType::kMXFP4, quant_detail::quantize_mxfp4},
};

RowEncoder encoder_for(DType type) {
  for (const auto& entry : kEncoders) {
    if (entry.type == type) return entry.encode;
  }
  return nullptr;
}

}  // namespace

bool can_quantize(DType type) {
  return encoder_for(type) != nullptr;
}

void quantize_row(DType type, const float* src, void* dst, int64_t n, const float* importance) {
  const RowEncoder encode = encoder_for(type);
  SINAN_CHECK_MSG(encode != nullptr, "no quantizer for {}", dtype_name(type));
  SINAN_CHECK_MSG(n >= 0 && n % dtype_info(type).block_elems == 0,
                  "{} values is not a whole number of {} blocks", n, dtype_name(type));
  encode(src, dst, n, importance);
}

}  // namespace sinan
