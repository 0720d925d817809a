// Tier detection, the SINAN_CPU override and the dispatch tables.
#include <gtest/gtest.h>

#include "kernels/cpu/cpu_tier.h"
#include "kernels/cpu/matmul_kernels.h"
#include "matmul_test_util.h"

namespace sinan {
namespace {

using cpu::CpuTier;

TEST(CpuDispatch, TierNamesRoundTrip) {
  for (CpuTier tier : {CpuTier::kScalar, CpuTier::kAvx2, CpuTier::kAvx512, CpuTier::kAvx512Icl}) {
    EXPECT_EQ(cpu::parse_cpu_tier(cpu::cpu_tier_name(tier)), tier);
  }
  EXPECT_FALSE(cpu::parse_cpu_tier("sse9").has_value());
  EXPECT_FALSE(cpu::parse_cpu_tier("").has_value());
}

TEST(CpuDispatch, ActiveTierIsReachable) {
  EXPECT_LE(static_cast<int>(cpu::active_cpu_tier()), static_cast<int>(cpu::detected_cpu_tier()));
  const char* forced = std::getenv("SINAN_CPU");
  if (forced != nullptr && cpu::parse_cpu_tier(forced) &&
      static_cast<int>(*cpu::parse_cpu_tier(forced)) <= static_cast<int>(cpu::detected_cpu_tier())) {
    EXPECT_EQ(cpu::active_cpu_tier(), *cpu::parse_cpu_tier(forced));
  }
  EXPECT_EQ(cpu::active_matmul_kernels().tier, cpu::active_cpu_tier());
}

TEST(CpuDispatch, EveryTierHasAKernelForEveryLoaderType) {
  for (CpuTier tier : test::reachable_tiers()) {
    const auto& kernels = cpu::matmul_kernels(tier);
    EXPECT_EQ(kernels.tier, tier);
    EXPECT_NE(kernels.generic, nullptr);
    for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kF8E4M3, DType::kQ8_0, DType::kQ4_0,
                       DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kIQ4_NL, DType::kQ2_K, DType::kQ3_K,
                       DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kIQ4_XS}) {
      EXPECT_NE(kernels.rows[static_cast<int>(type)], nullptr) << cpu::cpu_tier_name(tier) << " " << dtype_name(type);
    }
    Matrix m;
    m.dtype = DType::kMXFP4;
    EXPECT_EQ(kernels.for_matrix(m), kernels.generic);
    m.dtype = DType::kBF16;
    float scale = 1.0f;
    m.block_scales = &scale;  // block scales on anything but FP8: only the generic path applies them
    EXPECT_EQ(kernels.for_matrix(m), kernels.generic);
  }
}

TEST(CpuDispatch, NumericsPolicy) {
  // float activations for the float types, int16 for q8_0 (its golden KL bars), int8 for the other block quants
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kF8E4M3}) {
    EXPECT_EQ(cpu::activation_form(type), cpu::ActivationForm::kFloat) << dtype_name(type);
  }
  EXPECT_EQ(cpu::activation_form(DType::kQ8_0), cpu::ActivationForm::kInt16);
  for (DType type : {DType::kQ4_0, DType::kQ5_1, DType::kQ2_K, DType::kQ4_K, DType::kQ6_K, DType::kIQ4_XS}) {
    EXPECT_EQ(cpu::activation_form(type), cpu::ActivationForm::kInt8) << dtype_name(type);
  }
}

}  // namespace
}  // namespace sinan
