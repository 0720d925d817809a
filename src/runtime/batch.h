// A ragged batch: tokens of several sequences at once, each with its sequence and position.
// Prefill, decode and mixes of both are all just batches.
#pragma once

#include <cstdint>
#include <vector>

namespace sinan {

struct Batch {
  std::vector<int32_t> tokens;
  std::vector<int32_t> seq_ids;
  std::vector<int32_t> positions;
  std::vector<uint8_t> want_logits;  // 1 where the caller wants this token's logits

  void clear() {
    tokens.clear();
    seq_ids.clear();
    positions.clear();
    want_logits.clear();
  }
  void add(int32_t token, int32_t seq_id, int32_t position, bool logits) {
    tokens.push_back(token);
    seq_ids.push_back(seq_id);
    positions.push_back(position);
    want_logits.push_back(logits ? 1 : 0);
  }
  int64_t size() const { return static_cast<int64_t>(tokens.size()); }
  int64_t n_logits() const {
    int64_t n = 0;
    for (uint8_t w : want_logits) n += w;
    return n;
  }
};

}  // namespace sinan
