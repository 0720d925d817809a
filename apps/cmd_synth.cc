// sinan synth PRESET -o FILE.gguf --type TYPE: a random-weight model with the real shapes of an R1-family
// model, written straight into the target type, for benchmarks.
#include <fmt/format.h>
#include <unistd.h>

#include "apps/cli_util.h"
#include "apps/commands.h"
#include "convert/convert.h"
#include "convert/progress.h"

namespace sinan::apps {
namespace {

struct SynthCliOptions {
  std::string preset;
  std::string output;
  std::string type = "q8_0";
  SynthOptions synth;
  int threads = 0;
  bool progress = false;
  bool list = false;
};

std::string preset_table() {
  std::string out;
  for (const auto& p : synth_presets()) out += fmt::format("  {:<22} {}\n", p.name, p.description);
  return out;
}

int run_synth(const SynthCliOptions& o) {
  if (o.list || o.preset.empty()) {
    fmt::print("{}", preset_table());
    return o.list ? 0 : fail("synth", "name a preset");
  }
  const std::optional<FileType> type = file_type_from_name(o.type);
  if (!type)
    return fail("synth", fmt::format("unknown --type '{}' (choose from {})", o.type, file_type_names()));
  if (o.output.empty()) return fail("synth", "name the output file with -o FILE.gguf");
  auto plan = plan_synthetic(o.preset, o.synth);
  if (!plan.ok()) return fail("synth", plan.message());
  WriteOptions w;
  w.threads = o.threads;
  w.progress = o.progress || isatty(STDERR_FILENO) != 0;
  auto written = write_gguf(*plan, *type, o.output, w);
  if (!written.ok()) return fail("synth", fmt::format("{}: {}", o.output, written.message()));
  fmt::print(stderr, "wrote {}: {} ({} tensors, {} parameters), {}, {} in {} ({:.1f} MB/s)\n", o.output,
             o.preset, written->tensors.size(), written->parameters, file_type_info(*type).name,
             format_bytes(written->data_bytes), format_duration(written->seconds),
             static_cast<double>(written->data_bytes) / std::max(written->seconds, 1e-9) / 1e6);
  return 0;
}

}  // namespace

void add_synth_command(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<SynthCliOptions>();
  CLI::App* cmd = app.add_subcommand("synth", "Write a random-weight model with a real model's shapes");
  cmd->footer(
      "Weights are random (uniform, scaled so activations stay finite; norms 1), generated row by row and\n"
      "written straight into the target type, so a multi-GB model needs no more memory than a few MB. The\n"
      "tokenizer is a synthetic byte-level vocabulary of the real size with the real special-token ids. "
      "Both\n"
      "sinan and llama.cpp load the files: use them for speed, not for text.\n"
      "(llama.cpp recognises DeepSeek-V2-Lite by its 27 layers: deepseek-v2-lite with --layers loads in "
      "sinan only.)\n\n"
      "Presets:\n" +
      preset_table() +
      "\nExamples:\n"
      "  sinan synth r1-distill-qwen-7b -o /work/synth/qwen7b-q4_K_M.gguf --type q4_K_M\n"
      "  sinan synth deepseek-v3-reduced -o v3r-q8_0.gguf --type q8_0 --seed 7\n"
      "  sinan synth deepseek-v2-lite -o v2l-4layers.gguf --type q4_K_M --layers 4 --experts 16\n"
      "  sinan synth --list");
  cmd->add_option("PRESET", o->preset, "A preset name (see --list)");
  cmd->add_option("-o,--output", o->output, "The GGUF file to write");
  cmd->add_option("--type", o->type, "File type (default q8_0): " + file_type_names());
  cmd->add_option("--seed", o->synth.seed, "Random seed (default 0): the same seed gives the same file");
  cmd->add_option("--layers", o->synth.layers, "Decoder layers (default: the preset's)");
  cmd->add_option("--experts", o->synth.experts, "Routed experts of MoE presets (default: the preset's)");
  cmd->add_option("--threads,-t", o->threads, "Threads that quantize (default: all cores)");
  cmd->add_flag("--progress", o->progress, "Draw the progress bar even when stderr is not a terminal");
  cmd->add_flag("--list", o->list, "List the presets");
  cmd->callback([o, exit_code] { *exit_code = run_synth(*o); });
}

}  // namespace sinan::apps
