#include "apps/job_gateway.h"

namespace sluice::apps {

RestJobGateway::RestJobGateway(flink::ClusterService& clusters, flink::FlinkRestOptions options)
    : clusters_(clusters), options_(std::move(options)) {}

Result<std::shared_ptr<flink::FlinkRestClient>> RestJobGateway::ClientFor(int64_t cluster_id) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> addresses, clusters_.RestAddresses(cluster_id));
  std::lock_guard lock(mutex_);
  Cached& cached = clients_[cluster_id];
  if (!cached.client || cached.addresses != addresses) {
    cached.addresses = addresses;
    cached.client = std::make_shared<flink::FlinkRestClient>(addresses, http_, options_);
  }
  return cached.client;
}

Result<std::vector<flink::JobSummary>> RestJobGateway::JobsOverview(int64_t cluster_id) {
  SLUICE_ASSIGN_OR_RETURN(auto client, ClientFor(cluster_id));
  return client->JobsOverview();
}

Status RestJobGateway::CancelJob(int64_t cluster_id, const std::string& job_id) {
  SLUICE_ASSIGN_OR_RETURN(auto client, ClientFor(cluster_id));
  return client->CancelJob(job_id);
}

Result<std::string> RestJobGateway::StopWithSavepoint(int64_t cluster_id, const std::string& job_id,
                                                      const std::string& target_dir, bool drain,
                                                      std::chrono::milliseconds timeout) {
  SLUICE_ASSIGN_OR_RETURN(auto client, ClientFor(cluster_id));
  SLUICE_ASSIGN_OR_RETURN(std::string trigger,
                          client->StopWithSavepoint(job_id, target_dir, drain));
  return client->WaitForSavepoint(job_id, trigger, timeout);
}

Result<std::string> RestJobGateway::TriggerSavepoint(int64_t cluster_id, const std::string& job_id,
                                                     const std::string& target_dir,
                                                     std::chrono::milliseconds timeout) {
  SLUICE_ASSIGN_OR_RETURN(auto client, ClientFor(cluster_id));
  SLUICE_ASSIGN_OR_RETURN(std::string trigger,
                          client->TriggerSavepoint(job_id, target_dir, /*cancel_job=*/false));
  return client->WaitForSavepoint(job_id, trigger, timeout);
}

Result<flink::JobExceptionHistory> RestJobGateway::JobExceptions(int64_t cluster_id,
                                                                 const std::string& job_id) {
  SLUICE_ASSIGN_OR_RETURN(auto client, ClientFor(cluster_id));
  return client->JobExceptions(job_id);
}

Result<flink::CheckpointStats> RestJobGateway::Checkpoints(int64_t cluster_id,
                                                           const std::string& job_id) {
  SLUICE_ASSIGN_OR_RETURN(auto client, ClientFor(cluster_id));
  return client->Checkpoints(job_id);
}

std::string RestJobGateway::WebUrl(int64_t cluster_id) {
  auto cluster = clusters_.Get(cluster_id);
  return cluster.ok() ? cluster->web_url : "";
}

std::string RestJobGateway::ActiveAddress(int64_t cluster_id) {
  std::lock_guard lock(mutex_);
  auto it = clients_.find(cluster_id);
  return it == clients_.end() ? "" : it->second.client->active_address();
}

}  // namespace sluice::apps
