#include "api/server.h"

#include <httplib.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <random>

#include "api/prepare.h"
#include "api/response.h"

namespace sinan::api {
namespace {

using Json = nlohmann::ordered_json;

constexpr auto kPollInterval = std::chrono::milliseconds(100);

void write_error(httplib::Response& res, const ApiError& error) {
  res.status = error.status;
  res.set_content(error_text(error), "application/json");
}

ApiError submit_error(const Submitted& s, bool chat) {
  switch (s.error) {
    case SubmitError::kQueueFull: {
      ApiError e{429, s.message, "", "rate_limit_error", "rate_limit_exceeded"};
      return e;
    }
    case SubmitError::kShuttingDown:
      return ApiError{503, s.message, "", "server_error", "unavailable"};
    default: {
      ApiError e = ApiError::invalid(s.message, chat ? "messages" : "prompt");
      if (s.message.find("too long") != std::string::npos) e.code = "context_length_exceeded";
      return e;
    }
  }
}

const char* route_label(const std::string& path) {
  static const char* kRoutes[] = {"/v1/chat/completions", "/v1/completions", "/v1/models", "/health",
                                  "/metrics"};
  for (const char* r : kRoutes) {
    if (path == r) return r;
  }
  if (path.rfind("/v1/models/", 0) == 0) return "/v1/models/{id}";
  return "other";
}

// The method each known route answers, for 405 replies.
const char* allowed_method(const std::string& path) {
  if (path == "/v1/chat/completions" || path == "/v1/completions") return "POST";
  if (path == "/v1/models" || path == "/health" || path == "/metrics" || path.rfind("/v1/models/", 0) == 0)
    return "GET";
  return nullptr;
}

uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

bool constant_time_equal(const std::string& a, const std::string& b) {
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

struct ApiServer::Generation {
  std::shared_ptr<RequestStream> stream;
  bool streaming = false;
  std::optional<ChatAssembler> chat;
  std::optional<CompletionAssembler> completion;
  std::vector<StreamEvent> events;
  bool done = false;
  std::chrono::steady_clock::time_point next_write{};  // a stream gathers tokens until then

  // Streaming: SSE text for the events, ending with [DONE] (or an error event) when finished.
  std::string sse(const std::vector<StreamEvent>& batch) {
    std::string out;
    for (const StreamEvent& e : batch) {
      if (!e.error.empty()) {
        out += sse_event(Json::parse(error_text(ApiError{500, e.error, "", "server_error", ""})));
        done = true;
        break;
      }
      for (const Json& c : chat ? chat->chunks(e) : completion->chunks(e)) out += sse_event(c);
      if (e.finished) {
        out += kSseDone;
        done = true;
        break;
      }
    }
    return out;
  }
  // One-shot: the body once finished, else empty.
  std::string body(const std::vector<StreamEvent>& batch) {
    for (const StreamEvent& e : batch) {
      if (chat) {
        chat->add(e);
      } else {
        completion->add(e);
      }
      if (e.finished) {
        done = true;
        const std::string& error = chat ? chat->error() : completion->error();
        if (!error.empty()) return error_text(ApiError{500, error, "", "server_error", ""});
        return dump_json(chat ? chat->completion() : completion->completion());
      }
    }
    return {};
  }
};

ApiServer::ApiServer(Engine& engine, ServerOptions options)
    : engine_(engine), options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  created_ =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  id_nonce_ = mix64(static_cast<uint64_t>(std::random_device{}()) << 32 ^ static_cast<uint64_t>(created_));
  fingerprint_ = fmt::format("sinan-0.1.0-{:08x}",
                             static_cast<uint32_t>(mix64(std::hash<std::string>{}(options_.model_id))));
  const EngineOptions& eo = engine_.options();
  const int threads = options_.http_threads > 0
                          ? options_.http_threads
                          : static_cast<int>(std::min<int64_t>(eo.n_slots + eo.max_queue + 16, 1024));
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http_->set_payload_max_length(options_.max_body_bytes);
  http_->set_keep_alive_max_count(1000);
  http_->set_keep_alive_timeout(5);
  http_->set_read_timeout(15);
  http_->set_write_timeout(15);
  http_->set_tcp_nodelay(true);

  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (options_.api_key.empty() || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    const std::string auth = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    const bool ok = auth.size() > kBearer.size() && auth.compare(0, kBearer.size(), kBearer) == 0 &&
                    constant_time_equal(auth.substr(kBearer.size()), options_.api_key);
    if (ok) return httplib::Server::HandlerResponse::Unhandled;
    ApiError e{401,
               auth.empty() ? "no API key: send the header Authorization: Bearer <key>"
                            : "incorrect API key provided",
               "", "invalid_request_error", "invalid_api_key"};
    write_error(res, e);
    res.set_header("WWW-Authenticate", "Bearer");
    res.set_header("Connection", "close");  // the body (if any) was not read
    return httplib::Server::HandlerResponse::Handled;
  });

  // Errors httplib produces itself (no route, bad framing, body too large) get OpenAI-style bodies too.
  http_->set_error_handler(
      httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        ApiError e;
        e.status = res.status;
        if (res.status == 404 && allowed_method(req.path) != nullptr) {
          e.status = 405;
          e.message = fmt::format("{} needs {}, not {}", req.path, allowed_method(req.path), req.method);
          res.set_header("Allow", allowed_method(req.path));
        } else if (res.status == 404) {
          e.message = fmt::format("no such route: {} {}", req.method, req.path);
          e.code = "not_found";
        } else if (res.status == 413) {
          e.message = fmt::format("the request body is larger than {} bytes", options_.max_body_bytes);
        } else {
          e.message = fmt::format("the request could not be handled (HTTP {})", res.status);
          if (res.status >= 500) e.type = "server_error";
        }
        res.status = e.status;
        res.set_content(error_text(e), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));

  http_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    write_error(res, ApiError{500, "internal error: " + what, "", "server_error", ""});
  });

  http_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    counters_.count(route_label(req.path), res.status);
  });

  http_->Post("/v1/chat/completions",
              [this](const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) { handle_generation(req, res, reader, true); });
  http_->Post("/v1/completions",
              [this](const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) { handle_generation(req, res, reader, false); });
  auto model_json = [this] {
    const EngineOptions& eo = engine_.options();
    return Json{{"id", options_.model_id},
                {"object", "model"},
                {"created", created_},
                {"owned_by", "sinan"},
                {"context_length", eo.context_tokens},
                {"max_parallel", eo.n_slots}};
  };
  http_->Get("/v1/models", [model_json](const httplib::Request&, httplib::Response& res) {
    res.set_content(dump_json(Json{{"object", "list"}, {"data", Json::array({model_json()})}}),
                    "application/json");
  });
  http_->Get("/v1/models/(.+)", [this, model_json](const httplib::Request& req, httplib::Response& res) {
    if (req.matches[1] != options_.model_id) {
      write_error(res, ApiError{404,
                                fmt::format("model \"{}\" is not served here; this server serves \"{}\"",
                                            std::string(req.matches[1]), options_.model_id),
                                "model", "invalid_request_error", "model_not_found"});
      return;
    }
    res.set_content(dump_json(model_json()), "application/json");
  });
  http_->Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(render_prometheus(engine_.metrics(), counters_.snapshot(), open_generations_.load()),
                    "text/plain; version=0.0.4");
  });
}

ApiServer::~ApiServer() {
  stop();
}

Status ApiServer::bind() {
  // httplib writes without MSG_NOSIGNAL: a client that hangs up mid-stream must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.host);
    if (port_ <= 0) return Status::errorf("cannot listen on {} (any port)", options_.host);
    return Status();
  }
  if (!http_->bind_to_port(options_.host, options_.port)) {
    return Status::errorf("cannot listen on {}:{}: {} (is another server using the port?)", options_.host,
                          options_.port, std::strerror(errno));
  }
  port_ = options_.port;
  return Status();
}

void ApiServer::serve() {
  http_->listen_after_bind();
}

void ApiServer::stop() {
  if (http_) http_->stop();
}

std::string ApiServer::new_id(const char* prefix) {
  const uint64_t n = id_counter_.fetch_add(1);
  return fmt::format("{}-{:016x}{:08x}", prefix, mix64(id_nonce_ ^ n), static_cast<uint32_t>(n));
}

bool ApiServer::read_body(const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader, std::string* body) {
  bool too_large = false;
  const bool ok = reader([&](const char* data, size_t n) {
    if (body->size() + n > options_.max_body_bytes) {
      too_large = true;
      return false;
    }
    body->append(data, n);
    return true;
  });
  if (too_large || res.status == 413) {
    write_error(
        res, ApiError{413, fmt::format("the request body is larger than {} bytes", options_.max_body_bytes)});
    res.set_header("Connection", "close");
    return false;
  }
  if (!ok) {
    write_error(res, ApiError::invalid("the request body could not be read"));
    res.set_header("Connection", "close");
    return false;
  }
  return true;
}

void ApiServer::handle_generation(const httplib::Request& req, httplib::Response& res,
                                  const httplib::ContentReader& reader, bool chat) {
  std::string body;
  if (!read_body(req, res, reader, &body)) return;
  const ChatModel& model = engine_.model();
  const uint64_t random_seed = mix64(id_nonce_ ^ (id_counter_.load() << 20) ^ std::random_device{}());
  PreparedRequest prepared;
  auto generation = std::make_shared<Generation>();
  ResponseInfo info;
  info.created =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  info.model = options_.model_id;
  info.fingerprint = fingerprint_;
  if (chat) {
    ChatRequest request;
    if (auto e = parse_chat_request(body, options_.limits, &request)) return write_error(res, *e);
    if (auto e = prepare_chat(model, request, random_seed, &prepared)) return write_error(res, *e);
    info.id = new_id("chatcmpl");
    ChatAssembler::Options o;
    o.reasoning_model = model.reasoning;
    o.tools = !request.tools.is_null();
    o.logprobs = request.fields.logprobs;
    o.include_usage = request.fields.include_usage;
    generation->chat.emplace(info, o, &engine_.token_bytes());
    generation->streaming = request.fields.stream;
  } else {
    CompletionRequest request;
    if (auto e = parse_completion_request(body, options_.limits, &request)) return write_error(res, *e);
    if (auto e = prepare_completion(model, request, random_seed, &prepared)) return write_error(res, *e);
    info.id = new_id("cmpl");
    generation->completion.emplace(info, request.fields.logprobs, request.fields.include_usage,
                                   request.echo ? prepared.prompt_text : std::string(),
                                   &engine_.token_bytes());
    generation->streaming = request.fields.stream;
  }
  Submitted submitted = engine_.submit(std::move(prepared.engine));
  if (!submitted.stream) {
    const ApiError e = submit_error(submitted, chat);
    write_error(res, e);
    if (e.status == 429) res.set_header("Retry-After", "1");
    return;
  }
  generation->stream = std::move(submitted.stream);
  respond(generation, res);
}

void ApiServer::respond(const std::shared_ptr<Generation>& g, httplib::Response& res) {
  ++open_generations_;
  auto release = [this, g](bool) {
    if (!g->done) g->stream->cancel();  // the connection ended first
    --open_generations_;
  };
  if (g->streaming) {
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    const auto interval = std::chrono::milliseconds(options_.stream_interval_ms);
    res.set_chunked_content_provider(
        "text/event-stream",
        [g, interval](size_t, httplib::DataSink& sink) {
          if (g->done) {
            sink.done();
            return true;
          }
          if (!g->stream->wait(&g->events, kPollInterval, g->next_write)) {
            if (sink.is_writable()) return true;
            g->stream->cancel();
            return false;
          }
          const std::string out = g->sse(g->events);
          if (!out.empty() && !sink.write(out.data(), out.size())) {
            g->stream->cancel();
            return false;
          }
          g->next_write = std::chrono::steady_clock::now() + interval;
          if (g->done) sink.done();
          return true;
        },
        release);
    return;
  }
  // One-shot answers are written when complete; the wait still watches the connection so a client that
  // gives up cancels its request.
  res.set_chunked_content_provider(
      "application/json",
      [g](size_t, httplib::DataSink& sink) {
        if (g->done) {
          sink.done();
          return true;
        }
        // Nothing is written before the end, so wake only to look at the connection, or when finished.
        if (!g->stream->wait(&g->events, kPollInterval, std::chrono::steady_clock::now() + kPollInterval)) {
          if (sink.is_writable()) return true;
          g->stream->cancel();
          return false;
        }
        const std::string out = g->body(g->events);
        if (!g->done) {
          // Events keep coming while nothing is written, so look at the connection here too.
          if (sink.is_writable()) return true;
          g->stream->cancel();
          return false;
        }
        if (!sink.write(out.data(), out.size())) return false;
        sink.done();
        return true;
      },
      release);
}

}  // namespace sinan::api
