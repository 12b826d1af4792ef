// The tracker: the one place that learns what Flink says about every application's job.
//
// Each cycle it reads the apps whose job may be running (IsActiveState) from the store, groups
// them by cluster, and asks each cluster once (GET /jobs/overview) for all of its jobs: one
// request per cluster per cycle, however many jobs run there. For each app it then reconciles:
//  - its job is listed in state S: the app moves to S ("Flink reports S"; after LOST:
//    "re-attached"). A job that has ended has its last exception (FAILED) and its newest retained
//    checkpoint recorded, once, before the state change is written, so that whoever follows the
//    change (alerts, the restart policy's "restore latest") finds them; an application cluster
//    is released once its job has ended (handed to the cluster worker: the cycle does not wait
//    for its JVMs to exit);
//  - its job is not listed, or the cluster does not answer: nothing changes until the job has
//    gone unseen for `lost_after`; then the app is LOST, with the reason. A LOST app whose job is
//    seen again re-attaches by its job id; nothing is submitted again.
// A deploy still submitting (state DEPLOYING, the operation RUNNING) is not judged: the job may
// not be listed yet.
//
// At start, Reconcile() runs one pass before the operations worker starts, so nothing acts on
// stale states; operations that a previous process left RUNNING are ended there (a deploy whose
// job is on the cluster is kept; anything else fails as interrupted).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "apps/actions.h"
#include "apps/job_gateway.h"
#include "apps/journal.h"
#include "apps/operations.h"
#include "common/clock.h"
#include "store/database.h"

namespace sluice::apps {

struct TrackerOptions {
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds lost_after{std::chrono::seconds(10)};
  // Clusters asked at the same time in one cycle.
  int parallel_requests = 8;
};

struct TrackerCycle {
  int apps = 0;         // apps looked at
  int clusters = 0;     // clusters asked (= requests sent)
  int transitions = 0;  // state changes written
};

class Tracker {
 public:
  // Every reference must outlive the tracker.
  Tracker(store::Database& database, const Clock& clock, Journal& journal, Operations& operations,
          JobGateway& gateway, ActionExecutor& actions, TrackerOptions options);

  // Ends operations a previous process left RUNNING, then runs one cycle in which apps not seen
  // are given a fresh `lost_after` (Sluice itself was away, not the job).
  Status Reconcile();
  // One cycle (the worker calls it every `interval`; tests call it directly).
  Result<TrackerCycle> RunCycle();

  const TrackerOptions& options() const { return options_; }

 private:
  struct Tracked {
    int64_t id = 0;
    std::string state;
    std::string job_id;
    int64_t cluster_id = 0;
    std::optional<int64_t> operation_id;
    int64_t state_changed_at = 0;
  };
  // Reconciles one app against what its cluster answered (`jobs` null: it did not answer).
  Result<bool> Judge(const Tracked& app, const std::map<std::string, std::string>* jobs,
                     const std::string& unreachable_reason, int64_t now);
  void OnEnded(const Tracked& app, const std::string& state);
  bool DeployInFlight(const Tracked& app);

  store::Database& database_;
  const Clock& clock_;
  Journal& journal_;
  Operations& operations_;
  JobGateway& gateway_;
  ActionExecutor& actions_;
  TrackerOptions options_;

  std::mutex mutex_;                      // one cycle at a time
  std::map<int64_t, int64_t> last_seen_;  // app id -> when its job was last listed (ms)
};

}  // namespace sluice::apps
