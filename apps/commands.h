// Each subcommand of the sinan binary lives in its own file (cmd_<name>.cc) and adds itself to the CLI
// through one function declared here. A command's callback stores its exit status in *exit_code
// (0 = success); failures print one line on stderr.
#pragma once

#include <CLI/CLI.hpp>

namespace sinan::apps {

void add_info_command(CLI::App& app, int* exit_code);
void add_logits_command(CLI::App& app, int* exit_code);
void add_run_command(CLI::App& app, int* exit_code);
// sinan serve: the OpenAI/DeepSeek-compatible HTTP server (cmd_serve.cc).
void add_serve_command(CLI::App& app, int* exit_code);
void add_bench_command(CLI::App& app, int* exit_code);

// The bundled demo model: $SINAN_DEMO_MODEL, else models/demo/sinan-demo-bf16.gguf of the source tree.
std::string default_model_path();
// `sinan tokenize` and `sinan detokenize` (cmd_tokenize.cc).
void add_tokenize_commands(CLI::App& app, int* exit_code);
// `sinan quantize` and `sinan convert` (cmd_quantize.cc): GGUF / Hugging Face -> GGUF of any file type.
void add_quantize_commands(CLI::App& app, int* exit_code);
// sinan synth: random-weight models with the R1 family's shapes (cmd_synth.cc).
void add_synth_command(CLI::App& app, int* exit_code);
// sinan template: render a chat template over conversations (cmd_template.cc).
void add_template_command(CLI::App& app, int* exit_code);

}  // namespace sinan::apps
