// The audit log: every change, allowed or refused, with who, when, what and the outcome. Never
// holds passwords or tokens (handlers put only ids and names in `target` and `detail`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "store/database.h"

namespace sluice::system {

struct AuditEntry {
  std::optional<int64_t> actor_id;
  std::string actor;   // user name, or the attempted one for logins, or "anonymous"
  std::string action;  // e.g. "user.create"
  std::string target;  // e.g. "user:7"
  std::optional<int64_t> team_id;
  std::string outcome;  // "success" | "failure" | "denied"
  int status = 0;       // the HTTP status answered
  std::string detail;
  std::string request_id;
  std::string client_ip;
};

struct AuditQuery {
  int64_t limit = 50;
  int64_t offset = 0;
  std::optional<std::string> actor;
  std::optional<std::string> action;
};

class AuditLog {
 public:
  AuditLog(store::Database& database, const Clock& clock) : database_(database), clock_(clock) {}
  // Writes one entry. A store failure is logged and returned; the caller's answer stands.
  Status Record(const AuditEntry& entry);
  // Newest first: {"items": [...], "total": N}.
  Result<Json> List(const AuditQuery& query);

 private:
  store::Database& database_;
  const Clock& clock_;
};

}  // namespace sluice::system
