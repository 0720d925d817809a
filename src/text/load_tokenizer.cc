// Finding and reading tokenizer files: Tokenizer::from_hf_file and load_tokenizer.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/gguf.h"
#include "text/tokenizer.h"

namespace sinan {
namespace {

namespace fs = std::filesystem;

Result<std::string> read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::errorf("{}: cannot open file", path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::errorf("{}: read error", path.string());
  return text.str();
}

bool starts_with_gguf_magic(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::string_view(magic, 4) == "GGUF";
}

}  // namespace

Result<Tokenizer> Tokenizer::from_hf_file(const std::string& path_text) {
  fs::path path(path_text);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    path /= "tokenizer.json";
    if (!fs::exists(path, ec)) {
      return Status::errorf("{}: directory has no tokenizer.json", path_text);
    }
  }
  SINAN_ASSIGN_OR_RETURN(std::string tokenizer_json, read_text_file(path));
  std::string config_json;
  const fs::path config_path = path.parent_path() / "tokenizer_config.json";
  if (fs::exists(config_path, ec)) {
    SINAN_ASSIGN_OR_RETURN(config_json, read_text_file(config_path));
  }
  return from_hf_json(tokenizer_json, config_json, path.string());
}

Result<Tokenizer> load_tokenizer(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::errorf("{}: no such file or directory", path);
  // A .gguf name goes to the GGUF reader even without the magic, so a damaged file gets a GGUF error.
  if (!fs::is_directory(path, ec) &&
      (starts_with_gguf_magic(path) || fs::path(path).extension() == ".gguf")) {
    SINAN_ASSIGN_OR_RETURN(GgufFile gguf, GgufFile::open(path));
    return Tokenizer::from_gguf(gguf);
  }
  return Tokenizer::from_hf_file(path);
}

}  // namespace sinan
