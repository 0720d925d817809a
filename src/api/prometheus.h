// GET /metrics: the engine's metrics and the HTTP request counts in Prometheus' text format (version 0.0.4).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "serve/metrics.h"

namespace sinan::api {

// HTTP responses by route and status code.
class HttpCounters {
 public:
  void count(const std::string& route, int status) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counts_[{route, status}];
  }
  std::map<std::pair<std::string, int>, int64_t> snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> counts_;
};

std::string render_prometheus(const EngineMetrics& engine,
                              const std::map<std::pair<std::string, int>, int64_t>& http,
                              int64_t http_in_flight);

}  // namespace sinan::api
