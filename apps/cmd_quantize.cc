// sinan quantize IN OUT --type TYPE, and sinan convert HF_DIR OUT.gguf (the same, bf16 by default):
// a GGUF or Hugging Face checkpoint -> a GGUF of any llama.cpp file type, written as llama.cpp writes it.
#include <fmt/format.h>
#include <unistd.h>

#include "apps/cli_util.h"
#include "apps/commands.h"
#include "convert/convert.h"
#include "convert/progress.h"

namespace sinan::apps {
namespace {

struct QuantizeOptions {
  std::string command;
  std::string input, output;
  std::string type;
  int threads = 0;
  bool progress = false;
  bool dry_run = false;
  bool no_mtp = false;
  std::string tokenizer_pre;
};

std::string type_table() {
  std::string out;
  for (const auto& t : all_file_types()) out += fmt::format("  {:<8} {}\n", t.name, t.summary);
  return out;
}

// The plan's per-tensor types without writing anything.
int print_dry_run(const ConversionPlan& plan, FileType type, const std::string& command) {
  auto choices = plan_tensor_types(plan, type);
  if (!choices.ok()) return fail(command, choices.message());
  uint64_t bytes = 0, params = 0;
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    const auto& t = plan.tensors[i];
    const MixChoice& c = (*choices)[i];
    const uint64_t size = *dtype_row_bytes(c.type, t.cols()) * static_cast<uint64_t>(t.rows());
    bytes += size;
    params += static_cast<uint64_t>(t.numel());
    fmt::print("{:<44} {:<24} {:<7}{}\n", t.name, shape_string(t.shape), dtype_name(c.type),
               c.fell_back ? fmt::format(" (wanted {}: rows of {} are not whole blocks)",
                                         dtype_name(c.wanted), t.cols())
                           : "");
  }
  fmt::print("{} tensors, {} parameters, {} ({:.2f} bits/weight)\n", plan.tensors.size(), params,
             format_bytes(bytes),
             params ? 8.0 * static_cast<double>(bytes) / static_cast<double>(params) : 0.0);
  return 0;
}

int run_quantize(const QuantizeOptions& o) {
  const std::optional<FileType> type = file_type_from_name(o.type);
  if (!type)
    return fail(o.command, fmt::format("unknown --type '{}' (choose from {})", o.type, file_type_names()));
  HfOptions hf;
  hf.include_mtp = !o.no_mtp;
  hf.tokenizer_pre = o.tokenizer_pre;
  auto plan = open_conversion_input(o.input, hf);
  if (!plan.ok()) return fail(o.command, plan.message());
  for (const auto& note : plan->notes) fmt::print(stderr, "note: {}\n", note);
  if (o.dry_run) return print_dry_run(*plan, *type, o.command);
  if (o.output.empty()) return fail(o.command, "name the output file (or use --dry-run)");

  WriteOptions w;
  w.threads = o.threads;
  w.progress = o.progress || isatty(STDERR_FILENO) != 0;
  auto written = write_gguf(*plan, *type, o.output, w);
  if (!written.ok()) return fail(o.command, fmt::format("{}: {}", o.output, written.message()));
  int fallbacks = 0;
  for (const auto& t : written->tensors) fallbacks += t.choice.fell_back;
  const double seconds = std::max(written->seconds, 1e-9);
  fmt::print(
      stderr, "wrote {}: {} tensors, {}, {} ({:.2f} bits/weight) in {} ({:.1f} MB/s){}\n", o.output,
      written->tensors.size(), file_type_info(*type).name, format_bytes(written->data_bytes),
      8.0 * static_cast<double>(written->data_bytes) /
          static_cast<double>(std::max<uint64_t>(written->parameters, 1)),
      format_duration(written->seconds), static_cast<double>(written->data_bytes) / seconds / 1e6,
      fallbacks ? fmt::format("; {} tensor(s) fell back to a type that fits their rows", fallbacks) : "");
  return 0;
}

CLI::App* add_common(CLI::App& app, const char* name, const char* summary,
                     std::shared_ptr<QuantizeOptions> o) {
  CLI::App* cmd = app.add_subcommand(name, summary);
  o->command = name;
  cmd->add_option("--threads,-t", o->threads, "Threads that quantize (default: all cores)");
  cmd->add_flag("--progress", o->progress, "Draw the progress bar even when stderr is not a terminal");
  cmd->add_flag("--dry-run", o->dry_run, "Print each tensor's type and the file size without writing");
  cmd->add_flag("--no-mtp", o->no_mtp, "Leave out DeepSeek's multi-token-prediction layers");
  cmd->add_option("--tokenizer-pre", o->tokenizer_pre,
                  "tokenizer.ggml.pre to write instead of the recognised one (deepseek-v3, deepseek-llm, "
                  "qwen2, deepseek-r1-qwen, llama-bpe)");
  return cmd;
}

}  // namespace

void add_quantize_commands(CLI::App& app, int* exit_code) {
  auto q = std::make_shared<QuantizeOptions>();
  CLI::App* quantize =
      add_common(app, "quantize", "Write a GGUF of another type from a GGUF or a Hugging Face model", q);
  quantize->footer(
      "Reads a .gguf file (any type sinan reads) or a Hugging Face directory (bf16, f16, f32, or DeepSeek's "
      "FP8\n"
      "with 128x128 block scales, dequantized tensor by tensor: no bf16 copy is ever written) and writes a "
      "GGUF\n"
      "that llama.cpp loads. The _S/_M/_L types are llama-quantize's mixes: the same tensors get the same\n"
      "types (output.weight q6_K, half of attn_v and ffn_down q6_K in q4_K_M, ...; rows that are not whole\n"
      "256-value blocks fall back as llama.cpp does). Norms, biases and the MoE router stay float32.\n\n"
      "Types:\n" +
      type_table() +
      "\nExamples:\n"
      "  sinan quantize DeepSeek-R1-Distill-Qwen-7B/ r1-qwen-7b-q4_K_M.gguf --type q4_K_M\n"
      "  sinan quantize r1-qwen-7b-bf16.gguf r1-qwen-7b-q8_0.gguf --type q8_0\n"
      "  sinan quantize DeepSeek-R1/ r1-q4_K_M.gguf --type q4_K_M --threads 16   (FP8 checkpoint)\n"
      "  sinan quantize model.gguf --type q3_K_M --dry-run     (show each tensor's type, write nothing)");
  quantize->add_option("IN", q->input, "A .gguf file or a Hugging Face model directory")->required();
  quantize->add_option("OUT", q->output, "The GGUF file to write");
  quantize->add_option("--type", q->type, "File type: " + file_type_names())->required();
  quantize->callback([q, exit_code] { *exit_code = run_quantize(*q); });

  auto c = std::make_shared<QuantizeOptions>();
  c->type = "bf16";
  CLI::App* convert =
      add_common(app, "convert", "Convert a Hugging Face model to GGUF (bf16 unless --type)", c);
  convert->footer(
      "The same as `sinan quantize` with --type bf16 by default: a Hugging Face checkpoint becomes the GGUF\n"
      "llama.cpp's convert_hf_to_gguf.py writes (its metadata keys, tokenizer, tensor names and layouts: "
      "llama's\n"
      "q/k rows permuted for adjacent-pair rope, MLA's kv_b_proj split into attn_k_b and attn_v_b, experts\n"
      "stacked). bf16 checkpoints convert exactly; DeepSeek's FP8 weights are scaled by their block scales "
      "and\n"
      "rounded to bf16 (use --type f32 to keep them exact, or quantize directly).\n\n"
      "Examples:\n"
      "  sinan convert DeepSeek-R1-Distill-Llama-8B/ r1-llama-8b-bf16.gguf\n"
      "  sinan convert DeepSeek-V2-Lite-Chat/ v2-lite-q8_0.gguf --type q8_0\n"
      "  sinan convert DeepSeek-V3/ v3.gguf --type q4_K_M --no-mtp");
  convert->add_option("HF_DIR", c->input, "A Hugging Face model directory (or a .gguf file)")->required();
  convert->add_option("OUT", c->output, "The GGUF file to write");
  convert->add_option("--type", c->type, "File type (default bf16): " + file_type_names());
  convert->callback([c, exit_code] { *exit_code = run_quantize(*c); });
}

}  // namespace sinan::apps
