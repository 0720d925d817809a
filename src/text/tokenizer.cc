// Encoding and decoding. The encode pipeline is Hugging Face's (TokenizerImpl::encode_single_sequence):
//   1. find added tokens with normalized=false in the raw text;
//   2. normalize each remaining segment, then find added tokens with normalized=true in it;
//   3. pre-tokenize each remaining segment into pieces;
//   4. BPE-encode each piece.
// Ill-formed UTF-8 is cut out between steps 1 and 2 and encoded byte by byte (see tokenizer.h).
#include "text/tokenizer.h"

#include <fmt/format.h>

#include "core/check.h"
#include "text/byte_level.h"
#include "text/tokenizer_data.h"
#include "text/utf8.h"

namespace sinan {
namespace {

struct EncodeScratch {
  text::PreTokenizeScratch pre;
  text::BpeScratch bpe;
  std::vector<text::Segment> segments;
  std::vector<std::string_view> pieces;
};

// Steps 2-4 for a segment of well-formed UTF-8.
Status encode_valid_text(const TokenizerData& d, std::string_view text, bool parse_special, EncodeScratch& s,
                         std::vector<int32_t>& ids) {
  std::string normalized_storage;
  std::string_view normalized = text;
  if (!d.normalizer.empty()) {
    normalized_storage = d.normalizer.apply(text);
    normalized = normalized_storage;
  }
  s.segments.clear();
  d.added.split(normalized, /*normalized_pass=*/true, parse_special, s.pre.regex, s.segments);
  for (const text::Segment& segment : s.segments) {
    if (segment.token >= 0) {
      ids.push_back(segment.token);
      continue;
    }
    s.pieces.clear();
    s.pieces.push_back(normalized.substr(segment.begin, segment.end - segment.begin));
    SINAN_RETURN_IF_ERROR(d.pre_tokenizer.split(s.pieces, s.pre));
    for (std::string_view piece : s.pieces) d.bpe.encode(piece, s.bpe, ids);
    s.pre.owned.clear();
  }
  return Status();
}

}  // namespace

Result<Tokenizer> make_tokenizer(std::shared_ptr<TokenizerData> data) {
  TokenizerData& d = *data;
  SINAN_CHECK(d.token_text.size() == d.token_flags.size() && d.decode_text.size() == d.token_flags.size());
  d.token_bytes.resize(d.token_text.size());
  for (size_t id = 0; id < d.token_text.size(); ++id) {
    // Added tokens are text: they decode to their content (see tokenizer.h on why this differs from HF for
    // a few DeepSeek-V2 tokens). Model tokens go through the byte alphabet when every character belongs to
    // it and are emitted as they are otherwise, like HF's ByteLevel decoder.
    std::optional<std::string> bytes;
    if (!(d.token_flags[id] & TokenizerData::kAdded)) bytes = text::from_byte_level(d.decode_text[id]);
    d.token_bytes[id] = bytes ? std::move(*bytes) : d.decode_text[id];
  }
  for (auto [name, id] : {std::pair{"bos", d.bos}, std::pair{"eos", d.eos}, std::pair{"pad", d.pad}}) {
    if (id && (*id < 0 || *id >= static_cast<int32_t>(d.token_text.size()))) {
      return Status::errorf("{}: {} token id {} is outside the vocabulary (size {})", d.source, name, *id,
                            d.token_text.size());
    }
  }
  if (d.add_bos && !d.bos)
    return Status::errorf("{}: add_bos_token is true but there is no BOS token", d.source);
  if (d.add_eos && !d.eos)
    return Status::errorf("{}: add_eos_token is true but there is no EOS token", d.source);
  return Tokenizer(std::move(data));
}

Result<std::vector<int32_t>> Tokenizer::encode(std::string_view input, const EncodeOptions& options) const {
  const TokenizerData& d = *data_;
  std::vector<int32_t> ids;
  ids.reserve(input.size() / 3 + 2);
  if (options.add_bos && d.bos) ids.push_back(*d.bos);
  EncodeScratch s;
  std::vector<text::Segment> raw_segments;
  d.added.split(input, /*normalized_pass=*/false, options.parse_special, s.pre.regex, raw_segments);
  for (const text::Segment& segment : raw_segments) {
    if (segment.token >= 0) {
      ids.push_back(segment.token);
      continue;
    }
    const std::string_view plain = input.substr(segment.begin, segment.end - segment.begin);
    size_t pos = 0;
    while (pos < plain.size()) {
      const size_t valid = text::valid_utf8_prefix(plain.substr(pos));
      if (valid > 0) {
        SINAN_RETURN_IF_ERROR(encode_valid_text(d, plain.substr(pos, valid), options.parse_special, s, ids));
        pos += valid;
      }
      if (pos < plain.size()) {
        const text::Utf8Step bad = text::utf8_step(plain.substr(pos));
        for (size_t i = 0; i < bad.length; ++i) {
          const int32_t id = d.bpe.byte_token(static_cast<uint8_t>(plain[pos + i]));
          if (id >= 0) ids.push_back(id);
        }
        pos += bad.length;
      }
    }
  }
  return ids;
}

std::string Tokenizer::decode_bytes(std::span<const int32_t> ids, const DecodeOptions& options) const {
  const TokenizerData& d = *data_;
  std::string out;
  for (int32_t id : ids) {
    if (!is_valid_id(id)) continue;
    if (options.skip_special && (d.token_flags[id] & TokenizerData::kSpecial)) continue;
    out.append(d.token_bytes[id]);
  }
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, const DecodeOptions& options) const {
  const std::string bytes = decode_bytes(ids, options);
  std::string out;
  out.reserve(bytes.size());
  text::append_utf8_lossy(bytes, out);
  return out;
}

int32_t Tokenizer::n_vocab() const {
  return static_cast<int32_t>(data_->token_text.size());
}

std::string_view Tokenizer::token_text(int32_t id) const {
  return is_valid_id(id) ? std::string_view(data_->token_text[id]) : std::string_view();
}

std::string_view Tokenizer::token_bytes(int32_t id) const {
  return is_valid_id(id) ? std::string_view(data_->token_bytes[id]) : std::string_view();
}

bool Tokenizer::is_special(int32_t id) const {
  return is_valid_id(id) && (data_->token_flags[id] & TokenizerData::kSpecial) != 0;
}

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
  auto it = data_->text_to_id.find(std::string(text));
  if (it == data_->text_to_id.end()) return std::nullopt;
  return it->second;
}

std::optional<int32_t> Tokenizer::bos_id() const {
  return data_->bos;
}
std::optional<int32_t> Tokenizer::eos_id() const {
  return data_->eos;
}
std::optional<int32_t> Tokenizer::pad_id() const {
  return data_->pad;
}
bool Tokenizer::add_bos_by_default() const {
  return data_->add_bos;
}
bool Tokenizer::add_eos_by_default() const {
  return data_->add_eos;
}
const std::string& Tokenizer::source() const {
  return data_->source;
}

std::string Tokenizer::describe() const {
  const TokenizerData& d = *data_;
  auto name = [&](std::optional<int32_t> id) {
    return id ? fmt::format("{} {}", *id, d.token_text[*id]) : std::string("none");
  };
  size_t n_special = 0;
  for (uint8_t flags : d.token_flags) n_special += (flags & TokenizerData::kSpecial) != 0;
  std::string out = fmt::format(
      "tokenizer: {} ({})\nvocabulary: {} ids, {} BPE tokens, {} merges{}, {} added tokens ({} special)\n"
      "bos: {}\neos: {}\npad: {}\nadd_bos: {}\nnormalizer: {}\npre-tokenizer:\n{}byte-level BPE\n",
      d.source, d.origin, d.token_text.size(), d.bpe.n_tokens(), d.bpe.n_merges(),
      d.bpe.ignore_merges() ? " (ignore_merges)" : "", d.added.tokens().size(), n_special, name(d.bos),
      name(d.eos), name(d.pad), d.add_bos, d.normalizer.describe(), d.pre_tokenizer.describe());
  return out;
}

}  // namespace sinan
