// sinan: run, inspect and serve the DeepSeek-R1 family of models. See `sinan --help`.
#include <CLI/CLI.hpp>

#include "apps/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "sinan: an inference engine for DeepSeek-R1, V3, V2 and the R1-Distill models.\n"
      "MODEL arguments take a .gguf file or a Hugging Face model directory (config.json + safetensors)."};
  app.set_version_flag("--version", "sinan 0.1.0");
  app.require_subcommand(1);
  int exit_code = 0;
  sinan::apps::add_run_command(app, &exit_code);
  sinan::apps::add_serve_command(app, &exit_code);
  sinan::apps::add_bench_command(app, &exit_code);
  sinan::apps::add_info_command(app, &exit_code);
  sinan::apps::add_logits_command(app, &exit_code);
  sinan::apps::add_tokenize_commands(app, &exit_code);
  sinan::apps::add_template_command(app, &exit_code);
  sinan::apps::add_quantize_commands(app, &exit_code);
  sinan::apps::add_synth_command(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
