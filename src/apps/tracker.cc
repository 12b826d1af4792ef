#include "apps/tracker.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <set>
#include <thread>

namespace sluice::apps {

namespace {

// The states of apps whose job may be running, as SQL.
constexpr const char* kActiveStatesSql =
    "('DEPLOYING', 'LOST', 'INITIALIZING', 'CREATED', 'RUNNING', 'RESTARTING', 'FAILING', "
    "'CANCELLING', 'SUSPENDED', 'RECONCILING')";

}  // namespace

Tracker::Tracker(store::Database& database, const Clock& clock, Journal& journal,
                 Operations& operations, JobGateway& gateway, ActionExecutor& actions,
                 TrackerOptions options)
    : database_(database),
      clock_(clock),
      journal_(journal),
      operations_(operations),
      gateway_(gateway),
      actions_(actions),
      options_(options) {}

bool Tracker::DeployInFlight(const Tracked& app) {
  if (!app.operation_id) return false;
  auto op = operations_.Get(*app.operation_id);
  return op.ok() && op->kind == "deploy" && (op->state == "PENDING" || op->state == "RUNNING");
}

void Tracker::OnEnded(const Tracked& app, const std::string& state) {
  if (state == "FAILED") {
    auto history = gateway_.JobExceptions(app.cluster_id, app.job_id);
    if (history.ok() && !history->root_cause_summary.empty()) {
      (void)database_.Query(
          "UPDATE apps SET last_error = ? WHERE id = ? AND job_id = ?",
          {actions_.MaskForApp(app.id, history->root_cause_summary), app.id, app.job_id});
    }
  }
  actions_.RecordNewestRetained(app.id, app.cluster_id, app.job_id);
}

Result<bool> Tracker::Judge(const Tracked& app, const std::map<std::string, std::string>* jobs,
                            const std::string& unreachable_reason, int64_t now) {
  if (jobs) {
    auto listed = jobs->find(app.job_id);
    if (listed != jobs->end()) {
      last_seen_[app.id] = now;
      const std::string& seen = listed->second;
      if (seen == app.state || !IsFlinkJobState(seen)) return false;
      std::string cause;
      if (app.state == "LOST") {
        cause = fmt::format("re-attached: job {} is {} on its cluster again", app.job_id, seen);
      } else if (seen == "CANCELED" && !app.operation_id) {
        cause = "Flink reports CANCELED: cancelled outside Sluice";
      } else {
        cause = fmt::format("Flink reports {}", seen);
      }
      // What an ended job left (its exception, its newest checkpoint) is recorded before the
      // state changes, so whoever follows the change (alerts, the restart policy's "restore
      // latest") finds it there.
      if (IsTerminalState(seen)) OnEnded(app, seen);
      SLUICE_ASSIGN_OR_RETURN(bool moved, journal_.Move({app.id, app.state, seen, cause, app.job_id,
                                                         app.operation_id, std::nullopt}));
      // An application cluster has done its work once its job has ended.
      if (moved && IsTerminalState(seen)) actions_.ReleaseApplicationClusterSoon(app.cluster_id);
      return moved;
    }
  }
  if (app.state == "DEPLOYING" && DeployInFlight(app)) {
    last_seen_[app.id] = now;
    return false;
  }
  auto seen = last_seen_.find(app.id);
  if (seen == last_seen_.end()) {
    // First look since Sluice started (or since the app became active): give it time.
    last_seen_[app.id] = std::max(now, app.state_changed_at);
    return false;
  }
  if (app.state == "LOST" || now - seen->second < options_.lost_after.count()) return false;
  std::string cause = jobs ? fmt::format("job {} is not on its cluster", app.job_id)
                           : fmt::format("its cluster does not answer: {}", unreachable_reason);
  return journal_.Move(
      {app.id, app.state, "LOST", cause, app.job_id, app.operation_id, std::nullopt});
}

Result<TrackerCycle> Tracker::RunCycle() {
  std::lock_guard lock(mutex_);
  TrackerCycle cycle;
  const int64_t now = ToUnixMillis(clock_.Now());
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT id, state, job_id, cluster_id, operation_id, "
                                  "state_changed_at FROM apps WHERE cluster_id IS NOT NULL AND "
                                  "job_id <> '' AND state IN {} ORDER BY cluster_id, id",
                                  kActiveStatesSql)));
  std::map<int64_t, std::vector<Tracked>> by_cluster;
  std::set<int64_t> active;
  for (size_t i = 0; i < rows.size(); ++i) {
    Tracked app;
    app.id = rows.Int(i, "id");
    app.state = rows.Text(i, "state");
    app.job_id = rows.Text(i, "job_id");
    app.cluster_id = rows.Int(i, "cluster_id");
    app.operation_id = rows.OptionalInt(i, "operation_id");
    app.state_changed_at = rows.Int(i, "state_changed_at");
    active.insert(app.id);
    by_cluster[app.cluster_id].push_back(std::move(app));
  }
  for (auto it = last_seen_.begin(); it != last_seen_.end();) {
    it = active.count(it->first) ? std::next(it) : last_seen_.erase(it);
  }
  // Every cluster is asked at once (a few threads), so one that hangs until its timeout does not
  // delay what the others say.
  std::vector<int64_t> cluster_ids;
  for (const auto& [cluster_id, apps] : by_cluster) cluster_ids.push_back(cluster_id);
  std::vector<std::optional<Result<std::vector<flink::JobSummary>>>> answers(cluster_ids.size());
  std::vector<int64_t> answered_at(cluster_ids.size(), now);
  std::atomic<size_t> next{0};
  auto ask = [&] {
    for (size_t i = next++; i < cluster_ids.size(); i = next++) {
      answers[i] = gateway_.JobsOverview(cluster_ids[i]);
      answered_at[i] = ToUnixMillis(clock_.Now());
    }
  };
  size_t threads = std::min<size_t>(options_.parallel_requests, cluster_ids.size());
  if (threads <= 1) {
    ask();
  } else {
    std::vector<std::thread> askers;
    for (size_t t = 0; t < threads; ++t) askers.emplace_back(ask);
    for (auto& asker : askers) asker.join();
  }
  for (size_t i = 0; i < cluster_ids.size(); ++i) {
    ++cycle.clusters;
    const auto& overview = *answers[i];
    std::map<std::string, std::string> jobs;
    std::string reason;
    if (overview.ok()) {
      for (const auto& job : *overview) jobs[job.id] = job.state;
    } else {
      reason = overview.error().message;
    }
    for (const Tracked& app : by_cluster[cluster_ids[i]]) {
      ++cycle.apps;
      // Judged at the time the answer came: a cluster that took its timeout to fail has been
      // unseen for that long too.
      auto moved = Judge(app, overview.ok() ? &jobs : nullptr, reason, answered_at[i]);
      if (!moved.ok()) {
        spdlog::warn("tracker: app {}: {}", app.id, moved.error().message);
      } else if (*moved) {
        ++cycle.transitions;
      }
    }
  }
  return cycle;
}

Status Tracker::Reconcile() {
  SLUICE_ASSIGN_OR_RETURN(std::vector<Operation> running, operations_.Running());
  for (const Operation& op : running) {
    const std::string job_id = op.params.value("job_id", "");
    if (op.kind == "deploy" && op.app_id && !job_id.empty()) {
      auto rows = database_.Query("SELECT cluster_id, job_id FROM apps WHERE id = ?", {*op.app_id});
      std::optional<int64_t> cluster_id;
      if (rows.ok() && !rows->empty()) cluster_id = rows->OptionalInt(0, "cluster_id");
      if (cluster_id) {
        auto overview = gateway_.JobsOverview(*cluster_id);
        bool listed = false;
        if (overview.ok()) {
          for (const auto& job : *overview) listed = listed || job.id == job_id;
        }
        if (listed) {
          SLUICE_RETURN_IF_ERROR(operations_.Succeed(
              op.id, {{"job_id", job_id},
                      {"note",
                       "Sluice restarted during the deploy; the job was found on its "
                       "cluster"}}));
          continue;
        }
      }
      // The job was not seen (yet). The app keeps its job id: if the interrupted CLI still gets
      // the job in, the tracker re-attaches it; if not, the app turns LOST and can be stopped.
    }
    SLUICE_RETURN_IF_ERROR(operations_.Fail(
        op.id, Error(ErrorCode::APP_DEPLOY_FAILED,
                     fmt::format("the {} was interrupted by a restart of Sluice", op.kind))));
    if (op.app_id) {
      (void)journal_.Note(*op.app_id, "operation",
                          fmt::format("{} interrupted by a restart of Sluice", op.kind), op.id);
    }
  }
  SLUICE_RETURN_IF_ERROR(RunCycle());
  return Status::Ok();
}

}  // namespace sluice::apps
