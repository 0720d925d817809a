// sinan bench MODEL [-p 512] [-n 128] [-d DEPTH] [-t THREADS] [-r REPS] [--json]: prompt and generation speed,
// with the bytes read per token and the machine's measured bandwidth, so every figure shows its
// distance to the limit.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/cli_util.h"
#include "apps/commands.h"
#include "bench/model_bench.h"

namespace sinan::apps {
namespace {

struct BenchCliOptions {
  std::string model;
  BenchOptions bench;
  bool json = false;
};

int run_bench(BenchCliOptions& o) {
  auto loaded = load_model_verbose(o.model);
  if (!loaded.ok()) return fail("bench", loaded.message());
  const Model& model = **loaded;
  auto result = run_model_bench(model, o.bench);
  if (!result.ok()) return fail("bench", result.message());
  const BenchResult& r = *result;
  const ModelConfig& c = model.config();
  if (o.json) {
    nlohmann::ordered_json j;
    j["model"] = o.model;
    j["architecture"] = architecture_name(c.arch);
    j["threads"] = r.threads;
    j["n_prompt"] = o.bench.n_prompt;
    j["n_gen"] = o.bench.n_gen;
    j["n_depth"] = o.bench.n_depth;
    j["repetitions"] = o.bench.repetitions;
    j["pp_tokens_per_s"] = r.pp.mean;
    j["pp_stddev"] = r.pp.stddev;
    j["pp_samples"] = r.pp.samples;
    j["tg_tokens_per_s"] = r.tg.mean;
    j["tg_stddev"] = r.tg.stddev;
    j["tg_samples"] = r.tg.samples;
    j["bytes_per_token"] = r.bytes_per_token;
    j["achieved_gbs"] = r.achieved_gbs;
    j["bandwidth_gbs"] = r.bandwidth_gbs;
    j["roofline_tokens_per_s"] = r.roofline_tokens_per_s;
    j["interleaved_gbs"] = r.interleaved_gbs;
    j["interleaved_roofline_tokens_per_s"] = r.interleaved_roofline_tokens_per_s;
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("model: {} ({}, {} layers), {} threads, {} repetitions\n", o.model, architecture_name(c.arch), c.n_layers,
             r.threads, o.bench.repetitions);
  if (r.bandwidth_gbs > 0) fmt::print("memory read bandwidth: {:.1f} GB/s (measured: all threads streaming 1 GiB, best of 7)\n", r.bandwidth_gbs);
  // Test names as llama-bench prints them: pp512, tg128, and "pp512 @ d4096" from a filled cache.
  const std::string at_depth = o.bench.n_depth > 0 ? fmt::format(" @ d{}", o.bench.n_depth) : "";
  fmt::print("{:<16} {:>12} {:>10}\n", "test", "tokens/s", "stddev");
  if (o.bench.n_prompt > 0) {
    fmt::print("{:<16} {:>12.2f} {:>10.2f}\n", fmt::format("pp{}{}", o.bench.n_prompt, at_depth), r.pp.mean, r.pp.stddev);
  }
  if (o.bench.n_gen > 0) {
    fmt::print("{:<16} {:>12.2f} {:>10.2f}\n", fmt::format("tg{}{}", o.bench.n_gen, at_depth), r.tg.mean, r.tg.stddev);
  }
  if (o.bench.n_gen > 0) {
    fmt::print("bytes read per generated token: {:.1f} MB, achieved {:.2f} GB/s", r.bytes_per_token / 1e6, r.achieved_gbs);
    if (r.bandwidth_gbs > 0) {
      fmt::print(" = {:.0f}% of the measured bandwidth (roofline {:.1f} tokens/s)", 100.0 * r.achieved_gbs / r.bandwidth_gbs,
                 r.roofline_tokens_per_s);
    }
    fmt::print("\n");
    if (r.interleaved_gbs > 0) {
      fmt::print(
          "plain reads interleaved with tg: {:.1f} GB/s; tg achieved {:.0f}% of it "
          "(roofline {:.1f} tokens/s)\n",
          r.interleaved_gbs, 100.0 * r.achieved_gbs / r.interleaved_gbs, r.interleaved_roofline_tokens_per_s);
    }
  }
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<BenchCliOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure prompt processing and generation speed against the bandwidth limit");
  cmd->footer(
      "pp = one batch of -p random tokens into an empty cache; tg = -n single-token decode steps from\n"
      "an empty cache (as llama-bench). With -d, each test starts from a cache already holding DEPTH\n"
      "random tokens (filled untimed, like llama-bench -d), which measures attention over a long\n"
      "context. Each test runs once to warm up, then -r times; the mean and stddev are reported.\n"
      "Bandwidth: the best of 7 plain passes over 1 GiB after the tests, and (tg) one plain read\n"
      "after every generated token, timed apart from it: on a shared machine the bandwidth moves\n"
      "within seconds; the interleaved reads show what the memory gave while the test ran.\n"
      "Examples:\n"
      "  sinan bench model.gguf                      pp512 and tg128, 5 repetitions\n"
      "  sinan bench model.gguf -p 0 -n 64 -t 2      generation only, 2 threads\n"
      "  sinan bench model.gguf -d 4096 -r 2         pp512 and tg128 after a 4096-token context\n"
      "  sinan bench model.gguf --json               one JSON object (pp_tokens_per_s, ...)");
  cmd->add_option("MODEL", o->model, "A .gguf file or a Hugging Face model directory")->required();
  cmd->add_option("-p,--n-prompt", o->bench.n_prompt, "Prompt tokens for the pp test (0 skips it)");
  cmd->add_option("-n,--n-gen", o->bench.n_gen, "Generated tokens for the tg test (0 skips it)");
  cmd->add_option("-d,--depth", o->bench.n_depth, "Tokens already in the cache when each test starts (default 0)");
  cmd->add_option("-t,--threads", o->bench.threads, "Threads (default: one per core)");
  cmd->add_option("--spin", o->bench.spin_iterations,
                  "Pause-loop iterations a pool thread spins before sleeping (default 3000; 0 sleeps at once)");
  cmd->add_option("-r,--repetitions", o->bench.repetitions, "Timed repetitions of each test");
  cmd->add_flag("--json", o->json, "Print one JSON object instead of a table");
  cmd->add_flag("!--no-bandwidth", o->bench.measure_bandwidth, "Skip measuring the memory bandwidth");
  cmd->add_flag("!--no-interleaved-reads", o->bench.interleaved_reads,
                "Keep the best-of-7 bandwidth probe but skip the plain read after each generated token");
  cmd->callback([o, exit_code] { *exit_code = run_bench(*o); });
}

}  // namespace sinan::apps
