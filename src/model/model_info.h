// What `sinan info` reports about a loaded model: parameters, bytes by type, KV cache cost.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/model.h"

namespace sinan {

struct DTypeTotals {
  int64_t tensors = 0;
  int64_t elements = 0;
  int64_t bytes = 0;
};

struct ModelSummary {
  int64_t parameters = 0;         // every weight element in the files (FP8 scales excluded)
  int64_t mtp_parameters = 0;     // of which in multi-token-prediction layers
  int64_t active_parameters = 0;  // used per token by the normal forward (MoE: top-k + shared experts)
  std::map<std::string, DTypeTotals> by_dtype;
  int64_t kv_values_per_token = 0;  // per token, all layers
  int64_t kv_values_per_token_uncompressed = 0;  // what full per-head K and V would take (MLA's saving)
};

ModelSummary summarize_model(const Model& model);

// "key: value" lines for every config value that matters.
std::vector<std::pair<std::string, std::string>> describe_config(const ModelConfig& config);

}  // namespace sinan
