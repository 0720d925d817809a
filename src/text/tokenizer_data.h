// The tables behind a Tokenizer, filled by the loaders (load_gguf.cc, load_hf.cc) and read by
// tokenizer.cc. Internal to src/text.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "text/added_tokens.h"
#include "text/bpe.h"
#include "text/normalizer.h"
#include "text/pre_tokenizer.h"
#include "text/tokenizer.h"

namespace sinan {

struct TokenizerData {
  std::string source;  // path or label, for messages
  std::string origin;  // "gguf pre=deepseek-v3" / "tokenizer.json", for describe()
  text::BpeModel bpe;
  text::AddedVocabulary added;
  text::Normalizer normalizer;
  text::PreTokenizer pre_tokenizer;

  // Indexed by id; ids no token uses have an empty text and are not present.
  std::vector<std::string> token_text;
  std::vector<std::string>
      decode_text;  // what HF's decoder sees: normalized content for normalized added tokens
  std::vector<std::string> token_bytes;  // filled by make_tokenizer from decode_text
  std::vector<uint8_t> token_flags;
  std::unordered_map<std::string, int32_t> text_to_id;

  std::optional<int32_t> bos;
  std::optional<int32_t> eos;
  std::optional<int32_t> pad;
  bool add_bos = false;
  bool add_eos = false;

  static constexpr uint8_t kPresent = 1;
  static constexpr uint8_t kSpecial = 2;
  static constexpr uint8_t kAdded = 4;

  void resize(size_t n) {
    token_text.resize(n);
    decode_text.resize(n);
    token_flags.resize(n, 0);
  }
};

// Checks the tables and wraps them; computes token_bytes.
Result<Tokenizer> make_tokenizer(std::shared_ptr<TokenizerData> data);

}  // namespace sinan
