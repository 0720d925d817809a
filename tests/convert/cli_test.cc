// The quantize, convert and synth commands as a user runs them: help that teaches, errors that name the
// file, the summary line and the progress bar.
#include <gtest/gtest.h>

#include <filesystem>

#include "../apps/run_command.h"
#include "convert_test_util.h"

namespace sinan {
namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(ConvertCli, HelpTeaches) {
  const CommandResult quantize = run_sinan("quantize --help");
  EXPECT_EQ(quantize.exit_code, 0);
  for (const char* part : {"Examples:", "q4_K_M", "iq4_xs", "--dry-run", "FP8", "llama-quantize"}) {
    EXPECT_TRUE(contains(quantize.output, part)) << part << "\n" << quantize.output;
  }
  const CommandResult convert = run_sinan("convert --help");
  EXPECT_EQ(convert.exit_code, 0);
  EXPECT_TRUE(contains(convert.output, "bf16 by default")) << convert.output;
  const CommandResult synth = run_sinan("synth --help");
  EXPECT_EQ(synth.exit_code, 0);
  for (const char* part : {"r1-distill-qwen-7b", "deepseek-v3-reduced", "--layers", "Examples:"}) {
    EXPECT_TRUE(contains(synth.output, part)) << part;
  }
  const CommandResult list = run_sinan("synth --list");
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_TRUE(contains(list.output, "deepseek-v2-lite"));
}

TEST(ConvertCli, ErrorsNameTheFileAndTheChoices) {
  ScratchDir dir;
  const CommandResult missing =
      run_sinan("quantize /no/such/model.gguf " + dir.file("o.gguf") + " --type q4_K_M");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.output, "/no/such/model.gguf")) << missing.output;
  const CommandResult bad_type = run_sinan("quantize " + test_data("gguf/qwen2-bf16.gguf") + " " +
                                           dir.file("o.gguf") + " --type q4_K_X");
  EXPECT_EQ(bad_type.exit_code, 1);
  EXPECT_TRUE(contains(bad_type.output, "q4_K_X") && contains(bad_type.output, "q5_K_M")) << bad_type.output;
  // A truncated GGUF is refused with its name.
  const std::vector<char> bytes = read_binary(test_data("gguf/qwen2-bf16.gguf"));
  {
    std::ofstream out(dir.file("cut.gguf"), std::ios::binary);
    out.write(bytes.data(), 100000);
  }
  const CommandResult cut =
      run_sinan("quantize " + dir.file("cut.gguf") + " " + dir.file("o.gguf") + " --type q8_0");
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_TRUE(contains(cut.output, "cut.gguf")) << cut.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.gguf")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.gguf.part")));
  const CommandResult no_output = run_sinan("synth tiny-qwen2 --type q8_0");
  EXPECT_EQ(no_output.exit_code, 1);
  EXPECT_TRUE(contains(no_output.output, "-o")) << no_output.output;
}

TEST(ConvertCli, DryRunShowsEachTensorsTypeAndFallbacks) {
  const CommandResult r =
      run_sinan("quantize " + test_data("gguf/llama-bf16.gguf") + " --type q4_K_M --dry-run");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "output.weight")) << r.output;
  EXPECT_TRUE(contains(r.output, "(wanted q6_K: rows of 128 are not whole blocks)")) << r.output;
  EXPECT_TRUE(contains(r.output, "blk.0.attn_norm.weight")) << r.output;
  EXPECT_TRUE(contains(r.output, "31 tensors")) << r.output;
}

TEST(ConvertCli, ConvertWritesTheFileWithASummaryOrAProgressBar) {
  ScratchDir dir;
  const std::string hf = make_hf_dir(dir, "qwen2");
  const CommandResult quiet = run_sinan("convert " + hf + " " + dir.file("q.gguf"));
  EXPECT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_TRUE(contains(quiet.output, "wrote " + dir.file("q.gguf") + ": 39 tensors, bf16")) << quiet.output;
  EXPECT_FALSE(contains(quiet.output, " left")) << quiet.output;  // not a terminal: no bar
  EXPECT_EQ(read_binary(dir.file("q.gguf")), read_binary(test_data("gguf/qwen2-bf16.gguf")));

  const CommandResult bar =
      run_sinan("quantize " + hf + " " + dir.file("q4.gguf") + " --type q4_K_M --progress");
  EXPECT_EQ(bar.exit_code, 0) << bar.output;
  for (const char* part : {"MB/s", " left", "100%", "wrote"}) EXPECT_TRUE(contains(bar.output, part)) << part;

  const CommandResult synth =
      run_sinan("synth tiny-llama -o " + dir.file("s.gguf") + " --type q8_0 --seed 3");
  EXPECT_EQ(synth.exit_code, 0) << synth.output;
  EXPECT_TRUE(contains(synth.output, "wrote " + dir.file("s.gguf") + ": tiny-llama")) << synth.output;
}

}  // namespace
}  // namespace sinan
