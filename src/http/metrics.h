// Prometheus metrics: request counts by route and status, a latency histogram, and gauges that
// other areas register (the store pool, later clusters and jobs). Thread-safe.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace sluice::http {

class Metrics {
 public:
  // Records one finished request. `route` is the pattern ("/api/v1/users/{id}") so the label set
  // stays bounded; unmatched paths are recorded as route "unmatched".
  void ObserveRequest(std::string_view method, std::string_view route, int status, double seconds);

  // Registers a gauge read at scrape time. `labels` is the Prometheus label text without braces
  // (may be empty). The callback must be thread-safe.
  void AddGauge(std::string name, std::string help, std::string labels,
                std::function<double()> read);

  // The Prometheus text exposition format (version 0.0.4).
  std::string Render() const;

  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  struct Gauge {
    std::string name, help, labels;
    std::function<double()> read;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // guarded by mu_
  std::map<std::pair<std::string, std::string>, Histogram> latency_;        // guarded by mu_
  std::vector<Gauge> gauges_;                                               // guarded by mu_
};

}  // namespace sluice::http
