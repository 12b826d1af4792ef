#include "store/postgres_database.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <unordered_map>

#include "store/pooled_database.h"
#include "store/sql_text.h"

namespace sluice::store {
namespace {

// Type OIDs from pg_type.h (stable across versions).
constexpr Oid kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kFloat4 = 700, kFloat8 = 701,
              kNumeric = 1700, kBool = 16;

Error PgError(PGconn* conn, const PGresult* result, std::string_view sql) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string code = state != nullptr ? state : "";
  std::string detail = fmt::format(
      "postgresql {}: {} in: {}", code,
      result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn), sql.substr(0, 200));
  if (code == "23505") {
    return Error(ErrorCode::STORE_UNIQUE_VIOLATION, "a record with this key already exists", "",
                 detail);
  }
  if (code.rfind("23", 0) == 0) {
    return Error(ErrorCode::STORE_CONSTRAINT_VIOLATION, "the change breaks a store constraint", "",
                 detail);
  }
  // Connection gone (08xxx), server shutting down (57P01..57P03), out of resources (53xxx).
  if (PQstatus(conn) != CONNECTION_OK || code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0 ||
      code.rfind("53", 0) == 0) {
    return Error(ErrorCode::STORE_UNAVAILABLE, "the store is unavailable", "", detail);
  }
  // Serialization failure, deadlock, lock not available: worth another try (as on MySQL).
  if (code == "40001" || code == "40P01" || code == "55P03") {
    return Error(ErrorCode::STORE_UNAVAILABLE, "the store is busy; try again", "", detail);
  }
  return Error(ErrorCode::STORE_QUERY_FAILED, "a store query failed", "", detail);
}

struct ResultGuard {
  PGresult* result;
  ~ResultGuard() { PQclear(result); }
};

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override {
    auto result = Execute(sql, params);
    // A cached plan whose result columns changed under it (e.g. SELECT * after ALTER TABLE on
    // another connection) fails with 0A000 before running anything. Outside a transaction it is
    // safe to prepare again and retry once; inside one the transaction is already aborted.
    if (!result.ok() && result.error().code == ErrorCode::STORE_QUERY_FAILED &&
        last_sqlstate_ == "0A000" && PQtransactionStatus(conn_) == PQTRANS_IDLE) {
      Forget(std::string(sql));
      result = Execute(sql, params);
    }
    return result;
  }

  Status ExecScript(std::string_view sql) override {
    std::string text(sql);
    ResultGuard result{PQexec(conn_, text.c_str())};
    ExecStatusType status = PQresultStatus(result.result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      return PgError(conn_, result.result, sql);
    }
    // Plans cached before a schema change may be stale; prepare again on next use.
    DropStatements();
    return Status::Ok();
  }

 private:
  struct Prepared {
    std::string name;
    int count;
  };
  static constexpr size_t kMaxStatements = 256;

  Result<Rows> Execute(std::string_view sql, const std::vector<Value>& params) {
    last_sqlstate_.clear();
    std::string key(sql);
    auto it = statements_.find(key);
    if (it == statements_.end()) {
      if (statements_.size() >= kMaxStatements) DropStatements();
      int count = 0;
      std::string text = NumberPlaceholders(sql, &count);
      // Names are never reused on this connection, so a failed DEALLOCATE cannot collide.
      std::string name = "sluice_" + std::to_string(++statement_counter_);
      ResultGuard prepared{PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr)};
      if (PQresultStatus(prepared.result) != PGRES_COMMAND_OK) {
        return Fail(prepared.result, sql);
      }
      it = statements_.emplace(std::move(key), Prepared{name, count}).first;
    }
    if (static_cast<int>(params.size()) != it->second.count) {
      return Error(ErrorCode::STORE_QUERY_FAILED, "a store query failed", "",
                   fmt::format("{} parameters for {} placeholders in: {}", params.size(),
                               it->second.count, sql.substr(0, 200)));
    }
    // Text-format parameters; the server infers each one's type from the statement.
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (std::holds_alternative<std::monostate>(params[i])) continue;  // NULL
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        texts[i] = std::to_string(*n);
      } else if (const auto* d = std::get_if<double>(&params[i])) {
        texts[i] = fmt::format("{}", *d);  // shortest text that reads back as the same double
      } else {
        texts[i] = std::get<std::string>(params[i]);
      }
      values[i] = texts[i].c_str();
    }
    ResultGuard result{PQexecPrepared(conn_, it->second.name.c_str(),
                                      static_cast<int>(params.size()), values.data(), nullptr,
                                      nullptr, 0)};
    ExecStatusType status = PQresultStatus(result.result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      return Fail(result.result, sql);
    }
    return ReadRows(result.result);
  }

  Error Fail(const PGresult* result, std::string_view sql) {
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    last_sqlstate_ = state != nullptr ? state : "";
    return PgError(conn_, result, sql);
  }

  // Deallocates one cached statement (best effort: a failure only leaks a server-side plan).
  void Forget(const std::string& key) {
    auto it = statements_.find(key);
    if (it == statements_.end()) return;
    ResultGuard result{PQexec(conn_, ("DEALLOCATE " + it->second.name).c_str())};
    statements_.erase(it);
  }

  void DropStatements() {
    if (statements_.empty()) return;
    ResultGuard result{PQexec(conn_, "DEALLOCATE ALL")};
    statements_.clear();
  }

  static Rows ReadRows(const PGresult* result) {
    Rows rows;
    int columns = PQnfields(result);
    int tuples = PQntuples(result);
    for (int c = 0; c < columns; ++c) rows.columns.emplace_back(PQfname(result, c));
    rows.rows.reserve(static_cast<size_t>(tuples));
    for (int r = 0; r < tuples; ++r) {
      std::vector<Value> row;
      row.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(result, r, c)) {
          row.emplace_back(std::monostate{});
          continue;
        }
        const char* text = PQgetvalue(result, r, c);
        switch (PQftype(result, c)) {
          case kInt2:
          case kInt4:
          case kInt8:
          case kOid:
            row.emplace_back(static_cast<int64_t>(std::strtoll(text, nullptr, 10)));
            break;
          case kBool:
            row.emplace_back(static_cast<int64_t>(text[0] == 't' ? 1 : 0));
            break;
          case kFloat4:
          case kFloat8:
          case kNumeric:
            row.emplace_back(std::strtod(text, nullptr));
            break;
          default:
            row.emplace_back(std::string(text, static_cast<size_t>(PQgetlength(result, r, c))));
        }
      }
      rows.rows.push_back(std::move(row));
    }
    const char* affected = PQcmdTuples(const_cast<PGresult*>(result));
    rows.affected = affected != nullptr && *affected ? std::strtoll(affected, nullptr, 10) : 0;
    return rows;
  }

  PGconn* conn_;
  std::unordered_map<std::string, Prepared> statements_;
  uint64_t statement_counter_ = 0;
  std::string last_sqlstate_;  // of the last failed Execute
};

Result<std::unique_ptr<Connection>> Connect(const DatabaseUrl& url,
                                            const DatabaseOptions& options) {
  std::vector<std::string> keys = {
      "host",           "port", "dbname", "user", "password", "connect_timeout", "application_name",
      "client_encoding"};
  std::vector<std::string> values = {url.host,     std::to_string(url.port),
                                     url.database, url.user,
                                     url.password, std::to_string(options.connect_timeout_s),
                                     "sluice",     "UTF8"};
  for (const auto& [key, value] : url.params) {
    keys.push_back(key);
    values.push_back(value);
  }
  std::vector<const char*> key_ptrs, value_ptrs;
  for (size_t i = 0; i < keys.size(); ++i) {
    key_ptrs.push_back(keys[i].c_str());
    value_ptrs.push_back(values[i].c_str());
  }
  key_ptrs.push_back(nullptr);
  value_ptrs.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(key_ptrs.data(), value_ptrs.data(), 0);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string reason = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    if (!url.password.empty()) {
      for (size_t pos = reason.find(url.password); pos != std::string::npos;
           pos = reason.find(url.password)) {
        reason.replace(pos, url.password.size(), "***");
      }
    }
    PQfinish(conn);
    return Error(ErrorCode::STORE_UNAVAILABLE,
                 fmt::format("cannot connect to PostgreSQL at {}:{} as {}: {}", url.host, url.port,
                             url.user, reason),
                 "db");
  }
  // Server notices (e.g. "drop cascades to ...") are not errors; keep them out of stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(std::make_unique<PostgresConnection>(conn));
}

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgresDatabase(const DatabaseUrl& url,
                                                       const DatabaseOptions& options) {
  if (PQconninfoOption* defaults = PQconndefaults()) {
    std::string unknown;
    for (const auto& [key, value] : url.params) {
      bool known = false;
      for (const PQconninfoOption* option = defaults; option->keyword != nullptr; ++option) {
        known = known || key == option->keyword;
      }
      if (!known) {
        unknown = key;
        break;
      }
    }
    PQconninfoFree(defaults);
    if (!unknown.empty()) {
      return Error(ErrorCode::STORE_BAD_URL,
                   "the PostgreSQL URL has an unknown parameter '" + unknown.substr(0, 32) +
                       "' (it takes libpq connection keywords such as sslmode)",
                   "db");
    }
  }
  auto database = std::make_unique<PooledDatabase>(
      Dialect::kPostgres, [url, options] { return Connect(url, options); }, options.pool_size,
      "BEGIN");
  SLUICE_RETURN_IF_ERROR(database->Warm());
  // Text is exchanged as UTF-8; a database in another encoding would reject (or, as SQL_ASCII,
  // silently mangle) anything outside it. Refuse at start instead.
  SLUICE_ASSIGN_OR_RETURN(
      Rows encoding, database->Query("SELECT current_setting('server_encoding') AS encoding", {}));
  if (std::string name = encoding.Text(0, "encoding"); name != "UTF8") {
    return Error(ErrorCode::STORE_UNAVAILABLE,
                 fmt::format("the PostgreSQL database {} uses encoding {}; Sluice needs UTF8 "
                             "(CREATE DATABASE ... ENCODING 'UTF8')",
                             url.database, name),
                 "db");
  }
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace sluice::store
