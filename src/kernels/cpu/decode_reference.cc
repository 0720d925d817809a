#include "kernels/cpu/decode_reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/check.h"
#include "quant/block_layouts.h"
#include "quant/block_unpack.h"
#include "quant/scalar_convert.h"

namespace sinan::cpu {
namespace {

using namespace quant_detail;

// Writes the scale and min of 32 values (two groups).
void set_block32_scales(IntChunk* out, int block, float scale, float min) {
  out->group_scale[2 * block] = out->group_scale[2 * block + 1] = scale;
  out->group_min[2 * block] = out->group_min[2 * block + 1] = min;
}

// Sets one 16-value group's scale and min.
void set_group16_scales(IntChunk* out, int group, float scale, float min) {
  out->group_scale[group] = scale;
  out->group_min[group] = min;
}

// 32-value formats: blocks [8 chunk, 8 chunk + count) of the row.
template <typename Block>
const Block* chunk_blocks(const Matrix& w, int64_t row, int64_t chunk, int* count) {
  const int64_t total = w.cols / 32;
  *count = static_cast<int>(std::min<int64_t>(8, total - 8 * chunk));
  return reinterpret_cast<const Block*>(w.row(row)) + 8 * chunk;
}

void decode_q4_0(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  int count;
  const auto* x = chunk_blocks<BlockQ4_0>(w, row, chunk, &count);
  for (int b = 0; b < count; ++b) {
    unpack_nibbles(x[b].qs, 16, out->q + 32 * b);
    const float d = f16_to_f32(x[b].d);
    set_block32_scales(out, b, d, 8.0f * d);
  }
}

void decode_q4_1(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  int count;
  const auto* x = chunk_blocks<BlockQ4_1>(w, row, chunk, &count);
  for (int b = 0; b < count; ++b) {
    unpack_nibbles(x[b].qs, 16, out->q + 32 * b);
    set_block32_scales(out, b, f16_to_f32(x[b].d), -f16_to_f32(x[b].m));
  }
}

void decode_q5_0(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  int count;
  const auto* x = chunk_blocks<BlockQ5_0>(w, row, chunk, &count);
  for (int b = 0; b < count; ++b) {
    unpack_5bit_32(x[b].qs, x[b].qh, out->q + 32 * b);
    const float d = f16_to_f32(x[b].d);
    set_block32_scales(out, b, d, 16.0f * d);
  }
}

void decode_q5_1(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  int count;
  const auto* x = chunk_blocks<BlockQ5_1>(w, row, chunk, &count);
  for (int b = 0; b < count; ++b) {
    unpack_5bit_32(x[b].qs, x[b].qh, out->q + 32 * b);
    set_block32_scales(out, b, f16_to_f32(x[b].d), -f16_to_f32(x[b].m));
  }
}

void decode_q8_0(const Matrix& w, int64_t row, int64_t chunk, LevelForm form, IntChunk* out) {
  int count;
  const auto* x = chunk_blocks<BlockQ8_0>(w, row, chunk, &count);
  for (int b = 0; b < count; ++b) {
    const float d = f16_to_f32(x[b].d);
    for (int i = 0; i < 32; ++i) {
      const auto level = static_cast<uint8_t>(x[b].qs[i]);
      out->q[32 * b + i] = form == LevelForm::kOffset ? level ^ 0x80 : level;  // ^0x80: q + 128
    }
    set_block32_scales(out, b, d, form == LevelForm::kOffset ? 128.0f * d : 0.0f);
  }
}

// iq4 levels from the table, shifted by 128 in the offset form.
void table_levels_32(const uint8_t* qs, LevelForm form, uint8_t* out) {
  uint8_t index[32];
  unpack_nibbles(qs, 16, index);
  for (int i = 0; i < 32; ++i) {
    const auto level = static_cast<uint8_t>(kIq4nlValues[index[i]]);
    out[i] = form == LevelForm::kOffset ? level ^ 0x80 : level;
  }
}

void decode_iq4_nl(const Matrix& w, int64_t row, int64_t chunk, LevelForm form, IntChunk* out) {
  int count;
  const auto* x = chunk_blocks<BlockIQ4_NL>(w, row, chunk, &count);
  for (int b = 0; b < count; ++b) {
    table_levels_32(x[b].qs, form, out->q + 32 * b);
    const float d = f16_to_f32(x[b].d);
    set_block32_scales(out, b, d, form == LevelForm::kOffset ? 128.0f * d : 0.0f);
  }
}

void decode_iq4_xs(const Matrix& w, int64_t row, int64_t chunk, LevelForm form, IntChunk* out) {
  const auto& x = reinterpret_cast<const BlockIQ4_XS*>(w.row(row))[chunk];
  const float d = f16_to_f32(x.d);
  for (int b = 0; b < 8; ++b) {
    table_levels_32(x.qs + 16 * b, form, out->q + 32 * b);
    const float scale = d * static_cast<float>(iq4_xs_scale(x, b));
    set_block32_scales(out, b, scale, form == LevelForm::kOffset ? 128.0f * scale : 0.0f);
  }
}

void decode_q2_K(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  const auto& x = reinterpret_cast<const BlockQ2_K*>(w.row(row))[chunk];
  unpack_2bit_groups(x.qs, out->q);
  const float d = f16_to_f32(x.d), dmin = f16_to_f32(x.dmin);
  for (int g = 0; g < 16; ++g) {
    set_group16_scales(out, g, d * static_cast<float>(x.scales[g] & 0x0f),
                       dmin * static_cast<float>(x.scales[g] >> 4));
  }
}

void decode_q3_K(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  const auto& x = reinterpret_cast<const BlockQ3_K*>(w.row(row))[chunk];
  int8_t levels[kQK_K];
  unpack_q3_K(x, levels);
  for (int i = 0; i < kQK_K; ++i) out->q[i] = static_cast<uint8_t>(levels[i] + 4);  // 0..7
  const float d = f16_to_f32(x.d);
  for (int g = 0; g < 16; ++g) {
    const float scale = d * static_cast<float>(q3_K_scale(x.scales, g));
    set_group16_scales(out, g, scale, 4.0f * scale);
  }
}

template <typename Block, void (*Unpack)(const Block&, int8_t*)>
void decode_k4_scale_min(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  const auto& x = reinterpret_cast<const Block*>(w.row(row))[chunk];
  int8_t levels[kQK_K];
  Unpack(x, levels);
  std::memcpy(out->q, levels, kQK_K);  // 0..15 or 0..31
  const float d = f16_to_f32(x.d), dmin = f16_to_f32(x.dmin);
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    k4_scale_min(j, x.scales, &sc, &m);
    set_block32_scales(out, j, d * static_cast<float>(sc), dmin * static_cast<float>(m));
  }
}

void decode_q6_K(const Matrix& w, int64_t row, int64_t chunk, IntChunk* out) {
  const auto& x = reinterpret_cast<const BlockQ6_K*>(w.row(row))[chunk];
  int8_t levels[kQK_K];
  unpack_q6_K(x, levels);
  for (int i = 0; i < kQK_K; ++i) out->q[i] = static_cast<uint8_t>(levels[i] + 32);  // 0..63
  const float d = f16_to_f32(x.d);
  for (int g = 0; g < 16; ++g) {
    const float scale = d * static_cast<float>(x.scales[g]);
    set_group16_scales(out, g, scale, 32.0f * scale);
  }
}

// The activation quantizers' rule per block of n values: d = amax / limit (NaNs skipped), and 1 / d, or 0
// where d is 0 or subnormal (the levels would all saturate).
float block_scale(const float* v, int n, float limit, float* inverse) {
  float amax = 0.0f;
  for (int i = 0; i < n; ++i) amax = std::max(amax, std::fabs(v[i]));
  const float d = amax / limit;
  *inverse = d != 0.0f ? 1.0f / d : 0.0f;
  if (!std::isfinite(*inverse)) *inverse = 0.0f;
  return d;
}

// round(value / d) with ties away from zero, clamped to [-limit, limit]; NaN -> 0.
int round_level(float value, float inverse, float limit) {
  const float scaled = value * inverse;
  const float rounded = scaled == scaled ? std::round(scaled) : 0.0f;
  return static_cast<int>(std::clamp(rounded, -limit, limit));
}

}  // namespace

bool has_int_decoder(DType type) {
  switch (type) {
    case DType::kQ4_0: case DType::kQ4_1: case DType::kQ5_0: case DType::kQ5_1: case DType::kQ8_0:
    case DType::kQ2_K: case DType::kQ3_K: case DType::kQ4_K: case DType::kQ5_K: case DType::kQ6_K:
    case DType::kIQ4_NL: case DType::kIQ4_XS:
      return true;
    default:
      return false;
  }
}

void decode_int_chunk_reference(const Matrix& w, int64_t row, int64_t chunk, LevelForm form, IntChunk* out) {
  SINAN_CHECK(w.block_scales == nullptr && chunk >= 0 && chunk < chunks_for(w.cols));
  std::memset(out, 0, sizeof(IntChunk));
  switch (w.dtype) {
    case DType::kQ4_0: decode_q4_0(w, row, chunk, out); break;
    case DType::kQ4_1: decode_q4_1(w, row, chunk, out); break;
    case DType::kQ5_0: decode_q5_0(w, row, chunk, out); break;
    case DType::kQ5_1: decode_q5_1(w, row, chunk, out); break;
    case DType::kQ8_0: decode_q8_0(w, row, chunk, form, out); break;
    case DType::kIQ4_NL: decode_iq4_nl(w, row, chunk, form, out); break;
    case DType::kIQ4_XS: decode_iq4_xs(w, row, chunk, form, out); break;
    case DType::kQ2_K: decode_q2_K(w, row, chunk, out); break;
    case DType::kQ3_K: decode_q3_K(w, row, chunk, out); break;
    case DType::kQ4_K: decode_k4_scale_min<BlockQ4_K, unpack_q4_K>(w, row, chunk, out); break;
    case DType::kQ5_K: decode_k4_scale_min<BlockQ5_K, unpack_q5_K>(w, row, chunk, out); break;
    case DType::kQ6_K: decode_q6_K(w, row, chunk, out); break;
    default: SINAN_CHECK_MSG(false, "no integer decoder for {}", dtype_name(w.dtype));
  }
}

void decode_float_chunk_reference(const Matrix& w, int64_t row, int64_t chunk, FloatChunk* out) {
  const int64_t begin = chunk * kChunk;
  const int64_t count = std::min(kChunk, w.cols - begin);
  dequantize_matrix_row_chunk(w, row, begin, count, out->v);
  std::fill(out->v + count, out->v + kChunk, 0.0f);
}

void quantize_act_chunk_reference(const float* x, int64_t cols, int64_t chunk, ActChunk* out) {
  std::memset(static_cast<void*>(out), 0, sizeof(ActChunk));
  const int64_t begin = chunk * kChunk;
  const int count = static_cast<int>(std::min(kChunk, cols - begin));
  for (int b = 0; b * 32 < count; ++b) {
    const float* v = x + begin + 32 * b;
    const int n = std::min(32, count - 32 * b);
    float inverse;
    const float d = block_scale(v, n, 127.0f, &inverse);
    int sums[2] = {0, 0};
    for (int i = 0; i < n; ++i) {
      const int level = round_level(v[i], inverse, 127.0f);
      out->q[32 * b + i] = static_cast<int8_t>(level);
      sums[i / 16] += level;
    }
    out->group_scale[2 * b] = out->group_scale[2 * b + 1] = d;
    out->group_sum[2 * b] = d * static_cast<float>(sums[0]);
    out->group_sum[2 * b + 1] = d * static_cast<float>(sums[1]);
    out->block_sum[b] = d * static_cast<float>(sums[0] + sums[1]);
  }
}

void decode_wide_chunk_reference(const Matrix& w, int64_t row, int64_t chunk, WideChunk* out) {
  SINAN_CHECK(w.dtype == DType::kQ8_0 && w.block_scales == nullptr && chunk >= 0 && chunk < chunks_for(w.cols));
  std::memset(static_cast<void*>(out), 0, sizeof(WideChunk));
  int count;
  const auto* x = chunk_blocks<BlockQ8_0>(w, row, chunk, &count);
  for (int b = 0; b < count; ++b) {
    for (int i = 0; i < 32; ++i) out->q[wide_position(32 * b + i)] = x[b].qs[i];
    out->group_scale[2 * b] = out->group_scale[2 * b + 1] = f16_to_f32(x[b].d);
  }
}

void quantize_act_wide_chunk_reference(const float* x, int64_t cols, int64_t chunk, WideChunk* out) {
  std::memset(static_cast<void*>(out), 0, sizeof(WideChunk));
  const int64_t begin = chunk * kChunk;
  const int count = static_cast<int>(std::min(kChunk, cols - begin));
  for (int b = 0; b * 32 < count; ++b) {
    const float* v = x + begin + 32 * b;
    const int n = std::min(32, count - 32 * b);
    float inverse;
    const float d = block_scale(v, n, 32767.0f, &inverse);
    for (int i = 0; i < n; ++i) out->q[wide_position(32 * b + i)] = static_cast<int16_t>(round_level(v[i], inverse, 32767.0f));
    out->group_scale[2 * b] = out->group_scale[2 * b + 1] = d;
  }
}

}  // namespace sinan::cpu
