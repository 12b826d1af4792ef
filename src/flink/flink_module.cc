#include "flink/flink_module.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "flink/flink_home.h"

namespace sluice::flink {

FlinkModule::FlinkModule(store::Database& database, const Clock& clock, FlinkOptions options,
                         std::unique_ptr<ClusterProbe> probe)
    : options_(std::move(options)), probe_(probe ? std::move(probe) : MakeRestClusterProbe()) {
  // Absolute: the paths end up in Flink's configuration and command lines, and Flink's processes
  // run in their own folders (a relative ./var would point somewhere else there).
  std::error_code ec;
  auto absolute = std::filesystem::absolute(options_.data_dir, ec);
  options_.clusters.data_dir = ec ? options_.data_dir : absolute.lexically_normal().string();
  envs_ = std::make_unique<FlinkEnvs>(database, clock);
  clusters_ = std::make_unique<ClusterService>(database, clock, *envs_, *probe_, options_.clusters);
}

FlinkModule::~FlinkModule() { Stop(); }

Status FlinkModule::Start() {
  // Re-adopt first, so the bootstrap below sees clusters that already run.
  clusters_->Start();
  return Bootstrap();
}

void FlinkModule::Stop() {
  if (clusters_) clusters_->Stop();
}

Status FlinkModule::Bootstrap() {
  if (options_.bootstrap_flink_home.empty()) return Status::Ok();
  auto inspected = InspectFlinkHome(options_.bootstrap_flink_home);
  if (!inspected.ok()) {
    return Error(ErrorCode::INVALID_ARGUMENT, "bootstrap_flink_home: " + inspected.error().message,
                 "bootstrap_flink_home");
  }
  SLUICE_ASSIGN_OR_RETURN(auto existing, envs_->FindByHome(inspected->home));
  FlinkEnv env;
  if (existing) {
    env = *existing;
  } else {
    std::string name = "flink-" + inspected->version.text;
    SLUICE_ASSIGN_OR_RETURN(
        env, envs_->Create(name, inspected->home, "registered at start (bootstrap_flink_home)",
                           /*make_default=*/false));
    spdlog::info("flink: registered {} at {} as environment '{}'", inspected->version.text,
                 inspected->home, env.name);
  }
  SLUICE_ASSIGN_OR_RETURN(auto local, clusters_->FindByName("local"));
  if (local) return Status::Ok();
  Json body = {{"name", "local"},
               {"kind", "managed"},
               {"flink_env_id", env.id},
               {"taskmanagers", 1},
               {"description", "a session cluster on this machine, created at the first start"}};
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, clusters_->Create(body));
  bootstrapped_cluster_id_ = cluster.id;
  // A cluster that cannot start is FAILED with its reason, for everyone to see; Sluice itself
  // runs on.
  auto started = clusters_->StartCluster(cluster.id);
  if (started.ok()) {
    spdlog::info("flink: starting managed cluster 'local' (id {})", cluster.id);
  } else {
    spdlog::warn("flink: managed cluster 'local' did not start: {}", started.error().message);
  }
  return Status::Ok();
}

void FlinkModule::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  envs_->RegisterRoutes(router, guard);
  clusters_->RegisterRoutes(router, guard);
}

}  // namespace sluice::flink
