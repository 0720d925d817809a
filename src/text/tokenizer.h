// sinan's tokenizer: byte-level BPE as used by DeepSeek-R1/V3, V2 and the R1-Distill Qwen2 / Llama-3.1
// models, loaded from a GGUF file (llama.cpp's metadata) or a Hugging Face tokenizer.json, giving ids
// identical to Hugging Face `tokenizers`.
//
//   Result<Tokenizer> tok = load_tokenizer("model.gguf");        // or an HF directory / tokenizer.json
//   Result<std::vector<int32_t>> ids = tok->encode("Hello<｜Assistant｜>");
//   std::string text = tok->decode(*ids);
//
// Invalid UTF-8 in the input (which HF cannot receive, since it takes Unicode strings) is not an error:
// each byte of an ill-formed sequence is encoded as its single-byte token, outside any pre-token, so
// decode_bytes() gives the input back byte for byte. A byte the vocabulary has no token for is dropped,
// as HF drops characters missing from the vocabulary (DeepSeek LLM/Coder lack C0, C1 and F5..FF).
//
// A Tokenizer is immutable after loading; copies share the same tables, and all methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sinan {

class GgufFile;
struct TokenizerData;

struct EncodeOptions {
  bool add_bos = false;  // prepend the BOS token (no-op when the tokenizer has none)
  // Recognise special-token text such as "<｜end▁of▁sentence｜>" in the input (HF's default). When false,
  // special tokens are encoded as plain text; non-special added tokens (e.g. "<think>") are still
  // recognised, as with HF's split_special_tokens=True.
  bool parse_special = true;
};

struct DecodeOptions {
  bool skip_special = false;  // drop special tokens (HF's skip_special_tokens)
};

class Tokenizer {
 public:
  // From llama.cpp's tokenizer.ggml.* metadata (model "gpt2"); the pre-tokenizer comes from
  // tokenizer.ggml.pre: deepseek-v3, deepseek-llm, deepseek-coder, qwen2 / deepseek-r1-qwen, llama-bpe.
  static Result<Tokenizer> from_gguf(const GgufFile& gguf);
  // From tokenizer.json text and, optionally, tokenizer_config.json text (for bos/eos/add_bos).
  // `label` names the source in error messages.
  static Result<Tokenizer> from_hf_json(std::string_view tokenizer_json,
                                        std::string_view tokenizer_config_json, const std::string& label);
  // From a tokenizer.json path or a directory holding one; reads tokenizer_config.json beside it if present.
  static Result<Tokenizer> from_hf_file(const std::string& path);

  // Text -> ids. Fails only if a regex exceeds PCRE2's resource limits on pathological input.
  Result<std::vector<int32_t>> encode(std::string_view text, const EncodeOptions& options = {}) const;

  // Ids -> text, as HF's decode: token bytes concatenated, then invalid UTF-8 replaced by U+FFFD.
  // Ids outside [0, n_vocab) are skipped, as HF does. One deliberate difference: an added token decodes
  // to its content. HF passes added tokens through the ByteLevel decoder too, which turns the 13 added
  // tokens of DeepSeek LLM / V2 that are single Latin-1 letters ("ö", "ü", "÷", ...) into one invalid
  // byte each, so HF decodes "Ångström" to "Ångstr\uFFFDm"; sinan, llama.cpp and vLLM give "Ångström".
  std::string decode(std::span<const int32_t> ids, const DecodeOptions& options = {}) const;
  // Ids -> raw bytes, without the U+FFFD replacement.
  std::string decode_bytes(std::span<const int32_t> ids, const DecodeOptions& options = {}) const;

  int32_t n_vocab() const;
  bool is_valid_id(int32_t id) const { return id >= 0 && id < n_vocab(); }
  // The token as the vocabulary spells it (byte-level spelling for BPE tokens, e.g. "Ġhello").
  std::string_view token_text(int32_t id) const;
  // The bytes the token stands for when decoding (e.g. " hello").
  std::string_view token_bytes(int32_t id) const;
  bool is_special(int32_t id) const;
  // Looks a token up by its vocabulary spelling (token_text) or added-token content.
  std::optional<int32_t> find_token(std::string_view text) const;

  std::optional<int32_t> bos_id() const;
  std::optional<int32_t> eos_id() const;
  std::optional<int32_t> pad_id() const;
  bool add_bos_by_default() const;  // what the model's configuration asks for
  bool add_eos_by_default() const;

  // Where the tokenizer came from (a path), and a short summary for diagnostics.
  const std::string& source() const;
  std::string describe() const;

 private:
  explicit Tokenizer(std::shared_ptr<const TokenizerData> data) : data_(std::move(data)) {}
  friend Result<Tokenizer> make_tokenizer(std::shared_ptr<TokenizerData> data);
  std::shared_ptr<const TokenizerData> data_;
};

// Loads a .gguf file, a Hugging Face model directory (with tokenizer.json) or a tokenizer.json path.
Result<Tokenizer> load_tokenizer(const std::string& path);

}  // namespace sinan
