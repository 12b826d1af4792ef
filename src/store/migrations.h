// Versioned schema migrations, applied at start.
//
// Each migration is applied in its own transaction together with its row in `schema_migrations`,
// so a crash leaves either all of it or none (MySQL/MariaDB commit DDL implicitly, so there a
// migration is applied statement by statement; keep each migration's statements restartable with
// IF NOT EXISTS). Migration SQL is portable SQL with two placeholders:
//   {{id}}    an auto-increment BIGINT primary key column type
//   {{text}}  an unbounded text column type (TEXT / LONGTEXT)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "store/database.h"

namespace sluice::store {

struct Migration {
  int version;       // 1, 2, 3, ... with no gaps; never change one that has shipped
  std::string name;  // short description
  std::string sql;   // statements separated by ';'
};

// The program's migrations, in order (schema.cc).
const std::vector<Migration>& SchemaMigrations();

// Replaces the placeholders for `dialect`.
std::string RenderMigrationSql(std::string_view sql, Dialect dialect);

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  int applied = 0;
};

// Applies the migrations that the database lacks. STORE_SCHEMA_TOO_NEW (message names both
// versions) when the database has a version this program does not know; STORE_MIGRATION_FAILED
// when a migration fails (nothing of it is recorded).
Result<MigrationReport> Migrate(Database& database, const std::vector<Migration>& migrations,
                                const Clock& clock);

// The highest applied version, 0 for an empty database.
Result<int> SchemaVersion(Database& database);

}  // namespace sluice::store
