// Tokenizer::from_gguf: llama.cpp's tokenizer.ggml.* metadata -> TokenizerData.
// Token types (tokenizer.ggml.token_type) follow llama.cpp: 1 normal, 2 unknown, 3 control, 4 user-defined,
// 5 unused, 6 byte. Control tokens are HF's special added tokens; user-defined ones its non-special added
// tokens; both are recognised inside text, as HF recognises added tokens. llama.cpp's converter also marks
// non-special added tokens that look special ("<｜tool▁sep｜>") as control, so for those is_special() and
// parse_special=false differ from the tokenizer.json they came from; the GGUF does not keep the difference.
#include "core/check.h"
#include "io/gguf.h"
#include "text/byte_level.h"
#include "text/gguf_presets.h"
#include "text/tokenizer_data.h"

namespace sinan {
namespace {

constexpr int64_t kTokenTypeNormal = 1;
constexpr int64_t kTokenTypeControl = 3;
constexpr int64_t kTokenTypeUserDefined = 4;

// llama.cpp's converter fills ids that the tokenizer does not define with "[PAD<id>]"; older versions
// marked them user-defined, but they are not tokens HF would recognise in text.
bool is_padding_placeholder(const std::string& text, size_t id) {
  return text == fmt::format("[PAD{}]", id);
}

Result<std::optional<int32_t>> optional_token_id(const GgufFile& gguf, const char* key, size_t n_vocab) {
  SINAN_ASSIGN_OR_RETURN(std::optional<int64_t> id, gguf.get_int(key));
  if (!id) return std::optional<int32_t>();
  if (*id < 0 || *id >= static_cast<int64_t>(n_vocab)) {
    return Status::errorf("{}: {} = {} is outside the vocabulary (size {})", gguf.label(), key, *id, n_vocab);
  }
  return std::optional<int32_t>(static_cast<int32_t>(*id));
}

}  // namespace

Result<Tokenizer> Tokenizer::from_gguf(const GgufFile& gguf) {
  const std::string& label = gguf.label();
  SINAN_ASSIGN_OR_RETURN(std::optional<std::string> model, gguf.get_string("tokenizer.ggml.model"));
  if (!model) return Status::errorf("{}: no tokenizer (metadata 'tokenizer.ggml.model' is missing)", label);
  if (*model != "gpt2") {
    return Status::errorf("{}: tokenizer.ggml.model is '{}'; sinan supports byte-level BPE ('gpt2')", label,
                          *model);
  }
  SINAN_ASSIGN_OR_RETURN(std::optional<std::string> pre, gguf.get_string("tokenizer.ggml.pre"));
  if (!pre) return Status::errorf("{}: metadata 'tokenizer.ggml.pre' is missing", label);
  Result<text::PreTokenizerPreset> preset = text::pre_tokenizer_preset(*pre);
  if (!preset.ok()) return Status::errorf("{}: {}", label, preset.message());

  const GgufArray* tokens = gguf.get_array("tokenizer.ggml.tokens");
  if (tokens == nullptr || tokens->element_type != GgufType::kString) {
    return Status::errorf("{}: metadata 'tokenizer.ggml.tokens' is missing or not an array of strings",
                          label);
  }
  const size_t n_vocab = tokens->strings.size();
  if (n_vocab == 0) return Status::errorf("{}: tokenizer.ggml.tokens is empty", label);
  if (n_vocab >= (size_t{1} << 30)) return Status::errorf("{}: tokenizer.ggml.tokens is too large", label);
  const GgufArray* types = gguf.get_array("tokenizer.ggml.token_type");
  if (types != nullptr) {
    if (types->element_type == GgufType::kString || types->element_type == GgufType::kArray ||
        types->element_type == GgufType::kF32 || types->element_type == GgufType::kF64) {
      return Status::errorf("{}: tokenizer.ggml.token_type should be an array of integers", label);
    }
    if (types->ints.size() != n_vocab) {
      return Status::errorf("{}: tokenizer.ggml.token_type has {} entries but tokenizer.ggml.tokens has {}",
                            label, types->ints.size(), n_vocab);
    }
  }
  const GgufArray* merges = gguf.get_array("tokenizer.ggml.merges");
  if (merges == nullptr || merges->element_type != GgufType::kString) {
    return Status::errorf("{}: metadata 'tokenizer.ggml.merges' is missing or not an array of strings",
                          label);
  }

  auto d = std::make_shared<TokenizerData>();
  d->source = label;
  d->origin = "gguf, pre-tokenizer " + *pre;
  d->resize(n_vocab);
  for (const std::string& pattern : preset->isolated_splits) {
    Result<text::Regex> regex = text::Regex::compile(pattern);
    SINAN_CHECK_MSG(regex.ok(), "built-in pattern for '{}': {}", *pre, regex.message());
    d->pre_tokenizer.add_split(std::move(regex).value(), text::SplitBehavior::kIsolated, false);
  }
  d->normalizer = text::Normalizer(preset->normalizer);
  d->bpe.set_ignore_merges(preset->ignore_merges);

  for (size_t id = 0; id < n_vocab; ++id) {
    const std::string& text = tokens->strings[id];
    const int64_t type = types != nullptr ? types->ints[id] : kTokenTypeNormal;
    d->token_text[id] = text;
    d->decode_text[id] = text;
    d->token_flags[id] = TokenizerData::kPresent;
    if (type == kTokenTypeControl || type == kTokenTypeUserDefined) {
      if (text.empty() || is_padding_placeholder(text, id)) continue;
      const bool special = type == kTokenTypeControl;
      d->token_flags[id] |= TokenizerData::kAdded | (special ? TokenizerData::kSpecial : 0);
      text::AddedToken token;
      token.id = static_cast<int32_t>(id);
      token.content = text;
      token.special = special;
      d->added.add(std::move(token), text);
      continue;
    }
    if (std::optional<std::string> bytes = text::from_byte_level(text)) {
      d->bpe.add_token(std::move(*bytes), static_cast<int32_t>(id));
    }
  }
  for (size_t id = 0; id < n_vocab; ++id) d->text_to_id.emplace(d->token_text[id], static_cast<int32_t>(id));

  for (size_t rank = 0; rank < merges->strings.size(); ++rank) {
    const std::string& line = merges->strings[rank];
    const size_t space = line.find(' ', 1);  // a merge side is never empty, so a leading ' ' is part of it
    if (space == std::string::npos) {
      return Status::errorf("{}: tokenizer.ggml.merges[{}] '{}' is not two tokens separated by a space",
                            label, rank, line);
    }
    const std::string left_text = line.substr(0, space);
    const std::string right_text = line.substr(space + 1);
    std::optional<std::string> left = text::from_byte_level(left_text);
    std::optional<std::string> right = text::from_byte_level(right_text);
    Status status = left && right ? d->bpe.add_merge(*left, *right, static_cast<uint32_t>(rank))
                                  : Status::error("a side is not spelled in the byte-level alphabet");
    if (!status.ok()) {
      return Status::errorf("{}: tokenizer.ggml.merges[{}] '{}': {}", label, rank, line, status.message());
    }
  }

  SINAN_ASSIGN_OR_RETURN(d->bos, optional_token_id(gguf, "tokenizer.ggml.bos_token_id", n_vocab));
  SINAN_ASSIGN_OR_RETURN(d->eos, optional_token_id(gguf, "tokenizer.ggml.eos_token_id", n_vocab));
  SINAN_ASSIGN_OR_RETURN(d->pad, optional_token_id(gguf, "tokenizer.ggml.padding_token_id", n_vocab));
  SINAN_ASSIGN_OR_RETURN(std::optional<bool> add_bos, gguf.get_bool("tokenizer.ggml.add_bos_token"));
  SINAN_ASSIGN_OR_RETURN(std::optional<bool> add_eos, gguf.get_bool("tokenizer.ggml.add_eos_token"));
  d->add_bos = add_bos.value_or(false) && d->bos.has_value();
  d->add_eos = add_eos.value_or(false) && d->eos.has_value();
  return make_tokenizer(std::move(d));
}

}  // namespace sinan
