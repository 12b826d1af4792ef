// The Flink area wired together: environments, clusters and their worker, and the routes. Built
// once by the server after the system module (it guards its routes with the system's guard).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "flink/clusters.h"
#include "flink/flink_envs.h"
#include "http/router.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::flink {

struct FlinkOptions {
  std::string data_dir;
  std::string bootstrap_flink_home;  // see ServeConfig::bootstrap_flink_home
  ClusterServiceOptions clusters;    // data_dir is filled from data_dir above
};

class FlinkModule {
 public:
  // `database` and `clock` must outlive the module. `probe` is the REST-backed probe unless a
  // test gives another.
  FlinkModule(store::Database& database, const Clock& clock, FlinkOptions options,
              std::unique_ptr<ClusterProbe> probe = nullptr);
  ~FlinkModule();

  // Registers the bootstrap Flink home as the default environment and creates the managed
  // cluster `local` from it (started), when they do not exist yet; then re-adopts running
  // managed clusters and starts the worker. A bootstrap home that is not a Flink home is an error
  // (the server refuses to start rather than run without the Flink it was told to use); a cluster
  // `local` that fails to start is not (it shows FAILED with the reason).
  Status Start();
  // Stops the worker; managed clusters keep running and are re-adopted at the next start.
  void Stop();

  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

  // The managed cluster `local` when this start created it (the first start of `make run`).
  std::optional<int64_t> bootstrapped_cluster_id() const { return bootstrapped_cluster_id_; }

  FlinkEnvs& envs() { return *envs_; }
  ClusterService& clusters() { return *clusters_; }

 private:
  Status Bootstrap();

  FlinkOptions options_;
  std::optional<int64_t> bootstrapped_cluster_id_;
  std::unique_ptr<ClusterProbe> probe_;
  std::unique_ptr<FlinkEnvs> envs_;
  std::unique_ptr<ClusterService> clusters_;
};

// The probe that asks a cluster's REST API (GET /overview), trying each address in turn.
std::unique_ptr<ClusterProbe> MakeRestClusterProbe();

}  // namespace sluice::flink
