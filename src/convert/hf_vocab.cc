// tokenizer.json -> llama.cpp's tokenizer metadata, as convert_hf_to_gguf.py writes it for byte-level BPE
// ("gpt2") tokenizers: the vocabulary padded to vocab_size, token types, merges, special token ids, the
// add_bos/add_eos flags, the pre-tokenizer name and the chat template.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "convert/hf_input.h"
#include "io/mapped_file.h"
#include "text/gguf_presets.h"
#include "text/regex.h"

namespace sinan {
namespace {

using json = nlohmann::json;

// llama.cpp's token types (gguf TokenType).
enum TokenType : int32_t { kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5 };

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Added tokens some models forget to mark special (llama.cpp's does_token_look_special).
bool looks_special(std::string_view t) {
  if (t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]") return true;
  if (starts_with(t, "<|") && ends_with(t, "|>")) return true;
  if (starts_with(t, "<\xEF\xBD\x9C") && ends_with(t, "\xEF\xBD\x9C>")) return true;  // <｜...｜>
  return starts_with(t, "<unused") && ends_with(t, ">");
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

struct AddedToken {
  int64_t id;
  std::string content;
  bool special;
};

// A token named in tokenizer_config.json: a string or an AddedToken object with "content".
std::optional<std::string> token_content(const json* entry) {
  if (entry == nullptr) return std::nullopt;
  if (entry->is_string()) return entry->get<std::string>();
  if (entry->is_object() && entry->contains("content") && (*entry)["content"].is_string()) {
    return (*entry)["content"].get<std::string>();
  }
  return std::nullopt;
}

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// gguf-py's SpecialVocab: special token ids and add_*_token flags, in the order it writes them.
class SpecialTokens {
 public:
  void set_id(const std::string& type, std::optional<int64_t> id) {
    if (!id || *id < 0) return;
    for (const auto& [t, v] : ids_) {
      if (t == type) return;  // the first source wins
    }
    ids_.emplace_back(type, *id);
  }
  void set_add(const std::string& type, bool value) {
    for (auto& [t, v] : adds_) {
      if (t == type) {
        v = value;
        return;
      }
    }
    adds_.emplace_back(type, value);
  }
  bool add(const std::string& type) const {
    for (const auto& [t, v] : adds_) {
      if (t == type) return v;
    }
    return false;
  }
  const std::vector<std::pair<std::string, int64_t>>& ids() const { return ids_; }
  const std::vector<std::pair<std::string, bool>>& adds() const { return adds_; }

 private:
  std::vector<std::pair<std::string, int64_t>> ids_;
  std::vector<std::pair<std::string, bool>> adds_;
};

std::string special_of(const json& item) {
  const json* token = member(item, "SpecialToken");
  if (token == nullptr) return "";
  const json* id = member(*token, "id");
  return id != nullptr && id->is_string() ? id->get<std::string>() : "";
}

std::string sequence_of(const json& item) {
  const json* seq = member(item, "Sequence");
  if (seq == nullptr) return "";
  const json* id = member(*seq, "id");
  return id != nullptr && id->is_string() ? id->get<std::string>() : "";
}

// What a TemplateProcessing post-processor adds around a sequence (gguf-py's "crude parsing").
void read_template_processing(const json& processor, json& config, std::vector<std::string>& types,
                              SpecialTokens& special) {
  auto config_token = [&](const char* key) { return token_content(member(config, key)).value_or(""); };
  std::string bos = config_token("bos_token"), cls = config_token("cls_token");
  std::string eos = config_token("eos_token"), sep = config_token("sep_token");
  const bool have_config = !config.empty();
  const json* single = member(processor, "single");
  const json* pair = member(processor, "pair");
  std::string first, last;
  if (single != nullptr && single->is_array() && single->size() > 1) {
    first = special_of(single->front());
    if (!first.empty()) {
      if (!have_config) {
        bos = first;
      } else if (first != bos && first != cls) {
        if (bos.empty()) config["bos_token"] = bos = first;
        if (cls.empty()) config["cls_token"] = cls = first;
      }
      special.set_add("bos", first == bos || first == cls);
    }
    last = special_of(single->back());
    if (!last.empty()) {
      if (!have_config) {
        eos = last;
      } else if (last != eos) {
        const char* alias = std::find(types.begin(), types.end(), "eot") == types.end() ? "eot" : "eom";
        types.push_back(alias);
        config[std::string(alias) + "_token"] = eos;
        config["eos_token"] = eos = last;
      }
      special.set_add("eos", last == eos);
    }
  }
  if (pair == nullptr || !pair->is_array() || pair->empty()) return;
  std::vector<json> items(pair->begin(), pair->end());
  size_t begin = !first.empty() && special_of(items.front()) == first ? 1 : 0;
  size_t end = !last.empty() && special_of(items.back()) == last ? items.size() - 1 : items.size();
  if (begin >= end) return;
  items = std::vector<json>(items.begin() + static_cast<std::ptrdiff_t>(begin),
                            items.begin() + static_cast<std::ptrdiff_t>(end));
  if (sequence_of(items.front()) != "A" || sequence_of(items.back()) != "B" || items.size() < 3) return;
  // A [sep] [eos] B
  bool add_sep = false;
  const std::string entry = special_of(items[1]);
  if (!entry.empty() && (entry == sep || entry == eos) && last.empty()) add_sep = true;
  if (items.size() == 4) {
    const std::string second = special_of(items[2]);
    if (!second.empty() && (second == sep || second == eos)) add_sep = true;
  }
  special.set_add("sep", add_sep);
  if (add_sep && sep.empty() && have_config) config["sep_token"] = eos;
}

const char* id_key(const std::string& type) {
  if (type == "bos") return "tokenizer.ggml.bos_token_id";
  if (type == "eos") return "tokenizer.ggml.eos_token_id";
  if (type == "unk") return "tokenizer.ggml.unknown_token_id";
  if (type == "sep") return "tokenizer.ggml.seperator_token_id";  // sic: gguf's spelling
  if (type == "pad") return "tokenizer.ggml.padding_token_id";
  if (type == "mask") return "tokenizer.ggml.mask_token_id";
  if (type == "eot") return "tokenizer.ggml.eot_token_id";
  if (type == "eom") return "tokenizer.ggml.eom_token_id";
  return nullptr;  // cls: gguf has no key
}

Result<json> read_json_file(const std::string& path) {
  SINAN_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::errorf("{}: not valid JSON", path);
  return parsed;
}

// Texts that tell the presets apart: llama.cpp's own check text, digits, CJK and kana, Hangul, Greek,
// contractions, punctuation runs and newlines.
const char* const kProbeTexts[] = {
    "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n\xF0\x9F\x9A\x80 (normal) "
    "\xF0\x9F\x98\xB6\xE2\x80\x8D\xF0\x9F\x8C\xAB\xEF\xB8\x8F (multiple emojis concatenated) \xE2\x9C\x85 "
    "\xF0\x9F\xA6\x99\xF0\x9F\xA6\x99 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 "
    "\xE1\x9E\x80\xE1\x9E\xB6\xE1\x9E\x93\xE1\x9F\x8B\xE1\x9E\x8F\xE1\x9F\x82 ?\xE6\x88\x91\xE6\x83\xB3"
    "\xE5\x9C\xA8"
    "apple\xE5\xB7\xA5\xE4\xBD\x9C"
    "1314151\xE5\xA4\xA9\xEF\xBD\x9E ------======= "
    "\xD0\xBD\xD0\xB5\xD1\x89\xD0\xBE \xD0\xBD\xD0\xB0 '''''''```````\"\"\"\"......!!!!!!?????? I've been "
    "'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL",
    "The year 2024: x=12345; \xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF "
    "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xCE\xB1\xCE\xB2\xCE\xB3 \xC3\x85ngstr\xC3\xB6m!!\r\n\r\n  end  ",
    "def f(a, b):\n    return a+b  # sum\n\n\n\tprint(\"\xE4\xBD\xA0\xE5\xA5\xBD\")...!?",
};

// The regex splits a tokenizer.json pre_tokenizer performs, in order; nullopt when it does more than
// isolated splits followed by a regex-free ByteLevel.
std::optional<std::vector<std::string>> isolated_splits(const json& pre) {
  std::vector<json> steps;
  if (member(pre, "type") != nullptr && pre["type"] == "Sequence") {
    const json* list = member(pre, "pretokenizers");
    if (list == nullptr || !list->is_array()) return std::nullopt;
    steps.assign(list->begin(), list->end());
  } else {
    steps.push_back(pre);
  }
  std::vector<std::string> splits;
  for (const json& step : steps) {
    const json* type = member(step, "type");
    if (type == nullptr || !type->is_string()) return std::nullopt;
    if (*type == "Split") {
      const json* pattern = member(step, "pattern");
      const json* regex = pattern == nullptr ? nullptr : member(*pattern, "Regex");
      const json* behavior = member(step, "behavior");
      const json* invert = member(step, "invert");
      if (regex == nullptr || !regex->is_string()) return std::nullopt;
      if (behavior != nullptr && *behavior != "Isolated") return std::nullopt;
      if (invert != nullptr && *invert == true) return std::nullopt;
      splits.push_back(regex->get<std::string>());
    } else if (*type == "Digits") {
      const json* individual = member(step, "individual_digits");
      if (individual == nullptr || *individual != true) return std::nullopt;
      splits.push_back("\\p{N}");
    } else if (*type == "ByteLevel") {
      const json* use_regex = member(step, "use_regex");
      if (use_regex == nullptr || *use_regex != false) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  return splits;
}

Result<std::vector<std::vector<text::Span>>> cut(const std::vector<std::string>& patterns) {
  std::vector<std::vector<text::Span>> out;
  text::RegexScratch scratch;
  for (const auto& pattern : patterns) {
    SINAN_ASSIGN_OR_RETURN(text::Regex regex, text::Regex::compile(pattern));
    for (const char* probe : kProbeTexts) {
      std::vector<text::Span> spans;
      SINAN_RETURN_IF_ERROR(regex.find_all(probe, scratch, spans));
      out.push_back(std::move(spans));
    }
  }
  return out;
}

bool same_spans(const std::vector<std::vector<text::Span>>& a,
                const std::vector<std::vector<text::Span>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (size_t j = 0; j < a[i].size(); ++j) {
      if (a[i][j].begin != b[i][j].begin || a[i][j].end != b[i][j].end) return false;
    }
  }
  return true;
}

}  // namespace

Result<std::string> recognise_pre_tokenizer(const json& tokenizer_json, bool adds_bos,
                                            const std::string& label) {
  const json* pre = member(tokenizer_json, "pre_tokenizer");
  const auto splits = pre == nullptr ? std::nullopt : isolated_splits(*pre);
  if (!splits || splits->empty()) {
    return Status::errorf(
        "{}: the pre_tokenizer is not one llama.cpp knows by name (sinan recognises {}); "
        "name one with --tokenizer-pre",
        label, text::supported_pre_tokenizer_names());
  }
  SINAN_ASSIGN_OR_RETURN(auto theirs, cut(*splits));
  for (const char* name : {"deepseek-v3", "deepseek-llm", "deepseek-coder", "qwen2", "llama-bpe"}) {
    SINAN_ASSIGN_OR_RETURN(text::PreTokenizerPreset preset, text::pre_tokenizer_preset(name));
    if (preset.isolated_splits.size() != splits->size()) continue;
    SINAN_ASSIGN_OR_RETURN(auto ours, cut(preset.isolated_splits));
    if (!same_spans(theirs, ours)) continue;
    // llama.cpp names R1-Distill-Qwen's tokenizer apart from Qwen2's: the same split, plus a BOS.
    if (std::string_view(name) == "qwen2" && adds_bos) return std::string("deepseek-r1-qwen");
    return std::string(name);
  }
  return Status::errorf(
      "{}: the pre_tokenizer's splits match none of llama.cpp's presets sinan knows ({}); "
      "name one with --tokenizer-pre",
      label, text::supported_pre_tokenizer_names());
}

Status add_hf_tokenizer_metadata(const std::string& dir, const json& config_json, Architecture arch,
                                 int64_t vocab_size, const std::string& pre_override, GgufWriter* out) {
  namespace fs = std::filesystem;
  const std::string tokenizer_path = (fs::path(dir) / "tokenizer.json").string();
  if (!fs::exists(tokenizer_path)) {
    return Status::errorf(
        "{}: no tokenizer.json (sinan converts byte-level BPE tokenizers from tokenizer.json)", dir);
  }
  SINAN_ASSIGN_OR_RETURN(json tokenizer, read_json_file(tokenizer_path));
  json config = json::object();
  const std::string config_path = (fs::path(dir) / "tokenizer_config.json").string();
  if (fs::exists(config_path)) {
    SINAN_ASSIGN_OR_RETURN(config, read_json_file(config_path));
    if (!config.is_object()) return Status::errorf("{}: should hold a JSON object", config_path);
  }

  const json* model = member(tokenizer, "model");
  if (model == nullptr || member(*model, "type") == nullptr || (*model)["type"] != "BPE") {
    return Status::errorf("{}: model.type should be BPE (sinan converts byte-level BPE tokenizers)",
                          tokenizer_path);
  }
  const json* vocab = member(*model, "vocab");
  if (vocab == nullptr || !vocab->is_object())
    return Status::errorf("{}: model.vocab should be an object", tokenizer_path);

  // id -> token: the BPE vocabulary, then added tokens (which may repeat vocabulary entries).
  std::map<int64_t, std::string> by_id;
  for (const auto& [token, id] : vocab->items()) {
    if (!id.is_number_integer())
      return Status::errorf("{}: model.vocab['{}'] is not an id", tokenizer_path, token);
    by_id[id.get<int64_t>()] = token;
  }
  std::vector<AddedToken> added;
  if (const json* list = member(tokenizer, "added_tokens"); list != nullptr && list->is_array()) {
    for (const json& a : *list) {
      const json* id = member(a, "id");
      const json* content = member(a, "content");
      if (id == nullptr || !id->is_number_integer() || content == nullptr || !content->is_string()) {
        return Status::errorf("{}: added_tokens entries need an integer id and a string content",
                              tokenizer_path);
      }
      const json* special = member(a, "special");
      added.push_back(
          {id->get<int64_t>(), content->get<std::string>(), special != nullptr && *special == true});
      by_id[added.back().id] = added.back().content;
    }
  }
  if (!by_id.empty() && by_id.rbegin()->first >= vocab_size) {
    return Status::errorf("{}: token id {} is beyond the model's vocab_size {}", tokenizer_path,
                          by_id.rbegin()->first, vocab_size);
  }
  std::map<int64_t, const AddedToken*> added_by_id;
  for (const auto& a : added) added_by_id[a.id] = &a;

  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  tokens.reserve(static_cast<size_t>(vocab_size));
  types.reserve(static_cast<size_t>(vocab_size));
  for (int64_t i = 0; i < vocab_size; ++i) {
    auto it = by_id.find(i);
    if (it == by_id.end()) {
      tokens.push_back(fmt::format("[PAD{}]", i));
      types.push_back(kUnused);
      continue;
    }
    std::string token = it->second;
    auto a = added_by_id.find(i);
    if (a == added_by_id.end()) {
      types.push_back(kNormal);
    } else if (a->second->special || looks_special(token)) {
      types.push_back(kControl);
    } else {
      token = replace_all(token, "\xE2\x96\x81", " ");  // pre-normalize user-defined spaces (U+2581)
      types.push_back(kUserDefined);
    }
    tokens.push_back(std::move(token));
  }

  // Merges: "a b" strings, or [a, b] pairs whose spaces gguf-py spells as U+0120.
  std::vector<std::string> merges;
  if (const json* list = member(*model, "merges"); list != nullptr && list->is_array()) {
    for (const json& m : *list) {
      if (m.is_string()) {
        merges.push_back(m.get<std::string>());
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        merges.push_back(replace_all(m[0].get<std::string>(), " ", "\xC4\xA0") + " " +
                         replace_all(m[1].get<std::string>(), " ", "\xC4\xA0"));
      } else {
        return Status::errorf("{}: model.merges entries should be strings or pairs of strings",
                              tokenizer_path);
      }
    }
  }

  // Special tokens, as gguf-py's SpecialVocab finds them.
  SpecialTokens special;
  std::vector<std::string> special_types = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};
  if (const json* post = member(tokenizer, "post_processor")) {
    std::vector<json> processors;
    if (const json* list = member(*post, "processors"); list != nullptr && list->is_array()) {
      processors.assign(list->begin(), list->end());
    } else {
      processors.push_back(*post);
    }
    for (const json& p : processors) {
      const json* type = member(p, "type");
      if (type == nullptr) continue;
      if (*type == "RobertaProcessing") {
        special.set_add("bos", true);
        special.set_add("eos", true);
        special.set_add("sep", true);
      } else if (*type == "TemplateProcessing") {
        read_template_processing(p, config, special_types, special);
      }
    }
  }
  for (const auto& type : special_types) {
    if (const json* add = member(config, ("add_" + type + "_token").c_str());
        add != nullptr && add->is_boolean()) {
      special.set_add(type, add->get<bool>());
    }
    if (auto content = token_content(member(config, (type + "_token").c_str()))) {
      for (const auto& a : added) {
        if (a.content == *content) {
          special.set_id(type, a.id);
          break;
        }
      }
    }
  }
  for (const auto& type : special_types) {
    const json* id = member(config_json, (type + "_token_id").c_str());
    if (id == nullptr && member(config_json, "text_config") != nullptr)
      id = member(config_json["text_config"], (type + "_token_id").c_str());
    if (id != nullptr && id->is_number_integer()) special.set_id(type, id->get<int64_t>());
  }

  std::string pre = pre_override;
  if (pre.empty()) {
    SINAN_ASSIGN_OR_RETURN(pre, recognise_pre_tokenizer(tokenizer, special.add("bos"), tokenizer_path));
  } else {
    SINAN_RETURN_IF_ERROR(text::pre_tokenizer_preset(pre).status());
  }

  if (arch == Architecture::kLlama) {
    if (const json* prefix = member(config, "add_prefix_space"); prefix != nullptr && prefix->is_boolean()) {
      out->set_bool("tokenizer.ggml.add_space_prefix", prefix->get<bool>());
    }
  }
  out->set_string("tokenizer.ggml.model", "gpt2");
  out->set_string("tokenizer.ggml.pre", pre);
  out->set_string_array("tokenizer.ggml.tokens", tokens);
  out->set_i32_array("tokenizer.ggml.token_type", types);
  if (!merges.empty()) out->set_string_array("tokenizer.ggml.merges", merges);
  for (const auto& [type, id] : special.ids()) {
    if (const char* key = id_key(type)) out->set_u32(key, static_cast<uint32_t>(id));
  }
  for (const auto& [type, value] : special.adds()) {
    if (type == "bos" || type == "eos" || type == "sep")
      out->set_bool("tokenizer.ggml.add_" + type + "_token", value);
  }

  // The chat template: tokenizer_config.json's, else chat_template.jinja / chat_template.json.
  const json* chat_template = member(config, "chat_template");
  json from_file;
  if (chat_template == nullptr) {
    const fs::path jinja = fs::path(dir) / "chat_template.jinja";
    const fs::path json_file = fs::path(dir) / "chat_template.json";
    if (fs::exists(jinja)) {
      SINAN_ASSIGN_OR_RETURN(std::string text, read_text_file(jinja.string()));
      from_file = text;
      chat_template = &from_file;
    } else if (fs::exists(json_file)) {
      SINAN_ASSIGN_OR_RETURN(json parsed, read_json_file(json_file.string()));
      if (const json* t = member(parsed, "chat_template")) {
        from_file = *t;
        chat_template = &from_file;
      }
    }
  }
  if (chat_template != nullptr && chat_template->is_string()) {
    out->set_string("tokenizer.chat_template", chat_template->get<std::string>());
  } else if (chat_template != nullptr && chat_template->is_array()) {
    std::vector<std::string> names;
    for (const json& choice : *chat_template) {
      const json* name = member(choice, "name");
      const json* text = member(choice, "template");
      if (name == nullptr || !name->is_string() || text == nullptr || !text->is_string()) continue;
      std::string clean = name->get<std::string>();
      for (char& c : clean) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      if (clean == "default") {
        out->set_string("tokenizer.chat_template", text->get<std::string>());
      } else if (!clean.empty()) {
        out->set_string("tokenizer.chat_template." + clean, text->get<std::string>());
        names.push_back(clean);
      }
    }
    if (!names.empty()) out->set_string_array("tokenizer.chat_templates", names);
  }
  return Status();
}

}  // namespace sinan
