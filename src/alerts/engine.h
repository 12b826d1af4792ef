// The alert engine: rules, the restart policy and the outbox.
//
// Rules follow the store, not memory: the engine reads `app_events` (state changes) and
// `cluster_events` from durable cursors (`alert_cursors`), woken by the apps' Journal::changed()
// and by a short poll. Because PostgreSQL may commit ids out of order, each pass re-reads the
// last `reread_window` ids below its cursor; an event is handled once (its outcome is a row keyed
// by the event: `alerts.source`, `app_restarts.source`, both unique).
//
// For an app's state change to:
//  - FAILED with a restart policy {"max_restarts": N, "window_minutes": M}, fewer than N restarts
//    in the last M minutes: a restart is scheduled (`app_restarts` row, WAITING, due after the
//    back-off: restart_backoff doubled per restart already made in the window, at most
//    restart_backoff_max) and an app event "restart x of N scheduled" is written. When due, the
//    restart is the same durable deploy as `POST /apps/{id}/deploy` (restore "latest" when the app
//    has a savepoint or retained checkpoint, else "none"), queued only while the app is still
//    FAILED with no operation in flight; the deploy asks the cluster for the previous job id
//    before submitting (actions.h), so a job never runs twice. With N restarts used up: the
//    `restarts_exhausted` alert. Without a policy: the `failed` alert.
//  - LOST: `lost`. CANCELED with no Sluice operation behind it: `cancelled` (outside Sluice).
// For a cluster's change to LOST or FAILED: `cluster`, to each team with apps on it, with the
// number of its jobs that may be affected.
// Conditions inside a running job (checkpoint_failures, checkpoint_stale, flink_restarts) are
// found by the job watcher (job_watcher.h) and raised through RaiseCondition; a checkpoint
// restart is an `app_restarts` row (STOPPING) and a cancel first, then the deploy above once the
// job has ended (restore "latest"); it never counts against the restart policy.
//
// Where alerts go: the app's `alert_channel_ids`, else its team's default channels (alert
// settings). Which rules apply: the team's rules, overridden per app. During one of the app's
// maintenance windows alerts are recorded SILENCED and not sent (restarts still happen). The same
// rule on the same app and channel alerts again only after `quiet` (else SUPPRESSED).
//
// Delivery: every alert is a row (PENDING) before it is sent; the delivery worker sends due rows
// (several at once), marks them DELIVERED, or on failure schedules the next attempt with
// exponential back-off (retry_first doubled, at most retry_max) until `give_up` after creation
// (then FAILED). At least once: a crash between sending and marking sends again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "alerts/channels.h"
#include "alerts/delivery.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "store/database.h"

namespace sluice::alerts {

struct AlertOptions {
  std::string public_url;  // links to the app's page ("" = none)
  std::chrono::milliseconds quiet{std::chrono::minutes(10)};
  std::chrono::milliseconds restart_backoff{std::chrono::seconds(10)};
  std::chrono::milliseconds restart_backoff_max{std::chrono::minutes(5)};
  std::chrono::milliseconds retry_first{std::chrono::seconds(1)};
  std::chrono::milliseconds retry_max{std::chrono::minutes(1)};
  std::chrono::milliseconds give_up{std::chrono::hours(24)};
  std::chrono::milliseconds poll{std::chrono::milliseconds(500)};  // besides the wake-ups
  int delivery_threads = 8;
  int64_t reread_window = 200;
  // How often the job watcher reads Flink's checkpoint statistics and exception history of the
  // RUNNING apps with a checkpoint or restart rule on.
  std::chrono::milliseconds watch{std::chrono::seconds(5)};
};

// Queues a restart of an app as a durable deploy (restarter.h has the one over apps/).
class Redeployer {
 public:
  virtual ~Redeployer() = default;
  // Queues a deploy of `app_id` only while the app is in `expected_state` with no operation in
  // flight; `restore` is "latest" or "none". Answers the operation id. APP_OPERATION_IN_FLIGHT /
  // APP_WRONG_STATE when the app moved on.
  virtual Result<int64_t> Redeploy(int64_t app_id, const std::string& expected_state,
                                   const std::string& restore, const std::string& why) = 0;
  // Queues a stop (cancel, without a savepoint) of `app_id` only while the app is in
  // `expected_state` with no operation in flight. Answers the operation id; errors as Redeploy.
  virtual Result<int64_t> Cancel(int64_t app_id, const std::string& expected_state,
                                 const std::string& why) = 0;
};

// The rules a team sets for its apps and an app overrides: which conditions alert.
// {"failed","lost","cancelled","restarts_exhausted","cluster"}: booleans (default true).
// Rules with settings (default false: off; true: on with the defaults shown), read from Flink by
// the job watcher (job_watcher.h) for RUNNING apps only:
//   "checkpoint_failures": {"failures": 3, "window_minutes": 10, "action": "alert" | "restart"}
//      at least `failures` failed checkpoints triggered within the last `window_minutes`;
//      "restart" also cancels the job and deploys it again from its newest checkpoint or
//      savepoint (at most once per window).
//   "checkpoint_stale": {"minutes": 30}  no completed checkpoint for `minutes` while RUNNING
//      (only for jobs with periodic checkpointing on).
//   "flink_restarts": {"restarts": 3, "window_minutes": 10}  Flink restarted the job more than
//      `restarts` times within `window_minutes` (its exception history).
// Validation: ALERT_RULES_INVALID naming the field (e.g. "rules.checkpoint_failures.failures"),
// RESTART_POLICY_INVALID for a bad "rules.checkpoint_failures.action". Full (team) rules answer
// every rule; partial (app overrides) only those given.
Result<Json> ValidateRules(const Json& rules, bool partial);
struct CheckpointFailuresRule {
  int64_t failures = 3;
  int64_t window_minutes = 10;
  bool restart = false;
};
struct FlinkRestartsRule {
  int64_t restarts = 3;
  int64_t window_minutes = 10;
};
// The settings of a rule in effective rules, nullopt when it is off.
std::optional<CheckpointFailuresRule> CheckpointFailuresOf(const Json& rules);
std::optional<int64_t> CheckpointStaleMinutesOf(const Json& rules);
std::optional<FlinkRestartsRule> FlinkRestartsOf(const Json& rules);

// What the rules need to know about one app.
struct AppAlertContext {
  int64_t app_id = 0;
  int64_t team_id = 0;
  std::string name;
  std::string team;
  std::string state;
  int64_t state_changed_at = 0;  // Unix ms
  std::string web_url;
  std::optional<int64_t> cluster_id;
  Json rules;                        // the team's, overridden by the app's
  std::vector<int64_t> channel_ids;  // the app's, else the team's
  bool silenced = false;             // in one of its maintenance windows now
};
// [{"from": RFC 3339, "until": RFC 3339, "note"?}], at most 50, from before until.
Result<Json> ValidateMaintenance(const Json& windows);

class AlertEngine {
 public:
  // All references must outlive the engine.
  AlertEngine(store::Database& database, const Clock& clock, ChannelService& channels,
              Sender& sender, Redeployer& redeployer, AlertOptions options);
  ~AlertEngine();

  // One pass over new app and cluster events (the rules). Tests call it directly.
  Status Follow();
  // Queues the restarts whose back-off has passed; answers how many were queued.
  Result<int> RunDueRestarts();
  // Sends the due PENDING alerts; answers how many were delivered.
  Result<int> DeliverDue();

  // The app's context; NOT_FOUND when it was deleted.
  Result<AppAlertContext> AppContext(int64_t app_id);
  // A condition found on a running job (the job watcher): raises `rule` for the app with `facts`
  // (the app's own facts are added) unless an alert of that rule on that app was raised within
  // the quiet time (then nothing is written: the condition is continuous). `source` is unique per
  // occurrence. Answers whether alert rows were written.
  Result<bool> RaiseCondition(const AppAlertContext& app, const std::string& rule,
                              const std::string& source, Json facts);
  // The checkpoint_failures rule's "restart": unless a checkpoint restart of the app was made
  // within `window_ms`, records an `app_restarts` row (source "checkpoint:<job id>", state
  // STOPPING) and queues a cancel of the RUNNING job; RunDueRestarts then queues the deploy
  // (restore "latest") once the job has ended. Answers whether a restart was started.
  Result<bool> StartCheckpointRestart(const AppAlertContext& app, const std::string& job_id,
                                      const std::string& why, int64_t window_ms);

  // Starts the two workers ("alerts-rules", "alerts-delivery"); Stop ends them.
  void Start();
  void Stop();
  // Something changed: follow again now (subscribe it to Journal::changed()).
  void Wake();

 private:
  struct AppFacts;
  Status HandleAppEvent(int64_t event_id, int64_t app_id, const std::string& from,
                        const std::string& to, const std::string& cause,
                        std::optional<int64_t> operation_id, int64_t at);
  Status HandleClusterEvent(int64_t event_id, int64_t cluster_id, const std::string& to,
                            const std::string& detail, int64_t at);
  Result<bool> Handled(const std::string& source);
  // Writes the alert rows for `facts` to `channel_ids`; answers how many are PENDING.
  Result<int> Raise(int64_t team_id, std::optional<int64_t> app_id,
                    std::optional<int64_t> cluster_id, const std::string& rule,
                    const std::string& source, const Json& facts,
                    const std::vector<int64_t>& channel_ids, bool silenced);
  Result<Json> TeamRules(int64_t team_id, std::vector<int64_t>* channel_ids);
  Status ContinueCheckpointRestarts();
  Result<int64_t> Cursor(const std::string& name);
  Status SetCursor(const std::string& name, int64_t position);
  Status DeliverOne(int64_t alert_id);
  void RulesLoop();
  void DeliveryLoop();
  int64_t Now() const { return ToUnixMillis(clock_.Now()); }

  store::Database& database_;
  const Clock& clock_;
  ChannelService& channels_;
  Sender& sender_;
  Redeployer& redeployer_;
  AlertOptions options_;

  std::mutex follow_mutex_;            // one Follow at a time
  std::set<int64_t> seen_app_events_;  // handled ids within the re-read window
  std::set<int64_t> seen_cluster_events_;
  std::mutex delivery_mutex_;  // one DeliverDue at a time

  std::mutex mutex_;
  std::condition_variable rules_wakeup_;
  std::condition_variable delivery_wakeup_;
  bool rules_woken_ = false;
  bool delivery_woken_ = false;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace sluice::alerts
