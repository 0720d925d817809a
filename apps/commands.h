// Each subcommand of the sinan binary lives in its own file (cmd_<name>.cc) and adds itself to the CLI
// through one function declared here. A command's callback stores its exit status in *exit_code
// (0 = success); failures print one line on stderr.
#pragma once

#include <CLI/CLI.hpp>

namespace sinan::apps {

// sinan template: render a chat template over conversations (cmd_template.cc).
void add_template_command(CLI::App& app, int* exit_code);

}  // namespace sinan::apps
