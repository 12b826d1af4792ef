#include "alerts/restarter.h"

#include <fmt/format.h>

namespace sluice::alerts {

Result<int64_t> AppsRedeployer::Redeploy(int64_t app_id, const std::string& expected_state,
                                         const std::string& restore, const std::string& why) {
  return Enqueue(
      app_id, expected_state, "deploy",
      {{"restore", restore}, {"allow_non_restored_state", false}, {"restart_policy", true}},
      fmt::format("deploy requested: {}", why));
}

Result<int64_t> AppsRedeployer::Cancel(int64_t app_id, const std::string& expected_state,
                                       const std::string& why) {
  return Enqueue(app_id, expected_state, "stop",
                 {{"savepoint", false}, {"drain", false}, {"restart_policy", true}},
                 fmt::format("cancel requested: {}", why));
}

Result<int64_t> AppsRedeployer::Enqueue(int64_t app_id, const std::string& expected_state,
                                        const std::string& kind, const Json& params,
                                        const std::string& note) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT team_id, state, operation_id FROM apps WHERE id = ?", {app_id}));
  if (rows.empty()) {
    return Error(ErrorCode::APP_NOT_FOUND, fmt::format("no application with id {}", app_id));
  }
  if (rows.OptionalInt(0, "operation_id")) {
    return Error(ErrorCode::APP_OPERATION_IN_FLIGHT,
                 fmt::format("operation {} is in flight", *rows.OptionalInt(0, "operation_id")));
  }
  if (rows.Text(0, "state") != expected_state) {
    return Error(ErrorCode::APP_WRONG_STATE, fmt::format("the application is {} now, not {}",
                                                         rows.Text(0, "state"), expected_state));
  }
  const int64_t team_id = rows.Int(0, "team_id");
  int64_t op_id = 0;
  bool claimed = false;
  SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(op_id,
                            operations_.EnqueueIn(c, team_id, app_id, kind, params, std::nullopt));
    // The same compare-and-set as the API's: only an app with no operation, still in the state
    // the policy saw, takes it.
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows updated,
        c.Query("UPDATE apps SET operation_id = ? WHERE id = ? AND operation_id IS NULL AND "
                "state = ?",
                {op_id, app_id, expected_state}));
    claimed = updated.affected > 0;
    if (!claimed) {
      SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM operations WHERE id = ?", {op_id}));
      return Status::Ok();
    }
    return journal_.NoteIn(c, app_id, "operation", note, op_id);
  }));
  if (!claimed) {
    return Error(ErrorCode::APP_OPERATION_IN_FLIGHT,
                 "the application changed state or took another operation meanwhile");
  }
  journal_.NotifyChanged();
  if (wake_) wake_();
  return op_id;
}

}  // namespace sluice::alerts
