#include "api/prometheus.h"

#include <fmt/format.h>

namespace sinan::api {
namespace {

void metric(std::string* out, const char* name, const char* type, const char* help, double value) {
  *out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
}

}  // namespace

std::string render_prometheus(const EngineMetrics& m,
                              const std::map<std::pair<std::string, int>, int64_t>& http,
                              int64_t http_in_flight) {
  std::string out;
  out += "# HELP sinan_http_requests_total HTTP responses by route and status code.\n";
  out += "# TYPE sinan_http_requests_total counter\n";
  for (const auto& [key, n] : http) {
    out +=
        fmt::format("sinan_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n", key.first, key.second, n);
  }
  metric(&out, "sinan_http_requests_in_flight", "gauge", "HTTP requests being served now.",
         static_cast<double>(http_in_flight));
  out += "# HELP sinan_requests_total Generation requests that left the engine, by outcome.\n";
  out += "# TYPE sinan_requests_total counter\n";
  out += fmt::format("sinan_requests_total{{outcome=\"finished\"}} {}\n", m.requests_finished);
  out += fmt::format("sinan_requests_total{{outcome=\"cancelled\"}} {}\n", m.requests_cancelled);
  out += fmt::format("sinan_requests_total{{outcome=\"failed\"}} {}\n", m.requests_failed);
  metric(&out, "sinan_prompt_tokens_total", "counter", "Prompt tokens of admitted requests.",
         static_cast<double>(m.prompt_tokens));
  metric(&out, "sinan_prompt_tokens_cached_total", "counter", "Prompt tokens reused from the prefix cache.",
         static_cast<double>(m.prompt_tokens_cached));
  metric(&out, "sinan_prompt_tokens_computed_total", "counter", "Prompt tokens computed (prefill).",
         static_cast<double>(m.prompt_tokens_computed));
  metric(&out, "sinan_generation_tokens_total", "counter", "Tokens sampled.",
         static_cast<double>(m.generated_tokens));
  metric(&out, "sinan_generation_tokens_per_second", "gauge",
         "Tokens sampled per second over the last 5 seconds.", m.generated_tokens_per_second);
  metric(&out, "sinan_forward_passes_total", "counter", "Batched forward passes (engine steps).",
         static_cast<double>(m.steps));
  metric(&out, "sinan_forward_tokens_total", "counter", "Tokens over all forward passes.",
         static_cast<double>(m.step_tokens));
  metric(&out, "sinan_forward_seconds_total", "counter", "Time spent in forward passes.", m.step_seconds);
  metric(&out, "sinan_batch_tokens", "gauge", "Tokens in the latest forward pass.",
         static_cast<double>(m.last_batch_tokens));
  metric(&out, "sinan_batch_sequences", "gauge", "Sequences in the latest forward pass.",
         static_cast<double>(m.last_batch_sequences));
  metric(&out, "sinan_queue_depth", "gauge", "Requests waiting for a slot.",
         static_cast<double>(m.queue_depth));
  metric(&out, "sinan_requests_running", "gauge", "Requests in slots.",
         static_cast<double>(m.active_requests));
  metric(&out, "sinan_slots", "gauge", "Requests that can run at once (--parallel).",
         static_cast<double>(m.slots));
  metric(&out, "sinan_kv_cache_blocks", "gauge", "KV cache blocks in all.",
         static_cast<double>(m.kv_blocks_total));
  metric(&out, "sinan_kv_cache_blocks_used", "gauge",
         "KV cache blocks held by sequences or the prefix cache.", static_cast<double>(m.kv_blocks_used));
  metric(&out, "sinan_kv_cache_blocks_reusable", "gauge", "KV cache blocks held only by the prefix cache.",
         static_cast<double>(m.kv_blocks_cached));
  metric(&out, "sinan_kv_cache_block_tokens", "gauge", "Tokens per KV cache block.",
         static_cast<double>(m.kv_block_tokens));
  const double usage = m.kv_blocks_total > 0 ? static_cast<double>(m.kv_blocks_used - m.kv_blocks_cached) /
                                                   static_cast<double>(m.kv_blocks_total)
                                             : 0.0;
  metric(&out, "sinan_kv_cache_usage_ratio", "gauge", "Share of KV cache blocks held by running sequences.",
         usage);
  metric(&out, "sinan_prefix_cache_blocks", "gauge", "Blocks the prefix cache indexes.",
         static_cast<double>(m.prefix_cache_blocks));
  return out;
}

}  // namespace sinan::api
