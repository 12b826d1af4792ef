// The applications area wired together: definitions and versions (AppService), operations and
// what they do (ActionExecutor), the tracker, and the two background workers:
//  - "apps-tracker": Tracker::RunCycle every tracking interval;
//  - "apps-operations": claims PENDING operations and runs them, up to `operation_threads` at
//    once (a deploy blocks for as long as Flink's CLI runs).
// Start() reconciles (Tracker::Reconcile) before either worker starts, so after a restart nothing
// acts on a stale state.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "apps/actions.h"
#include "apps/apps.h"
#include "apps/job_gateway.h"
#include "apps/journal.h"
#include "apps/operations.h"
#include "apps/tracker.h"
#include "common/clock.h"
#include "flink/flink_module.h"
#include "flink/submitter.h"
#include "http/router.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::apps {

struct AppsOptions {
  ActionOptions actions;
  TrackerOptions tracker;
  int operation_threads = 4;
};

class AppsModule {
 public:
  // Everything given must outlive the module. `gateway`, `submitter` and `inputs` may be null:
  // the real ones (Flink's REST API, Flink's CLI, no resources) are made then.
  AppsModule(store::Database& database, const Clock& clock, flink::FlinkModule& flink,
             AppsOptions options, std::unique_ptr<JobGateway> gateway = nullptr,
             std::unique_ptr<flink::Submitter> submitter = nullptr, DeployInputs* inputs = nullptr);
  ~AppsModule();

  // Reconciles, then starts the workers.
  Status Start();
  // Stops the workers: running submissions are cancelled (their operations fail as interrupted
  // at the next start if they could not finish); jobs keep running on their clusters.
  void Stop();

  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

  // Claims and runs the oldest PENDING operation in the calling thread; false when there was
  // none. The "run one step" hook for tests (which do not Start the workers).
  bool RunOnePendingOperation();
  // Wakes the operations worker: an operation was queued from outside the API (the alerts
  // area's restart policy).
  void WakeOperations() { Wake(); }

  AppService& service() { return *service_; }
  ActionExecutor& actions() { return *actions_; }
  Tracker& tracker() { return *tracker_; }
  Operations& operations() { return *operations_; }
  // Reads of the clusters' jobs (the alerts' job watcher reads checkpoints and exceptions).
  JobGateway& gateway() { return *gateway_; }
  // Every app event (state change, operation, savepoint) committed; see ChangeSignal.
  Journal& journal() { return *journal_; }

 private:
  void TrackerLoop();
  void OperationsLoop();
  void Wake();

  store::Database& database_;
  const Clock& clock_;
  AppsOptions options_;
  std::unique_ptr<JobGateway> gateway_;
  std::unique_ptr<flink::Submitter> submitter_;
  NoDeployInputs no_inputs_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Operations> operations_;
  std::unique_ptr<ActionExecutor> actions_;
  std::unique_ptr<Tracker> tracker_;
  std::unique_ptr<AppService> service_;

  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool stopping_ = false;
  bool work_queued_ = false;
  int busy_ = 0;  // operations running
  std::vector<std::thread> workers_;
};

}  // namespace sluice::apps
