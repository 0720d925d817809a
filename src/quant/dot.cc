// Integer-sum dot products with the structure of ggml's generic kernels (ggml-cpu/quants.c,
// ggml_vec_dot_*_generic): per block the weight levels times the int8 activation quants summed in int32,
// then scaled by both block scales in float. Sub-block scales multiply the integer partial sums, and the
// k-quant mins use the activation's per-16 sums (bsums) or, for q4_1 / q5_1, q8_1's d * sum(q). The
// float operations keep ggml's order, so the results equal ggml's generic kernels bit for bit.
// Worst-case int32 magnitude: q6_K, 256 * 128 * 32 * 128 < 2^31.
#include "quant/dot.h"

#include <algorithm>

#include "core/check.h"
#include "quant/block_layouts.h"
#include "quant/block_unpack.h"
#include "quant/dequantize.h"
#include "quant/scalar_convert.h"

namespace sinan {
namespace {

using quant_detail::unpack_nibbles;

int dot_levels(const int8_t* levels, const int8_t* q8, int n) {
  int sum = 0;
  for (int i = 0; i < n; ++i) sum += static_cast<int>(levels[i]) * static_cast<int>(q8[i]);
  return sum;
}

// ---- 32-value weight blocks with q8_0 / q8_1 activations. The float expressions keep ggml's operand
// order per kernel, so results are bit-identical to ggml_vec_dot_*_generic.

float dot_q4_0(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t q[32];
    unpack_nibbles(x[b].qs, 16, q);
    int8_t levels[32];
    for (int i = 0; i < 32; ++i) levels[i] = static_cast<int8_t>(q[i] - 8);
    sum += static_cast<float>(dot_levels(levels, y[b].qs, 32)) * f16_to_f32(x[b].d) * f16_to_f32(y[b].d);
  }
  return sum;
}

float dot_q4_1(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const BlockQ4_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t q[32];
    unpack_nibbles(x[b].qs, 16, q);
    int8_t levels[32];
    for (int i = 0; i < 32; ++i) levels[i] = static_cast<int8_t>(q[i]);
    // sum (d q + m) * (d8 q8) = d d8 sum(q q8) + m * (d8 sum(q8)), the last factor being q8_1's s.
    sum += (f16_to_f32(x[b].d) * f16_to_f32(y[b].d)) * static_cast<float>(dot_levels(levels, y[b].qs, 32)) +
           f16_to_f32(x[b].m) * f16_to_f32(y[b].s);
  }
  return sum;
}

float dot_q5_0(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const BlockQ5_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t q[32];
    quant_detail::unpack_5bit_32(x[b].qs, x[b].qh, q);
    int8_t levels[32];
    for (int i = 0; i < 32; ++i) levels[i] = static_cast<int8_t>(q[i] - 16);
    sum += (f16_to_f32(x[b].d) * f16_to_f32(y[b].d)) * static_cast<float>(dot_levels(levels, y[b].qs, 32));
  }
  return sum;
}

float dot_q5_1(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const BlockQ5_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t q[32];
    quant_detail::unpack_5bit_32(x[b].qs, x[b].qh, q);
    int8_t levels[32];
    for (int i = 0; i < 32; ++i) levels[i] = static_cast<int8_t>(q[i]);
    sum += (f16_to_f32(x[b].d) * f16_to_f32(y[b].d)) * static_cast<float>(dot_levels(levels, y[b].qs, 32)) +
           f16_to_f32(x[b].m) * f16_to_f32(y[b].s);
  }
  return sum;
}

float dot_q8_0(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    sum += static_cast<float>(dot_levels(x[b].qs, y[b].qs, 32)) * (f16_to_f32(x[b].d) * f16_to_f32(y[b].d));
  }
  return sum;
}

// iq4_nl and mxfp4: nibbles index a table of int8 levels.
float dot_table_32(const uint8_t* qs, const int8_t* table, const int8_t* q8) {
  uint8_t index[32];
  unpack_nibbles(qs, 16, index);
  int8_t levels[32];
  for (int i = 0; i < 32; ++i) levels[i] = table[index[i]];
  return static_cast<float>(dot_levels(levels, q8, 32));
}

float dot_iq4_nl(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const BlockIQ4_NL*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    sum += (f16_to_f32(y[b].d) * f16_to_f32(x[b].d)) * dot_table_32(x[b].qs, kIq4nlValues, y[b].qs);
  }
  return sum;
}

float dot_mxfp4(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const BlockMXFP4*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    sum += (f16_to_f32(y[b].d) * quant_detail::e8m0_to_f32_half(x[b].e)) *
           dot_table_32(x[b].qs, kMxfp4Values, y[b].qs);
  }
  return sum;
}

// ---- k-quant super-blocks with q8_K activations.

// ggml's generic q3_K..q6_K kernels sum each super-block's scale * level * q8 products into eight int32
// lanes (value index mod 8), scale each lane by the block's d into eight float sums, and add the eight
// sums last. The integer parts are exact in any order; keeping the lanes makes the float rounding, and so
// the result, bit-identical to ggml's.
struct EightLanes {
  float sums[8] = {};

  // Adds scale * sum(levels * q8) of one sub-block (count a multiple of 8, starting at a multiple of 8).
  static void accumulate(const int8_t* levels, const int8_t* q8, int count, int scale, int32_t* lanes) {
    for (int i = 0; i < count; ++i)
      lanes[i % 8] += scale * (static_cast<int>(levels[i]) * static_cast<int>(q8[i]));
  }
  void add_block(float d, const int32_t* lanes) {
    for (int l = 0; l < 8; ++l) sums[l] += d * static_cast<float>(lanes[l]);
  }
  float total(float start) const {
    for (int l = 0; l < 8; ++l) start += sums[l];
    return start;
  }
};

float dot_q2_K(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const BlockQ2_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    int8_t levels[kQK_K];
    quant_detail::unpack_q2_K(x[b], levels);
    int scaled = 0, mins = 0;
    for (int j = 0; j < kQK_K / 16; ++j) {
      scaled += (x[b].scales[j] & 0x0f) * dot_levels(levels + 16 * j, y[b].qs + 16 * j, 16);
      mins += (x[b].scales[j] >> 4) * y[b].bsums[j];
    }
    const float d = y[b].d * f16_to_f32(x[b].d);
    const float dmin = y[b].d * f16_to_f32(x[b].dmin);
    sum += d * static_cast<float>(scaled) - dmin * static_cast<float>(mins);
  }
  return sum;
}

float dot_q3_K(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  EightLanes lanes;
  for (int64_t b = 0; b < nb; ++b) {
    int8_t levels[kQK_K];
    quant_detail::unpack_q3_K(x[b], levels);
    int32_t block_lanes[8] = {};
    for (int j = 0; j < kQK_K / 16; ++j) {
      EightLanes::accumulate(levels + 16 * j, y[b].qs + 16 * j, 16, quant_detail::q3_K_scale(x[b].scales, j),
                             block_lanes);
    }
    lanes.add_block(f16_to_f32(x[b].d) * y[b].d, block_lanes);
  }
  return lanes.total(0.0f);
}

// q4_K and q5_K share the scale/min layout; only the level unpacking differs.
template <typename Block, void (*Unpack)(const Block&, int8_t*)>
float dot_k4_scale_min(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  EightLanes lanes;
  float min_terms = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    int8_t levels[kQK_K];
    Unpack(x[b], levels);
    int32_t block_lanes[8] = {};
    int mins = 0;
    for (int j = 0; j < kQK_K / 32; ++j) {
      uint8_t sc, m;
      quant_detail::k4_scale_min(j, x[b].scales, &sc, &m);
      EightLanes::accumulate(levels + 32 * j, y[b].qs + 32 * j, 32, sc, block_lanes);
      mins += m * (y[b].bsums[2 * j] + y[b].bsums[2 * j + 1]);
    }
    lanes.add_block(f16_to_f32(x[b].d) * y[b].d, block_lanes);
    min_terms -= f16_to_f32(x[b].dmin) * y[b].d * static_cast<float>(mins);
  }
  return lanes.total(min_terms);
}

float dot_q6_K(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  EightLanes lanes;
  for (int64_t b = 0; b < nb; ++b) {
    int8_t levels[kQK_K];
    quant_detail::unpack_q6_K(x[b], levels);
    int32_t block_lanes[8] = {};
    for (int j = 0; j < kQK_K / 16; ++j) {
      EightLanes::accumulate(levels + 16 * j, y[b].qs + 16 * j, 16, x[b].scales[j], block_lanes);
    }
    lanes.add_block(f16_to_f32(x[b].d) * y[b].d, block_lanes);
  }
  return lanes.total(0.0f);
}

// iq4_xs: ggml scales each 32-value sub-block in float (d * d8 * (scale - 32)) and accumulates those.
float dot_iq4_xs(const void* w, const void* a, int64_t nb) {
  const auto* x = static_cast<const BlockIQ4_XS*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    int8_t levels[kQK_K];
    quant_detail::unpack_iq4_xs(x[b], levels);
    const float d = f16_to_f32(x[b].d) * y[b].d;
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      const float sub_scale = d * static_cast<float>(quant_detail::iq4_xs_scale(x[b], ib));
      sum += sub_scale * static_cast<float>(dot_levels(levels + 32 * ib, y[b].qs + 32 * ib, 32));
    }
  }
  return sum;
}

using BlockDot = float (*)(const void* w, const void* a, int64_t n_blocks);

struct DotEntry {
  DType weight;
  DType activation;
  BlockDot dot;
};

// The one dispatch point from weight type to its activation format and integer dot (ggml's type_traits_cpu
// vec_dot / vec_dot_type pairs).
constexpr DotEntry kDots[] = {
    {DType::kQ4_0, DType::kQ8_0, dot_q4_0},
    {DType::kQ4_1, DType::kQ8_1, dot_q4_1},
    {DType::kQ5_0, DType::kQ8_0, dot_q5_0},
    {DType::kQ5_1, DType::kQ8_1, dot_q5_1},
    {DType::kQ8_0, DType::kQ8_0, dot_q8_0},
    {DType::kIQ4_NL, DType::kQ8_0, dot_iq4_nl},
    {DType::kMXFP4, DType::kQ8_0, dot_mxfp4},
    {DType::kQ2_K, DType::kQ8_K, dot_q2_K},
    {DType::kQ3_K, DType::kQ8_K, dot_q3_K},
    {DType::kQ4_K, DType::kQ8_K, dot_k4_scale_min<BlockQ4_K, quant_detail::unpack_q4_K>},
    {DType::kQ5_K, DType::kQ8_K, dot_k4_scale_min<BlockQ5_K, quant_detail::unpack_q5_K>},
    {DType::kQ6_K, DType::kQ8_K, dot_q6_K},
    {DType::kIQ4_XS, DType::kQ8_K, dot_iq4_xs},
};

const DotEntry* dot_entry(DType wtype) {
  for (const auto& entry : kDots) {
    if (entry.weight == wtype) return &entry;
  }
  return nullptr;
}

}  // namespace

float dot_row(DType wtype, const void* wrow, const float* x, int64_t n) {
  const auto& info = dtype_info(wtype);
  SINAN_CHECK_MSG(can_dequantize(wtype), "no decoder for {}", dtype_name(wtype));
  SINAN_CHECK_MSG(n >= 0 && n % info.block_elems == 0, "{} values is not a whole number of {} blocks", n,
                  dtype_name(wtype));
  // Decode a chunk of whole blocks at a time (256 values: one super-block, or 8 small blocks, or 256
  // plain values) into a stack buffer.
  constexpr int64_t kChunk = 256;
  static_assert(kChunk % kQK_K == 0 && kChunk % kQK8_0 == 0);
  float decoded[kChunk];
  const auto* bytes = static_cast<const uint8_t*>(wrow);
  float sum = 0.0f;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t count = std::min(kChunk, n - start);
    dequantize_row(wtype, bytes + start / info.block_elems * info.block_bytes, decoded, count);
    for (int64_t i = 0; i < count; ++i) sum += decoded[i] * x[start + i];
  }
  return sum;
}

std::optional<DType> vec_dot_activation_type(DType wtype) {
  const DotEntry* entry = dot_entry(wtype);
  if (!entry) return std::nullopt;
  return entry->activation;
}

float vec_dot(DType wtype, const void* wrow, const void* activation_row, int64_t n) {
  const DotEntry* entry = dot_entry(wtype);
  SINAN_CHECK_MSG(entry != nullptr, "no integer dot product for {}", dtype_name(wtype));
  const int64_t block = dtype_info(wtype).block_elems;
  SINAN_CHECK_MSG(n >= 0 && n % block == 0 && n % dtype_info(entry->activation).block_elems == 0,
                  "{} values is not a whole number of {} / {} blocks", n, dtype_name(wtype),
                  dtype_name(entry->activation));
  return entry->dot(wrow, activation_row, n / block);
}

}  // namespace sinan
