// Streaming detokenization: feed ids one at a time, get text as soon as it is complete. A UTF-8 character
// split across tokens (common for CJK and emoji with byte-level BPE) is held back until its last byte
// arrives, so every returned string is valid UTF-8 and never ends inside a character. Ill-formed bytes are
// replaced by U+FFFD exactly where Tokenizer::decode replaces them, so the concatenation of all push()
// results and finish() equals decode() of the same ids.
#pragma once

#include <cstdint>
#include <string>

#include "text/tokenizer.h"

namespace sinan {

class IncrementalDecoder {
 public:
  // Keeps a (cheap, shared) copy of the tokenizer.
  explicit IncrementalDecoder(Tokenizer tokenizer, DecodeOptions options = {});

  // Adds one token; returns the text completed by it (possibly empty).
  std::string push(int32_t id);
  // Flushes what is held back (an unfinished character becomes U+FFFD, as in decode()) and starts over.
  std::string finish();
  // Bytes of an unfinished character waiting for the next token.
  size_t pending_bytes() const { return pending_.size(); }

 private:
  Tokenizer tokenizer_;
  DecodeOptions options_;
  std::string pending_;
};

}  // namespace sinan
