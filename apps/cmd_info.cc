// sinan info MODEL [--tensors]: what a model file holds and what running it costs.
#include <fmt/format.h>

#include "apps/cli_util.h"
#include "apps/commands.h"
#include "model/model_info.h"

namespace sinan::apps {
namespace {

struct InfoOptions {
  std::string model;
  bool tensors = false;
};

std::string human_count(double n) {
  if (n >= 1e9) return fmt::format("{:.2f}B", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1e3) return fmt::format("{:.1f}K", n / 1e3);
  return fmt::format("{}", n);
}

std::string human_bytes(double n) {
  if (n >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", n / (1024.0 * 1024 * 1024));
  if (n >= 1024.0 * 1024) return fmt::format("{:.2f} MiB", n / (1024.0 * 1024));
  if (n >= 1024.0) return fmt::format("{:.1f} KiB", n / 1024.0);
  return fmt::format("{} B", n);
}

int run_info(const InfoOptions& options) {
  auto loaded = load_model_verbose(options.model);
  if (!loaded.ok()) return fail("info", loaded.message());
  const Model& model = **loaded;
  const ModelConfig& c = model.config();
  const ModelSummary s = summarize_model(model);

  fmt::print("model: {}\n", options.model);
  for (const auto& [key, value] : describe_config(c)) fmt::print("  {:<26} {}\n", key + ":", value);
  fmt::print("parameters: {} ({})", human_count(static_cast<double>(s.parameters)), s.parameters);
  if (s.mtp_parameters > 0) fmt::print(", of which {} in MTP layers", human_count(static_cast<double>(s.mtp_parameters)));
  fmt::print("\n");
  if (c.n_routed_experts > 0) {
    fmt::print("active parameters per token: {}\n", human_count(static_cast<double>(s.active_parameters)));
  }
  fmt::print("bytes by type:\n");
  for (const auto& [dtype, totals] : s.by_dtype) {
    fmt::print("  {:<10} {:>6} tensors {:>14} values {:>12}\n", dtype, totals.tensors, totals.elements,
               human_bytes(static_cast<double>(totals.bytes)));
  }
  const int64_t per_token = s.kv_values_per_token;
  fmt::print("KV cache per token: {} values = {} in float32, {} in 16-bit", per_token,
             human_bytes(static_cast<double>(per_token * 4)), human_bytes(static_cast<double>(per_token * 2)));
  if (c.arch == Architecture::kDeepseek2) {
    fmt::print(" (MLA latent {} + rope key {} per layer; per-head K and V would take {} values, {:.1f}x more)",
               c.kv_lora_rank, c.qk_rope_head_dim, s.kv_values_per_token_uncompressed,
               static_cast<double>(s.kv_values_per_token_uncompressed) / static_cast<double>(per_token));
  }
  fmt::print("\n");
  if (options.tensors) {
    fmt::print("tensors ({}):\n", model.files().tensors().size());
    fmt::print("  {:<52} {:<9} {:<22} {:>12}\n", "name", "type", "shape", "bytes");
    for (const TensorInfo& t : model.files().tensors()) {
      fmt::print("  {:<52} {:<9} {:<22} {:>12}\n", t.name, dtype_name(t.dtype), shape_string(t.shape), t.nbytes);
    }
  }
  return 0;
}

}  // namespace

void add_info_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<InfoOptions>();
  CLI::App* cmd = app.add_subcommand("info", "Show a model's architecture, config, size and KV cache cost");
  cmd->footer(
      "Examples:\n"
      "  sinan info model.gguf\n"
      "  sinan info ./DeepSeek-R1-Distill-Qwen-1.5B --tensors   (a Hugging Face directory)");
  cmd->add_option("MODEL", options->model, "A .gguf file or a Hugging Face model directory")->required();
  cmd->add_flag("--tensors", options->tensors, "Also list every tensor with its type, shape and size");
  cmd->callback([options, exit_code] { *exit_code = run_info(*options); });
}

}  // namespace sinan::apps
