#include "kernels/cpu/cpu_tier.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace sinan::cpu {

std::string_view cpu_tier_name(CpuTier tier) {
  switch (tier) {
    case CpuTier::kScalar: return "scalar";
    case CpuTier::kAvx2: return "avx2";
    case CpuTier::kAvx512: return "avx512";
  }
  return "?";
}

std::optional<CpuTier> parse_cpu_tier(std::string_view name) {
  for (CpuTier tier : {CpuTier::kScalar, CpuTier::kAvx2, CpuTier::kAvx512}) {
    if (name == cpu_tier_name(tier)) return tier;
  }
  return std::nullopt;
}

CpuTier detected_cpu_tier() {
#if defined(__x86_64__) || defined(__i386__)
  static const CpuTier tier = [] {
    __builtin_cpu_init();
    // __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0).
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                      __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2");
    const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                        __builtin_cpu_supports("avx512vnni");
    return avx512 ? CpuTier::kAvx512 : avx2 ? CpuTier::kAvx2 : CpuTier::kScalar;
  }();
  return tier;
#else
  return CpuTier::kScalar;
#endif
}

CpuTier active_cpu_tier() {
  static const CpuTier tier = [] {
    const CpuTier detected = detected_cpu_tier();
    const char* env = std::getenv("SINAN_CPU");
    if (env == nullptr || *env == '\0') return detected;
    const std::optional<CpuTier> wanted = parse_cpu_tier(env);
    if (!wanted) {
      std::fprintf(stderr, "sinan: SINAN_CPU=%s is not one of scalar, avx2, avx512; using %s\n", env,
                   std::string(cpu_tier_name(detected)).c_str());
      return detected;
    }
    if (static_cast<int>(*wanted) > static_cast<int>(detected)) {
      std::fprintf(stderr, "sinan: SINAN_CPU=%s is not supported by this CPU; using %s\n", env,
                   std::string(cpu_tier_name(detected)).c_str());
      return detected;
    }
    return *wanted;
  }();
  return tier;
}

}  // namespace sinan::cpu
