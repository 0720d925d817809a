#include "serve/generate.h"

#include <algorithm>
#include <chrono>

#include "serve/stop_strings.h"
#include "text/incremental_decoder.h"

namespace sinan {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::vector<int32_t> default_end_tokens(const ModelConfig& config, const Tokenizer& tokenizer) {
  std::vector<int32_t> ends;
  auto add = [&](std::optional<int32_t> id) {
    if (id && *id >= 0 && std::find(ends.begin(), ends.end(), *id) == ends.end()) ends.push_back(*id);
  };
  add(config.eos_token_id >= 0 ? std::optional<int32_t>(config.eos_token_id) : std::nullopt);
  add(tokenizer.eos_id());
  // Chat models end a turn with these even where the file names another EOS.
  for (const char* text : {"<｜end▁of▁sentence｜>", "<|eot_id|>", "<|im_end|>", "<|endoftext|>"}) {
    if (auto id = tokenizer.find_token(text); id && tokenizer.is_special(*id)) add(id);
  }
  return ends;
}

Result<GenerationResult> generate(Context& context, int seq, const Tokenizer& tokenizer,
                                  const std::vector<int32_t>& prompt, Sampler& sampler,
                                  const GenerationOptions& options, std::vector<int32_t>* cached,
                                  const TextCallback& on_text) {
  if (prompt.empty()) return Status::error("the prompt is empty");
  const int64_t vocab = context.model().config().vocab_size;
  const int64_t capacity = context.cache().capacity_tokens();
  if (static_cast<int64_t>(prompt.size()) >= capacity) {
    return Status::errorf("the prompt has {} tokens, more than the context of {} can hold with room to answer",
                          prompt.size(), capacity);
  }
  GenerationResult result;
  result.prompt_tokens = static_cast<int64_t>(prompt.size());
  const auto start = std::chrono::steady_clock::now();

  // Reuse the cached prefix the prompt shares; the last prompt token is always recomputed for its logits.
  size_t common = 0;
  while (common < cached->size() && common < prompt.size() && (*cached)[common] == prompt[common]) ++common;
  common = std::min(common, prompt.size() - 1);
  Batch batch;
  for (size_t i = common; i < prompt.size(); ++i) {
    batch.add(prompt[i], seq, static_cast<int32_t>(i), i + 1 == prompt.size());
  }
  std::vector<float> logits(static_cast<size_t>(vocab));
  SINAN_RETURN_IF_ERROR(context.decode(batch, logits.data()));
  result.prompt_tokens_computed = static_cast<int64_t>(prompt.size() - common);
  *cached = prompt;
  result.prompt_seconds = seconds_since(start);

  const auto generation_start = std::chrono::steady_clock::now();
  IncrementalDecoder decoder(tokenizer);
  StopStringFilter stops(options.stop);
  std::vector<int32_t> history = prompt;
  auto release = [&](const std::string& text) {
    if (text.empty()) return true;
    result.text += text;
    return on_text ? on_text(text) : true;
  };
  for (;;) {
    if (options.max_tokens >= 0 && static_cast<int64_t>(result.tokens.size()) >= options.max_tokens) {
      result.finish_reason = FinishReason::kLength;
      break;
    }
    const SampledToken sampled = sampler.sample(logits.data(), history);
    const int32_t token = sampled.token;
    result.tokens.push_back(token);
    if (std::find(options.end_tokens.begin(), options.end_tokens.end(), token) != options.end_tokens.end()) {
      result.finish_reason = FinishReason::kStop;
      break;
    }
    history.push_back(token);
    if (!release(stops.push(decoder.push(token)))) {
      result.finish_reason = FinishReason::kCancelled;
      break;
    }
    if (stops.stopped()) {
      result.finish_reason = FinishReason::kStop;
      break;
    }
    const auto position = static_cast<int64_t>(history.size()) - 1;
    if (position + 1 >= capacity) {  // no room for the next token's row
      result.finish_reason = FinishReason::kLength;
      break;
    }
    batch.clear();
    batch.add(token, seq, static_cast<int32_t>(position), true);
    SINAN_RETURN_IF_ERROR(context.decode(batch, logits.data()));
    cached->push_back(token);
  }
  if (!stops.stopped() && result.finish_reason != FinishReason::kCancelled) {
    release(stops.push(decoder.finish()) + stops.finish());  // characters and stop-prefixes held back
  }
  result.generation_seconds = seconds_since(generation_start);
  return result;
}

}  // namespace sinan
