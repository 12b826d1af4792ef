// Clusters: where jobs run. `managed` clusters are standalone session clusters Sluice starts and
// supervises on this machine (managed_cluster.h); `remote` clusters are existing standalone
// session clusters given by one or more JobManager REST addresses (the first that answers is
// used, for JobManager HA).
//
// A worker thread keeps every cluster's state true: it starts and watches managed processes
// (restarting a TaskManager that died, failing the cluster when its JobManager dies), asks each
// cluster's REST API how it is (RUNNING, or LOST when it stops answering), and records every
// state change in cluster_events. When Sluice starts, managed clusters whose processes still run
// are re-adopted, not started twice.
//
// `application` clusters are managed clusters that Sluice creates for one application in
// application mode (one per app, named "app:<app id>"): each deploy starts it for one job (its
// JobManager runs that job, see managed_cluster.h) and it is stopped once the job has ended.
// They are listed with the others, but only the applications area starts and stops them. After a
// restart of Sluice a live one is re-adopted; one whose JobManager is gone is FAILED, never
// started again (that would run the job a second time).
//
// States: STOPPED, STARTING, RUNNING, LOST, FAILED. Clusters are system-wide: everyone signed in
// may see them; administrators create, change, start and stop them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "flink/flink_envs.h"
#include "flink/managed_cluster.h"
#include "http/router.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::flink {

// How a cluster answered its REST API.
struct ClusterProbeResult {
  std::string address;  // the address that answered
  std::string flink_version;
  int taskmanagers = 0;
  int slots_total = 0;
  int slots_available = 0;
  int jobs_running = 0;
};

// Asks a cluster how it is: the side effect behind an interface so the service can be tested
// without Flink. Errors: CLUSTER_UNREACHABLE / CLUSTER_TIMEOUT when no address answered,
// CLUSTER_NOT_FLINK when an address answered but is not a Flink JobManager.
class ClusterProbe {
 public:
  virtual ~ClusterProbe() = default;
  virtual Result<ClusterProbeResult> Probe(const std::vector<std::string>& addresses) = 0;
};

struct ClusterServiceOptions {
  std::string data_dir;                 // managed clusters live in <data_dir>/clusters/<id>
  std::chrono::milliseconds tick{500};  // process checks and readiness
  std::chrono::milliseconds health_interval{5000};  // REST checks of running clusters
  std::chrono::milliseconds start_timeout{std::chrono::seconds(180)};
  std::chrono::milliseconds stop_grace{std::chrono::seconds(15)};
  int max_taskmanager_restarts = 10;  // per cluster start; then the cluster FAILS
};

// What a deploy in application mode asks for.
struct ApplicationClusterRequest {
  int64_t cluster_id = 0;  // from ApplicationCluster
  int64_t flink_env_id = 0;
  FlatConfig config;  // the job's settings (they win over the environment's)
  int taskmanagers = 1;
  ApplicationJob job;
};

struct Cluster {
  int64_t id = 0;
  std::string name;
  std::string kind;  // "managed" | "remote" | "application"
  int64_t flink_env_id = 0;
  std::vector<std::string> addresses;
  FlatConfig config;
  int taskmanagers = 1;
  std::string description;
  std::string desired_state;  // "running" | "stopped"
  std::string state;
  std::string state_detail;
  int64_t state_changed_at = 0;
  std::string web_url;
  std::string flink_version;
};

class ClusterService {
 public:
  // All references must outlive the service.
  ClusterService(store::Database& database, const Clock& clock, FlinkEnvs& envs,
                 ClusterProbe& probe, ClusterServiceOptions options);
  ~ClusterService();

  // Re-adopts managed clusters that should run (starting those whose processes are gone) and
  // starts the worker thread.
  void Start();
  // Stops the worker thread. Managed clusters keep running; the next start re-adopts them.
  void Stop();

  Result<Cluster> Get(int64_t id);
  Result<std::optional<Cluster>> FindByName(const std::string& name);
  // Validates and stores a cluster. Remote clusters are probed first: CLUSTER_UNREACHABLE or
  // CLUSTER_NOT_FLINK (nothing stored) when no address answers like Flink, INVALID_ARGUMENT when
  // its Flink version differs from the environment's.
  Result<Cluster> Create(const Json& body);
  // Starts a managed cluster (STARTING; the worker moves it on to RUNNING or FAILED).
  // CLUSTER_WRONG_STATE unless it is STOPPED or FAILED, or for a remote cluster.
  Result<Cluster> StartCluster(int64_t id);
  // Stops a managed cluster and waits for its processes to end.
  Result<Cluster> StopCluster(int64_t id);
  // Waits until the cluster is no longer STARTING, or `timeout` passes.
  Result<Cluster> WaitWhileStarting(int64_t id, std::chrono::milliseconds timeout);
  // The application cluster of app `app_id` ("app:<id>"), created (STOPPED) the first time.
  Result<Cluster> ApplicationCluster(int64_t app_id, int64_t flink_env_id);
  // Starts an application cluster for `request.job` with the job's settings; a previous run of
  // it is stopped first (the caller has made sure its job ended). Answers the
  // cluster STARTING; the worker moves it on like any managed cluster. CLUSTER_START_FAILED when
  // a process cannot be started.
  Result<Cluster> StartApplicationCluster(const ApplicationClusterRequest& request);
  // Stops an application cluster's processes (STOPPED). OK when it is not running.
  // CLUSTER_WRONG_STATE for a cluster of another kind.
  Status StopApplicationCluster(int64_t id);
  // Asks the worker to stop an application cluster whose job has ended, and returns at once:
  // for the tracker, whose cycle must not wait for JVMs to exit. A StartApplicationCluster of the
  // same cluster before the worker gets to it cancels the request (the new run is never stopped).
  void ReleaseApplicationClusterSoon(int64_t id);
  // True for an application cluster that Sluice does not run now (stopped, failed, or deleted):
  // no job can run on it.
  bool ApplicationClusterIsDown(int64_t id);
  // The REST addresses to use for a cluster (managed: its JobManager; remote: its list).
  Result<std::vector<std::string>> RestAddresses(int64_t id);

  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

  // One pass of the worker (public for tests): processes, readiness, health.
  void Tick();

 private:
  using Answer = Result<http::Response>;
  // The worker's part of ReleaseApplicationClusterSoon.
  void ReleasePendingApplicationClusters();
  // StopApplicationCluster with mutex_ held.
  Status StopApplicationClusterLocked(int64_t id);
  Answer List(http::Request& request, const system::Principal& principal);
  Answer CreateRoute(http::Request& request, const system::Principal& principal);
  Answer GetRoute(http::Request& request, const system::Principal& principal);
  Answer Update(http::Request& request, const system::Principal& principal);
  Answer Delete(http::Request& request, const system::Principal& principal);
  Answer StartRoute(http::Request& request, const system::Principal& principal);
  Answer StopRoute(http::Request& request, const system::Principal& principal);
  Answer Events(http::Request& request, const system::Principal& principal);
  Answer Overview(http::Request& request, const system::Principal& principal);

  struct Supervised {
    ManagedClusterSpec spec;
    ManagedRuntime runtime;
    int64_t started_at_ms = 0;
    int64_t last_health_ms = 0;
  };

  Result<ManagedClusterSpec> SpecFor(const Cluster& cluster);
  Status Transition(int64_t id, const std::string& from, const std::string& to,
                    const std::string& detail, std::optional<std::string> desired = std::nullopt,
                    std::optional<std::string> web_url = std::nullopt,
                    std::optional<std::string> flink_version = std::nullopt);
  Status RecordEvent(int64_t id, const std::string& state, const std::string& detail);
  void AdoptAll();
  void WatchManaged(int64_t id);
  // Stops a supervised cluster's processes and marks it FAILED. Call with mutex_ held.
  void FailSupervised(int64_t id, const std::string& from, const std::string& detail);
  void CheckHealth(const Cluster& cluster);
  Json ClusterJson(const Cluster& cluster);
  std::string ClusterRoot(int64_t id) const;

  store::Database& database_;
  const Clock& clock_;
  FlinkEnvs& envs_;
  ClusterProbe& probe_;
  ClusterServiceOptions options_;

  std::mutex mutex_;  // guards supervised_ and start/stop of managed processes
  std::condition_variable changed_;
  std::map<int64_t, Supervised> supervised_;
  std::map<int64_t, int64_t> last_health_ms_;  // remote clusters
  std::set<int64_t> pending_releases_;         // application clusters to stop (guarded by mutex_)

  std::mutex worker_mutex_;
  std::condition_variable worker_wakeup_;
  bool stopping_ = false;
  bool releases_requested_ = false;  // wakes the worker before its tick
  std::thread worker_;
};

}  // namespace sluice::flink
