// Unicode normalization steps of a tokenizer.json "normalizer" (NFC, NFD, NFKC, NFKD, Sequence), run with
// utf8proc. An empty Normalizer leaves text unchanged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sinan::text {

enum class NormalForm { kNFC, kNFD, kNFKC, kNFKD };

class Normalizer {
 public:
  Normalizer() = default;
  explicit Normalizer(std::vector<NormalForm> steps) : steps_(std::move(steps)) {}

  bool empty() const { return steps_.empty(); }
  const std::vector<NormalForm>& steps() const { return steps_; }

  // "NFC", "NFKC then NFC", or "none".
  std::string describe() const;

  // Normalizes valid UTF-8 `text`. Precondition: is_valid_utf8(text).
  std::string apply(std::string_view text) const;

 private:
  std::vector<NormalForm> steps_;
};

// Applies one normal form to valid UTF-8.
std::string normalize_unicode(std::string_view text, NormalForm form);

}  // namespace sinan::text
