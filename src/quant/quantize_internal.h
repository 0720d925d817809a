// Per-family row quantizers; quantize.cc dispatches to them. Each takes n, a whole number of blocks (the
// dispatcher checks), and importance: nullptr or n weights (ignored by the activation formats and mxfp4).
#pragma once

#include <cstdint>

namespace sinan::quant_detail {

// Legacy 32-value blocks and their activation formats (quantize_legacy.cc).
void quantize_q4_0(const float* src, void* dst, int64_t n, const float* importance);
void quantize_q4_1(const float* src, void* dst, int64_t n, const float* importance);
void quantize_q5_0(const float* src, void* dst, int64_t n, const float* importance);
void quantize_q5_1(const float* src, void* dst, int64_t n, const float* importance);
void quantize_q8_0(const float* src, void* dst, int64_t n, const float* importance);
void quantize_q8_1(const float* src, void* dst, int64_t n, const float* importance);

// k-quants with a min (quantize_kquants.cc).
void quantize_q2_K(const float* src, void* dst, int64_t n, const float* importance);
void quantize_q4_K(const float* src, void* dst, int64_t n, const float* importance);
void quantize_q5_K(const float* src, void* dst, int64_t n, const float* importance);

// Symmetric k-quants and the q8_K activation format (quantize_kquants_symmetric.cc).
void quantize_q3_K(const float* src, void* dst, int64_t n, const float* importance);
void quantize_q6_K(const float* src, void* dst, int64_t n, const float* importance);
void quantize_q8_K(const float* src, void* dst, int64_t n, const float* importance);

// Table-valued 4-bit formats (quantize_iquants.cc).
void quantize_iq4_nl(const float* src, void* dst, int64_t n, const float* importance);
void quantize_iq4_xs(const float* src, void* dst, int64_t n, const float* importance);
void quantize_mxfp4(const float* src, void* dst, int64_t n, const float* importance);

}  // namespace sinan::quant_detail
