// sinan serve [MODEL]: an OpenAI- and DeepSeek-compatible HTTP server with continuous batching.
// The engine (src/serve/engine.h) runs every request in one batched forward pass per step; the HTTP layer
// (src/api/server.h) speaks the API.
#include <fmt/format.h>
#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "api/server.h"
#include "apps/cli_util.h"
#include "apps/commands.h"
#include "serve/chat_model.h"
#include "serve/engine.h"

namespace sinan::apps {
namespace {

struct ServeOptions {
  std::string model;
  std::string host = "127.0.0.1";
  int port = 8080;
  int parallel = 4;
  int64_t context = 0;  // 0: min(4096, the model's context)
  int64_t kv_tokens = 0;
  int64_t batch_tokens = 256;
  int64_t max_queue = 64;
  std::string api_key;
  size_t max_body = 8u << 20;
  int threads = 0;
  int http_threads = 0;
  std::string alias;
  bool no_prefix_cache = false;
  int stream_interval_ms = 20;
};

std::string model_id_for(const std::string& path) {
  std::filesystem::path p(path);
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // a directory given as "dir/"
  std::string name = p.filename().string();
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".gguf") == 0) name.resize(name.size() - 5);
  return name.empty() ? "model" : name;
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

int serve(const ServeOptions& o) {
  // SIGINT and SIGTERM are taken by one thread (sigwait) that stops the server; block them before any other
  // thread starts, so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto loaded = load_chat_model(o.model);
  if (!loaded.ok()) return fail("serve", loaded.message());
  const ChatModel& cm = *loaded;
  for (const auto& w : cm.warnings) fmt::print(stderr, "warning: {}\n", w);

  const int64_t model_context = std::max<int64_t>(cm.model->config().max_context, 2);
  EngineOptions eo;
  eo.n_slots = o.parallel;
  eo.context_tokens = o.context > 0 ? o.context : std::min<int64_t>(4096, model_context);
  if (eo.context_tokens > model_context) {
    fmt::print(stderr,
               "warning: --ctx-size {} is beyond the model's context of {} tokens; quality may suffer\n",
               eo.context_tokens, model_context);
  }
  eo.kv_tokens = o.kv_tokens;
  eo.step_tokens = o.batch_tokens;
  eo.max_queue = o.max_queue;
  // The engine's threads compute the model; one core is left for the HTTP threads (parsing, templates,
  // streaming) unless the machine has only one.
  eo.n_threads =
      o.threads > 0 ? o.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1);
  eo.prefix_cache = !o.no_prefix_cache;
  auto engine = Engine::create(cm, eo);
  if (!engine.ok()) return fail("serve", engine.message());

  api::ServerOptions so;
  so.host = o.host;
  so.port = o.port;
  so.api_key = o.api_key;
  so.max_body_bytes = o.max_body;
  so.http_threads = o.http_threads;
  so.stream_interval_ms = o.stream_interval_ms;
  so.model_id = o.alias.empty() ? model_id_for(o.model) : o.alias;
  api::ApiServer server(**engine, so);
  if (Status bound = server.bind(); !bound.ok()) return fail("serve", bound.message());

  const EngineOptions& used = (*engine)->options();
  const double kv_mib = static_cast<double>((*engine)->metrics().kv_blocks_total * used.kv_block_tokens) *
                        static_cast<double>(cm.model->config().n_layers * cm.model->config().kv_row_width()) *
                        4.0 / (1 << 20);
  if (!is_loopback(o.host) && o.api_key.empty()) {
    fmt::print(
        stderr,
        "warning: listening on {} without --api-key: anyone who can reach this port can use the model\n",
        o.host);
  }
  fmt::print(stderr,
             "sinan serve: {} as \"{}\": {} requests at once, {} tokens of context each, KV cache {} tokens "
             "({:.1f} MiB), {} waiting at most, {} model thread(s)\n",
             o.model, so.model_id, used.n_slots, used.context_tokens, used.kv_tokens, kv_mib, used.max_queue,
             used.n_threads);
  fmt::print(stderr, "listening on http://{}:{}\n",
             o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host, server.port());

  std::thread signal_waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    if (signal != 0)
      fmt::print(stderr, "sinan serve: stopping ({})\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();
  });
  server.serve();
  // serve() also returns if listening fails; wake the waiter so it can be joined.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  (*engine)->stop();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve a model over HTTP with the OpenAI and DeepSeek APIs");
  cmd->footer(fmt::format(
      "Routes: POST /v1/chat/completions, POST /v1/completions, GET /v1/models, GET /health, GET /metrics.\n"
      "Chat answers carry DeepSeek's reasoning_content beside content (streamed too), tool_calls, and usage\n"
      "with reasoning and cached-prompt token counts. Requests run together: each step of the engine "
      "computes\n"
      "one token for every running request (and a chunk of new prompts) in one batch; prompts that repeat "
      "an\n"
      "earlier prefix (a system prompt, a chat history) reuse its KV cache.\n\n"
      "Examples:\n"
      "  sinan serve                                  the bundled demo on http://127.0.0.1:8080\n"
      "  curl http://127.0.0.1:8080/v1/chat/completions -H 'Content-Type: application/json' \\\n"
      "       -d '{{\"messages\": [{{\"role\": \"user\", \"content\": \"What is 642+178?\"}}]}}'\n"
      "  sinan serve DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf --parallel 8 --ctx-size 8192\n"
      "  SINAN_API_KEY=secret sinan serve model.gguf --host 0.0.0.0     (clients send Authorization: Bearer "
      "secret)\n\n"
      "With the openai client: OpenAI(base_url=\"http://127.0.0.1:8080/v1\", api_key=\"unused\").\n"
      "Memory: the KV cache holds --kv-tokens tokens (default --parallel x --ctx-size), shared by all "
      "requests;\n"
      "a request is admitted when its prompt plus max_tokens fits. Requests beyond --parallel wait (up to\n"
      "--max-queue, then 429 with Retry-After). The demo model: {}",
      default_model_path()));
  cmd->add_option("MODEL", o->model, "A .gguf file or a Hugging Face model directory (default: the demo)");
  cmd->add_option("--host", o->host, "Address to listen on (default 127.0.0.1: this machine only)");
  cmd->add_option("--port", o->port, "Port (default 8080; 0 picks a free one and prints it)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--parallel,--np", o->parallel, "Requests generating at once, batched together (default 4)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option(
      "-c,--ctx-size", o->context,
      "Context per request in tokens, prompt and answer together (default: 4096 or the model's, if less)");
  cmd->add_option("--kv-tokens", o->kv_tokens,
                  "KV cache size in tokens, shared by all requests (default: parallel x ctx-size)");
  cmd->add_option(
      "--batch-tokens", o->batch_tokens,
      "Tokens per forward pass: every running request's next token, then prompt chunks (default 256)");
  cmd->add_option("--max-queue", o->max_queue,
                  "Requests that may wait for a slot before new ones get 429 (default 64)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--api-key", o->api_key,
                  "Require Authorization: Bearer KEY on every route but /health (or set SINAN_API_KEY)")
      ->envname("SINAN_API_KEY");
  cmd->add_option("--max-body", o->max_body,
                  "Largest request body in bytes; larger ones get 413 (default 8 MiB)");
  cmd->add_option("-t,--threads", o->threads,
                  "Threads for the model (default: one per core but one, left for HTTP)");
  cmd->add_option("--http-threads", o->http_threads,
                  "Threads for HTTP connections (default: parallel + max-queue + 16)");
  cmd->add_option("--alias", o->alias, "Model name for /v1/models and responses (default: the file name)");
  cmd->add_flag("--no-prefix-cache", o->no_prefix_cache,
                "Do not reuse the KV cache of repeated prompt prefixes");
  cmd->add_option("--stream-interval", o->stream_interval_ms,
                  "Milliseconds between writes of a stream; tokens in between go in one write (default 20; "
                  "0: each token)")
      ->check(CLI::Range(0, 1000));
  cmd->callback([o, exit_code] {
    if (o->model.empty()) o->model = default_model_path();
    *exit_code = serve(*o);
  });
}

}  // namespace sinan::apps
