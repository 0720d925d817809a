// Hugging Face -> GGUF: every fixture model converts to the file llama.cpp's convert_hf_to_gguf.py writes
// (tests/data/gguf/<model>-bf16.gguf), byte for byte; sinan's logits on the converted file equal those on
// the Hugging Face directory; the tokenizer metadata encodes text as the Hugging Face tokenizer does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "convert/convert.h"
#include "convert/gguf_layout.h"
#include "convert_test_util.h"
#include "gguf_diff.h"
#include "io/safetensors.h"
#include "model/fixture.h"
#include "model/logits_compare.h"
#include "safetensors_writer.h"
#include "text/tokenizer.h"

namespace sinan {
namespace {

Result<WriteSummary> convert(const std::string& input, const std::string& output, FileType type,
                             const HfOptions& options = {}) {
  SINAN_ASSIGN_OR_RETURN(ConversionPlan plan, open_conversion_input(input, options));
  WriteOptions w;
  w.threads = 2;
  return write_gguf(plan, type, output, w);
}

class Bf16Conversion : public ::testing::TestWithParam<std::string> {};

// The whole file, metadata order and tensor order included, is the one llama.cpp's converter wrote.
TEST_P(Bf16Conversion, IsLlamaCppsFileByteForByte) {
  const std::string family = GetParam();
  ScratchDir dir;
  const std::string hf = make_hf_dir(dir, family);
  const std::string out = dir.file(family + "-bf16.gguf");
  auto written = convert(hf, out, FileType::kBF16);
  ASSERT_TRUE(written.ok()) << written.message();
  const std::string reference = test_data("gguf/" + family + "-bf16.gguf");

  auto got = GgufFile::open(out);
  auto want = GgufFile::open(reference);
  ASSERT_TRUE(got.ok() && want.ok());
  for (const auto& d : gguf_differences(*got, *want)) ADD_FAILURE() << family << ": " << d;
  EXPECT_EQ(read_binary(out), read_binary(reference)) << family << ": the files differ (order or padding)";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Bf16Conversion,
                         ::testing::Values("deepseek_v3", "deepseek_v2", "qwen2", "llama"));

struct LogitsCase {
  std::string family;
  FileType type;
  double max_relative_error;  // against sinan on the Hugging Face directory
};

std::ostream& operator<<(std::ostream& os, const LogitsCase& c) {
  return os << c.family << "_" << file_type_info(c.type).name;
}

class ConvertedLogits : public ::testing::TestWithParam<LogitsCase> {};

// bf16 checkpoints convert exactly, so only summation order may differ (llama's q/k permutation, MLA's
// transposed attn_k_b): 1e-6. FP8 weights convert exactly to f32.
TEST_P(ConvertedLogits, EqualThoseOfTheHuggingFaceDirectory) {
  const LogitsCase& c = GetParam();
  ScratchDir dir;
  const std::string hf = make_hf_dir(dir, c.family);
  const std::string out = dir.file("converted.gguf");
  auto written = convert(hf, out, c.type);
  ASSERT_TRUE(written.ok()) << written.message();
  auto hf_model = load_or_fail(hf);
  auto gguf_model = load_or_fail(out);
  ASSERT_TRUE(hf_model && gguf_model);
  for (const LogitsFixture& f : load_logits_fixtures(c.family)) {
    const std::vector<float> want = prefill_logits(*hf_model, f.tokens);
    const std::vector<float> got = prefill_logits(*gguf_model, f.tokens);
    const auto rows = static_cast<int64_t>(f.tokens.size());
    const LogitsComparison cmp = compare_logits(got.data(), want.data(), rows, f.vocab);
    EXPECT_LE(cmp.relative_error, c.max_relative_error) << rows << " tokens";
    EXPECT_EQ(cmp.top1_agree, rows);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ConvertedLogits,
                         ::testing::Values(LogitsCase{"deepseek_v3", FileType::kBF16, 1e-6},
                                           LogitsCase{"deepseek_v2", FileType::kBF16, 1e-6},
                                           LogitsCase{"qwen2", FileType::kBF16, 1e-6},
                                           LogitsCase{"llama", FileType::kBF16, 1e-6},
                                           LogitsCase{"deepseek_v3_fp8", FileType::kF32, 1e-6}));

// FP8 -> bf16 rounds every dequantized weight to bf16 (as llama.cpp's converter does): no longer exact,
// and on this tiny MoE the rounding flips a few near-tie routing decisions. Quantizing the FP8 checkpoint
// directly (q8_0 here) never goes through bf16.
TEST(Fp8Conversion, Bf16AndQ8_0StayCloseToTheReference) {
  ScratchDir dir;
  const std::string hf = make_hf_dir(dir, "deepseek_v3_fp8");
  for (FileType type : {FileType::kBF16, FileType::kQ8_0}) {
    const std::string out = dir.file(std::string(file_type_info(type).name) + ".gguf");
    auto written = convert(hf, out, type);
    ASSERT_TRUE(written.ok()) << written.message();
    auto model = load_or_fail(out);
    ASSERT_TRUE(model);
    double kl = 0;
    int64_t rows = 0;
    for (const LogitsFixture& f : load_logits_fixtures("deepseek_v3_fp8")) {
      const std::vector<float> got = prefill_logits(*model, f.tokens);
      const auto n = static_cast<int64_t>(f.tokens.size());
      kl += compare_logits(got.data(), f.logits.data(), n, f.vocab).mean_kl * static_cast<double>(n);
      rows += n;
    }
    kl /= static_cast<double>(rows);
    RecordProperty(std::string("mean_kl_") + std::string(file_type_info(type).name), std::to_string(kl));
    EXPECT_LE(kl, type == FileType::kBF16 ? 1e-3 : 5e-3) << file_type_info(type).name;
  }
}

// Quantizing a Hugging Face directory directly gives what llama.cpp's two steps give (convert to bf16, then
// llama-quantize): the same metadata, tensor types and bytes; only the tensor order is the converter's.
TEST(HfQuantize, DirectEqualsConvertThenQuantize) {
  for (const std::string family : {"deepseek_v3", "qwen2", "llama"}) {
    for (FileType type : {FileType::kQ4_K_M, FileType::kQ3_K_M, FileType::kIQ4_XS}) {
      ScratchDir dir;
      const std::string direct = dir.file("direct.gguf"), two_step = dir.file("two-step.gguf");
      ASSERT_TRUE(convert(make_hf_dir(dir, family), direct, type).ok());
      ASSERT_TRUE(convert(test_data("gguf/" + family + "-bf16.gguf"), two_step, type).ok());
      auto a = GgufFile::open(direct);
      auto b = GgufFile::open(two_step);
      ASSERT_TRUE(a.ok() && b.ok());
      for (const auto& d : gguf_differences(*a, *b))
        ADD_FAILURE() << family << " " << file_type_info(type).name << ": " << d;
    }
  }
}

// generation_config.json's sampling settings travel as general.sampling.*, where sinan run finds its
// defaults.
TEST(HfMetadata, SamplingDefaultsFromGenerationConfig) {
  ScratchDir dir;
  const std::string hf = make_hf_dir(dir, "qwen2");
  std::ofstream(hf + "/generation_config.json")
      << R"({"do_sample": true, "temperature": 0.6, "top_p": 0.95, "top_k": 40})";
  const std::string out = dir.file("q.gguf");
  ASSERT_TRUE(convert(hf, out, FileType::kBF16).ok());
  auto gguf = GgufFile::open(out);
  ASSERT_TRUE(gguf.ok());
  EXPECT_FLOAT_EQ(static_cast<float>(**gguf->get_float("general.sampling.temp")), 0.6f);
  EXPECT_FLOAT_EQ(static_cast<float>(**gguf->get_float("general.sampling.top_p")), 0.95f);
  EXPECT_EQ(**gguf->get_int("general.sampling.top_k"), 40);
  EXPECT_EQ(gguf->find("general.sampling.min_p"), nullptr);
  EXPECT_EQ(gguf->metadata()[2].first,
            "general.sampling.top_k");  // before general.name, as llama.cpp writes them
}

// The plan of every fixture holds exactly the tensors llama.cpp's layout names for its config.
TEST(HfPlan, TensorsAreTheGgufLayout) {
  for (const std::string family : {"deepseek_v3", "deepseek_v2", "qwen2", "llama", "deepseek_v3_fp8"}) {
    ScratchDir dir;
    auto plan = plan_from_hf(make_hf_dir(dir, family));
    ASSERT_TRUE(plan.ok()) << plan.message();
    auto config = read_hf_config(test_data("models/" + family + "/config.json"));
    ASSERT_TRUE(config.ok());
    std::vector<std::pair<std::string, std::vector<int64_t>>> planned, layout;
    for (const auto& t : plan->tensors) planned.emplace_back(t.name, t.shape);
    for (const auto& t : gguf_tensor_layout(*config)) layout.emplace_back(t.name, t.shape);
    std::sort(planned.begin(), planned.end());
    std::sort(layout.begin(), layout.end());
    EXPECT_EQ(planned, layout) << family;
    EXPECT_TRUE(plan->notes.empty()) << family << ": " << plan->notes.front();
  }
}

// A DeepSeek-V3 checkpoint with one multi-token-prediction layer (model.layers.3: a decoder block plus enorm,
// hnorm, eh_proj and shared_head, as DeepSeek ships layer 61): the GGUF holds it as blk.3 with nextn.*
// tensors, block_count 4 and nextn_predict_layers 1, as llama.cpp's loader expects; the normal forward is
// unchanged.
std::string make_mtp_checkpoint(const ScratchDir& dir) {
  const std::string hf = make_hf_dir(dir, "deepseek_v3");
  auto archive = SafetensorsArchive::open(test_data("models/deepseek_v3/model.safetensors"));
  EXPECT_TRUE(archive.ok());
  std::vector<RawTensor> tensors;
  for (const TensorInfo& t : archive->tensors()) {
    tensors.push_back(raw_from(t));
    const std::string prefix = "model.layers.2.";
    if (t.name.rfind(prefix, 0) == 0)
      tensors.push_back(raw_from(t, "model.layers.3." + t.name.substr(prefix.size())));
  }
  const TensorInfo* norm = archive->find("model.norm.weight");
  const TensorInfo* o_proj = archive->find("model.layers.0.self_attn.o_proj.weight");  // [128, 128] bf16
  for (const char* name : {"enorm", "hnorm", "shared_head.norm"}) {
    tensors.push_back(raw_from(*norm, std::string("model.layers.3.") + name + ".weight"));
  }
  RawTensor eh =
      raw_from(*o_proj, "model.layers.3.eh_proj.weight");  // [hidden, 2 * hidden]: two o_proj side by side
  eh.shape = {128, 256};
  eh.data.clear();
  for (int r = 0; r < 128; ++r) {
    for (int copy = 0; copy < 2; ++copy)
      eh.data.insert(eh.data.end(), o_proj->data + r * 256, o_proj->data + (r + 1) * 256);
  }
  tensors.push_back(eh);
  write_safetensors(hf + "/model.safetensors", tensors);
  auto config = nlohmann::json::parse(*read_text_file(hf + "/config.json"));
  config["num_nextn_predict_layers"] = 1;
  std::ofstream(hf + "/config.json") << config.dump(1);
  return hf;
}

TEST(HfMtp, MultiTokenPredictionLayersBecomeNextnBlocks) {
  ScratchDir dir;
  const std::string hf = make_mtp_checkpoint(dir);
  const std::string with = dir.file("mtp.gguf"), without = dir.file("no-mtp.gguf");
  ASSERT_TRUE(convert(hf, with, FileType::kBF16).ok());
  HfOptions no_mtp;
  no_mtp.include_mtp = false;
  auto plan = plan_from_hf(hf, no_mtp);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->notes.size(), 2u);  // the MTP layer left out, and its tensors unused
  EXPECT_NE(plan->notes[0].find("--no-mtp"), std::string::npos) << plan->notes[0];
  ASSERT_TRUE(write_gguf(*plan, FileType::kBF16, without, {}).ok());

  auto gguf = GgufFile::open(with);
  ASSERT_TRUE(gguf.ok());
  EXPECT_EQ(*gguf->get_int("deepseek2.block_count"), 4);
  EXPECT_EQ(*gguf->get_int("deepseek2.nextn_predict_layers"), 1);
  for (const char* name :
       {"blk.3.nextn.eh_proj.weight", "blk.3.nextn.enorm.weight", "blk.3.nextn.hnorm.weight",
        "blk.3.nextn.shared_head_norm.weight", "blk.3.attn_k_b.weight", "blk.3.ffn_up_exps.weight"}) {
    EXPECT_NE(gguf->find_tensor(name), nullptr) << name;
  }
  EXPECT_EQ(gguf->find_tensor("blk.3.nextn.eh_proj.weight")->shape, (std::vector<int64_t>{128, 256}));
  auto plain = GgufFile::open(without);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain->get_int("deepseek2.block_count"), 3);
  EXPECT_EQ(plain->find("deepseek2.nextn_predict_layers"), nullptr);
  // Without the MTP layer the file is the plain conversion, byte for byte.
  EXPECT_EQ(read_binary(without), read_binary(test_data("gguf/deepseek_v3-bf16.gguf")));

  auto model = load_or_fail(with);
  ASSERT_TRUE(model);
  EXPECT_EQ(model->config().n_layers, 3);
  EXPECT_EQ(model->config().n_mtp_layers, 1);
  EXPECT_EQ(model->weights().mtp.size(), 1u);
  auto reference = load_or_fail(test_data("gguf/deepseek_v3-bf16.gguf"));
  const LogitsFixture f = load_logits_fixtures("deepseek_v3")[1];
  EXPECT_EQ(prefill_logits(*model, f.tokens), prefill_logits(*reference, f.tokens));
}

std::vector<std::string> read_jsonl_strings(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    out.push_back(nlohmann::json::parse(line).get<std::string>());
  return out;
}

std::vector<std::vector<int32_t>> read_jsonl_ids(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<int32_t>> out;
  for (std::string line; std::getline(in, line);)
    out.push_back(nlohmann::json::parse(line).get<std::vector<int32_t>>());
  return out;
}

// The converted GGUF's tokenizer (tokenizer.ggml.* read back by sinan) encodes the public corpus to the ids
// Hugging Face tokenizers gave for the same truncated tokenizer.
TEST(HfTokenizerMetadata, EncodesTheCorpusLikeHuggingFace) {
  const std::pair<const char*, const char*> cases[] = {
      {"deepseek_v3", "deepseek_v3"}, {"qwen2", "qwen3"}, {"llama", "llama3_1"}};
  const std::vector<std::string> corpus = read_jsonl_strings(test_data("tokenizers/corpus_public.jsonl"));
  for (const auto& [family, ids_dir] : cases) {
    ScratchDir dir;
    const std::string out = dir.file("model.gguf");
    auto written = convert(make_hf_dir(dir, family), out, FileType::kBF16);
    ASSERT_TRUE(written.ok()) << written.message();
    auto gguf = GgufFile::open(out);
    ASSERT_TRUE(gguf.ok());
    auto tokenizer = Tokenizer::from_gguf(*gguf);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.message();
    const auto expected =
        read_jsonl_ids(test_data(std::string("tokenizers/") + ids_dir + "/tiny_corpus_public.ids.jsonl"));
    ASSERT_EQ(expected.size(), corpus.size());
    for (size_t i = 0; i < corpus.size(); ++i) {
      auto ids = tokenizer->encode(corpus[i]);
      ASSERT_TRUE(ids.ok());
      EXPECT_EQ(*ids, expected[i]) << family << " line " << i + 1;
    }
  }
}

// The real tokenizers of the R1 family are recognised under the names llama.cpp gives them.
TEST(HfTokenizerMetadata, RecognisesTheRealPreTokenizers) {
  const std::string data = SINAN_TEXT_BUILD_DATA_DIR;
  const std::tuple<const char*, bool, const char*> cases[] = {
      {"deepseek_v3", true, "deepseek-v3"},
      {"qwen3", false, "qwen2"},
      {"qwen3", true, "deepseek-r1-qwen"},  // R1-Distill-Qwen: Qwen2's split, plus a BOS
      {"llama3_1", true, "llama-bpe"},
  };
  for (const auto& [name, adds_bos, want] : cases) {
    auto text = read_text_file(data + "/tokenizers/" + name + "/tokenizer.json");
    ASSERT_TRUE(text.ok()) << text.message();
    auto pre = recognise_pre_tokenizer(nlohmann::json::parse(*text), adds_bos, name);
    ASSERT_TRUE(pre.ok()) << pre.message();
    EXPECT_EQ(*pre, want) << name;
  }
  auto unknown = recognise_pre_tokenizer(
      nlohmann::json::parse(R"({"pre_tokenizer": {"type": "Whitespace"}})"), false, "tokenizer.json");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("--tokenizer-pre"), std::string::npos) << unknown.message();
}

// Real tokenizer files convert to metadata sinan reads back into the same tokenizer: the full vocabularies
// of DeepSeek-V3 and Llama 3 encode the corpus to Hugging Face's ids.
TEST(HfTokenizerMetadata, RealTokenizersRoundTrip) {
  const std::string data = SINAN_TEXT_BUILD_DATA_DIR;
  const std::vector<std::string> corpus = read_jsonl_strings(test_data("tokenizers/corpus_public.jsonl"));
  const std::tuple<const char*, Architecture, int64_t> cases[] = {
      {"deepseek_v3", Architecture::kDeepseek2, 129280},
      {"llama3_1", Architecture::kLlama, 128256},
      {"qwen3", Architecture::kQwen2, 151936}};
  for (const auto& [name, arch, vocab] : cases) {
    ScratchDir dir;
    namespace fs = std::filesystem;
    fs::copy_file(data + "/tokenizers/" + name + "/tokenizer.json", dir.file("tokenizer.json"));
    fs::copy_file(test_data(std::string("tokenizers/") + name + "/tokenizer_config.json"),
                  dir.file("tokenizer_config.json"));
    GgufWriter metadata;
    metadata.set_string("general.architecture", architecture_name(arch));
    const Status s =
        add_hf_tokenizer_metadata(dir.file(""), nlohmann::json::object(), arch, vocab, "", &metadata);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_TRUE(metadata.write(dir.file("vocab.gguf")).ok());
    auto gguf = GgufFile::open(dir.file("vocab.gguf"));
    ASSERT_TRUE(gguf.ok()) << gguf.message();
    auto tokenizer = Tokenizer::from_gguf(*gguf);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.message();
    EXPECT_EQ(tokenizer->n_vocab(), vocab);
    const auto expected =
        read_jsonl_ids(test_data(std::string("tokenizers/") + name + "/corpus_public.ids.jsonl"));
    for (size_t i = 0; i < corpus.size(); ++i) {
      auto ids = tokenizer->encode(corpus[i]);
      ASSERT_TRUE(ids.ok());
      EXPECT_EQ(*ids, expected[i]) << name << " line " << i + 1;
    }
  }
}

}  // namespace
}  // namespace sinan
