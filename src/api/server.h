// The HTTP face of the engine (cpp-httplib): routes, authentication, limits, Server-Sent Events.
//
//   POST /v1/chat/completions   chat (stream or not), OpenAI's schema plus DeepSeek's reasoning_content
//   POST /v1/completions        raw text completion
//   GET  /v1/models             the one model served (also /v1/models/{id})
//   GET  /health                {"status": "ok"} (never needs the API key)
//   GET  /metrics               Prometheus text
//
// Each HTTP request runs on a thread of the server's pool: it parses and validates the body (api/request.h),
// renders and tokenizes the prompt (api/prepare.h), submits to the engine and then only waits for events and
// writes them out. While waiting it checks every 100 ms whether the client is still connected; a client that
// went away cancels its request, and the engine frees the request's cache at its next step.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "api/prometheus.h"
#include "api/request.h"
#include "core/status.h"
#include "serve/engine.h"

namespace httplib {
class Server;
struct Request;
struct Response;
class ContentReader;
}  // namespace httplib

namespace sinan::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;      // 0: any free port (see ApiServer::port())
  std::string api_key;  // empty: no authentication
  size_t max_body_bytes = 8u << 20;
  int http_threads = 0;  // 0: enough for every slot and queue place, plus some
  std::string model_id;  // the name /v1/models reports and responses carry
  int stream_interval_ms =
      20;  // a stream writes at most this often (tokens in between go together); 0: each token
  RequestLimits limits;
};

class ApiServer {
 public:
  ApiServer(Engine& engine, ServerOptions options);
  ~ApiServer();

  // Binds the listening socket.
  Status bind();
  int port() const { return port_; }
  // Serves until stop() (from another thread or a signal handler's thread).
  void serve();
  void stop();

 private:
  struct Generation;
  void handle_generation(const httplib::Request& req, httplib::Response& res,
                         const httplib::ContentReader& reader, bool chat);
  bool read_body(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
                 std::string* body);
  void respond(const std::shared_ptr<Generation>& generation, httplib::Response& res);
  std::string new_id(const char* prefix);

  Engine& engine_;
  ServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  int64_t created_ = 0;
  std::string fingerprint_;
  HttpCounters counters_;
  std::atomic<int64_t> open_generations_{0};
  std::atomic<uint64_t> id_counter_{0};
  uint64_t id_nonce_ = 0;
};

// Compares in time that depends only on the lengths, not on where the texts differ.
bool constant_time_equal(const std::string& a, const std::string& b);

}  // namespace sinan::api
