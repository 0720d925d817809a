// Tokenizer::from_hf_json: Hugging Face tokenizer.json (+ tokenizer_config.json) -> TokenizerData.
// Interprets what the file says (normalizer, pre_tokenizer, model, added_tokens, decoder) and rejects, with
// the field named, anything whose behaviour sinan does not reproduce exactly.
#include <nlohmann/json.hpp>

#include "text/byte_level.h"
#include "text/tokenizer_data.h"
#include "text/utf8.h"

namespace sinan {
namespace {

using json = nlohmann::json;

// Regexes for HF pre-tokenizers that are not Split; written for Oniguruma like Split patterns. Rust's
// regex \w (used by Whitespace) and char::is_numeric / is_ascii_punctuation are spelled out.
constexpr std::string_view kRustWordChar = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}";
constexpr std::string_view kDigitPattern = "\\p{N}";
constexpr std::string_view kPunctuationPattern = "[\\p{P}!-/:-@\\[-`{-~]";

// Ids may leave a few holes, but an id far beyond the number of tokens is a broken file (and would make
// the id-indexed tables huge).
constexpr size_t kMaxUnusedIds = 4096;

class JsonReader {
 public:
  explicit JsonReader(std::string label) : label_(std::move(label)) {}
  const std::string& label() const { return label_; }

  Status error(const std::string& where, std::string_view what) const {
    return Status::errorf("{}: {}: {}", label_, where, what);
  }
  Status type_error(const std::string& where, std::string_view expected, const json& got) const {
    return error(where, fmt::format("expected {}, found {}", expected, got.type_name()));
  }

  // The member, or nullptr when it is absent or null.
  static const json* member(const json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

  Result<const json*> object_member(const json& object, const char* key, const std::string& where) const {
    const json* v = member(object, key);
    if (v == nullptr) return error(where, fmt::format("missing '{}'", key));
    return v;
  }

  Result<bool> get_bool(const json& object, const char* key, const std::string& where,
                        bool default_value) const {
    const json* v = member(object, key);
    if (v == nullptr) return default_value;
    if (!v->is_boolean()) return type_error(where + "." + key, "a boolean", *v);
    return v->get<bool>();
  }

  Result<std::string> get_string(const json& object, const char* key, const std::string& where) const {
    const json* v = member(object, key);
    if (v == nullptr) return error(where, fmt::format("missing '{}'", key));
    if (!v->is_string()) return type_error(where + "." + key, "a string", *v);
    return v->get<std::string>();
  }

  Result<std::optional<std::string>> get_optional_string(const json& object, const char* key,
                                                         const std::string& where) const {
    const json* v = member(object, key);
    if (v == nullptr) return std::optional<std::string>();
    if (!v->is_string()) return type_error(where + "." + key, "a string or null", *v);
    return std::optional<std::string>(v->get<std::string>());
  }

  Result<int32_t> get_id(const json& v, const std::string& where) const {
    if (!v.is_number_integer()) return type_error(where, "an integer id", v);
    const int64_t id = v.get<int64_t>();
    if (id < 0 || id >= (int64_t{1} << 30)) return error(where, fmt::format("id {} is out of range", id));
    return static_cast<int32_t>(id);
  }

 private:
  std::string label_;
};

Result<json> parse_json(std::string_view text, const std::string& label) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return Status::errorf("{}: not valid JSON: {}", label, e.what());
  }
}

Status parse_normalizer(const JsonReader& r, const json& n, const std::string& where,
                        std::vector<text::NormalForm>& steps) {
  if (n.is_null()) return Status();
  if (!n.is_object()) return r.type_error(where, "an object or null", n);
  SINAN_ASSIGN_OR_RETURN(std::string type, r.get_string(n, "type", where));
  if (type == "NFC") {
    steps.push_back(text::NormalForm::kNFC);
  } else if (type == "NFD") {
    steps.push_back(text::NormalForm::kNFD);
  } else if (type == "NFKC") {
    steps.push_back(text::NormalForm::kNFKC);
  } else if (type == "NFKD") {
    steps.push_back(text::NormalForm::kNFKD);
  } else if (type == "Sequence") {
    SINAN_ASSIGN_OR_RETURN(const json* list, r.object_member(n, "normalizers", where));
    if (!list->is_array()) return r.type_error(where + ".normalizers", "an array", *list);
    for (size_t i = 0; i < list->size(); ++i) {
      SINAN_RETURN_IF_ERROR(
          parse_normalizer(r, (*list)[i], fmt::format("{}.normalizers[{}]", where, i), steps));
    }
  } else {
    return r.error(where, fmt::format("normalizer type '{}' is not supported (sinan supports NFC, NFD, NFKC, "
                                      "NFKD and Sequence)",
                                      type));
  }
  return Status();
}

Result<text::SplitBehavior> parse_behavior(const JsonReader& r, const json& p, const std::string& where,
                                           text::SplitBehavior default_value) {
  SINAN_ASSIGN_OR_RETURN(std::optional<std::string> name, r.get_optional_string(p, "behavior", where));
  if (!name) return default_value;
  using B = text::SplitBehavior;
  for (B b : {B::kRemoved, B::kIsolated, B::kMergedWithPrevious, B::kMergedWithNext, B::kContiguous}) {
    if (*name == text::split_behavior_name(b)) return b;
  }
  return r.error(where + ".behavior", fmt::format("unknown split behavior '{}'", *name));
}

Result<text::Regex> compile_regex(const JsonReader& r, std::string_view pattern, const std::string& where) {
  Result<text::Regex> regex = text::Regex::compile(pattern);
  if (!regex.ok()) return r.error(where, regex.message());
  return regex;
}

struct PreTokenizerState {
  bool byte_level = false;  // a ByteLevel step was seen; it must be the last step
};

Status parse_pre_tokenizer(const JsonReader& r, const json& p, const std::string& where,
                           text::PreTokenizer& out, PreTokenizerState& state) {
  if (!p.is_object()) return r.type_error(where, "an object", p);
  SINAN_ASSIGN_OR_RETURN(std::string type, r.get_string(p, "type", where));
  if (type == "Sequence") {
    SINAN_ASSIGN_OR_RETURN(const json* list, r.object_member(p, "pretokenizers", where));
    if (!list->is_array()) return r.type_error(where + ".pretokenizers", "an array", *list);
    for (size_t i = 0; i < list->size(); ++i) {
      SINAN_RETURN_IF_ERROR(
          parse_pre_tokenizer(r, (*list)[i], fmt::format("{}.pretokenizers[{}]", where, i), out, state));
    }
    return Status();
  }
  if (state.byte_level) {
    // Later steps would see the byte-level spelling ('Ġ' for ' '); no DeepSeek/Qwen/Llama file does this.
    return r.error(where, fmt::format("a '{}' pre-tokenizer after ByteLevel is not supported", type));
  }
  if (type == "Split") {
    SINAN_ASSIGN_OR_RETURN(const json* pattern, r.object_member(p, "pattern", where));
    if (!pattern->is_object() || pattern->size() != 1) {
      return r.error(where + ".pattern", "expected {\"Regex\": ...} or {\"String\": ...}");
    }
    const std::string kind = pattern->begin().key();
    const json& value = pattern->begin().value();
    if (!value.is_string()) return r.type_error(where + ".pattern." + kind, "a string", value);
    Result<text::Regex> regex = Status::error("unset");
    if (kind == "Regex") {
      regex = compile_regex(r, value.get<std::string>(), where + ".pattern.Regex");
    } else if (kind == "String") {
      regex = text::Regex::literal(value.get<std::string>());
    } else {
      return r.error(where + ".pattern",
                     fmt::format("unknown pattern kind '{}' (expected Regex or String)", kind));
    }
    if (!regex.ok()) return regex.status();
    SINAN_ASSIGN_OR_RETURN(text::SplitBehavior behavior,
                           parse_behavior(r, p, where, text::SplitBehavior::kIsolated));
    SINAN_ASSIGN_OR_RETURN(bool invert, r.get_bool(p, "invert", where, false));
    out.add_split(std::move(regex).value(), behavior, invert);
  } else if (type == "ByteLevel") {
    SINAN_ASSIGN_OR_RETURN(bool add_prefix_space, r.get_bool(p, "add_prefix_space", where, true));
    SINAN_ASSIGN_OR_RETURN(bool use_regex, r.get_bool(p, "use_regex", where, true));
    if (add_prefix_space) out.add_prefix_space();
    if (use_regex) {
      SINAN_ASSIGN_OR_RETURN(text::Regex regex, compile_regex(r, text::kGpt2SplitPattern, where));
      out.add_split(std::move(regex), text::SplitBehavior::kIsolated, false);
    }
    state.byte_level = true;
  } else if (type == "Digits") {
    SINAN_ASSIGN_OR_RETURN(bool individual, r.get_bool(p, "individual_digits", where, false));
    SINAN_ASSIGN_OR_RETURN(text::Regex regex, compile_regex(r, kDigitPattern, where));
    out.add_split(std::move(regex),
                  individual ? text::SplitBehavior::kIsolated : text::SplitBehavior::kContiguous, false);
  } else if (type == "Whitespace") {
    const std::string pattern = fmt::format("[{0}]+|[^{0}\\s]+", kRustWordChar);
    SINAN_ASSIGN_OR_RETURN(text::Regex regex, compile_regex(r, pattern, where));
    out.add_split(std::move(regex), text::SplitBehavior::kRemoved, /*invert=*/true);
  } else if (type == "WhitespaceSplit") {
    SINAN_ASSIGN_OR_RETURN(text::Regex regex, compile_regex(r, "\\s", where));
    out.add_split(std::move(regex), text::SplitBehavior::kRemoved, false);
  } else if (type == "Punctuation") {
    SINAN_ASSIGN_OR_RETURN(text::SplitBehavior behavior,
                           parse_behavior(r, p, where, text::SplitBehavior::kIsolated));
    SINAN_ASSIGN_OR_RETURN(text::Regex regex, compile_regex(r, kPunctuationPattern, where));
    out.add_split(std::move(regex), behavior, false);
  } else {
    return r.error(where,
                   fmt::format("pre-tokenizer type '{}' is not supported (sinan supports Sequence, Split, "
                               "ByteLevel, Digits, Whitespace, WhitespaceSplit and Punctuation)",
                               type));
  }
  return Status();
}

Status check_decoder(const JsonReader& r, const json* decoder, const std::string& where) {
  if (decoder == nullptr) {
    return r.error(where, "missing; sinan decodes byte-level BPE and needs a ByteLevel decoder");
  }
  if (!decoder->is_object()) return r.type_error(where, "an object", *decoder);
  SINAN_ASSIGN_OR_RETURN(std::string type, r.get_string(*decoder, "type", where));
  if (type == "ByteLevel") return Status();
  if (type == "Sequence") {
    SINAN_ASSIGN_OR_RETURN(const json* list, r.object_member(*decoder, "decoders", where));
    if (!list->is_array() || list->empty())
      return r.type_error(where + ".decoders", "a non-empty array", *list);
    for (size_t i = 0; i < list->size(); ++i) {
      SINAN_RETURN_IF_ERROR(check_decoder(r, &(*list)[i], fmt::format("{}.decoders[{}]", where, i)));
    }
    return Status();
  }
  return r.error(where, fmt::format("decoder type '{}' is not supported (sinan supports ByteLevel)", type));
}

struct MergePair {
  std::string left;
  std::string right;
};

Result<std::vector<MergePair>> parse_merges(const JsonReader& r, const json& merges,
                                            const std::string& where) {
  if (!merges.is_array()) return r.type_error(where, "an array", merges);
  std::vector<MergePair> out;
  out.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const json& m = merges[i];
    if (m.is_string()) {
      // The legacy form "left right"; HF skips "#version" header lines and needs exactly one space.
      const std::string& line = m.get_ref<const std::string&>();
      if (line.rfind("#version", 0) == 0) continue;
      const size_t space = line.find(' ');
      if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
        return r.error(fmt::format("{}[{}]", where, i),
                       fmt::format("merge '{}' is not two tokens separated by "
                                   "one space",
                                   line));
      }
      out.push_back({line.substr(0, space), line.substr(space + 1)});
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      out.push_back({m[0].get<std::string>(), m[1].get<std::string>()});
    } else {
      return r.type_error(fmt::format("{}[{}]", where, i), "a string \"a b\" or a pair [\"a\", \"b\"]", m);
    }
  }
  return out;
}

Status parse_model(const JsonReader& r, const json& model, size_t n_added_tokens, TokenizerData& d,
                   std::unordered_map<std::string, int32_t>& vocab) {
  const std::string where = "model";
  if (!model.is_object()) return r.type_error(where, "an object", model);
  SINAN_ASSIGN_OR_RETURN(std::optional<std::string> type, r.get_optional_string(model, "type", where));
  if (type && *type != "BPE") {
    return r.error(where + ".type",
                   fmt::format("model type '{}' is not supported (sinan supports BPE)", *type));
  }
  if (const json* dropout = JsonReader::member(model, "dropout")) {
    if (!dropout->is_number()) return r.type_error(where + ".dropout", "a number or null", *dropout);
    if (dropout->get<double>() != 0.0) return r.error(where + ".dropout", "BPE dropout is not supported");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    SINAN_ASSIGN_OR_RETURN(std::optional<std::string> affix, r.get_optional_string(model, key, where));
    if (affix && !affix->empty()) return r.error(where + "." + key, "a non-empty value is not supported");
  }
  SINAN_ASSIGN_OR_RETURN(bool ignore_merges, r.get_bool(model, "ignore_merges", where, false));
  SINAN_ASSIGN_OR_RETURN(bool fuse_unk, r.get_bool(model, "fuse_unk", where, false));
  SINAN_RETURN_IF_ERROR(r.get_bool(model, "byte_fallback", where, false).status());
  SINAN_ASSIGN_OR_RETURN(std::optional<std::string> unk_token,
                         r.get_optional_string(model, "unk_token", where));

  SINAN_ASSIGN_OR_RETURN(const json* vocab_json, r.object_member(model, "vocab", where));
  if (!vocab_json->is_object()) return r.type_error(where + ".vocab", "an object", *vocab_json);
  int32_t max_id = -1;
  for (const auto& [text, id_json] : vocab_json->items()) {
    SINAN_ASSIGN_OR_RETURN(int32_t id, r.get_id(id_json, fmt::format("{}.vocab[\"{}\"]", where, text)));
    vocab.emplace(text, id);
    max_id = std::max(max_id, id);
  }
  if (static_cast<size_t>(max_id) >= vocab.size() + n_added_tokens + kMaxUnusedIds) {
    return r.error(where + ".vocab", fmt::format("id {} is far beyond the {} tokens of the file", max_id,
                                                 vocab.size() + n_added_tokens));
  }
  d.resize(static_cast<size_t>(max_id + 1));
  for (const auto& [text, id] : vocab) {
    if (d.token_flags[id] & TokenizerData::kPresent) {
      return r.error(where + ".vocab",
                     fmt::format("id {} is used by both '{}' and '{}'", id, d.token_text[id], text));
    }
    d.token_text[id] = text;
    d.decode_text[id] = text;
    d.token_flags[id] = TokenizerData::kPresent;
    // Tokens outside the byte alphabet cannot come out of byte-level BPE; they stay decodable only.
    if (std::optional<std::string> bytes = text::from_byte_level(text))
      d.bpe.add_token(std::move(*bytes), id);
  }

  SINAN_ASSIGN_OR_RETURN(const json* merges_json, r.object_member(model, "merges", where));
  SINAN_ASSIGN_OR_RETURN(std::vector<MergePair> merges, parse_merges(r, *merges_json, where + ".merges"));
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const MergePair& m = merges[rank];
    for (const std::string* side : {&m.left, &m.right}) {
      if (!vocab.count(*side)) {
        return r.error(
            fmt::format("{}.merges[{}]", where, rank),
            fmt::format("merge '{} {}' uses '{}', which is not in the vocabulary", m.left, m.right, *side));
      }
    }
    std::optional<std::string> left = text::from_byte_level(m.left);
    std::optional<std::string> right = text::from_byte_level(m.right);
    if (!left || !right) continue;  // can never apply to byte-level symbols
    Status status = d.bpe.add_merge(*left, *right, static_cast<uint32_t>(rank));
    if (!status.ok()) {
      return r.error(fmt::format("{}.merges[{}]", where, rank),
                     fmt::format("merge '{} {}': {}", m.left, m.right, status.message()));
    }
  }
  d.bpe.set_ignore_merges(ignore_merges);
  if (unk_token) {
    auto it = vocab.find(*unk_token);
    if (it == vocab.end()) {
      return r.error(where + ".unk_token", fmt::format("'{}' is not in the vocabulary", *unk_token));
    }
    d.bpe.set_unknown(it->second, fuse_unk);
  }
  return Status();
}

Status parse_added_tokens(const JsonReader& r, const json* list, TokenizerData& d,
                          const std::unordered_map<std::string, int32_t>& vocab) {
  if (list == nullptr) return Status();
  if (!list->is_array()) return r.type_error("added_tokens", "an array", *list);
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string where = fmt::format("added_tokens[{}]", i);
    const json& t = (*list)[i];
    if (!t.is_object()) return r.type_error(where, "an object", t);
    text::AddedToken token;
    SINAN_ASSIGN_OR_RETURN(const json* id_json, r.object_member(t, "id", where));
    SINAN_ASSIGN_OR_RETURN(token.id, r.get_id(*id_json, where + ".id"));
    SINAN_ASSIGN_OR_RETURN(token.content, r.get_string(t, "content", where));
    SINAN_ASSIGN_OR_RETURN(token.special, r.get_bool(t, "special", where, false));
    SINAN_ASSIGN_OR_RETURN(token.normalized, r.get_bool(t, "normalized", where, true));
    SINAN_ASSIGN_OR_RETURN(token.lstrip, r.get_bool(t, "lstrip", where, false));
    SINAN_ASSIGN_OR_RETURN(token.rstrip, r.get_bool(t, "rstrip", where, false));
    SINAN_ASSIGN_OR_RETURN(token.single_word, r.get_bool(t, "single_word", where, false));
    if (token.content.empty()) continue;  // HF ignores empty added tokens
    // HF gives an added token the model's id when the model already has its text.
    if (auto it = vocab.find(token.content); it != vocab.end()) token.id = it->second;
    if (static_cast<size_t>(token.id) >= vocab.size() + list->size() + kMaxUnusedIds) {
      return r.error(where + ".id", fmt::format("id {} is far beyond the {} tokens of the file", token.id,
                                                vocab.size() + list->size()));
    }
    if (static_cast<size_t>(token.id) >= d.token_text.size()) d.resize(static_cast<size_t>(token.id) + 1);
    uint8_t& flags = d.token_flags[token.id];
    if ((flags & TokenizerData::kPresent) && d.token_text[token.id] != token.content) {
      return r.error(where, fmt::format("id {} of '{}' is already used by '{}'", token.id, token.content,
                                        d.token_text[token.id]));
    }
    std::string match_text = token.content;
    if (token.normalized && !d.normalizer.empty()) match_text = d.normalizer.apply(token.content);
    d.token_text[token.id] = token.content;
    d.decode_text[token.id] = match_text;
    flags |= TokenizerData::kPresent | TokenizerData::kAdded | (token.special ? TokenizerData::kSpecial : 0);
    d.added.add(std::move(token), std::move(match_text));
  }
  return Status();
}

// A token named in tokenizer_config.json: "text", {"content": "text", ...} or null.
Result<std::optional<int32_t>> config_token(const JsonReader& r, const json& config, const char* key,
                                            const TokenizerData& d) {
  const json* v = JsonReader::member(config, key);
  if (v == nullptr) return std::optional<int32_t>();
  std::string text;
  if (v->is_string()) {
    text = v->get<std::string>();
  } else if (v->is_object()) {
    SINAN_ASSIGN_OR_RETURN(text, r.get_string(*v, "content", key));
  } else {
    return r.type_error(key, "a string, an object with 'content', or null", *v);
  }
  auto it = d.text_to_id.find(text);
  if (it == d.text_to_id.end()) return r.error(key, fmt::format("'{}' is not a token", text));
  return std::optional<int32_t>(it->second);
}

// Whether tokenizer.json's post_processor puts `bos` first (TemplateProcessing, as Llama 3's file does).
bool post_processor_adds_first(const json* processor, const TokenizerData& d, std::optional<int32_t> bos) {
  if (processor == nullptr || !processor->is_object() || !bos) return false;
  const std::string type = processor->value("type", "");
  if (type == "Sequence") {
    const json* list = JsonReader::member(*processor, "processors");
    if (list == nullptr || !list->is_array()) return false;
    for (const json& p : *list) {
      if (post_processor_adds_first(&p, d, bos)) return true;
    }
    return false;
  }
  if (type != "TemplateProcessing") return false;
  const json* single = JsonReader::member(*processor, "single");
  if (single == nullptr || !single->is_array() || single->empty()) return false;
  const json& first = (*single)[0];
  if (!first.is_object() || !first.contains("SpecialToken")) return false;
  const json& special = first["SpecialToken"];
  if (!special.is_object() || !special.contains("id") || !special["id"].is_string()) return false;
  auto it = d.text_to_id.find(special["id"].get<std::string>());
  return it != d.text_to_id.end() && it->second == *bos;
}

}  // namespace

Result<Tokenizer> Tokenizer::from_hf_json(std::string_view tokenizer_json,
                                          std::string_view tokenizer_config_json, const std::string& label) {
  const JsonReader r(label);
  SINAN_ASSIGN_OR_RETURN(json root, parse_json(tokenizer_json, label));
  if (!root.is_object()) return r.type_error("top level", "an object", root);
  auto d = std::make_shared<TokenizerData>();
  d->source = label;
  d->origin = "tokenizer.json";

  std::vector<text::NormalForm> forms;
  if (const json* normalizer = JsonReader::member(root, "normalizer")) {
    SINAN_RETURN_IF_ERROR(parse_normalizer(r, *normalizer, "normalizer", forms));
  }
  d->normalizer = text::Normalizer(std::move(forms));

  PreTokenizerState pre_state;
  if (const json* pre = JsonReader::member(root, "pre_tokenizer")) {
    SINAN_RETURN_IF_ERROR(parse_pre_tokenizer(r, *pre, "pre_tokenizer", d->pre_tokenizer, pre_state));
  }
  if (!pre_state.byte_level) {
    return r.error("pre_tokenizer",
                   "no ByteLevel pre-tokenizer: sinan supports byte-level BPE tokenizers only");
  }
  SINAN_RETURN_IF_ERROR(check_decoder(r, JsonReader::member(root, "decoder"), "decoder"));

  SINAN_ASSIGN_OR_RETURN(const json* model, r.object_member(root, "model", "top level"));
  std::unordered_map<std::string, int32_t> vocab;
  const json* added_tokens = JsonReader::member(root, "added_tokens");
  const size_t n_added = added_tokens != nullptr && added_tokens->is_array() ? added_tokens->size() : 0;
  SINAN_RETURN_IF_ERROR(parse_model(r, *model, n_added, *d, vocab));
  SINAN_RETURN_IF_ERROR(parse_added_tokens(r, added_tokens, *d, vocab));

  for (size_t id = 0; id < d->token_text.size(); ++id) {
    if (d->token_flags[id] & TokenizerData::kPresent)
      d->text_to_id[d->token_text[id]] = static_cast<int32_t>(id);
  }
  for (const text::AddedToken& t : d->added.tokens())
    d->text_to_id[t.content] = t.id;  // added tokens win, as in HF

  if (!tokenizer_config_json.empty()) {
    const JsonReader c(label + " (tokenizer_config.json)");
    SINAN_ASSIGN_OR_RETURN(json config, parse_json(tokenizer_config_json, c.label()));
    if (!config.is_object()) return c.type_error("top level", "an object", config);
    SINAN_ASSIGN_OR_RETURN(d->bos, config_token(c, config, "bos_token", *d));
    SINAN_ASSIGN_OR_RETURN(d->eos, config_token(c, config, "eos_token", *d));
    SINAN_ASSIGN_OR_RETURN(d->pad, config_token(c, config, "pad_token", *d));
    const bool template_adds_bos =
        post_processor_adds_first(JsonReader::member(root, "post_processor"), *d, d->bos);
    SINAN_ASSIGN_OR_RETURN(d->add_bos, c.get_bool(config, "add_bos_token", "top level", template_adds_bos));
    SINAN_ASSIGN_OR_RETURN(d->add_eos, c.get_bool(config, "add_eos_token", "top level", false));
    if (!d->bos) d->add_bos = false;
    if (!d->eos) d->add_eos = false;
  }
  return make_tokenizer(std::move(d));
}

}  // namespace sinan
