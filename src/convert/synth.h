// Random-weight models with the real shapes of the R1 family, for benchmarks and tests: a ConversionPlan
// whose rows are generated on demand (deterministic in the seed, the tensor name and the row), so any size
// streams to disk in any type without holding a tensor in memory. The tokenizer is a synthetic byte-level
// GPT-2 vocabulary of the real size, with the real special-token ids, which both sinan and llama.cpp load.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "convert/plan.h"

namespace sinan {

struct SynthPresetInfo {
  std::string name;         // "r1-distill-qwen-7b"
  std::string description;  // one line for --help
};
const std::vector<SynthPresetInfo>& synth_presets();

struct SynthOptions {
  uint64_t seed = 0;
  int layers = 0;   // decoder layers; 0 keeps the preset's
  int experts = 0;  // routed experts of MoE presets; 0 keeps the preset's
};

// The preset's config.json (as the real checkpoint has it), with the options applied.
Result<std::string> synth_config_json(const std::string& preset, const SynthOptions& options);

Result<ConversionPlan> plan_synthetic(const std::string& preset, const SynthOptions& options);

}  // namespace sinan
