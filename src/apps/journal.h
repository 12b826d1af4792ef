// The one place where an application's state changes, and its history of events.
//
// States (api.md): NEW (never deployed), DEPLOYING (Sluice is submitting it, or has and waits to
// see it), Flink's own job states (INITIALIZING, CREATED, RUNNING, RESTARTING, FAILING, FAILED,
// CANCELLING, CANCELED, FINISHED, SUSPENDED, RECONCILING) and LOST (Sluice cannot see the job).
// Operations in flight are never states: they are the app's `operation_id`.
//
// Every change is conditional on the state the writer saw ("compare and set"), so the tracker and
// the operations never overwrite each other's newer knowledge, and each change is an event row
// with its time, cause, job id and, where a person caused it, who.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/change_signal.h"
#include "common/clock.h"
#include "common/result.h"
#include "store/database.h"

namespace sluice::apps {

// True for FINISHED, CANCELED, FAILED: the job has ended and nothing of it runs.
bool IsTerminalState(std::string_view state);
// True for states in which a job of the app may be running on its cluster: DEPLOYING, LOST and
// Flink's non-terminal states. A new deploy is refused in these (no job ever runs twice).
bool IsActiveState(std::string_view state);
// True for Flink's own job states (what /jobs/overview may answer).
bool IsFlinkJobState(std::string_view state);

struct Transition {
  int64_t app_id = 0;
  std::string from;  // the state the writer saw; the change happens only if it still holds
  std::string to;
  std::string cause;  // why, in words: "Flink reports RUNNING", "deploy requested by ann"
  std::string job_id;
  std::optional<int64_t> operation_id;
  std::optional<int64_t> user_id;
};

class Journal {
 public:
  // Both must outlive the journal.
  Journal(store::Database& database, const Clock& clock) : database_(database), clock_(clock) {}

  // Notified after every committed Move and Note; followers of app_events (alerts, the live
  // stream) subscribe here and then read the store. A caller of MoveIn or NoteIn calls
  // NotifyChanged() itself once its transaction has committed.
  ChangeSignal& changed() { return changed_; }
  void NotifyChanged() const { changed_.Notify(); }

  // Moves the app from `t.from` to `t.to` and records the event, in one transaction. Answers
  // false (and changes nothing) when the app's state is no longer `t.from`. `extra_set` is more
  // "column = ?" assignments for the same UPDATE, with `extra_params` their values.
  Result<bool> Move(const Transition& t, std::string_view extra_set = "",
                    const std::vector<store::Value>& extra_params = {});
  // The same inside the caller's transaction.
  Result<bool> MoveIn(store::Connection& c, const Transition& t, std::string_view extra_set = "",
                      const std::vector<store::Value>& extra_params = {});
  // An event that is not a state change: an operation requested, finished or failed, a
  // savepoint taken. `kind` is "operation" or "savepoint".
  Status Note(int64_t app_id, std::string_view kind, std::string_view cause,
              std::optional<int64_t> operation_id = std::nullopt,
              std::optional<int64_t> user_id = std::nullopt, std::string_view job_id = "");
  Status NoteIn(store::Connection& c, int64_t app_id, std::string_view kind, std::string_view cause,
                std::optional<int64_t> operation_id = std::nullopt,
                std::optional<int64_t> user_id = std::nullopt, std::string_view job_id = "");

  int64_t NowMs() const { return ToUnixMillis(clock_.Now()); }

 private:
  store::Database& database_;
  const Clock& clock_;
  ChangeSignal changed_;
};

}  // namespace sluice::apps
