#include "model/context.h"

#include <algorithm>

#include "core/check.h"

namespace sinan {

Context::Context(const Model& model, const ContextOptions& options, PagedKvCache cache)
    : model_(model), options_(options), cache_(std::move(cache)), pool_(options.n_threads, options.spin_iterations) {
  scratch_ = model_.make_scratch(options_.max_batch_tokens);
  chunk_.tokens.reserve(static_cast<size_t>(options_.max_batch_tokens));
  chunk_.seq_ids.reserve(static_cast<size_t>(options_.max_batch_tokens));
  chunk_.positions.reserve(static_cast<size_t>(options_.max_batch_tokens));
  chunk_.want_logits.reserve(static_cast<size_t>(options_.max_batch_tokens));
  next_position_.resize(static_cast<size_t>(options_.max_sequences));
}

Result<std::unique_ptr<Context>> Context::create(const Model& model, const ContextOptions& options) {
  if (options.max_batch_tokens <= 0) return Status::error("max_batch_tokens must be positive");
  if (options.max_sequences <= 0) return Status::error("max_sequences must be positive");
  KvCacheOptions kv;
  kv.n_layers = model.config().n_layers;
  kv.row_width = model.config().kv_row_width();
  kv.block_tokens = options.kv_block_tokens;
  kv.capacity_tokens = options.context_tokens;
  kv.max_sequences = options.max_sequences;
  SINAN_ASSIGN_OR_RETURN(PagedKvCache cache, PagedKvCache::create(kv));
  if (options.prefault_weights) model.prepare_weight_memory();
  return std::unique_ptr<Context>(new Context(model, options, std::move(cache)));
}

void Context::clear_sequence(int seq) { cache_.clear(seq); }

Status Context::validate(const Batch& batch) {
  const int64_t n = batch.size();
  if (batch.seq_ids.size() != batch.tokens.size() || batch.positions.size() != batch.tokens.size() ||
      batch.want_logits.size() != batch.tokens.size()) {
    return Status::error("batch: tokens, seq_ids, positions and want_logits differ in length");
  }
  const int64_t vocab = model_.config().vocab_size;
  for (int s = 0; s < options_.max_sequences; ++s) next_position_[s] = -1;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t token = batch.tokens[i], seq = batch.seq_ids[i], position = batch.positions[i];
    if (token < 0 || token >= vocab) {
      return Status::errorf("batch: token id {} at index {} is outside the vocabulary (0..{})", token, i, vocab - 1);
    }
    if (seq < 0 || seq >= options_.max_sequences) {
      return Status::errorf("batch: sequence id {} is outside 0..{}", seq, options_.max_sequences - 1);
    }
    int64_t& expected = next_position_[seq];
    if (expected < 0) {
      if (position < 0 || position > cache_.length(seq)) {
        return Status::errorf("batch: sequence {} has {} cached tokens, so its next position can be at most {}, got {}",
                              seq, cache_.length(seq), cache_.length(seq), position);
      }
    } else if (position != expected) {
      return Status::errorf("batch: sequence {} positions must be consecutive: expected {}, got {}", seq, expected,
                            position);
    }
    expected = position + 1;
  }
  return Status();
}

Status Context::decode_chunk(const Batch& chunk, float* logits) {
  // Drop any cached tail the chunk rewrites (a sequence's first token in the chunk says where it
  // starts), then make room for the new rows; if room runs out, undo the growth.
  for (int s = 0; s < options_.max_sequences; ++s) next_position_[s] = -1;
  for (int64_t i = 0; i < chunk.size(); ++i) {
    const int seq = chunk.seq_ids[i];
    if (next_position_[seq] < 0) {
      next_position_[seq] = chunk.positions[i];
      if (chunk.positions[i] < cache_.length(seq)) SINAN_RETURN_IF_ERROR(cache_.truncate(seq, chunk.positions[i]));
    }
  }
  for (int64_t i = 0; i < chunk.size(); ++i) {
    Status grown = cache_.grow(chunk.seq_ids[i], int64_t{chunk.positions[i]} + 1);
    if (!grown.ok()) {
      for (int s = 0; s < options_.max_sequences; ++s) {
        // Cannot fail: each block kept partly here was made private by the truncation above.
        if (next_position_[s] >= 0) SINAN_CHECK(cache_.truncate(s, next_position_[s]).ok());
      }
      return grown;
    }
  }
  model_.forward(chunk, cache_, *scratch_, pool_, logits, tracer_);
  return Status();
}

Status Context::decode(const Batch& batch, float* logits) {
  if (batch.size() == 0) return Status();
  SINAN_RETURN_IF_ERROR(validate(batch));
  if (batch.size() <= options_.max_batch_tokens) return decode_chunk(batch, logits);
  const int64_t vocab = model_.config().vocab_size;
  for (int64_t begin = 0; begin < batch.size(); begin += options_.max_batch_tokens) {
    const int64_t end = std::min(batch.size(), begin + options_.max_batch_tokens);
    chunk_.clear();
    for (int64_t i = begin; i < end; ++i) {
      chunk_.add(batch.tokens[i], batch.seq_ids[i], batch.positions[i], batch.want_logits[i] != 0);
    }
    SINAN_RETURN_IF_ERROR(decode_chunk(chunk_, logits));
    logits += chunk_.n_logits() * vocab;
  }
  return Status();
}

}  // namespace sinan
