#include "text/incremental_decoder.h"

#include "text/utf8.h"

namespace sinan {

IncrementalDecoder::IncrementalDecoder(Tokenizer tokenizer, DecodeOptions options)
    : tokenizer_(std::move(tokenizer)), options_(options) {}

std::string IncrementalDecoder::push(int32_t id) {
  if (!tokenizer_.is_valid_id(id)) return std::string();
  if (options_.skip_special && tokenizer_.is_special(id)) return std::string();
  pending_.append(tokenizer_.token_bytes(id));
  std::string out;
  size_t pos = 0;
  while (pos < pending_.size()) {
    const text::Utf8Step step = text::utf8_step(std::string_view(pending_).substr(pos));
    if (step.kind == text::Utf8Step::kIncomplete) break;  // may still be completed by the next token
    if (step.kind == text::Utf8Step::kChar) {
      out.append(pending_, pos, step.length);
    } else {
      out.append(text::kReplacementCharacter);
    }
    pos += step.length;
  }
  pending_.erase(0, pos);
  return out;
}

std::string IncrementalDecoder::finish() {
  std::string out;
  text::append_utf8_lossy(pending_, out);
  pending_.clear();
  return out;
}

}  // namespace sinan
