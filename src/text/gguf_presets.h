// What llama.cpp's tokenizer.ggml.pre names mean, as Hugging Face tokenizer.json terms: the pre-tokenizer's
// isolated regex splits (in order), the normalizer, and BPE's ignore_merges. The patterns are those of the
// models' own tokenizer.json files (llama.cpp's llama-vocab.cpp lists the same splits, sometimes rewritten
// for its own regex engine; we keep the originals, which sinan's Oniguruma-compatible regexes run as is).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "text/normalizer.h"

namespace sinan::text {

struct PreTokenizerPreset {
  std::vector<std::string> isolated_splits;  // Split{Regex, Isolated} steps, then ByteLevel without regex
  std::vector<NormalForm> normalizer;
  bool ignore_merges = false;
};

// The preset for a tokenizer.ggml.pre value; an error naming it (and the supported names) otherwise.
Result<PreTokenizerPreset> pre_tokenizer_preset(std::string_view pre);

// Supported names, for messages and --help.
std::string_view supported_pre_tokenizer_names();

}  // namespace sinan::text
