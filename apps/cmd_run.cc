// sinan run [MODEL] [-p PROMPT]: one-shot generation, or an interactive chat with streamed replies.
// DeepSeek-R1's thinking is shown dimmed and apart from the answer.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <iostream>
#include <random>

#include "apps/cli_util.h"
#include "apps/commands.h"
#include "model/context.h"
#include "serve/chat_model.h"
#include "serve/generate.h"
#include "text/chat/chat_template.h"
#include "text/chat/reasoning.h"

namespace sinan::apps {
namespace {

// Set by Ctrl-C; the only process-wide state, as signal handlers need.
std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted.store(true); }

struct RunOptions {
  std::string model;
  std::string prompt;
  bool prompt_given = false;
  std::string system;
  bool no_think = false;
  bool hide_thinking = false;
  bool raw = false;
  bool ignore_eos = false;
  int64_t max_tokens = -1;
  std::optional<float> temperature, top_p, min_p, repeat_penalty;
  std::optional<int> top_k;
  float presence_penalty = 0, frequency_penalty = 0;
  std::optional<uint64_t> seed;
  int64_t context = 4096;
  int threads = 0;
  std::string color = "auto";
  bool verbose = false;
};

class ReplyPrinter {
 public:
  ReplyPrinter(bool color, bool hide_thinking) : color_(color), hide_thinking_(hide_thinking) {}

  void reasoning(const std::string& text) {
    if (text.empty() || hide_thinking_) return;
    if (!in_reasoning_) {
      if (color_) fmt::print("\x1b[2m");
      in_reasoning_ = true;
    }
    fmt::print("{}", text);
    ended_with_newline_ = text.back() == '\n';
    std::fflush(stdout);
  }
  void content(const std::string& text) {
    if (text.empty()) return;
    end_reasoning();
    fmt::print("{}", text);
    ended_with_newline_ = text.back() == '\n';
    std::fflush(stdout);
  }
  void finish() {
    if (in_reasoning_) {  // stopped while thinking: no answer follows, so no separating blank line
      if (color_) fmt::print("\x1b[0m");
      in_reasoning_ = false;
    }
    if (!ended_with_newline_) fmt::print("\n");
    std::fflush(stdout);
  }

 private:
  void end_reasoning() {
    if (!in_reasoning_) return;
    if (color_) fmt::print("\x1b[0m");
    fmt::print("{}\n", ended_with_newline_ ? "" : "\n");  // a blank line between thinking and answer
    ended_with_newline_ = true;
    in_reasoning_ = false;
  }
  bool color_, hide_thinking_;
  bool in_reasoning_ = false;
  bool ended_with_newline_ = true;
};

class ChatRunner {
 public:
  ChatRunner(ChatModel& cm, Context& context, const RunOptions& options, SamplingParams sampling, bool color)
      : cm_(cm), context_(context), options_(options), sampler_(sampling, cm.model->config().vocab_size), color_(color) {}

  // Renders the conversation, generates a reply, prints it; returns the answer (reasoning removed).
  Result<std::string> reply(const nlohmann::ordered_json& messages) {
    SINAN_ASSIGN_OR_RETURN(std::string prompt, render(messages));
    if (options_.verbose) fmt::print(stderr, "prompt: {:?}\n", prompt);
    EncodeOptions encode;
    encode.add_bos = options_.raw && cm_.tokenizer->add_bos_by_default();
    SINAN_ASSIGN_OR_RETURN(std::vector<int32_t> tokens, cm_.tokenizer->encode(prompt, encode));
    const bool prompt_opened_think = cm_.reasoning && !options_.no_think && !options_.raw;
    chat::ReasoningStreamSplitter splitter(prompt_opened_think);
    ReplyPrinter printer(color_, options_.hide_thinking);
    std::string answer;
    auto show = [&](const chat::ReasoningDelta& d) {
      printer.reasoning(d.reasoning_content);
      printer.content(d.content);
      answer += d.content;
    };
    GenerationOptions generation;
    generation.max_tokens = options_.max_tokens;
    if (!options_.ignore_eos) generation.end_tokens = cm_.end_tokens;
    g_interrupted.store(false);
    auto result = generate(context_, 0, *cm_.tokenizer, tokens, sampler_, generation, &cached_,
                           [&](const std::string& delta) {
                             show(splitter.feed(delta));
                             return !g_interrupted.load();
                           });
    if (!result.ok()) return result.status();
    show(splitter.finish());
    printer.finish();
    const GenerationResult& r = *result;
    if (r.finish_reason == FinishReason::kCancelled) fmt::print(stderr, "[stopped]\n");
    if (r.finish_reason == FinishReason::kLength && options_.max_tokens < 0) {
      fmt::print(stderr, "[the context of {} tokens is full; raise it with -c]\n", options_.context);
    }
    const auto rate = [](int64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0.0; };
    const auto generated = static_cast<int64_t>(r.tokens.size());
    fmt::print(stderr, "prompt: {} tokens ({} computed) at {:.1f} tok/s | generation: {} tokens at {:.1f} tok/s\n",
               r.prompt_tokens, r.prompt_tokens_computed, rate(r.prompt_tokens_computed, r.prompt_seconds), generated,
               rate(generated, r.generation_seconds));
    return answer;
  }

  void forget() {
    context_.clear_sequence(0);
    cached_.clear();
  }

 private:
  Result<std::string> render(const nlohmann::ordered_json& messages) {
    if (options_.raw || cm_.chat_template.empty()) {
      std::string text;
      for (const auto& m : messages) text += m["content"].get<std::string>();
      return text;
    }
    chat::ChatOptions chat;
    chat.add_generation_prompt = true;
    chat.bos_token = cm_.bos_token;
    chat.eos_token = cm_.eos_token;
    if (options_.no_think) chat.vars["enable_thinking"] = false;  // templates with a thinking switch
    SINAN_ASSIGN_OR_RETURN(std::string prompt, chat::apply_chat_template(cm_.chat_template, messages, chat));
    // R1's template always opens <think>; an empty thinking block makes the model answer directly.
    if (options_.no_think && prompt.size() >= 8 && prompt.compare(prompt.size() - 8, 8, "<think>\n") == 0) {
      prompt += "\n</think>\n\n";
    }
    return prompt;
  }

  ChatModel& cm_;
  Context& context_;
  const RunOptions& options_;
  Sampler sampler_;
  bool color_;
  std::vector<int32_t> cached_;
};

// Reads one message; a line ending in '\' continues, and """ opens and closes a multi-line block.
// nullopt at end of input.
std::optional<std::string> read_message(bool interactive) {
  std::string message, line;
  bool block = false;
  for (;;) {
    if (interactive) fmt::print("{}", message.empty() && !block ? ">>> " : "... "), std::fflush(stdout);
    if (!std::getline(std::cin, line)) {
      if (g_interrupted.exchange(false) && interactive) {  // Ctrl-C at the prompt: start over
        std::cin.clear();
        fmt::print("\n(/bye or Ctrl-D to leave)\n");
        message.clear();
        block = false;
        continue;
      }
      if (!message.empty()) return message;
      return std::nullopt;
    }
    if (line == "\"\"\"") {
      if (block) return message;
      block = true;
      continue;
    }
    if (block) {
      message += line + "\n";
      continue;
    }
    if (!line.empty() && line.back() == '\\') {
      message += line.substr(0, line.size() - 1) + "\n";
      continue;
    }
    message += line;
    return message;
  }
}

int run_chat(const RunOptions& options) {
  auto loaded = load_chat_model(options.model);
  if (!loaded.ok()) return fail("run", loaded.message());
  ChatModel& cm = *loaded;
  for (const auto& w : cm.warnings) fmt::print(stderr, "warning: {}\n", w);

  ContextOptions context_options;
  context_options.context_tokens = std::min<int64_t>(options.context, std::max<int64_t>(cm.model->config().max_context, 1));
  context_options.n_threads = options.threads;
  auto context = Context::create(*cm.model, context_options);
  if (!context.ok()) return fail("run", context.message());

  SamplingParams sampling = resolve_sampling(cm.sampling_defaults, options.temperature, options.top_p, options.top_k,
                                             options.min_p, options.repeat_penalty);
  sampling.presence_penalty = options.presence_penalty;
  sampling.frequency_penalty = options.frequency_penalty;
  sampling.seed = options.seed ? *options.seed : static_cast<uint64_t>(std::random_device{}());
  if (options.verbose) {
    fmt::print(stderr, "sampling: temperature {} top-p {} top-k {} min-p {} (defaults from {})\n", sampling.temperature,
               sampling.top_p, sampling.top_k, sampling.min_p,
               cm.sampling_defaults.origin.empty() ? "sinan" : cm.sampling_defaults.origin);
  }
  const bool color = options.color == "always" || (options.color == "auto" && isatty(STDOUT_FILENO));
  ChatRunner runner(cm, **context, options, sampling, color);

  struct sigaction action {};
  action.sa_handler = on_sigint;  // no SA_RESTART: a read at the prompt returns, so Ctrl-C is seen there too
  sigaction(SIGINT, &action, nullptr);

  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!options.system.empty()) messages.push_back({{"role", "system"}, {"content", options.system}});
  if (options.prompt_given) {
    messages.push_back({{"role", "user"}, {"content", options.prompt}});
    auto answer = runner.reply(messages);
    return answer.ok() ? 0 : fail("run", answer.message());
  }

  const bool interactive = isatty(STDIN_FILENO);
  if (interactive) {
    fmt::print("sinan: chatting with {} ({}). /bye leaves, /clear forgets, Ctrl-C stops a reply;\n"
               "end a line with \\ or wrap text in \"\"\" to write several lines.\n",
               cm.model->config().name, options.model);
  }
  const nlohmann::ordered_json base = messages;
  while (auto message = read_message(interactive)) {
    if (*message == "/bye" || *message == "/exit") break;
    if (*message == "/clear") {
      messages = base;
      runner.forget();
      if (interactive) fmt::print("(conversation cleared)\n");
      continue;
    }
    if (message->empty()) continue;
    messages.push_back({{"role", "user"}, {"content", *message}});
    auto answer = runner.reply(messages);
    if (!answer.ok()) {
      fmt::print(stderr, "sinan run: {}\n", answer.message());
      messages.erase(messages.size() - 1);
      continue;
    }
    messages.push_back({{"role", "assistant"}, {"content", *answer}});
  }
  return 0;
}

}  // namespace

std::string default_model_path() {
  if (const char* env = std::getenv("SINAN_DEMO_MODEL")) return env;
  return SINAN_DEMO_MODEL;
}

void add_run_command(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Chat with a model, or answer one prompt (-p)");
  cmd->footer(fmt::format(
      "With no MODEL, sinan runs its bundled demo: a 7.7M-parameter model with DeepSeek-V3's architecture that\n"
      "only adds and subtracts numbers up to 999, reasoning like R1 ({}).\n\n"
      "Examples:\n"
      "  sinan run -p \"What is 642+178?\"                 the demo: prints its reasoning, then 642 + 178 = 820\n"
      "  sinan run DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf   interactive chat with a GGUF file\n"
      "  sinan run ./DeepSeek-R1-Distill-Llama-8B -p \"Why is the sky blue?\" --hide-thinking\n"
      "  sinan run model.gguf -p \"Write a haiku\" --temp 0.7 --seed 42 -n 200\n\n"
      "Sampling defaults come from the model (generation_config.json or GGUF general.sampling.*); for R1\n"
      "models without them, DeepSeek's temperature 0.6 and top-p 0.95.",
      default_model_path()));
  cmd->add_option("MODEL", o->model, "A .gguf file or a Hugging Face model directory (default: the demo)");
  cmd->add_option("-p,--prompt", o->prompt, "Answer this prompt and exit")->each([o](const std::string&) { o->prompt_given = true; });
  cmd->add_option("--system", o->system, "A system message");
  cmd->add_flag("--no-think", o->no_think, "Ask a reasoning model to answer without thinking first");
  cmd->add_flag("--hide-thinking", o->hide_thinking, "Print only the answer, not the reasoning");
  cmd->add_flag("--raw", o->raw, "Feed the prompt as raw text, without the chat template");
  cmd->add_option("-n,--max-tokens", o->max_tokens, "Stop after N generated tokens (default: until done)");
  cmd->add_flag("--ignore-eos", o->ignore_eos, "Keep generating past the end-of-sequence token (for benchmarks)");
  cmd->add_option("--temp,--temperature", o->temperature, "Sampling temperature; 0 is greedy");
  cmd->add_option("--top-p", o->top_p, "Nucleus sampling: keep the most likely tokens up to this probability");
  cmd->add_option("--top-k", o->top_k, "Keep only the K most likely tokens (0: off)");
  cmd->add_option("--min-p", o->min_p, "Drop tokens less likely than this fraction of the best");
  cmd->add_option("--repeat-penalty", o->repeat_penalty, "Discourage repeating tokens (1: off)");
  cmd->add_option("--presence-penalty", o->presence_penalty, "Subtract from tokens already present");
  cmd->add_option("--frequency-penalty", o->frequency_penalty, "Subtract per occurrence of a token");
  cmd->add_option("--seed", o->seed, "Random seed: the same seed gives the same text (default: random)");
  cmd->add_option("-c,--ctx-size", o->context, "Context size in tokens (default 4096)");
  cmd->add_option("-t,--threads", o->threads, "Threads (default: one per core)");
  cmd->add_option("--color", o->color, "Dim the thinking: auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_flag("-v,--verbose", o->verbose, "Show the rendered prompt and the sampling settings");
  cmd->callback([o, exit_code] {
    if (o->model.empty()) o->model = default_model_path();
    *exit_code = run_chat(*o);
  });
}

}  // namespace sinan::apps
