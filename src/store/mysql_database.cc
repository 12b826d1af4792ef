#include "store/mysql_database.h"

#include <fmt/format.h>
#include <mysql.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "store/pooled_database.h"
#include "store/sql_text.h"

namespace sluice::store {
namespace {

Error MysqlError(unsigned code, const char* message, std::string_view sql) {
  std::string detail = fmt::format("mysql {}: {} in: {}", code, message, sql.substr(0, 200));
  switch (code) {
    case 1062:  // ER_DUP_ENTRY
    case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
      return Error(ErrorCode::STORE_UNIQUE_VIOLATION, "a record with this key already exists", "",
                   detail);
    case 1451:
    case 1452:
    case 1216:
    case 1217:
    case 1048:  // column cannot be null
    case 3819:
    case 4025:
      return Error(ErrorCode::STORE_CONSTRAINT_VIOLATION, "the change breaks a store constraint",
                   "", detail);
    case 2002:  // CR_CONNECTION_ERROR
    case 2003:  // CR_CONN_HOST_ERROR
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 1040:  // ER_CON_COUNT_ERROR: too many connections
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1927:  // ER_CONNECTION_KILLED
      return Error(ErrorCode::STORE_UNAVAILABLE, "the store is unavailable", "", detail);
    case 1205:  // ER_LOCK_WAIT_TIMEOUT
    case 1213:  // ER_LOCK_DEADLOCK (the server rolled the transaction back)
      return Error(ErrorCode::STORE_UNAVAILABLE, "the store is busy; try again", "", detail);
    default:
      return Error(ErrorCode::STORE_QUERY_FAILED, "a store query failed", "", detail);
  }
}

bool IsTransactionControl(std::string_view sql) {
  return sql == "START TRANSACTION" || sql == "BEGIN" || sql == "COMMIT" || sql == "ROLLBACK";
}

bool IsIntegerType(enum_field_types type) {
  return type == MYSQL_TYPE_TINY || type == MYSQL_TYPE_SHORT || type == MYSQL_TYPE_LONG ||
         type == MYSQL_TYPE_INT24 || type == MYSQL_TYPE_LONGLONG || type == MYSQL_TYPE_YEAR;
}

bool IsRealType(enum_field_types type) {
  return type == MYSQL_TYPE_FLOAT || type == MYSQL_TYPE_DOUBLE || type == MYSQL_TYPE_DECIMAL ||
         type == MYSQL_TYPE_NEWDECIMAL;
}

class MysqlConnection final : public Connection {
 public:
  explicit MysqlConnection(MYSQL* conn) : conn_(conn) {}
  ~MysqlConnection() override {
    for (auto& [sql, stmt] : statements_) mysql_stmt_close(stmt);
    mysql_close(conn_);
  }

  Dialect dialect() const override { return Dialect::kMysql; }

  Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override {
    auto result = Execute(sql, params);
    // CR_NEW_STMT_METADATA: the server prepared the statement again after a schema change and its
    // result columns differ from the cached statement's, which is now unusable. Prepare it again;
    // a SELECT has no effect, so it is safe to run it once more.
    if (!result.ok() && last_errno_ == kNewStatementMetadata) {
      Forget(std::string(sql));
      if (IsSelect(sql)) result = Execute(sql, params);
    }
    return result;
  }

  // Some failures (e.g. a duplicate key in INSERT ... RETURNING) are reported on the connection
  // rather than the statement.
  Error StatementError(MYSQL_STMT* stmt, std::string_view sql) {
    if (mysql_stmt_errno(stmt) != 0) {
      last_errno_ = mysql_stmt_errno(stmt);
      return MysqlError(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), sql);
    }
    last_errno_ = mysql_errno(conn_);
    return MysqlError(mysql_errno(conn_), mysql_error(conn_), sql);
  }

  Status ExecScript(std::string_view sql) override {
    for (const std::string& statement : SplitStatements(sql)) {
      if (mysql_real_query(conn_, statement.data(), statement.size()) != 0) {
        return MysqlError(mysql_errno(conn_), mysql_error(conn_), statement);
      }
      // Drain any result so the connection is ready for the next statement.
      if (MYSQL_RES* result = mysql_store_result(conn_)) mysql_free_result(result);
    }
    return Status::Ok();
  }

 private:
  static constexpr unsigned kNewStatementMetadata = 2057;  // CR_NEW_STMT_METADATA
  static constexpr size_t kMaxStatements = 256;

  static bool IsSelect(std::string_view sql) {
    size_t start = sql.find_first_not_of(" \t\r\n(");
    if (start == std::string_view::npos || sql.size() - start < 6) return false;
    std::string word(sql.substr(start, 6));
    for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return word == "SELECT";
  }

  void Forget(const std::string& key) {
    auto it = statements_.find(key);
    if (it == statements_.end()) return;
    mysql_stmt_close(it->second);
    statements_.erase(it);
  }

  Result<Rows> Execute(std::string_view sql, const std::vector<Value>& params) {
    last_errno_ = 0;
    if (params.empty() && IsTransactionControl(sql)) {
      std::string text(sql);
      if (mysql_real_query(conn_, text.data(), text.size()) != 0) {
        return MysqlError(mysql_errno(conn_), mysql_error(conn_), sql);
      }
      return Rows{};
    }
    SLUICE_ASSIGN_OR_RETURN(MYSQL_STMT * stmt, Prepare(sql));
    struct Resetter {
      MYSQL_STMT* s;
      ~Resetter() {
        mysql_stmt_free_result(s);
        mysql_stmt_reset(s);
      }
    } resetter{stmt};
    if (mysql_stmt_param_count(stmt) != params.size()) {
      return Error(ErrorCode::STORE_QUERY_FAILED, "a store query failed", "",
                   fmt::format("{} parameters for {} placeholders in: {}", params.size(),
                               mysql_stmt_param_count(stmt), sql.substr(0, 200)));
    }
    std::vector<MYSQL_BIND> binds(params.size());
    std::vector<long long> ints(params.size());
    std::vector<double> reals(params.size());
    std::vector<unsigned long> lengths(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      MYSQL_BIND& bind = binds[i];
      std::memset(&bind, 0, sizeof(bind));
      if (std::holds_alternative<std::monostate>(params[i])) {
        bind.buffer_type = MYSQL_TYPE_NULL;
      } else if (const auto* n = std::get_if<int64_t>(&params[i])) {
        ints[i] = *n;
        bind.buffer_type = MYSQL_TYPE_LONGLONG;
        bind.buffer = &ints[i];
      } else if (const auto* d = std::get_if<double>(&params[i])) {
        reals[i] = *d;
        bind.buffer_type = MYSQL_TYPE_DOUBLE;
        bind.buffer = &reals[i];
      } else {
        const auto& s = std::get<std::string>(params[i]);
        lengths[i] = s.size();
        bind.buffer_type = MYSQL_TYPE_STRING;
        bind.buffer = const_cast<char*>(s.data());
        bind.buffer_length = s.size();
        bind.length = &lengths[i];
      }
    }
    if (!binds.empty() && mysql_stmt_bind_param(stmt, binds.data()) != 0) {
      return StatementError(stmt, sql);
    }
    if (mysql_stmt_execute(stmt) != 0) {
      return StatementError(stmt, sql);
    }
    Rows rows;
    MYSQL_RES* meta = mysql_stmt_result_metadata(stmt);
    if (meta == nullptr) {
      rows.affected = static_cast<int64_t>(mysql_stmt_affected_rows(stmt));
      return rows;
    }
    struct MetaGuard {
      MYSQL_RES* m;
      ~MetaGuard() { mysql_free_result(m); }
    } meta_guard{meta};
    unsigned columns = mysql_num_fields(meta);
    MYSQL_FIELD* fields = mysql_fetch_fields(meta);
    for (unsigned c = 0; c < columns; ++c) rows.columns.emplace_back(fields[c].name);
    // Every column is fetched as text into a small buffer; longer values are fetched again.
    constexpr size_t kBuffer = 256;
    std::vector<std::vector<char>> buffers(columns, std::vector<char>(kBuffer));
    std::vector<unsigned long> out_lengths(columns);
    std::vector<my_bool> nulls(columns), errors(columns);
    std::vector<MYSQL_BIND> results(columns);
    for (unsigned c = 0; c < columns; ++c) {
      std::memset(&results[c], 0, sizeof(MYSQL_BIND));
      results[c].buffer_type = MYSQL_TYPE_STRING;
      results[c].buffer = buffers[c].data();
      results[c].buffer_length = kBuffer;
      results[c].length = &out_lengths[c];
      results[c].is_null = &nulls[c];
      results[c].error = &errors[c];
    }
    if (mysql_stmt_bind_result(stmt, results.data()) != 0) {
      return StatementError(stmt, sql);
    }
    while (true) {
      int rc = mysql_stmt_fetch(stmt);
      if (rc == MYSQL_NO_DATA) break;
      if (rc == 1) return StatementError(stmt, sql);
      std::vector<Value> row;
      row.reserve(columns);
      for (unsigned c = 0; c < columns; ++c) {
        if (nulls[c]) {
          row.emplace_back(std::monostate{});
          continue;
        }
        std::string text;
        if (out_lengths[c] > kBuffer) {
          text.resize(out_lengths[c]);
          MYSQL_BIND again;
          std::memset(&again, 0, sizeof(again));
          again.buffer_type = MYSQL_TYPE_STRING;
          again.buffer = text.data();
          again.buffer_length = text.size();
          unsigned long got = 0;
          again.length = &got;
          if (mysql_stmt_fetch_column(stmt, &again, c, 0) != 0) {
            return StatementError(stmt, sql);
          }
        } else {
          text.assign(buffers[c].data(), out_lengths[c]);
        }
        if (IsIntegerType(fields[c].type)) {
          row.emplace_back(static_cast<int64_t>(std::strtoll(text.c_str(), nullptr, 10)));
        } else if (IsRealType(fields[c].type)) {
          row.emplace_back(std::strtod(text.c_str(), nullptr));
        } else {
          row.emplace_back(std::move(text));
        }
      }
      rows.rows.push_back(std::move(row));
    }
    rows.affected = static_cast<int64_t>(rows.rows.size());
    return rows;
  }

  Result<MYSQL_STMT*> Prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = statements_.find(key); it != statements_.end()) return it->second;
    MYSQL_STMT* stmt = mysql_stmt_init(conn_);
    if (stmt == nullptr) return MysqlError(mysql_errno(conn_), mysql_error(conn_), sql);
    if (mysql_stmt_prepare(stmt, key.data(), key.size()) != 0) {
      Error error = MysqlError(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), sql);
      mysql_stmt_close(stmt);
      return error;
    }
    if (statements_.size() >= kMaxStatements) {
      for (auto& [unused, old] : statements_) mysql_stmt_close(old);
      statements_.clear();
    }
    statements_.emplace(std::move(key), stmt);
    return stmt;
  }

  MYSQL* conn_;
  std::unordered_map<std::string, MYSQL_STMT*> statements_;
  unsigned last_errno_ = 0;  // of the last failed Execute
};

// Each connection's session: UTC, strict mode, standard string literals ('\' is an ordinary
// character, as on PostgreSQL and SQLite), `||` concatenates, READ COMMITTED.
constexpr const char* kSessionSetup[] = {
    "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES,PIPES_AS_CONCAT'",
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
};

Result<std::unique_ptr<Connection>> Connect(const DatabaseUrl& url,
                                            const DatabaseOptions& options) {
  // mysql_init initialises the library on first use, which is not thread-safe; pools open
  // connections from many threads.
  static std::once_flag library_once;
  std::call_once(library_once, [] { mysql_library_init(0, nullptr, nullptr); });
  MYSQL* conn = mysql_init(nullptr);
  if (conn == nullptr) {
    return Error(ErrorCode::STORE_UNAVAILABLE, "cannot connect to MySQL: out of memory", "db");
  }
  unsigned timeout = static_cast<unsigned>(options.connect_timeout_s);
  mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  for (const char* command : kSessionSetup) mysql_options(conn, MYSQL_INIT_COMMAND, command);
  // CLIENT_FOUND_ROWS: UPDATE reports the rows it matched, not only those it changed, as
  // PostgreSQL and SQLite do (callers read affected == 0 as "no such row").
  if (mysql_real_connect(conn, url.host.c_str(), url.user.c_str(), url.password.c_str(),
                         url.database.c_str(), static_cast<unsigned>(url.port), nullptr,
                         CLIENT_FOUND_ROWS) == nullptr) {
    std::string reason = mysql_error(conn);
    mysql_close(conn);
    if (!url.password.empty()) {
      for (size_t pos = reason.find(url.password); pos != std::string::npos;
           pos = reason.find(url.password)) {
        reason.replace(pos, url.password.size(), "***");
      }
    }
    return Error(ErrorCode::STORE_UNAVAILABLE,
                 fmt::format("cannot connect to MySQL at {}:{} as {}: {}", url.host, url.port,
                             url.user, reason),
                 "db");
  }
  return std::unique_ptr<Connection>(std::make_unique<MysqlConnection>(conn));
}

// "10.11.6-MariaDB-0+deb12u1" -> {10, 11}; {0, 0} when it does not parse.
std::pair<int, int> MajorMinor(const std::string& version) {
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2) return {0, 0};
  return {major, minor};
}

}  // namespace

Result<std::unique_ptr<Database>> OpenMysqlDatabase(const DatabaseUrl& url,
                                                    const DatabaseOptions& options) {
  if (!url.params.empty()) {
    // Nothing is silently ignored (a URL asking for TLS must not quietly connect without it).
    return Error(ErrorCode::STORE_BAD_URL,
                 "the MySQL URL takes no query parameters (got '" +
                     url.params.begin()->first.substr(0, 32) + "')",
                 "db");
  }
  auto database = std::make_unique<PooledDatabase>(
      Dialect::kMysql, [url, options] { return Connect(url, options); }, options.pool_size,
      "START TRANSACTION");
  SLUICE_RETURN_IF_ERROR(database->Warm());
  SLUICE_ASSIGN_OR_RETURN(
      Rows server, database->Query("SELECT VERSION() AS version, @@character_set_database AS "
                                   "charset, @@collation_database AS collation",
                                   {}));
  std::string version = server.Text(0, "version");
  // Portable SQL uses INSERT ... RETURNING, which MySQL lacks and MariaDB has since 10.5.
  if (version.find("MariaDB") == std::string::npos || MajorMinor(version) < std::pair(10, 5)) {
    return Error(ErrorCode::STORE_UNAVAILABLE,
                 fmt::format("the server at {}:{} is {}; Sluice needs MariaDB 10.5 or newer "
                             "(MySQL lacks INSERT ... RETURNING)",
                             url.host, url.port, version),
                 "db");
  }
  if (std::string charset = server.Text(0, "charset"); charset != "utf8mb4") {
    return Error(ErrorCode::STORE_UNAVAILABLE,
                 fmt::format("the MySQL database {} uses character set {}; Sluice needs utf8mb4 "
                             "(ALTER DATABASE `{}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)",
                             url.database, charset, url.database),
                 "db");
  }
  if (std::string collation = server.Text(0, "collation"); collation != "utf8mb4_bin") {
    spdlog::warn(
        "store: the MySQL database {} uses collation {}: names that differ only in "
        "case or trailing spaces count as equal there (utf8mb4_bin compares exactly, "
        "like PostgreSQL and SQLite)",
        url.database, collation);
  }
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace sluice::store
