#include "sql/deploy_check.h"

#include "sql/migrate.h"

namespace sluice::sql {

Result<std::string> SqlForDeploy(std::string_view sql, bool auto_migrate) {
  Migration m = Migrate(sql);
  if (!m.changed()) return std::string(sql);
  if (auto_migrate) return std::move(m.sql);
  std::string tables;
  for (const auto& c : m.changes) {
    if (tables.find("'" + c.table + "'") != std::string::npos) continue;
    if (!tables.empty()) tables += ", ";
    tables += "'" + c.table + "'";
  }
  std::string notes;
  for (const auto& c : m.changes)
    if (!c.note.empty()) notes += "\nnote (line " + std::to_string(c.line) + "): " + c.note;
  std::string diff = m.diff.size() > 6000 ? m.diff.substr(0, 6000) + "\n..." : m.diff;
  return Error(ErrorCode::SQL_LEGACY_OPTIONS,
               "the SQL uses legacy connector.type options (table" +
                   std::string(tables.find(',') != std::string::npos ? "s " : " ") + tables +
                   ") that Flink rejects; apply this rewrite (POST /api/v1/sql/migrate, `sluice "
                   "sql migrate`) or set sql_auto_migrate on the app:\n" +
                   diff + notes,
               "sql");
}

}  // namespace sluice::sql
