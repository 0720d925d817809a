#include "text/gguf_presets.h"

namespace sinan::text {
namespace {

// DeepSeek-V3 / R1: digits in groups of up to three, runs of CJK ideographs and kana, then the main split.
constexpr const char* kDeepSeekV3Digits = "\\p{N}{1,3}";
constexpr const char* kDeepSeekV3Cjk = "[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+";
constexpr const char* kDeepSeekV3Main =
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
    " ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// DeepSeek LLM (the V2 tokenizer) and DeepSeek Coder: newlines alone, letter runs with an optional leading
// space, punctuation runs, trailing space, CJK/Hangul runs, then single digits (HF's Digits with
// individual_digits). The letter class of deepseek-llm is Unicode's cased letters (L&) written out.
constexpr const char* kNewline = "[\\r\\n]";
constexpr const char* kDeepSeekLlmLetters =
    "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}"
    "\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}"
    "\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}"
    "\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}"
    "\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}"
    "\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}"
    "\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}"
    "\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}"
    "\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}"
    "\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}"
    "\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}"
    "\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}"
    "\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}"
    "\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{"
    "118DF}"
    "\\x{1E900}-\\x{1E943}]+";
constexpr const char* kDeepSeekLlmPunctuation =
    "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+";
constexpr const char* kTrailingSpace = "\\s+$";
constexpr const char* kCjkHangul = "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+";
constexpr const char* kSingleDigit = "\\p{N}";
constexpr const char* kDeepSeekCoderLetters = "\\s?\\p{L}+";
constexpr const char* kDeepSeekCoderPunctuation = "\\s?\\p{P}+";

// Qwen2 (and R1-Distill-Qwen): GPT-4-style split with single digits.
constexpr const char* kQwen2 =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
// Llama 3 (and R1-Distill-Llama): the same with digits in groups of up to three.
constexpr const char* kLlama3 =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

}  // namespace

std::string_view supported_pre_tokenizer_names() {
  return "deepseek-v3, deepseek-llm, deepseek-coder, qwen2, deepseek-r1-qwen, llama-bpe, llama3, llama-v3";
}

Result<PreTokenizerPreset> pre_tokenizer_preset(std::string_view pre) {
  PreTokenizerPreset preset;
  if (pre == "deepseek-v3") {
    preset.isolated_splits = {kDeepSeekV3Digits, kDeepSeekV3Cjk, kDeepSeekV3Main};
  } else if (pre == "deepseek-llm") {
    preset.isolated_splits = {kNewline,       kDeepSeekLlmLetters, kDeepSeekLlmPunctuation,
                              kTrailingSpace, kCjkHangul,          kSingleDigit};
  } else if (pre == "deepseek-coder") {
    preset.isolated_splits = {kNewline, kDeepSeekCoderLetters, kDeepSeekCoderPunctuation, kCjkHangul,
                              kSingleDigit};
  } else if (pre == "qwen2" || pre == "deepseek-r1-qwen") {
    preset.isolated_splits = {kQwen2};
    preset.normalizer = {NormalForm::kNFC};  // Qwen2's tokenizer.json normalizes to NFC
  } else if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3") {
    preset.isolated_splits = {kLlama3};
    preset.ignore_merges = true;  // Llama 3's tokenizer.json sets ignore_merges
  } else {
    return Status::errorf("unknown pre-tokenizer '{}' (tokenizer.ggml.pre); sinan supports {}", pre,
                          supported_pre_tokenizer_names());
  }
  return preset;
}

}  // namespace sinan::text
