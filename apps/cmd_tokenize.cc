// `sinan tokenize` and `sinan detokenize`: JSON lines of text <-> JSON lines of token ids, with any
// tokenizer sinan loads (a .gguf file, a Hugging Face model directory, or a tokenizer.json).
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "apps/commands.h"
#include "text/tokenizer.h"

namespace sinan::apps {
namespace {

using json = nlohmann::json;

struct TokenizeOptions {
  std::string tokenizer;
  std::string in = "-";
  std::string out = "-";
  bool add_bos = false;
  bool no_special = false;
  bool skip_special = false;
  bool info = false;
};

// Input and output streams where "-" means stdin/stdout.
class Streams {
 public:
  Status open(const std::string& in_path, const std::string& out_path) {
    in_path_ = in_path == "-" ? "<stdin>" : in_path;
    out_path_ = out_path == "-" ? "<stdout>" : out_path;
    if (in_path != "-") {
      in_file_.open(in_path, std::ios::binary);
      if (!in_file_) return Status::errorf("{}: cannot open for reading", in_path);
    }
    if (out_path != "-") {
      out_file_.open(out_path, std::ios::binary | std::ios::trunc);
      if (!out_file_) return Status::errorf("{}: cannot open for writing", out_path);
    }
    return Status();
  }
  std::istream& in() { return in_file_.is_open() ? in_file_ : std::cin; }
  std::ostream& out() { return out_file_.is_open() ? static_cast<std::ostream&>(out_file_) : std::cout; }
  const std::string& in_path() const { return in_path_; }
  Status finish() {
    out().flush();
    if (!out()) return Status::errorf("{}: write error", out_path_);
    return Status();
  }

 private:
  std::string in_path_;
  std::string out_path_;
  std::ifstream in_file_;
  std::ofstream out_file_;
};

Result<json> parse_line(const std::string& line, const std::string& where) {
  try {
    return json::parse(line);
  } catch (const json::exception& e) {
    return Status::errorf("{}: not valid JSON: {}", where, e.what());
  }
}

Status run_tokenize(const TokenizeOptions& o) {
  SINAN_ASSIGN_OR_RETURN(Tokenizer tok, load_tokenizer(o.tokenizer));
  if (o.info) {
    std::cout << tok.describe();
    return Status();
  }
  Streams io;
  SINAN_RETURN_IF_ERROR(io.open(o.in, o.out));
  const EncodeOptions options{.add_bos = o.add_bos, .parse_special = !o.no_special};
  std::string line;
  for (size_t number = 1; std::getline(io.in(), line); ++number) {
    const std::string where = fmt::format("{}:{}", io.in_path(), number);
    SINAN_ASSIGN_OR_RETURN(json value, parse_line(line, where));
    if (!value.is_string())
      return Status::errorf("{}: expected a JSON string, found {}", where, value.type_name());
    Result<std::vector<int32_t>> ids = tok.encode(value.get_ref<const std::string&>(), options);
    if (!ids.ok()) return Status::errorf("{}: {}", where, ids.message());
    io.out() << json(*ids).dump() << '\n';
  }
  if (io.in().bad()) return Status::errorf("{}: read error", io.in_path());
  return io.finish();
}

Status run_detokenize(const TokenizeOptions& o) {
  SINAN_ASSIGN_OR_RETURN(Tokenizer tok, load_tokenizer(o.tokenizer));
  Streams io;
  SINAN_RETURN_IF_ERROR(io.open(o.in, o.out));
  const DecodeOptions options{.skip_special = o.skip_special};
  std::string line;
  std::vector<int32_t> ids;
  for (size_t number = 1; std::getline(io.in(), line); ++number) {
    const std::string where = fmt::format("{}:{}", io.in_path(), number);
    SINAN_ASSIGN_OR_RETURN(json value, parse_line(line, where));
    if (!value.is_array())
      return Status::errorf("{}: expected a JSON array of ids, found {}", where, value.type_name());
    ids.clear();
    for (size_t i = 0; i < value.size(); ++i) {
      const json& v = value[i];
      if (!v.is_number_integer()) {
        return Status::errorf("{}: element {} should be an integer id, found {}", where, i, v.type_name());
      }
      const int64_t id = v.get<int64_t>();
      if (id < 0 || id >= tok.n_vocab()) {
        return Status::errorf("{}: id {} is outside the vocabulary (0..{})", where, id, tok.n_vocab() - 1);
      }
      ids.push_back(static_cast<int32_t>(id));
    }
    io.out() << json(tok.decode(ids, options)).dump() << '\n';
  }
  if (io.in().bad()) return Status::errorf("{}: read error", io.in_path());
  return io.finish();
}

void report(const char* command, const Status& status, int* exit_code) {
  if (status.ok()) {
    *exit_code = 0;
    return;
  }
  std::cerr << "sinan " << command << ": " << status.message() << '\n';
  *exit_code = 1;
}

constexpr const char* kTokenizeFooter = R"(
TOKENIZER is a .gguf file (its tokenizer.ggml.* metadata), a Hugging Face model directory, or a
tokenizer.json path (tokenizer_config.json beside it supplies bos/eos). Ids are identical to Hugging Face
tokenizers' encode(text, add_special_tokens=False): special-token text such as <｜Assistant｜> becomes its
token unless --no-special is given. Each input line is one JSON string; each output line the JSON array
of its ids. Invalid UTF-8 bytes (impossible in JSON input) would be encoded as their byte tokens.

Examples:
  echo '"Hello, world!"' | sinan tokenize model.gguf
  sinan tokenize path/to/DeepSeek-R1 --in prompts.jsonl --out ids.jsonl
  sinan tokenize tokenizer.json --add-bos --in prompts.jsonl
  sinan tokenize model.gguf --info            # vocabulary size, special tokens, pre-tokenizer
)";

constexpr const char* kDetokenizeFooter = R"(
The inverse of `sinan tokenize`: each input line is a JSON array of ids, each output line the JSON string
Hugging Face's decode(ids) gives (byte-level decoding; invalid UTF-8 becomes U+FFFD).

Examples:
  echo '[19923, 14, 2058, 3]' | sinan detokenize model.gguf
  sinan detokenize path/to/DeepSeek-R1 --in ids.jsonl --out text.jsonl --skip-special
)";

}  // namespace

void add_tokenize_commands(CLI::App& app, int* exit_code) {
  auto tokenize_options = std::make_shared<TokenizeOptions>();
  CLI::App* tokenize =
      app.add_subcommand("tokenize", "Text -> token ids, one JSON line in, one JSON line out");
  tokenize->footer(kTokenizeFooter);
  tokenize
      ->add_option("TOKENIZER", tokenize_options->tokenizer,
                   ".gguf file, HF model directory or tokenizer.json")
      ->required();
  tokenize->add_option("--in", tokenize_options->in, "JSON lines of strings (default: stdin)");
  tokenize->add_option("--out", tokenize_options->out, "JSON lines of id arrays (default: stdout)");
  tokenize->add_flag("--add-bos", tokenize_options->add_bos, "prepend the BOS token to every line");
  tokenize->add_flag("--no-special", tokenize_options->no_special,
                     "encode special-token text as plain text (non-special added tokens still match)");
  tokenize->add_flag("--info", tokenize_options->info, "print a summary of the tokenizer and exit");
  tokenize->callback(
      [tokenize_options, exit_code] { report("tokenize", run_tokenize(*tokenize_options), exit_code); });

  auto detokenize_options = std::make_shared<TokenizeOptions>();
  CLI::App* detokenize =
      app.add_subcommand("detokenize", "Token ids -> text, one JSON line in, one JSON line out");
  detokenize->footer(kDetokenizeFooter);
  detokenize
      ->add_option("TOKENIZER", detokenize_options->tokenizer,
                   ".gguf file, HF model directory or tokenizer.json")
      ->required();
  detokenize->add_option("--in", detokenize_options->in, "JSON lines of id arrays (default: stdin)");
  detokenize->add_option("--out", detokenize_options->out, "JSON lines of strings (default: stdout)");
  detokenize->add_flag("--skip-special", detokenize_options->skip_special,
                       "leave special tokens out of the text");
  detokenize->callback([detokenize_options, exit_code] {
    report("detokenize", run_detokenize(*detokenize_options), exit_code);
  });
}

}  // namespace sinan::apps
