#include "system/audit_log.h"

#include <spdlog/spdlog.h>

namespace sluice::system {

using store::Value;

namespace {
Value OptionalId(const std::optional<int64_t>& id) { return id ? Value(*id) : store::Null(); }
std::string Clip(const std::string& text, size_t max) { return text.substr(0, max); }
}  // namespace

Status AuditLog::Record(const AuditEntry& entry) {
  auto result = database_.Query(
      "INSERT INTO audit_log (at, actor_id, actor, action, target, team_id, outcome, status, "
      "detail, request_id, client_ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {Value(ToUnixMillis(clock_.Now())), OptionalId(entry.actor_id), Value(Clip(entry.actor, 64)),
       Value(Clip(entry.action, 64)), Value(Clip(entry.target, 255)), OptionalId(entry.team_id),
       Value(entry.outcome), Value(int64_t{entry.status}), Value(Clip(entry.detail, 4096)),
       Value(Clip(entry.request_id, 64)), Value(Clip(entry.client_ip, 64))});
  if (!result.ok()) {
    spdlog::error("audit: could not record {} by {}: {}", entry.action, entry.actor,
                  result.error().internal_detail);
    return std::move(result).error();
  }
  return Status::Ok();
}

Result<Json> AuditLog::List(const AuditQuery& query) {
  std::string where = " WHERE 1=1";
  std::vector<Value> params;
  if (query.actor) {
    where += " AND actor = ?";
    params.emplace_back(*query.actor);
  }
  if (query.action) {
    where += " AND action = ?";
    params.emplace_back(*query.action);
  }
  SLUICE_ASSIGN_OR_RETURN(store::Rows count,
                          database_.Query("SELECT COUNT(*) AS n FROM audit_log" + where, params));
  params.emplace_back(query.limit);
  params.emplace_back(query.offset);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT id, at, actor_id, actor, action, target, team_id, outcome, status, "
                      "detail, request_id, client_ip FROM audit_log" +
                          where + " ORDER BY id DESC LIMIT ? OFFSET ?",
                      params));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    items.push_back(
        {{"id", rows.Int(i, "id")},
         {"at", FormatRfc3339(FromUnixMillis(rows.Int(i, "at")))},
         {"actor_id", rows.IsNull(i, "actor_id") ? Json() : Json(rows.Int(i, "actor_id"))},
         {"actor", rows.Text(i, "actor")},
         {"action", rows.Text(i, "action")},
         {"target", rows.Text(i, "target")},
         {"team_id", rows.IsNull(i, "team_id") ? Json() : Json(rows.Int(i, "team_id"))},
         {"outcome", rows.Text(i, "outcome")},
         {"status", rows.Int(i, "status")},
         {"detail", rows.Text(i, "detail")},
         {"request_id", rows.Text(i, "request_id")},
         {"client_ip", rows.Text(i, "client_ip")}});
  }
  return Json{{"items", items}, {"total", count.Int(0, "n")}};
}

}  // namespace sluice::system
