// Which SIMD tier of the CPU kernels runs: detected once from CPUID, optionally lowered by the
// SINAN_CPU environment variable (scalar | avx2 | avx512 | avx512icl) so every tier can be exercised on one
// machine.
#pragma once

#include <optional>
#include <string_view>

namespace sinan::cpu {

// Ordered: each tier needs everything the ones below it need.
enum class CpuTier {
  kScalar = 0,  // portable x86-64 / any CPU: plain C++
  kAvx2 = 1,    // AVX2 + FMA + F16C (Haswell, Zen 1 and later)
  kAvx512 = 2,  // AVX-512 F/BW/VL/DQ + VNNI (Cascade Lake, Ice Lake, Sapphire Rapids, Zen 4 and later)
  // The same with Ice Lake's additions GFNI and VBMI (Ice Lake, Sapphire Rapids, Zen 4 and later; not
  // Cascade Lake): only decoders differ, q4_K and q6_K (GFNI's byte affine maps pick nibbles and bit
  // pairs) and q5_0 / q5_1 (a VBMI bit-field gather places the fifth bits).
  kAvx512Icl = 3,
};
inline constexpr int kCpuTierCount = 4;

std::string_view cpu_tier_name(CpuTier tier);
std::optional<CpuTier> parse_cpu_tier(std::string_view name);

// The best tier this CPU runs (CPUID, checked once).
CpuTier detected_cpu_tier();

// The tier the kernels use: detected_cpu_tier(), or SINAN_CPU when that names a lower tier. A higher or
// unknown SINAN_CPU is ignored with one warning on stderr. Read once; immutable afterwards.
CpuTier active_cpu_tier();

}  // namespace sinan::cpu
