#include "store/migrations.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace sluice::store {
namespace {

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
}

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT NOT NULL PRIMARY KEY, "
    "name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL)";

}  // namespace

std::string RenderMigrationSql(std::string_view sql, Dialect dialect) {
  std::string out(sql);
  switch (dialect) {
    case Dialect::kSqlite:
      ReplaceAll(out, "{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT");
      ReplaceAll(out, "{{text}}", "TEXT");
      break;
    case Dialect::kPostgres:
      ReplaceAll(out, "{{id}}", "BIGSERIAL PRIMARY KEY");
      ReplaceAll(out, "{{text}}", "TEXT");
      break;
    case Dialect::kMysql:
      ReplaceAll(out, "{{id}}", "BIGINT AUTO_INCREMENT PRIMARY KEY");
      ReplaceAll(out, "{{text}}", "LONGTEXT");
      break;
  }
  return out;
}

Result<int> SchemaVersion(Database& database) {
  auto created = database.Query(kCreateMigrationsTable, {});
  if (!created.ok()) return std::move(created).error();
  SLUICE_ASSIGN_OR_RETURN(Rows rows,
                          database.Query("SELECT MAX(version) AS v FROM schema_migrations", {}));
  return static_cast<int>(rows.Int(0, "v"));
}

Result<MigrationReport> Migrate(Database& database, const std::vector<Migration>& migrations,
                                const Clock& clock) {
  MigrationReport report;
  SLUICE_ASSIGN_OR_RETURN(report.from_version, SchemaVersion(database));
  int latest = migrations.empty() ? 0 : migrations.back().version;
  if (report.from_version > latest) {
    return Error(ErrorCode::STORE_SCHEMA_TOO_NEW,
                 fmt::format("the database schema is version {}, newer than this Sluice knows "
                             "({}); run a newer Sluice or restore a backup",
                             report.from_version, latest));
  }
  report.to_version = report.from_version;
  for (const Migration& migration : migrations) {
    if (migration.version <= report.from_version) continue;
    bool applied_here = false;
    Status status = database.Transaction([&](Connection& connection) -> Status {
      // Another Sluice starting at the same moment may have applied it already.
      SLUICE_ASSIGN_OR_RETURN(
          Rows existing, connection.Query("SELECT version FROM schema_migrations WHERE version = ?",
                                          {Value(int64_t{migration.version})}));
      if (!existing.empty()) return Status::Ok();
      SLUICE_RETURN_IF_ERROR(
          connection.ExecScript(RenderMigrationSql(migration.sql, database.dialect())));
      SLUICE_RETURN_IF_ERROR(connection.Query(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
          {Value(int64_t{migration.version}), Value(migration.name),
           Value(ToUnixMillis(clock.Now()))}));
      applied_here = true;
      return Status::Ok();
    });
    if (!status.ok()) {
      return Error(ErrorCode::STORE_MIGRATION_FAILED,
                   fmt::format("migration {} ({}) failed", migration.version, migration.name), "",
                   status.error().internal_detail);
    }
    if (applied_here) {
      ++report.applied;
      spdlog::info("store: applied migration {} ({})", migration.version, migration.name);
    }
    report.to_version = migration.version;
  }
  return report;
}

}  // namespace sluice::store
