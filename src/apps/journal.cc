#include "apps/journal.h"

#include <spdlog/spdlog.h>

#include <array>

namespace sluice::apps {

namespace {

constexpr std::array<std::string_view, 11> kFlinkStates = {
    "INITIALIZING", "CREATED",  "RUNNING",  "RESTARTING", "FAILING",    "FAILED",
    "CANCELLING",   "CANCELED", "FINISHED", "SUSPENDED",  "RECONCILING"};

// Events keep a cause of at most this many bytes (a Flink reason can be a page long).
constexpr size_t kMaxCause = 2000;

std::string Clip(std::string_view text) {
  if (text.size() <= kMaxCause) return std::string(text);
  size_t end = kMaxCause;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

store::Value OptionalValue(const std::optional<int64_t>& value) {
  if (value) return *value;
  return store::Value();
}

}  // namespace

bool IsTerminalState(std::string_view state) {
  return state == "FINISHED" || state == "CANCELED" || state == "FAILED";
}

bool IsFlinkJobState(std::string_view state) {
  for (std::string_view known : kFlinkStates) {
    if (known == state) return true;
  }
  return false;
}

bool IsActiveState(std::string_view state) {
  if (state == "DEPLOYING" || state == "LOST") return true;
  return IsFlinkJobState(state) && !IsTerminalState(state);
}

Result<bool> Journal::Move(const Transition& t, std::string_view extra_set,
                           const std::vector<store::Value>& extra_params) {
  bool moved = false;
  SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(moved, MoveIn(c, t, extra_set, extra_params));
    return Status::Ok();
  }));
  if (moved) NotifyChanged();
  return moved;
}

Result<bool> Journal::MoveIn(store::Connection& c, const Transition& t, std::string_view extra_set,
                             const std::vector<store::Value>& extra_params) {
  int64_t now = NowMs();
  std::string sql = "UPDATE apps SET state = ?, state_changed_at = ?, updated_at = ?";
  std::vector<store::Value> params = {t.to, now, now};
  if (!extra_set.empty()) {
    sql += ", ";
    sql += extra_set;
    params.insert(params.end(), extra_params.begin(), extra_params.end());
  }
  sql += " WHERE id = ? AND state = ?";
  params.emplace_back(t.app_id);
  params.emplace_back(t.from);
  SLUICE_ASSIGN_OR_RETURN(store::Rows updated, c.Query(sql, params));
  if (updated.affected == 0) return false;
  if (t.from != t.to) {
    spdlog::info("app {}: {} -> {} ({})", t.app_id, t.from, t.to, t.cause);
  }
  SLUICE_RETURN_IF_ERROR(c.Query(
      "INSERT INTO app_events (app_id, at, kind, from_state, to_state, operation_id, job_id, "
      "cause, user_id) VALUES (?, ?, 'state', ?, ?, ?, ?, ?, ?)",
      {t.app_id, now, t.from, t.to, OptionalValue(t.operation_id), t.job_id, Clip(t.cause),
       OptionalValue(t.user_id)}));
  return true;
}

Status Journal::Note(int64_t app_id, std::string_view kind, std::string_view cause,
                     std::optional<int64_t> operation_id, std::optional<int64_t> user_id,
                     std::string_view job_id) {
  SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
    return NoteIn(c, app_id, kind, cause, operation_id, user_id, job_id);
  }));
  NotifyChanged();
  return Status::Ok();
}

Status Journal::NoteIn(store::Connection& c, int64_t app_id, std::string_view kind,
                       std::string_view cause, std::optional<int64_t> operation_id,
                       std::optional<int64_t> user_id, std::string_view job_id) {
  SLUICE_RETURN_IF_ERROR(c.Query(
      "INSERT INTO app_events (app_id, at, kind, operation_id, job_id, cause, user_id) VALUES (?, "
      "?, ?, ?, ?, ?, ?)",
      {app_id, NowMs(), std::string(kind), OptionalValue(operation_id), std::string(job_id),
       Clip(cause), OptionalValue(user_id)}));
  return Status::Ok();
}

}  // namespace sluice::apps
