#include "kernels/cpu/cpu_tier.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sinan::cpu {

std::string_view cpu_tier_name(CpuTier tier) {
  switch (tier) {
    case CpuTier::kScalar: return "scalar";
    case CpuTier::kAvx2: return "avx2";
    case CpuTier::kAvx512: return "avx512";
    case CpuTier::kAvx512Icl:
      return "avx512icl";
  }
  return "?";
}

std::optional<CpuTier> parse_cpu_tier(std::string_view name) {
  for (CpuTier tier : {CpuTier::kScalar, CpuTier::kAvx2, CpuTier::kAvx512, CpuTier::kAvx512Icl}) {
    if (name == cpu_tier_name(tier)) return tier;
  }
  return std::nullopt;
}

#if defined(__x86_64__) || defined(__i386__)
namespace {

bool bit(unsigned value, int index) { return (value >> index) & 1u; }

// Which register states the OS saves on context switches (XCR0).
uint64_t os_saved_state() {
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

// CPUID feature bits and XCR0, so a CPU whose OS does not save the ymm / zmm registers is not used as if
// it did.
CpuTier detect() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return CpuTier::kScalar;
  const bool osxsave = bit(ecx, 27), avx = bit(ecx, 28), fma = bit(ecx, 12), f16c = bit(ecx, 29);
  if (!(osxsave && avx && fma && f16c)) return CpuTier::kScalar;
  const uint64_t xcr0 = os_saved_state();
  if ((xcr0 & 0x6) != 0x6) return CpuTier::kScalar;  // SSE and AVX state
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return CpuTier::kScalar;
  const bool avx2 = bit(ebx, 5), bmi2 = bit(ebx, 8);
  if (!(avx2 && bmi2)) return CpuTier::kScalar;
  const bool avx512 = bit(ebx, 16) && bit(ebx, 17) && bit(ebx, 30) && bit(ebx, 31) &&  // F, DQ, BW, VL
                      bit(ecx, 11) &&                                                 // VNNI
                      (xcr0 & 0xe0) == 0xe0;  // opmask and all 32 zmm registers
  if (!avx512) return CpuTier::kAvx2;
  const bool gfni = bit(ecx, 8), vbmi = bit(ecx, 1);
  return gfni && vbmi ? CpuTier::kAvx512Icl : CpuTier::kAvx512;
}

}  // namespace
#endif

CpuTier detected_cpu_tier() {
#if defined(__x86_64__) || defined(__i386__)
  static const CpuTier tier = detect();
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
      std::fprintf(stderr, "sinan: SINAN_CPU=%s is not one of scalar, avx2, avx512, avx512icl; using %s\n",
                   env, std::string(cpu_tier_name(detected)).c_str());
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
