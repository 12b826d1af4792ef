#include "apps/operations.h"

#include <fmt/format.h>

namespace sluice::apps {

namespace {

constexpr const char* kColumns =
    "id, team_id, app_id, kind, state, params, result, error, created_by, created_at, started_at, "
    "finished_at";

Json ParseOr(const std::string& text, Json fallback) {
  if (text.empty()) return fallback;
  Json parsed = Json::parse(text, nullptr, false);
  return parsed.is_discarded() ? fallback : parsed;
}

Operation ReadOperation(const store::Rows& rows, size_t i) {
  Operation op;
  op.id = rows.Int(i, "id");
  op.team_id = rows.Int(i, "team_id");
  op.app_id = rows.OptionalInt(i, "app_id");
  op.kind = rows.Text(i, "kind");
  op.state = rows.Text(i, "state");
  op.params = ParseOr(rows.Text(i, "params"), Json::object());
  op.result = ParseOr(rows.Text(i, "result"), Json());
  op.error = ParseOr(rows.Text(i, "error"), Json());
  op.created_by = rows.OptionalInt(i, "created_by");
  op.created_at = rows.Int(i, "created_at");
  op.started_at = rows.OptionalInt(i, "started_at");
  op.finished_at = rows.OptionalInt(i, "finished_at");
  return op;
}

store::Value OptionalValue(const std::optional<int64_t>& value) {
  if (value) return *value;
  return store::Value();
}

}  // namespace

Result<int64_t> Operations::EnqueueIn(store::Connection& c, int64_t team_id,
                                      std::optional<int64_t> app_id, const std::string& kind,
                                      const Json& params, std::optional<int64_t> user_id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows inserted,
      c.Query("INSERT INTO operations (team_id, app_id, kind, state, params, result, error, "
              "created_by, created_at) VALUES (?, ?, ?, 'PENDING', ?, '', '', ?, ?) RETURNING id",
              {team_id, OptionalValue(app_id), kind, params.dump(), OptionalValue(user_id),
               ToUnixMillis(clock_.Now())}));
  return inserted.Int(0, "id");
}

Result<Operation> Operations::Get(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM operations WHERE id = ?", kColumns), {id}));
  if (rows.empty()) {
    return Error(ErrorCode::OPERATION_NOT_FOUND, fmt::format("no operation with id {}", id));
  }
  return ReadOperation(rows, 0);
}

Result<std::vector<Operation>> Operations::Pending(int limit) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(
          fmt::format("SELECT {} FROM operations WHERE state = 'PENDING' ORDER BY id LIMIT ?",
                      kColumns),
          {static_cast<int64_t>(limit)}));
  std::vector<Operation> out;
  for (size_t i = 0; i < rows.size(); ++i) out.push_back(ReadOperation(rows, i));
  return out;
}

Result<std::vector<Operation>> Operations::Running() {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(
          fmt::format("SELECT {} FROM operations WHERE state = 'RUNNING' ORDER BY id", kColumns)));
  std::vector<Operation> out;
  for (size_t i = 0; i < rows.size(); ++i) out.push_back(ReadOperation(rows, i));
  return out;
}

Result<bool> Operations::Claim(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows updated,
      database_.Query(
          "UPDATE operations SET state = 'RUNNING', started_at = ? WHERE id = ? AND state = "
          "'PENDING'",
          {ToUnixMillis(clock_.Now()), id}));
  return updated.affected > 0;
}

Status Operations::Finish(int64_t id, const std::string& state, const Json& result,
                          const Json& error) {
  return database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(c.Query(
        "UPDATE operations SET state = ?, result = ?, error = ?, finished_at = ? WHERE id = ? AND "
        "state IN ('PENDING', 'RUNNING')",
        {state, result.is_null() ? std::string() : result.dump(),
         error.is_null() ? std::string() : error.dump(), ToUnixMillis(clock_.Now()), id}));
    SLUICE_RETURN_IF_ERROR(
        c.Query("UPDATE apps SET operation_id = NULL WHERE operation_id = ?", {id}));
    return Status::Ok();
  });
}

Status Operations::Succeed(int64_t id, const Json& result) {
  return Finish(id, "SUCCEEDED", result, nullptr);
}

Status Operations::Fail(int64_t id, const Error& error) {
  return Finish(id, "FAILED", nullptr, ErrorJson(error));
}

Json Operations::ErrorJson(const Error& error) {
  Json out = {{"code", std::string(ErrorCodeName(error.code))},
              {"number", ErrorCodeNumber(error.code)},
              {"message", error.message}};
  if (!error.field.empty()) out["field"] = error.field;
  return out;
}

Json Operations::ToJson(const Operation& op) {
  auto time = [](const std::optional<int64_t>& ms) {
    return ms ? Json(FormatRfc3339(FromUnixMillis(*ms))) : Json();
  };
  Json out = {{"id", op.id},
              {"kind", op.kind},
              {"state", op.state},
              {"team_id", op.team_id},
              {"app_id", op.app_id ? Json(*op.app_id) : Json()},
              {"params", op.params},
              {"created_at", time(op.created_at)},
              {"started_at", time(op.started_at)},
              {"finished_at", time(op.finished_at)}};
  if (!op.error.is_null()) out["error"] = op.error;
  if (!op.result.is_null()) out["result"] = op.result;
  return out;
}

}  // namespace sluice::apps
