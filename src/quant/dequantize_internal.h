// Per-family row decoders, one translation unit per family; dequantize.cc dispatches to them.
// Every decoder takes n, a whole number of blocks (the dispatcher checks), and writes n floats.
#pragma once

#include <cstdint>

namespace sinan::quant_detail {

// Legacy 32-value blocks (formats_legacy.cc).
void dequantize_q4_0(const void* src, float* dst, int64_t n);
void dequantize_q4_1(const void* src, float* dst, int64_t n);
void dequantize_q5_0(const void* src, float* dst, int64_t n);
void dequantize_q5_1(const void* src, float* dst, int64_t n);
void dequantize_q8_0(const void* src, float* dst, int64_t n);
void dequantize_q8_1(const void* src, float* dst, int64_t n);

// k-quant 256-value super-blocks (formats_kquants.cc).
void dequantize_q2_K(const void* src, float* dst, int64_t n);
void dequantize_q3_K(const void* src, float* dst, int64_t n);
void dequantize_q4_K(const void* src, float* dst, int64_t n);
void dequantize_q5_K(const void* src, float* dst, int64_t n);
void dequantize_q6_K(const void* src, float* dst, int64_t n);
void dequantize_q8_K(const void* src, float* dst, int64_t n);

// Table-valued 4-bit formats (formats_iquants.cc).
void dequantize_iq4_nl(const void* src, float* dst, int64_t n);
void dequantize_iq4_xs(const void* src, float* dst, int64_t n);
void dequantize_mxfp4(const void* src, float* dst, int64_t n);

}  // namespace sinan::quant_detail
