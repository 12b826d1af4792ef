#include "apps/apps_module.h"

#include <spdlog/spdlog.h>

#include "apps/event_stream.h"

namespace sluice::apps {

AppsModule::AppsModule(store::Database& database, const Clock& clock, flink::FlinkModule& flink,
                       AppsOptions options, std::unique_ptr<JobGateway> gateway,
                       std::unique_ptr<flink::Submitter> submitter, DeployInputs* inputs)
    : database_(database), clock_(clock), options_(std::move(options)) {
  if (gateway) {
    gateway_ = std::move(gateway);
  } else {
    // Short and without extra rounds: the tracker asks every cycle, and a frozen JobManager must
    // turn its jobs LOST in about job_lost_seconds, not after minutes of retries.
    flink::FlinkRestOptions rest;
    rest.connect_timeout = std::chrono::seconds(2);
    rest.request_timeout = std::chrono::seconds(4);
    rest.get_retries = 0;
    gateway_ = std::make_unique<RestJobGateway>(flink.clusters(), rest);
  }
  submitter_ = submitter ? std::move(submitter) : std::make_unique<flink::CliSubmitter>(clock);
  journal_ = std::make_unique<Journal>(database, clock);
  operations_ = std::make_unique<Operations>(database, clock);
  actions_ = std::make_unique<ActionExecutor>(
      database, clock, *journal_, *operations_, flink.envs(), flink.clusters(), *gateway_,
      *submitter_, inputs ? *inputs : no_inputs_, options_.actions);
  tracker_ = std::make_unique<Tracker>(database, clock, *journal_, *operations_, *gateway_,
                                       *actions_, options_.tracker);
  AppRuntime runtime;
  runtime.operations = operations_.get();
  runtime.actions = actions_.get();
  runtime.gateway = gateway_.get();
  runtime.wake_worker = [this] { Wake(); };
  service_ = std::make_unique<AppService>(database, clock, runtime);
}

AppsModule::~AppsModule() { Stop(); }

Status AppsModule::Start() {
  Status reconciled = tracker_->Reconcile();
  if (!reconciled.ok()) {
    // A store that cannot be read is fatal elsewhere; a cluster that does not answer is not.
    spdlog::warn("apps: reconciliation at start: {}", reconciled.error().message);
  }
  std::lock_guard lock(mutex_);
  stopping_ = false;
  work_queued_ = true;  // operations queued before the restart
  workers_.emplace_back([this] { TrackerLoop(); });
  for (int i = 0; i < std::max(1, options_.operation_threads); ++i) {
    workers_.emplace_back([this] { OperationsLoop(); });
  }
  return Status::Ok();
}

void AppsModule::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (workers_.empty()) return;
    stopping_ = true;
  }
  actions_->Cancel();
  wakeup_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

void AppsModule::Wake() {
  {
    std::lock_guard lock(mutex_);
    work_queued_ = true;
  }
  wakeup_.notify_all();
}

void AppsModule::TrackerLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    auto cycle = tracker_->RunCycle();
    if (!cycle.ok()) spdlog::warn("tracker: {}", cycle.error().message);
    lock.lock();
    wakeup_.wait_for(lock, options_.tracker.interval, [this] { return stopping_; });
  }
}

void AppsModule::OperationsLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Without a wake-up, look again now and then: another Sluice sharing the store (or a row
    // written by hand) may have queued work.
    wakeup_.wait_for(lock, std::chrono::seconds(2), [this] { return stopping_ || work_queued_; });
    if (stopping_) break;
    work_queued_ = false;
    lock.unlock();
    auto pending = operations_->Pending(16);
    if (pending.ok()) {
      for (const Operation& op : *pending) {
        auto claimed = operations_->Claim(op.id);
        if (!claimed.ok() || !*claimed) continue;
        {
          std::lock_guard busy_lock(mutex_);
          ++busy_;
          // Others may take the rest of the queue while this one runs.
          work_queued_ = true;
        }
        wakeup_.notify_one();
        Operation running = op;
        running.state = "RUNNING";
        actions_->Run(running);
        std::lock_guard busy_lock(mutex_);
        --busy_;
        break;
      }
    } else {
      spdlog::warn("operations: {}", pending.error().message);
    }
    lock.lock();
  }
}

bool AppsModule::RunOnePendingOperation() {
  auto pending = operations_->Pending(1);
  if (!pending.ok() || pending->empty()) return false;
  Operation op = pending->front();
  auto claimed = operations_->Claim(op.id);
  if (!claimed.ok() || !*claimed) return false;
  op.state = "RUNNING";
  actions_->Run(op);
  return true;
}

void AppsModule::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  service_->RegisterRoutes(router, guard);
  http::RouteDoc doc;
  doc.summary =
      "the apps' state changes and operations as server-sent events (Last-Event-ID resumes)";
  doc.tag = "events";
  doc.response_content_type = "text/event-stream";
  doc.response_body = {{"type", "string"}};
  router.Add("GET", "/api/v1/events/stream", std::move(doc),
             guard.WrapAnswer("events.stream", [this](http::Request& request,
                                                      const system::Principal& principal) {
               return EventStreamAnswer(database_, journal_->changed(), clock_, request, principal);
             }));
}

}  // namespace sluice::apps
