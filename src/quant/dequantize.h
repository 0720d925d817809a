// Bytes -> float32 for every element type sinan reads, one row (or any whole number of blocks) at a time.
// These are the scalar references: exact reproductions of ggml's and torch's conversions.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace sinan {

// True when dequantize_row() handles this type.
bool can_dequantize(DType type);

// Writes n float32 values decoded from src. n must be a multiple of the type's block size.
// FP8 block scales are not applied here (see kernels/matrix.h); this decodes the raw e4m3 values.
void dequantize_row(DType type, const void* src, float* dst, int64_t n);

}  // namespace sinan
