#include "http/metrics.h"

#include <fmt/format.h>

namespace sluice::http {
namespace {
// Escapes a label value per the exposition format.
std::string Escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}
}  // namespace

void Metrics::ObserveRequest(std::string_view method, std::string_view route, int status,
                             double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(method), std::string(route), status}];
  Histogram& h = latency_[{std::string(method), std::string(route)}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddGauge(std::string name, std::string help, std::string labels,
                       std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(labels), std::move(read)});
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP sluice_http_requests_total HTTP requests by method, route and status.\n";
  out += "# TYPE sluice_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [method, route, status] = key;
    out +=
        fmt::format("sluice_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                    Escape(method), Escape(route), status, count);
  }
  out += "# HELP sluice_http_request_duration_seconds HTTP request latency.\n";
  out += "# TYPE sluice_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    std::string labels =
        fmt::format("method=\"{}\",route=\"{}\"", Escape(key.first), Escape(key.second));
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("sluice_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                         kBuckets[i], h.buckets[i]);
    }
    out += fmt::format("sluice_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels,
                       h.count);
    out += fmt::format("sluice_http_request_duration_seconds_sum{{{}}} {}\n", labels, h.sum);
    out += fmt::format("sluice_http_request_duration_seconds_count{{{}}} {}\n", labels, h.count);
  }
  std::string last_name;
  for (const Gauge& gauge : gauges_) {
    if (gauge.name != last_name) {
      out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", gauge.name, gauge.help, gauge.name);
      last_name = gauge.name;
    }
    if (gauge.labels.empty()) {
      out += fmt::format("{} {}\n", gauge.name, gauge.read());
    } else {
      out += fmt::format("{}{{{}}} {}\n", gauge.name, gauge.labels, gauge.read());
    }
  }
  return out;
}

}  // namespace sluice::http
