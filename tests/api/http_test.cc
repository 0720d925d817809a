// The server over real sockets, on the demo model, with raw HTTP: malformed and hostile input gets
// OpenAI-style errors (400, 401, 404, 405, 413, 429) and never crashes or wedges it; a client that hangs up
// cancels its request; Server-Sent Events are framed as OpenAI's clients parse them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "api/server.h"

namespace sinan::api {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  timeval timeout{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

struct HttpResponse {
  int status = 0;
  std::string head, body;
  Json json() const { return Json::parse(body, nullptr, false); }
  bool has_header(const std::string& line) const { return head.find(line) != std::string::npos; }
};

// Decodes a chunked body if the response uses one.
std::string dechunk(const std::string& body) {
  std::string out;
  size_t at = 0;
  while (at < body.size()) {
    const size_t eol = body.find("\r\n", at);
    if (eol == std::string::npos) break;
    const size_t n = std::stoul(body.substr(at, eol - at), nullptr, 16);
    if (n == 0) break;
    out += body.substr(eol + 2, n);
    at = eol + 2 + n + 2;
  }
  return out;
}

HttpResponse parse_response(const std::string& raw) {
  HttpResponse r;
  const size_t end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || end == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  r.head = raw.substr(0, end);
  r.body = raw.substr(end + 4);
  if (r.has_header("Transfer-Encoding: chunked")) r.body = dechunk(r.body);
  return r;
}

// `half_close`: tell the server nothing more is coming (for requests it could wait on). The server takes a
// read side that reached end-of-file for a client that went away, so answers to complete requests are read
// with the connection left open.
HttpResponse raw_request(int port, const std::string& request, bool half_close = false) {
  const int fd = connect_to(port);
  if (fd < 0) return {};
  send_all(fd, request);
  if (half_close) shutdown(fd, SHUT_WR);
  HttpResponse r = parse_response(read_all(fd));
  close(fd);
  return r;
}

HttpResponse request(int port, const std::string& method, const std::string& path,
                     const std::string& body = "", const std::string& extra_headers = "") {
  std::string req =
      method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + extra_headers;
  if (!body.empty() || method == "POST") {
    req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return raw_request(port, req + "\r\n" + body);
}

class HttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = load_chat_model(SINAN_DEMO_MODEL);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    cm_ = new ChatModel(std::move(*loaded));
  }
  static void TearDownTestSuite() { delete cm_; }

  void start(EngineOptions eo = {}, ServerOptions so = {}) {
    eo.n_threads = 2;
    if (eo.context_tokens == 4096) eo.context_tokens = 512;
    auto engine = Engine::create(*cm_, eo);
    ASSERT_TRUE(engine.ok()) << engine.message();
    engine_ = std::move(*engine);
    so.port = 0;
    so.model_id = "demo";
    server_ = std::make_unique<ApiServer>(*engine_, so);
    ASSERT_TRUE(server_->bind().ok());
    port_ = server_->port();
    thread_ = std::thread([this] { server_->serve(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    engine_.reset();
  }
  int64_t metric(const std::string& name) {
    const HttpResponse r = request(port_, "GET", "/metrics");
    const size_t at = r.body.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return static_cast<int64_t>(std::stod(r.body.substr(at + name.size() + 2)));
  }
  void expect_error(const HttpResponse& r, int status, const std::string& param = "") {
    EXPECT_EQ(r.status, status) << r.head << "\n" << r.body;
    EXPECT_TRUE(r.has_header("Content-Type: application/json")) << r.head;
    const Json j = r.json();
    ASSERT_TRUE(j.is_object()) << r.body;
    ASSERT_TRUE(j.contains("error")) << r.body;
    EXPECT_TRUE(j["error"]["message"].is_string());
    EXPECT_TRUE(j["error"]["type"].is_string());
    EXPECT_TRUE(j["error"].contains("code"));
    if (!param.empty()) {
      EXPECT_EQ(j["error"]["param"], param) << r.body;
    }
  }

  static ChatModel* cm_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<ApiServer> server_;
  std::thread thread_;
  int port_ = 0;
};
ChatModel* HttpTest::cm_ = nullptr;

const std::string kQuestion =
    R"({"messages": [{"role": "user", "content": "What is 642+178?"}], "temperature": 0)";

TEST_F(HttpTest, AnswersAndDescribesItself) {
  start();
  HttpResponse r = request(port_, "POST", "/v1/chat/completions", kQuestion + "}");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = r.json();
  EXPECT_EQ(j["choices"][0]["message"]["content"], "642 + 178 = 820");
  EXPECT_EQ(j["choices"][0]["message"]["reasoning_content"], "2+8=10, carry 1. 4+7+1=12, carry 1. 6+1+1=8.");
  EXPECT_EQ(j["model"], "demo");
  r = request(port_, "GET", "/v1/models");
  EXPECT_EQ(r.json()["data"][0]["id"], "demo");
  EXPECT_EQ(request(port_, "GET", "/v1/models/demo").json()["id"], "demo");
  expect_error(request(port_, "GET", "/v1/models/gpt-4"), 404, "model");
  EXPECT_EQ(request(port_, "GET", "/health").body, R"({"status":"ok"})");
  r = request(port_, "GET", "/metrics");
  EXPECT_NE(r.body.find("sinan_generation_tokens_total"), std::string::npos);
  EXPECT_NE(r.body.find("sinan_http_requests_total{route=\"/v1/chat/completions\",code=\"200\"} 1"),
            std::string::npos);
}

TEST_F(HttpTest, StreamsServerSentEventsEndingWithDone) {
  start();
  const HttpResponse r =
      request(port_, "POST", "/v1/chat/completions",
              kQuestion + R"(, "stream": true, "stream_options": {"include_usage": true}})");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.has_header("Content-Type: text/event-stream")) << r.head;
  std::string content, reasoning;
  size_t at = 0;
  int events = 0;
  bool done = false, usage = false;
  while (at < r.body.size()) {
    const size_t end = r.body.find("\n\n", at);
    ASSERT_NE(end, std::string::npos) << "an event not ended by a blank line";
    const std::string event = r.body.substr(at, end - at);
    at = end + 2;
    ASSERT_EQ(event.rfind("data: ", 0), 0u) << event;
    ASSERT_FALSE(done) << "events after [DONE]";
    if (event == "data: [DONE]") {
      done = true;
      continue;
    }
    ++events;
    const Json chunk = Json::parse(event.substr(6));
    if (chunk["choices"].empty()) {
      usage = true;
      EXPECT_EQ(chunk["usage"]["prompt_tokens"], 16);
      continue;
    }
    const Json& delta = chunk["choices"][0]["delta"];
    if (delta.contains("content")) content += delta["content"].get<std::string>();
    if (delta.contains("reasoning_content")) reasoning += delta["reasoning_content"].get<std::string>();
  }
  EXPECT_TRUE(done);
  EXPECT_TRUE(usage);
  EXPECT_GT(events, 10);
  EXPECT_EQ(content, "642 + 178 = 820");
  EXPECT_EQ(reasoning, "2+8=10, carry 1. 4+7+1=12, carry 1. 6+1+1=8.");
}

TEST_F(HttpTest, MalformedRequestsGet400WithTheField) {
  start();
  expect_error(request(port_, "POST", "/v1/chat/completions", "{\"messages\": [}"), 400);
  expect_error(request(port_, "POST", "/v1/chat/completions", ""), 400);
  expect_error(request(port_, "POST", "/v1/chat/completions", "\xff\xfe garbage"), 400);
  expect_error(
      request(port_, "POST", "/v1/chat/completions", R"({"messages": [{"role": "robot", "content": "x"}]})"),
      400, "messages[0].role");
  expect_error(request(port_, "POST", "/v1/chat/completions", kQuestion + R"(, "max_tokens": "ten"})"), 400,
               "max_tokens");
  expect_error(request(port_, "POST", "/v1/chat/completions", kQuestion + R"(, "n": 3})"), 400, "n");
  // A string with invalid UTF-8 inside valid JSON syntax.
  expect_error(request(port_, "POST", "/v1/chat/completions",
                       "{\"messages\": [{\"role\": \"user\", \"content\": \"\xc3\x28\"}]}"),
               400);
  expect_error(request(port_, "POST", "/v1/completions", R"({"prompt": [1, 99999999]})"), 400, "prompt");
  expect_error(request(port_, "POST", "/v1/chat/completions", kQuestion + R"(, "logit_bias": {"99999": 1}})"),
               400, "logit_bias");
  expect_error(request(port_, "GET", "/nowhere"), 404);
  const HttpResponse wrong_method = request(port_, "GET", "/v1/chat/completions");
  expect_error(wrong_method, 405);
  EXPECT_TRUE(wrong_method.has_header("Allow: POST"));
  expect_error(request(port_, "DELETE", "/health"), 405);
  // Not HTTP at all, and a request line with nothing after it: the server answers 400 or closes, and lives.
  raw_request(port_, "\x16\x03\x01\x02\x00garbage\r\n\r\n", true);
  raw_request(port_, "POST /v1/chat/completions HTTP/1.1\r\n", true);
  EXPECT_EQ(request(port_, "GET", "/health").status, 200);
}

TEST_F(HttpTest, PromptBeyondTheContextSaysByHowMuch) {
  EngineOptions eo;
  eo.context_tokens = 32;
  start(eo);
  const std::string long_question =
      R"({"messages": [{"role": "user", "content": ")" + std::string(200, '7') + R"("}]})";
  const HttpResponse r = request(port_, "POST", "/v1/chat/completions", long_question);
  expect_error(r, 400, "messages");
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("tokens too long"), std::string::npos)
      << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "context_length_exceeded");
}

TEST_F(HttpTest, BodiesOverTheLimitGet413) {
  ServerOptions so;
  so.max_body_bytes = 4096;
  start({}, so);
  const std::string big =
      R"({"messages": [{"role": "user", "content": ")" + std::string(10000, 'x') + R"("}]})";
  expect_error(request(port_, "POST", "/v1/chat/completions", big), 413);
  // Chunked bodies have no length up front; the limit still holds.
  std::string chunked =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n";
  for (int i = 0; i < 10; ++i) chunked += "3e8\r\n" + std::string(1000, ' ') + "\r\n";
  chunked += "0\r\n\r\n";
  expect_error(raw_request(port_, chunked), 413);
  EXPECT_EQ(request(port_, "POST", "/v1/chat/completions", kQuestion + "}").status, 200);
}

TEST_F(HttpTest, ApiKeyGuardsEveryRouteButHealth) {
  ServerOptions so;
  so.api_key = "s3cret";
  start({}, so);
  HttpResponse r = request(port_, "POST", "/v1/chat/completions", kQuestion + "}");
  expect_error(r, 401);
  EXPECT_EQ(r.json()["error"]["code"], "invalid_api_key");
  expect_error(request(port_, "GET", "/v1/models", "", "Authorization: Bearer wrong\r\n"), 401);
  expect_error(request(port_, "GET", "/v1/models", "", "Authorization: Bearer s3cret2\r\n"), 401);
  expect_error(request(port_, "GET", "/metrics", "", "Authorization: s3cret\r\n"), 401);
  EXPECT_EQ(request(port_, "GET", "/v1/models", "", "Authorization: Bearer s3cret\r\n").status, 200);
  EXPECT_EQ(
      request(port_, "POST", "/v1/chat/completions", kQuestion + "}", "Authorization: Bearer s3cret\r\n")
          .status,
      200);
  EXPECT_EQ(request(port_, "GET", "/health").status, 200);
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

// Opens a streaming request that runs long and returns its socket once the first event arrived.
int open_long_stream(int port) {
  const std::string body =
      R"({"messages": [{"role": "user", "content": "What is 642+178?"}], "stream": true, "ignore_eos": true, "max_tokens": 5000})";
  const int fd = connect_to(port);
  send_all(
      fd,
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string seen;
  char buffer[1024];
  while (seen.find("data: ") == std::string::npos) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    seen.append(buffer, static_cast<size_t>(n));
  }
  return fd;
}

TEST_F(HttpTest, FullQueueGets429WithRetryAfter) {
  EngineOptions eo;
  eo.n_slots = 1;
  eo.max_queue = 0;
  eo.context_tokens = 4096;
  start(eo);
  const int fd = open_long_stream(port_);
  const HttpResponse r = request(port_, "POST", "/v1/chat/completions", kQuestion + "}");
  expect_error(r, 429);
  EXPECT_TRUE(r.has_header("Retry-After: 1")) << r.head;
  EXPECT_EQ(r.json()["error"]["code"], "rate_limit_exceeded");
  close(fd);
}

TEST_F(HttpTest, AClientThatHangsUpCancelsItsRequest) {
  EngineOptions eo;
  eo.context_tokens = 4096;
  start(eo);
  for (bool stream : {true, false}) {
    int fd;
    if (stream) {
      fd = open_long_stream(port_);
    } else {
      const std::string body =
          R"({"messages": [{"role": "user", "content": "What is 642+178?"}], "ignore_eos": true, "max_tokens": 5000})";
      fd = connect_to(port_);
      send_all(fd, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
    }
    // The gauge is published at the end of the engine step that admitted the request, which can come
    // after the stream's first bytes.
    const auto opened = std::chrono::steady_clock::now();
    while (metric("sinan_requests_running") != 1 && std::chrono::steady_clock::now() - opened < 5s) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(metric("sinan_requests_running"), 1);
    const auto hung_up = std::chrono::steady_clock::now();
    close(fd);
    while (metric("sinan_requests_running") != 0 && std::chrono::steady_clock::now() - hung_up < 5s) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(metric("sinan_requests_running"), 0) << (stream ? "streaming" : "one-shot");
    EXPECT_LT(std::chrono::steady_clock::now() - hung_up, 2s);  // 100 ms polls, one engine step
    EXPECT_EQ(metric("sinan_kv_cache_blocks_used"), metric("sinan_kv_cache_blocks_reusable"));
  }
  const HttpResponse m = request(port_, "GET", "/metrics");
  EXPECT_NE(m.body.find("sinan_requests_total{outcome=\"cancelled\"} 2"), std::string::npos)
      << m.body.substr(m.body.find("sinan_requests_total"), 200);
}

TEST_F(HttpTest, SilentAndSlowClientsDoNotWedgeIt) {
  start();
  // Connections that send nothing, or half a request, while others are served.
  std::vector<int> idle;
  for (int i = 0; i < 5; ++i) {
    idle.push_back(connect_to(port_));
    if (i % 2 == 1)
      send_all(idle.back(), "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"mess");
  }
  EXPECT_EQ(request(port_, "POST", "/v1/chat/completions", kQuestion + "}").status, 200);
  EXPECT_EQ(request(port_, "GET", "/health").status, 200);
  for (int fd : idle) close(fd);
}

TEST_F(HttpTest, RandomlyMutatedBodiesNeverBreakIt) {
  start();
  std::mt19937 rng(9);
  const std::string seeds[] = {
      kQuestion + R"(, "max_tokens": 3, "stop": ["x"], "logprobs": true, "top_logprobs": 2})",
      R"({"prompt": "1+1=", "max_tokens": 2, "echo": true, "logprobs": 1})",
      R"({"messages": [{"role": "system", "content": [{"type": "text", "text": "s"}]}, {"role": "user", "content": "9+9"}], "max_tokens": 4, "response_format": {"type": "json_object"}, "tools": [{"type": "function", "function": {"name": "f"}}]})",
  };
  const char bytes[] = "{}[]\":,0123456789-.eE \\ntrufalsn\x01\xff";
  for (int i = 0; i < 150; ++i) {
    std::string body = seeds[i % 3];
    for (int m = 0, n = 1 + static_cast<int>(rng() % 4); m < n; ++m) {
      const size_t at = rng() % body.size();
      switch (rng() % 3) {
        case 0:
          body[at] = bytes[rng() % (sizeof bytes - 1)];
          break;
        case 1:
          body.erase(at, 1 + rng() % 5);
          break;
        default:
          body.insert(at, 1, bytes[rng() % (sizeof bytes - 1)]);
      }
    }
    const char* path = i % 3 == 1 ? "/v1/completions" : "/v1/chat/completions";
    const HttpResponse r = request(port_, "POST", path, body);
    ASSERT_TRUE(r.status == 200 || r.status == 400) << r.status << " for " << body;
    ASSERT_TRUE(r.json().is_object()) << body << " -> " << r.body;
  }
  EXPECT_EQ(request(port_, "GET", "/health").status, 200);
}

}  // namespace
}  // namespace sinan::api
