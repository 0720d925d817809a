// Fuzzes the tokenizer.json loader and, when a file loads, encoding and decoding with it.
// Input: a tokenizer.json document, optionally followed by "\n#TEXT#\n" and a text to encode (any bytes,
// invalid UTF-8 included). Checks: no crash, no sanitizer report, decode() is valid UTF-8, and streaming
// decode equals decode().
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "text/incremental_decoder.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

namespace {

constexpr std::string_view kSeparator = "\n#TEXT#\n";
constexpr std::string_view kDefaultText =
    "Hello, world! 123 4567 \xE4\xBD\xA0\xE5\xA5\xBD <s>x</s> \xF0\x9F\x98";

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find(kSeparator);
  const std::string_view json = input.substr(0, split);
  const std::string_view text =
      split == std::string_view::npos ? kDefaultText : input.substr(split + kSeparator.size());

  sinan::Result<sinan::Tokenizer> tok = sinan::Tokenizer::from_hf_json(json, "", "fuzz");
  if (!tok.ok()) {
    require(!tok.message().empty());
    return 0;
  }
  for (bool parse_special : {true, false}) {
    sinan::Result<std::vector<int32_t>> ids =
        tok->encode(text, {.add_bos = true, .parse_special = parse_special});
    if (!ids.ok()) continue;
    for (int32_t id : *ids) require(tok->is_valid_id(id));
    const std::string decoded = tok->decode(*ids);
    require(sinan::text::is_valid_utf8(decoded));
    sinan::IncrementalDecoder stream(*tok);
    std::string streamed;
    for (int32_t id : *ids) streamed += stream.push(id);
    streamed += stream.finish();
    require(streamed == decoded);
  }
  return 0;
}
