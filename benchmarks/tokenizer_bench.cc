// Tokenizer throughput on one core: encode and decode of English prose, for the three real tokenizers.
// Text: $SINAN_BENCH_TEXT if set, else Debian's license texts (/usr/share/common-licenses, ~260 KB of
// English present on every Debian system). Reports bytes/s (MB/s of input text) and tokens/s.
//
//   ./build/benchmarks/tokenizer_bench [--benchmark_filter=Encode]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "text/tokenizer.h"

namespace sinan {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const std::string& bench_text() {
  static const std::string text = [] {
    if (const char* path = std::getenv("SINAN_BENCH_TEXT")) return read_file(path);
    std::string all;
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/share/common-licenses", ec)) {
      if (entry.is_regular_file() && !entry.is_symlink()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) all += read_file(f);
    return all;
  }();
  return text;
}

// Splits the text into paragraphs, as a server would see separate prompts.
const std::vector<std::string>& paragraphs() {
  static const std::vector<std::string> parts = [] {
    std::vector<std::string> out;
    const std::string& text = bench_text();
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find("\n\n", pos);
      end = end == std::string::npos ? text.size() : end + 2;
      out.push_back(text.substr(pos, end - pos));
      pos = end;
    }
    return out;
  }();
  return parts;
}

const Tokenizer* tokenizer(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  const std::string path = std::string(SINAN_BENCH_TOKENIZER_DIR) + "/" + name + "/tokenizer.json";
  Result<Tokenizer> tok = Tokenizer::from_hf_file(path);
  if (!tok.ok()) {
    std::cerr << tok.message() << " (build the text_test_data target first)\n";
    return cache.emplace(name, nullptr).first->second.get();
  }
  return cache.emplace(name, std::make_unique<Tokenizer>(std::move(tok).value())).first->second.get();
}

void BM_Encode(benchmark::State& state, const std::string& name) {
  const Tokenizer* tok = tokenizer(name);
  if (tok == nullptr || bench_text().empty()) {
    state.SkipWithError("tokenizer or text missing");
    return;
  }
  size_t bytes = 0, tokens = 0;
  for (auto _ : state) {
    for (const std::string& p : paragraphs()) {
      Result<std::vector<int32_t>> ids = tok->encode(p);
      benchmark::DoNotOptimize(ids);
      tokens += ids->size();
      bytes += p.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.counters["bytes/token"] =
      static_cast<double>(bytes) / static_cast<double>(std::max<size_t>(tokens, 1));
}

void BM_Decode(benchmark::State& state, const std::string& name) {
  const Tokenizer* tok = tokenizer(name);
  if (tok == nullptr || bench_text().empty()) {
    state.SkipWithError("tokenizer or text missing");
    return;
  }
  std::vector<std::vector<int32_t>> all_ids;
  for (const std::string& p : paragraphs()) all_ids.push_back(*tok->encode(p));
  size_t bytes = 0, tokens = 0;
  for (auto _ : state) {
    for (const std::vector<int32_t>& ids : all_ids) {
      std::string text = tok->decode(ids);
      benchmark::DoNotOptimize(text);
      bytes += text.size();
      tokens += ids.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}

void BM_LoadTokenizerJson(benchmark::State& state, const std::string& name) {
  const std::string path = std::string(SINAN_BENCH_TOKENIZER_DIR) + "/" + name + "/tokenizer.json";
  for (auto _ : state) {
    Result<Tokenizer> tok = Tokenizer::from_hf_file(path);
    if (!tok.ok()) {
      state.SkipWithError(tok.message().c_str());
      return;
    }
  }
}

BENCHMARK_CAPTURE(BM_Encode, deepseek_v3, std::string("deepseek_v3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, qwen3, std::string("qwen3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, llama3_1, std::string("llama3_1"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, deepseek_v3, std::string("deepseek_v3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadTokenizerJson, deepseek_v3, std::string("deepseek_v3"))
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace sinan

BENCHMARK_MAIN();
