#include "store/sqlite_database.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <unordered_map>

#include "store/pooled_database.h"

namespace sluice::store {
namespace {

Error SqliteError(sqlite3* db, int rc, std::string_view sql) {
  std::string detail = fmt::format("sqlite error {} ({}): {} in: {}", rc, sqlite3_errstr(rc),
                                   db != nullptr ? sqlite3_errmsg(db) : "", sql.substr(0, 200));
  int primary = rc & 0xff;
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Error(ErrorCode::STORE_UNIQUE_VIOLATION, "a record with this key already exists", "",
                 detail);
  }
  if (primary == SQLITE_CONSTRAINT) {
    return Error(ErrorCode::STORE_CONSTRAINT_VIOLATION, "the change breaks a store constraint", "",
                 detail);
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_CANTOPEN ||
      primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_READONLY) {
    return Error(ErrorCode::STORE_UNAVAILABLE, "the store is unavailable", "", detail);
  }
  return Error(ErrorCode::STORE_QUERY_FAILED, "a store query failed", "", detail);
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override {
    auto prepared = Prepare(sql);
    if (!prepared.ok()) return std::move(prepared).error();
    sqlite3_stmt* stmt = *prepared;
    // Reset on every exit so the cached statement releases its read snapshot.
    struct Resetter {
      sqlite3_stmt* s;
      ~Resetter() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } resetter{stmt};
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
      return Error(ErrorCode::STORE_QUERY_FAILED, "a store query failed", "",
                   fmt::format("{} parameters for {} placeholders in: {}", params.size(),
                               sqlite3_bind_parameter_count(stmt), sql.substr(0, 200)));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::monostate>(params[i])) {
        rc = sqlite3_bind_null(stmt, index);
      } else if (const auto* n = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, index, *n);
      } else if (const auto* d = std::get_if<double>(&params[i])) {
        rc = sqlite3_bind_double(stmt, index, *d);
      } else {
        const auto& s = std::get<std::string>(params[i]);
        rc = sqlite3_bind_text(stmt, index, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
    }
    Rows rows;
    int columns = sqlite3_column_count(stmt);
    for (int c = 0; c < columns; ++c) rows.columns.emplace_back(sqlite3_column_name(stmt, c));
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return SqliteError(db_, sqlite3_extended_errcode(db_), sql);
      std::vector<Value> row;
      row.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL:
            row.emplace_back(std::monostate{});
            break;
          case SQLITE_INTEGER:
            row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
            break;
          case SQLITE_FLOAT:
            row.emplace_back(sqlite3_column_double(stmt, c));
            break;
          default: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            row.emplace_back(std::string(text != nullptr ? text : "",
                                         static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
          }
        }
      }
      rows.rows.push_back(std::move(row));
    }
    rows.affected = sqlite3_changes64(db_);
    return rows;
  }

  Status ExecScript(std::string_view sql) override {
    std::string text(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (message != nullptr) sqlite3_free(message);
    if (rc != SQLITE_OK) return SqliteError(db_, sqlite3_extended_errcode(db_), sql);
    return Status::Ok();
  }

 private:
  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = statements_.find(key); it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, sqlite3_extended_errcode(db_), sql);
    // Statements without a body (e.g. only a comment) come back null; treat as an error.
    if (stmt == nullptr) {
      return Error(ErrorCode::STORE_QUERY_FAILED, "a store query failed", "", "empty statement");
    }
    if (statements_.size() > 256) {
      for (auto& [unused, old] : statements_) sqlite3_finalize(old);
      statements_.clear();
    }
    statements_.emplace(std::move(key), stmt);
    return stmt;
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

Result<std::unique_ptr<Connection>> OpenConnection(const std::string& path,
                                                   const DatabaseOptions& options) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error error(
        ErrorCode::STORE_UNAVAILABLE, "cannot open the SQLite database file", "db",
        fmt::format("sqlite open {}: {}", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close_v2(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  auto connection = std::make_unique<SqliteConnection>(db);
  // synchronous=FULL: an answered write survives power loss, not only a process crash.
  SLUICE_RETURN_IF_ERROR(connection->ExecScript(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace

Result<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path,
                                                     const DatabaseOptions& options) {
  auto database = std::make_unique<PooledDatabase>(
      Dialect::kSqlite, [path, options] { return OpenConnection(path, options); },
      options.pool_size, "BEGIN IMMEDIATE");
  SLUICE_RETURN_IF_ERROR(database->Warm());
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace sluice::store
