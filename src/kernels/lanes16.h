// 16 float lanes in GCC's generic vectors, for kernels compiled as target_clones: GCC lowers a Lanes16 to one
// AVX-512 register, two AVX2 or four SSE registers. Without FMA contraction (ISO C++ mode) every clone rounds
// identically, so results do not depend on the CPU. Call these only from always-inlined helpers that take
// and return plain pointers and scalars, and call those from the clone: then no vector crosses a real call
// boundary (-Wpsabi is moot), and clang accepts it (it rejects a call with a 64-byte vector argument or
// return value made directly from an AVX2 clone's body).
#pragma once

#include <cstdint>
#include <cstring>

#pragma GCC diagnostic ignored "-Wpsabi"

namespace sinan::lanes {

using Lanes16 = float __attribute__((vector_size(64)));
using Ints16 = int32_t __attribute__((vector_size(64)));

__attribute__((always_inline)) inline Lanes16 load16(const float* p) {
  Lanes16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) inline void store16(float* p, Lanes16 v) { std::memcpy(p, &v, sizeof v); }
__attribute__((always_inline)) inline Lanes16 splat(float x) { return Lanes16{} + x; }

// e^x per lane, x clamped to [-87, 88] (so 2^n stays a normal float: e^-87 ~ 1.6e-38, e^88 ~ 1.7e38):
// 2^n * e^r with n = round(x / ln 2), r = x - n ln 2 in two parts, e^r by Cephes' degree-7 expansion.
// Within 2 ulp of e^x on the clamped range. Computed on 8 lanes at a time: GCC lowers a 16-lane compare
// or `?:` to one scalar compare per lane where registers hold 8 floats (AVX2), an 8-lane one to a vector
// compare and blend; every operation is per lane, so the split changes no bit.
using Lanes8 = float __attribute__((vector_size(32)));
using Ints8 = int32_t __attribute__((vector_size(32)));

__attribute__((always_inline)) inline Lanes8 exp8(Lanes8 x) {
  x = x < -87.0f ? Lanes8{} - 87.0f : x;
  x = x > 88.0f ? Lanes8{} + 88.0f : x;
  const Lanes8 round_magic = Lanes8{} + 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const Lanes8 n = (x * 1.44269504088896341f + round_magic) - round_magic;
  const Lanes8 r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  Lanes8 p = Lanes8{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const Ints8 exponent = (__builtin_convertvector(n, Ints8) + 127) << 23;  // 2^n, n in [-126, 127]
  Lanes8 two_n;
  std::memcpy(&two_n, &exponent, sizeof two_n);
  return p * two_n;
}

__attribute__((always_inline)) inline Lanes16 exp16(Lanes16 x) {
  const Lanes8 lo = exp8(__builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7));
  const Lanes8 hi = exp8(__builtin_shufflevector(x, x, 8, 9, 10, 11, 12, 13, 14, 15));
  return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}

}  // namespace sinan::lanes
