// Scalar conversions between float32 and the small float formats. Exact, branchy, the reference
// every SIMD path is tested against.
#pragma once

#include <cstdint>
#include <cstring>

namespace sinan {

inline float bits_to_f32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
inline uint32_t f32_to_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

inline float bf16_to_f32(uint16_t h) {
  return bits_to_f32(static_cast<uint32_t>(h) << 16);
}

// Round to nearest even, NaN stays NaN (as torch and ggml do).
inline uint16_t f32_to_bf16(float f) {
  uint32_t bits = f32_to_bits(f);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

inline float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return bits_to_f32(sign | 0x7f800000u | (mantissa << 13));  // inf / NaN
  if (exponent == 0) {
    if (mantissa == 0) return bits_to_f32(sign);
    // Subnormal: value = mantissa * 2^-24.
    const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
    return sign ? -magnitude : magnitude;
  }
  return bits_to_f32(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

// Round to nearest even with overflow to infinity (IEEE binary16).
inline uint16_t f32_to_f16(float f) {
  const uint32_t bits = f32_to_bits(f);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs_bits = bits & 0x7fffffffu;
  if (abs_bits > 0x7f800000u) return sign | 0x7e00u;   // NaN
  if (abs_bits >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: infinity
  if (abs_bits < 0x38800000u) {                        // below the smallest normal half, 2^-14
    // Subnormal half: scale to units of 2^-24 and round to nearest even.
    const float magnitude = bits_to_f32(abs_bits) * 16777216.0f;  // exact: power-of-two scale
    const float rounded = __builtin_nearbyintf(magnitude);        // default mode: ties to even
    return sign | static_cast<uint16_t>(rounded);
  }
  uint32_t mantissa = abs_bits & 0x7fffffu;
  uint32_t exponent = (abs_bits >> 23) - 112u;
  uint32_t half = (exponent << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // carries into the exponent correctly
  return sign | static_cast<uint16_t>(half);
}

// OCP float8 e4m3fn: bias 7, no infinities, S.1111.111 is NaN, max 448.
inline float f8e4m3_to_f32(uint8_t v) {
  const uint32_t sign = static_cast<uint32_t>(v & 0x80u) << 24;
  const uint32_t exponent = (v >> 3) & 0xfu;
  const uint32_t mantissa = v & 0x7u;
  if (exponent == 0xf && mantissa == 0x7) return bits_to_f32(sign | 0x7fc00000u);
  if (exponent == 0) {
    const float magnitude = static_cast<float>(mantissa) * 0.001953125f;  // mantissa * 2^-9
    return sign ? -magnitude : magnitude;
  }
  return bits_to_f32(sign | ((exponent + 120u) << 23) | (mantissa << 20));
}

// OCP float8 e5m2: bias 15, IEEE-like (the top byte of a binary16).
inline float f8e5m2_to_f32(uint8_t v) {
  return f16_to_f32(static_cast<uint16_t>(v) << 8);
}

}  // namespace sinan
