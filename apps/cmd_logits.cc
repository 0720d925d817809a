// sinan logits MODEL --tokens-file FILE [--decode] --out OUT.f32: raw logits for a token sequence,
// for checking sinan against a reference.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "apps/cli_util.h"
#include "apps/commands.h"
#include "model/context.h"

namespace sinan::apps {
namespace {

struct LogitsOptions {
  std::string model;
  std::string tokens_file;
  std::string out;
  bool decode = false;
  int threads = 0;
};

Result<std::vector<int32_t>> read_tokens(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::errorf("{}: cannot open", path);
  std::vector<int32_t> tokens;
  std::string word;
  while (in >> word) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(word.c_str(), &end, 10);
    if (end == word.c_str() || *end != '\0' || errno != 0 || v < 0 || v > INT32_MAX) {
      return Status::errorf("{}: '{}' (token {}) is not a token id", path, word, tokens.size() + 1);
    }
    tokens.push_back(static_cast<int32_t>(v));
  }
  if (tokens.empty()) return Status::errorf("{}: holds no token ids", path);
  return tokens;
}

int run_logits(const LogitsOptions& options) {
  auto tokens = read_tokens(options.tokens_file);
  if (!tokens.ok()) return fail("logits", tokens.message());
  auto loaded = load_model_verbose(options.model);
  if (!loaded.ok()) return fail("logits", loaded.message());
  const Model& model = **loaded;
  const int64_t n = static_cast<int64_t>(tokens->size()), vocab = model.config().vocab_size;

  ContextOptions context_options;
  context_options.context_tokens = n;
  context_options.max_batch_tokens = std::min<int64_t>(n, 512);
  context_options.n_threads = options.threads;
  auto context = Context::create(model, context_options);
  if (!context.ok()) return fail("logits", context.message());

  std::vector<float> logits(static_cast<size_t>(n * vocab));
  Batch batch;
  if (options.decode) {
    for (int64_t i = 0; i < n; ++i) {  // one token at a time through the KV cache
      batch.clear();
      batch.add((*tokens)[i], 0, static_cast<int32_t>(i), true);
      Status s = (*context)->decode(batch, logits.data() + i * vocab);
      if (!s.ok()) return fail("logits", s.message());
    }
  } else {
    for (int64_t i = 0; i < n; ++i) batch.add((*tokens)[i], 0, static_cast<int32_t>(i), true);
    Status s = (*context)->decode(batch, logits.data());
    if (!s.ok()) return fail("logits", s.message());
  }

  std::FILE* out = std::fopen(options.out.c_str(), "wb");
  if (out == nullptr) return fail("logits", fmt::format("{}: cannot create: {}", options.out, std::strerror(errno)));
  const size_t written = std::fwrite(logits.data(), sizeof(float), logits.size(), out);
  if (std::fclose(out) != 0 || written != logits.size()) {
    return fail("logits", fmt::format("{}: write failed: {}", options.out, std::strerror(errno)));
  }
  return 0;
}

}  // namespace

void add_logits_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<LogitsOptions>();
  CLI::App* cmd = app.add_subcommand("logits", "Write the logits of a token sequence as raw float32");
  cmd->footer(
      "FILE holds whitespace-separated token ids of one sequence. OUT receives float32 little-endian\n"
      "logits of shape [n_tokens, n_vocab]: row i is the distribution after token i.\n"
      "Examples:\n"
      "  echo 0 1799 801 1088 > ids.txt\n"
      "  sinan logits model.gguf --tokens-file ids.txt --out logits.f32\n"
      "  sinan logits ./hf-model-dir --tokens-file ids.txt --decode --out logits.f32");
  cmd->add_option("MODEL", options->model, "A .gguf file or a Hugging Face model directory")->required();
  cmd->add_option("--tokens-file", options->tokens_file, "Token ids of one sequence, whitespace-separated")->required();
  cmd->add_option("--out", options->out, "Output file for the float32 logits")->required();
  cmd->add_flag("--decode", options->decode,
                "Feed the tokens one at a time through the KV cache instead of one prefill batch");
  cmd->add_option("-t,--threads", options->threads, "Threads (default: one per core)");
  cmd->callback([options, exit_code] { *exit_code = run_logits(*options); });
}

}  // namespace sinan::apps
