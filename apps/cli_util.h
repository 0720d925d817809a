// Small helpers shared by the subcommands: loading a model with its warnings shown, error exits.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <string>

#include "model/model.h"

namespace sinan::apps {

// Prints "sinan <command>: <message>" on stderr and returns the failure exit code.
inline int fail(const std::string& command, const std::string& message) {
  fmt::print(stderr, "sinan {}: {}\n", command, message);
  return 1;
}

// Loads a model, printing load warnings on stderr.
inline Result<std::unique_ptr<Model>> load_model_verbose(const std::string& path) {
  LoadReport report;
  auto model = Model::load(path, &report);
  for (const auto& warning : report.warnings) fmt::print(stderr, "warning: {}\n", warning);
  return model;
}

}  // namespace sinan::apps
