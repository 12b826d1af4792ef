// What applications need from the cluster a job runs on, behind one small interface so that the
// tracker and the operations can be tested without Flink (a fake in apps_test_fakes.h) and run
// against real clusters through Flink's REST API (RestJobGateway).
//
// Every call names the cluster by its Sluice id; the gateway finds its REST addresses (a managed
// cluster's JobManager, a remote cluster's list, for JobManager HA) and keeps one REST client per
// cluster. Errors are those of flink::FlinkRestClient: CLUSTER_UNREACHABLE / CLUSTER_TIMEOUT when
// the cluster does not answer, FLINK_REJECTED with Flink's reason, FLINK_JOB_NOT_FOUND for a job
// the cluster does not know, CLUSTER_NOT_FOUND for a cluster id Sluice does not know.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "flink/clusters.h"
#include "flink/rest_client.h"
#include "http/client.h"

namespace sluice::apps {

class JobGateway {
 public:
  virtual ~JobGateway() = default;
  // Every job the cluster knows (GET /jobs/overview): one request for all of them.
  virtual Result<std::vector<flink::JobSummary>> JobsOverview(int64_t cluster_id) = 0;
  virtual Status CancelJob(int64_t cluster_id, const std::string& job_id) = 0;
  // Stops the job with a savepoint into `target_dir` and waits for it (at most `timeout`);
  // answers the savepoint's location.
  virtual Result<std::string> StopWithSavepoint(int64_t cluster_id, const std::string& job_id,
                                                const std::string& target_dir, bool drain,
                                                std::chrono::milliseconds timeout) = 0;
  // Takes a savepoint of a running job and waits for it; answers its location.
  virtual Result<std::string> TriggerSavepoint(int64_t cluster_id, const std::string& job_id,
                                               const std::string& target_dir,
                                               std::chrono::milliseconds timeout) = 0;
  virtual Result<flink::JobExceptionHistory> JobExceptions(int64_t cluster_id,
                                                           const std::string& job_id) = 0;
  virtual Result<flink::CheckpointStats> Checkpoints(int64_t cluster_id,
                                                     const std::string& job_id) = 0;
  // The cluster's Flink web UI address ("" when unknown).
  virtual std::string WebUrl(int64_t cluster_id) = 0;
  // The REST address that answered the cluster's last call ("" before any).
  virtual std::string ActiveAddress(int64_t cluster_id) = 0;
};

// The real gateway: ClusterService for the addresses, FlinkRestClient over curl for the calls.
class RestJobGateway final : public JobGateway {
 public:
  // `clusters` must outlive the gateway.
  explicit RestJobGateway(flink::ClusterService& clusters, flink::FlinkRestOptions options = {});

  Result<std::vector<flink::JobSummary>> JobsOverview(int64_t cluster_id) override;
  Status CancelJob(int64_t cluster_id, const std::string& job_id) override;
  Result<std::string> StopWithSavepoint(int64_t cluster_id, const std::string& job_id,
                                        const std::string& target_dir, bool drain,
                                        std::chrono::milliseconds timeout) override;
  Result<std::string> TriggerSavepoint(int64_t cluster_id, const std::string& job_id,
                                       const std::string& target_dir,
                                       std::chrono::milliseconds timeout) override;
  Result<flink::JobExceptionHistory> JobExceptions(int64_t cluster_id,
                                                   const std::string& job_id) override;
  Result<flink::CheckpointStats> Checkpoints(int64_t cluster_id,
                                             const std::string& job_id) override;
  std::string WebUrl(int64_t cluster_id) override;
  std::string ActiveAddress(int64_t cluster_id) override;

 private:
  // A client for the cluster's current addresses (they change when a managed cluster restarts).
  Result<std::shared_ptr<flink::FlinkRestClient>> ClientFor(int64_t cluster_id);

  flink::ClusterService& clusters_;
  flink::FlinkRestOptions options_;
  http::CurlHttpClient http_;
  std::mutex mutex_;  // guards clients_
  struct Cached {
    std::vector<std::string> addresses;
    std::shared_ptr<flink::FlinkRestClient> client;
  };
  std::map<int64_t, Cached> clients_;
};

}  // namespace sluice::apps
