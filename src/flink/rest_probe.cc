// The ClusterProbe that asks a cluster's own REST API: GET /config proves the address is a Flink
// JobManager (and gives its version), GET /overview counts TaskManagers and slots.
#include <fmt/format.h>

#include <memory>

#include "flink/flink_module.h"
#include "flink/rest_client.h"
#include "http/client.h"

namespace sluice::flink {

namespace {

class RestClusterProbe final : public ClusterProbe {
 public:
  RestClusterProbe() {
    http::CurlHttpClientOptions options;
    options.connect_timeout = std::chrono::seconds(2);
    options.total_timeout = std::chrono::seconds(5);
    http_ = std::make_unique<http::CurlHttpClient>(options);
  }

  Result<ClusterProbeResult> Probe(const std::vector<std::string>& addresses) override {
    FlinkRestOptions options;
    options.connect_timeout = std::chrono::seconds(2);
    options.request_timeout = std::chrono::seconds(5);
    // The worker asks again at its next pass; retrying here would only delay the other clusters.
    options.get_retries = 0;
    FlinkRestClient client(addresses, *http_, options);
    auto config = client.Config();
    if (!config.ok()) {
      // An HTTP server that refuses /config is something, but not a Flink JobManager.
      if (config.error().code == ErrorCode::FLINK_REJECTED ||
          config.error().code == ErrorCode::FLINK_JOB_NOT_FOUND) {
        return Error(ErrorCode::CLUSTER_NOT_FLINK,
                     fmt::format("{} answers HTTP, but not as a Flink JobManager's REST API",
                                 client.active_address()),
                     "addresses", config.error().internal_detail);
      }
      return config.error();
    }
    SLUICE_ASSIGN_OR_RETURN(ClusterOverview overview, client.Overview());
    ClusterProbeResult result;
    result.address = client.active_address();
    result.flink_version = config->flink_version;
    result.taskmanagers = static_cast<int>(overview.taskmanagers);
    result.slots_total = static_cast<int>(overview.slots_total);
    result.slots_available = static_cast<int>(overview.slots_available);
    result.jobs_running = static_cast<int>(overview.jobs_running);
    return result;
  }

 private:
  std::unique_ptr<http::HttpClient> http_;
};

}  // namespace

std::unique_ptr<ClusterProbe> MakeRestClusterProbe() {
  return std::make_unique<RestClusterProbe>();
}

}  // namespace sluice::flink
