// Operations: the durable record of work Sluice does on a user's behalf (deploy, stop, savepoint;
// later builds and more). An operation is a row before anything happens (PENDING), is claimed by
// one worker (RUNNING), and ends SUCCEEDED (with a result) or FAILED (with the error). Because the
// row exists first, a crash in the middle leaves a RUNNING row that the next start reconciles
// (tracker.h); nothing is only in memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "store/database.h"

namespace sluice::apps {

struct Operation {
  int64_t id = 0;
  int64_t team_id = 0;
  std::optional<int64_t> app_id;
  std::string kind;   // "deploy" | "stop" | "savepoint"
  std::string state;  // "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED"
  Json params = Json::object();
  Json result;  // null until SUCCEEDED
  Json error;   // null, or {"code","number","message"} when FAILED
  std::optional<int64_t> created_by;
  int64_t created_at = 0;
  std::optional<int64_t> started_at;
  std::optional<int64_t> finished_at;
};

class Operations {
 public:
  Operations(store::Database& database, const Clock& clock) : database_(database), clock_(clock) {}

  // Inserts a PENDING operation inside the caller's transaction; answers its id.
  Result<int64_t> EnqueueIn(store::Connection& c, int64_t team_id, std::optional<int64_t> app_id,
                            const std::string& kind, const Json& params,
                            std::optional<int64_t> user_id);
  // OPERATION_NOT_FOUND when there is none.
  Result<Operation> Get(int64_t id);
  // PENDING operations, oldest first (at most `limit`).
  Result<std::vector<Operation>> Pending(int limit = 100);
  // Operations left RUNNING (by a process that ended without finishing them).
  Result<std::vector<Operation>> Running();
  // PENDING -> RUNNING; false when another worker claimed it first.
  Result<bool> Claim(int64_t id);
  // RUNNING -> SUCCEEDED with `result`, and clears the app's operation_id, in one transaction.
  Status Succeed(int64_t id, const Json& result);
  // PENDING/RUNNING -> FAILED with `error`, and clears the app's operation_id.
  Status Fail(int64_t id, const Error& error);

  // The API's object: {"id","kind","state","app_id","error"?,"result"?,"created_at",...}.
  static Json ToJson(const Operation& operation);
  // {"code","number","message"(,"field")} for an error kept in an operation.
  static Json ErrorJson(const Error& error);

 private:
  Status Finish(int64_t id, const std::string& state, const Json& result, const Json& error);

  store::Database& database_;
  const Clock& clock_;
};

}  // namespace sluice::apps
