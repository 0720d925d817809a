// One sequence from prompt to finished completion: prefill, then sample and decode token by token,
// streaming text that never splits a UTF-8 character or leaks part of a stop string.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/context.h"
#include "sample/sampler.h"
#include "text/tokenizer.h"

namespace sinan {

enum class FinishReason { kStop, kLength, kCancelled };  // kStop: end-of-sequence token or a stop string
const char* finish_reason_name(FinishReason reason);

struct GenerationOptions {
  int64_t max_tokens = -1;  // -1: until the context is full
  std::vector<std::string> stop;
  std::vector<int32_t> end_tokens;  // tokens that end the completion (EOS, EOT)
};

struct GenerationResult {
  FinishReason finish_reason = FinishReason::kStop;
  std::vector<int32_t> tokens;  // generated, including a final end token if one was sampled
  std::string text;             // the streamed text, without end tokens or stop strings
  int64_t prompt_tokens = 0;    // tokens in the prompt
  int64_t prompt_tokens_computed = 0;  // of those, computed now (the rest came from the cache)
  double prompt_seconds = 0;
  double generation_seconds = 0;
};

// Called with each piece of released text; returning false cancels the generation.
using TextCallback = std::function<bool(const std::string& delta)>;

// Generates for sequence `seq` of the context. Tokens already cached for it that agree with the start of
// `prompt` are reused (a chat's earlier turns); the rest are truncated and recomputed.
// `cached` lists the tokens the cache holds for `seq` and is updated to prompt + generated tokens.
Result<GenerationResult> generate(Context& context, int seq, const Tokenizer& tokenizer,
                                  const std::vector<int32_t>& prompt, Sampler& sampler,
                                  const GenerationOptions& options, std::vector<int32_t>* cached,
                                  const TextCallback& on_text);

// The tokens that end a completion for this model: its EOS, and the tokenizer's EOS / end-of-turn tokens.
std::vector<int32_t> default_end_tokens(const ModelConfig& config, const Tokenizer& tokenizer);

}  // namespace sinan
