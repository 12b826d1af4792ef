#include "alerts/job_watcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace sluice::alerts {

namespace {

std::string Time(int64_t ms) { return FormatRfc3339(FromUnixMillis(ms)); }

std::string Clip(const std::string& text, size_t max_chars = 500) {
  return text.size() > max_chars ? text.substr(0, max_chars) + "..." : text;
}

std::string Plural(int64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// An occurrence of a watched condition (at most 64 characters). RaiseCondition lets one through
// per quiet time, so a condition that lasts alerts again after it.
std::string Source(const std::string& rule, int64_t app_id, int64_t now) {
  return fmt::format("watch:{}:{}:{}", rule, app_id, now);
}

// The newest failed checkpoint's reason: `latest.failed`, else the history's newest FAILED entry.
std::string LastFailure(const Json& raw) {
  if (!raw.is_object()) return "";
  if (raw.contains("latest") && raw["latest"].is_object() && raw["latest"].contains("failed") &&
      raw["latest"]["failed"].is_object()) {
    const Json& message = raw["latest"]["failed"].value("failure_message", Json());
    if (message.is_string() && !message.get<std::string>().empty()) return message;
  }
  int64_t newest = -1;
  std::string reason;
  if (raw.contains("history") && raw["history"].is_array()) {
    for (const Json& entry : raw["history"]) {
      if (!entry.is_object() || entry.value("status", "") != "FAILED") continue;
      const int64_t id = entry.value("id", int64_t{0});
      const Json& message = entry.value("failure_message", Json());
      if (id > newest && message.is_string()) {
        newest = id;
        reason = message.get<std::string>();
      }
    }
  }
  return reason;
}

}  // namespace

// ---- the real reader

Result<flink::CheckpointStats> GatewayJobReader::Checkpoints(int64_t cluster_id,
                                                             const std::string& job_id) {
  return gateway_.Checkpoints(cluster_id, job_id);
}

Result<flink::JobExceptionHistory> GatewayJobReader::Exceptions(int64_t cluster_id,
                                                                const std::string& job_id) {
  return gateway_.JobExceptions(cluster_id, job_id);
}

Result<std::optional<int64_t>> GatewayJobReader::CheckpointInterval(int64_t cluster_id,
                                                                    const std::string& job_id) {
  SLUICE_RETURN_IF_ERROR(flink::ValidateJobId(job_id));
  std::string address = gateway_.ActiveAddress(cluster_id);
  if (address.empty()) {
    // No call answered yet: one that picks the live address.
    SLUICE_RETURN_IF_ERROR(gateway_.Checkpoints(cluster_id, job_id));
    address = gateway_.ActiveAddress(cluster_id);
  }
  if (address.empty()) return Error(ErrorCode::CLUSTER_UNREACHABLE, "no address answered");
  if (address.find("://") == std::string::npos) address = "http://" + address;
  while (!address.empty() && address.back() == '/') address.pop_back();
  http::ClientRequest request;
  request.method = "GET";
  request.url = address + "/jobs/" + job_id + "/checkpoints/config";
  request.connect_timeout = std::chrono::seconds(3);
  request.timeout = std::chrono::seconds(10);
  http::ClientResult sent = http_.Send(request);
  if (!sent.ok()) {
    return Error(ErrorCode::CLUSTER_UNREACHABLE,
                 fmt::format("GET /jobs/{}/checkpoints/config got no answer", job_id));
  }
  const http::ClientResponse& answer = sent.value();
  // 404: "Checkpointing is not enabled for this job".
  if (answer.status == 404) return std::optional<int64_t>();
  if (answer.status != 200) {
    return Error(
        ErrorCode::FLINK_REJECTED,
        fmt::format("GET /jobs/{}/checkpoints/config answered HTTP {}", job_id, answer.status));
  }
  Json body = Json::parse(answer.body, nullptr, false);
  if (!body.is_object() || !body.contains("interval") || !body["interval"].is_number_integer()) {
    return Error(ErrorCode::CLUSTER_NOT_FLINK, "the checkpoint configuration has no 'interval'");
  }
  const int64_t interval = body["interval"].get<int64_t>();
  // Periodic checkpoints off: Flink reports Long.MAX_VALUE (or -1).
  if (interval <= 0 || interval >= int64_t{365} * 24 * 3600 * 1000) {
    return std::optional<int64_t>();
  }
  return std::optional<int64_t>(interval);
}

// ---- the watcher

JobWatcher::JobWatcher(store::Database& database, const Clock& clock, AlertEngine& engine,
                       FlinkJobReader& reader, std::chrono::milliseconds every)
    : database_(database), clock_(clock), engine_(engine), reader_(reader), every_(every) {}

JobWatcher::~JobWatcher() { Stop(); }

Result<int> JobWatcher::Pass() {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows apps,
      database_.Query("SELECT id, job_id FROM apps WHERE state IN ('RUNNING', 'RESTARTING') AND "
                      "job_id <> '' AND cluster_id IS NOT NULL AND operation_id IS NULL ORDER "
                      "BY id"));
  int read = 0;
  std::set<std::string> jobs;
  for (size_t i = 0; i < apps.size(); ++i) {
    const std::string job_id = apps.Text(i, "job_id");
    jobs.insert(job_id);
    auto app = engine_.AppContext(apps.Int(i, "id"));
    if (!app.ok() || !app->cluster_id) continue;
    // A job Flink is restarting only matters to flink_restarts.
    const bool running = app->state == "RUNNING";
    if (!running && app->state != "RESTARTING") continue;
    if (!FlinkRestartsOf(app->rules) && (!running || (!CheckpointFailuresOf(app->rules) &&
                                                      !CheckpointStaleMinutesOf(app->rules)))) {
      continue;
    }
    ++read;
    if (Status watched = Watch(*app, job_id); !watched.ok()) {
      spdlog::debug("alerts: watching app {} (job {}): {}", app->app_id, job_id,
                    watched.error().message);
    }
  }
  for (auto it = intervals_.begin(); it != intervals_.end();) {
    it = jobs.count(it->first) ? std::next(it) : intervals_.erase(it);
  }
  return read;
}

Status JobWatcher::Watch(const AppAlertContext& app, const std::string& job_id) {
  const int64_t cluster_id = *app.cluster_id;
  const auto failures = CheckpointFailuresOf(app.rules);
  const auto stale_minutes = CheckpointStaleMinutesOf(app.rules);
  const auto restarts = FlinkRestartsOf(app.rules);
  const int64_t now = Now();
  Status outcome = Status::Ok();
  // Flink's words may carry the app's secrets (a connector's option in an exception).
  auto mask = [&](std::string text) {
    return masker_ ? masker_(app.app_id, std::move(text)) : text;
  };

  if ((failures || stale_minutes) && app.state == "RUNNING") {
    auto stats = reader_.Checkpoints(cluster_id, job_id);
    if (!stats.ok()) {
      outcome = stats.error();
    } else if (stats->available) {
      std::string latest_completed = "no checkpoint has completed yet";
      if (stats->latest_completed) {
        latest_completed =
            fmt::format("the newest completed checkpoint is {} of {}", stats->latest_completed->id,
                        Time(stats->latest_completed->timestamp_ms));
      }
      if (failures) {
        const int64_t window_ms = failures->window_minutes * 60'000;
        int64_t failed = 0;
        int64_t newest_id = 0;
        std::string reason;
        const Json& raw = stats->raw;
        if (raw.is_object() && raw.contains("history") && raw["history"].is_array()) {
          for (const Json& entry : raw["history"]) {
            if (!entry.is_object() || entry.value("status", "") != "FAILED") continue;
            if (entry.value("is_savepoint", false)) continue;
            const int64_t at = entry.value("trigger_timestamp", int64_t{0});
            if (at < now - window_ms) continue;
            ++failed;
            const int64_t id = entry.value("id", int64_t{0});
            if (id >= newest_id) {
              newest_id = id;
              const Json& message =
                  entry.contains("failure_message") ? entry["failure_message"] : Json();
              reason = message.is_string() ? message.get<std::string>() : "";
            }
          }
        }
        if (failed >= failures->failures) {
          reason = reason.empty() ? "Flink gave no reason" : mask(std::move(reason));
          Json facts = {{"title", fmt::format("{}: {} failed in {} minutes", app.name,
                                              Plural(failed, "checkpoint", "checkpoints"),
                                              failures->window_minutes)},
                        {"failed_checkpoints", failed},
                        {"window_minutes", failures->window_minutes},
                        {"threshold", failures->failures},
                        {"exception", Clip(reason)},
                        {"action", failures->restart ? "restart" : "alert"}};
          std::string summary = fmt::format(
              "{} of job {} of application {} failed within the last {} minutes (the rule "
              "alerts at {}); the last failure (checkpoint {}): {}. {}.",
              Plural(failed, "checkpoint", "checkpoints"), job_id, app.name,
              failures->window_minutes, failures->failures, newest_id, Clip(reason),
              latest_completed);
          if (failures->restart) {
            SLUICE_ASSIGN_OR_RETURN(bool started,
                                    engine_.StartCheckpointRestart(
                                        app, job_id,
                                        fmt::format("{} failed within {} minutes",
                                                    Plural(failed, "checkpoint", "checkpoints"),
                                                    failures->window_minutes),
                                        window_ms));
            summary += started ? " Sluice cancels the job and deploys it again from its newest "
                                 "checkpoint or savepoint."
                               : " It was restarted for failing checkpoints less than " +
                                     std::to_string(failures->window_minutes) +
                                     " minutes ago, so Sluice does not restart it again now.";
            facts["restarted"] = started;
          }
          facts["summary"] = summary;
          SLUICE_RETURN_IF_ERROR(engine_.RaiseCondition(
              app, "checkpoint_failures", Source("checkpoint_failures", app.app_id, now), facts));
        }
      }
      if (stale_minutes) {
        auto cached = intervals_.find(job_id);
        if (cached == intervals_.end()) {
          auto interval = reader_.CheckpointInterval(cluster_id, job_id);
          if (interval.ok()) cached = intervals_.emplace(job_id, *interval).first;
        }
        if (cached != intervals_.end() && cached->second) {
          const int64_t last =
              stats->latest_completed ? stats->latest_completed->timestamp_ms : int64_t{0};
          const int64_t since = std::max(last, app.state_changed_at);
          if (since > 0 && now - since >= *stale_minutes * 60'000) {
            Json facts = {{"title", fmt::format("{}: no completed checkpoint for {} minutes",
                                                app.name, (now - since) / 60'000)},
                          {"stale_minutes", *stale_minutes},
                          {"checkpoint_interval_ms", *cached->second}};
            std::string summary = fmt::format(
                "job {} of application {} has had no completed checkpoint for {} minutes "
                "(the rule alerts after {}; its checkpoint interval is {} ms): {}; {} "
                "triggered, {} failed, {} in progress.",
                job_id, app.name, (now - since) / 60'000, *stale_minutes, *cached->second,
                latest_completed, stats->total, stats->failed, stats->in_progress);
            if (std::string reason = mask(LastFailure(stats->raw)); !reason.empty()) {
              summary += " The last failure: " + Clip(reason);
              facts["exception"] = Clip(reason);
            }
            facts["summary"] = summary;
            SLUICE_RETURN_IF_ERROR(engine_.RaiseCondition(
                app, "checkpoint_stale", Source("checkpoint_stale", app.app_id, now), facts));
          }
        }
      }
    }
  }

  if (restarts) {
    auto history = reader_.Exceptions(cluster_id, job_id);
    if (!history.ok()) return history.error();
    const int64_t window_ms = restarts->window_minutes * 60'000;
    int64_t count = 0;
    int64_t newest = 0;
    for (const auto& entry : history->entries) {
      if (entry.timestamp_ms < now - window_ms) continue;
      ++count;
      newest = std::max(newest, entry.timestamp_ms);
    }
    if (count > restarts->restarts) {
      std::string cause = history->root_cause_summary.empty()
                              ? "Flink gave no reason"
                              : Clip(mask(history->root_cause_summary));
      Json facts = {
          {"title", fmt::format("{}: Flink restarted the job {} in {} minutes", app.name,
                                Plural(count, "time", "times"), restarts->window_minutes)},
          {"summary",
           fmt::format("Flink restarted job {} of application {} {} within the last {} minutes "
                       "(the rule alerts above {}); the last failure, at {}: {}",
                       job_id, app.name, Plural(count, "time", "times"), restarts->window_minutes,
                       restarts->restarts, Time(newest), cause)},
          {"flink_restarts", count},
          {"window_minutes", restarts->window_minutes},
          {"threshold", restarts->restarts},
          {"exception", cause}};
      SLUICE_RETURN_IF_ERROR(engine_.RaiseCondition(
          app, "flink_restarts", Source("flink_restarts", app.app_id, now), facts));
    }
  }
  return outcome;
}

void JobWatcher::Start() {
  std::lock_guard lock(mutex_);
  if (worker_.joinable()) return;
  stopping_ = false;
  worker_ = std::thread([this] {
    while (true) {
      {
        std::unique_lock lock(mutex_);
        wakeup_.wait_for(lock, every_, [this] { return stopping_; });
        if (stopping_) return;
      }
      if (auto passed = Pass(); !passed.ok()) {
        spdlog::warn("alerts: watching jobs: {}", passed.error().message);
      }
    }
  });
}

void JobWatcher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  std::thread worker;
  {
    std::lock_guard lock(mutex_);
    worker.swap(worker_);
  }
  if (worker.joinable()) worker.join();
}

}  // namespace sluice::alerts
