// Portable tiles in plain C++ (any CPU): the same arithmetic as the SIMD tiers, lane by lane, with
// independent partial sums so the compiler can keep several in flight.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "kernels/cpu/decode_reference.h"
#include "kernels/cpu/panels.h"
#include "kernels/matrix.h"

#ifndef SINAN_CPU_ISA
#error "define SINAN_CPU_ISA before including microkernels_scalar.h"
#endif

#include "kernels/cpu/no_packed_layout.h"  // no load-time layout on this tier
#include "kernels/cpu/no_pair_steps.h"     // nor the paired half-chunk steps

namespace sinan::cpu::SINAN_CPU_ISA {

constexpr int kIntRows = 2;
constexpr int kIntTokens = 2;
template <DType kType>
inline constexpr bool kFoldedK4 = false;  // the k4 types' folded form (microkernels_avx2.h): AVX2 only
template <DType kType>
inline constexpr bool kFusedIntAvailable = false;  // no fused int tile: every chunk goes through the panel
constexpr int kFusedIntTokens = 0;
constexpr bool kFusedWideAvailable = false;
constexpr int kOneRowFusedTokens = 0;  // (no fused tiles)
constexpr int kFusedWideTokens = 0;
constexpr int kFloatRows = 2;
constexpr int kWideRows = 2;
constexpr int kWideTokens = 2;
constexpr LaneOrder kLaneOrder = LaneOrder::kValue;  // panels.h
inline void to_lane_order(uint8_t*) {}
template <DType kType, LevelForm kForm>
inline void decode_int_grouped(const Matrix&, int64_t, int64_t, IntChunk*) {}  // group-major tiers only
constexpr bool kPrefersSignedLevels = false;
constexpr int kFloatTokens = 2;
constexpr int kPartials = 8;
constexpr int kFusedFloatTokens = 0;  // no fused loaders: every float type goes through a panel

template <DType kType>
struct Loader16 {
  static constexpr bool kAvailable = false;
};

template <int R, int T, DType kType>
inline void fused_float_tile(const Matrix&, int64_t, const float* const*, int64_t, int64_t, float (&)[R][T]) {}

template <int R, int T, bool kSigned>
inline void int_tile(const IntChunk* w, int64_t w_stride, const ActChunk* a, int64_t a_stride, int64_t n_chunks,
                     float (&out)[R][T]) {
  float acc[R][T][kPartials] = {};
  for (int64_t c = 0; c < n_chunks; ++c) {
    for (int r = 0; r < R; ++r) {
      const IntChunk& wc = w[r * w_stride + c];
      for (int t = 0; t < T; ++t) {
        const ActChunk& ac = a[t * a_stride + c];
        for (int lane = 0; lane < kChunk / 4; ++lane) {
          int dot = 0;
          for (int j = 4 * lane; j < 4 * lane + 4; ++j) {
            const int level = kSigned ? static_cast<int8_t>(wc.q[j]) : wc.q[j];
            dot += level * ac.q[j];
          }
          acc[r][t][lane % kPartials] += static_cast<float>(dot) * (wc.group_scale[lane / 4] * ac.group_scale[lane / 4]);
        }
        for (int g = 0; g < kGroupsPerChunk; ++g) acc[r][t][g % kPartials] -= wc.group_min[g] * ac.group_sum[g];
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) {
      float sum = 0.0f;
      for (int p = 0; p < kPartials; ++p) sum += acc[r][t][p];
      out[r][t] = sum;
    }
  }
}

// q8_0's int16 path: lane g (16 products of block g / 2, panels.h) summed exactly, then scaled.
template <int R, int T>
inline void wide_tile(const WideChunk* w, int64_t w_stride, const WideChunk* a, int64_t a_stride, int64_t n_chunks,
                      float (&out)[R][T]) {
  float acc[R][T][kPartials] = {};
  for (int64_t c = 0; c < n_chunks; ++c) {
    for (int r = 0; r < R; ++r) {
      const WideChunk& wc = w[r * w_stride + c];
      for (int t = 0; t < T; ++t) {
        const WideChunk& ac = a[t * a_stride + c];
        for (int g = 0; g < kGroupsPerChunk; ++g) {
          int dot = 0;
          for (int v = 0; v < 8; ++v) {
            for (int j = 32 * v + 2 * g; j < 32 * v + 2 * g + 2; ++j) dot += wc.q[j] * ac.q[j];
          }
          acc[r][t][g % kPartials] += static_cast<float>(dot) * (wc.group_scale[g] * ac.group_scale[g]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) {
      float sum = 0.0f;
      for (int p = 0; p < kPartials; ++p) sum += acc[r][t][p];
      out[r][t] = sum;
    }
  }
}

template <int R, int T>
inline void float_tile(const float* const* w, const float* const* x, int64_t count, float (&out)[R][T]) {
  float acc[R][T][kPartials] = {};
  int64_t i = 0;
  for (; i + kPartials <= count; i += kPartials) {
    for (int r = 0; r < R; ++r) {
      for (int t = 0; t < T; ++t) {
        for (int p = 0; p < kPartials; ++p) acc[r][t][p] += w[r][i + p] * x[t][i + p];
      }
    }
  }
  for (; i < count; ++i) {
    for (int r = 0; r < R; ++r) {
      for (int t = 0; t < T; ++t) acc[r][t][0] += w[r][i] * x[t][i];
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) {
      float sum = 0.0f;
      for (int p = 0; p < kPartials; ++p) sum += acc[r][t][p];
      out[r][t] = sum;
    }
  }
}

}  // namespace sinan::cpu::SINAN_CPU_ISA
