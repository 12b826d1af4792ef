#include "store/mysql_database.h"

#include <fmt/format.h>
#include <mysql.h>

#include <cstdlib>
#include <cstring>
#include <unordered_map>

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
    case 2002:
    case 2003:
    case 2006:
    case 2013:
    case 2055:
    case 1040:  // too many connections
    case 1205:  // lock wait timeout
    case 1213:  // deadlock
      return Error(ErrorCode::STORE_UNAVAILABLE, "the store is unavailable", "", detail);
    default:
      return Error(ErrorCode::STORE_QUERY_FAILED, "a store query failed", "", detail);
  }
}

bool IsTransactionControl(std::string_view sql) {
  return sql == "START TRANSACTION" || sql == "BEGIN" || sql == "COMMIT" || sql == "ROLLBACK";
}

bool IsIntegerType(enum_field_types type) {
  return type == MYSQL_TYPE_TINY || type == MYSQL_TYPE_SHORT || type == MYSQL_TYPE_LONG ||
         type == MYSQL_TYPE_INT24 || type == MYSQL_TYPE_LONGLONG || type == MYSQL_TYPE_YEAR ||
         type == MYSQL_TYPE_BIT;
}

bool IsRealType(enum_field_types type) {
  return type == MYSQL_TYPE_FLOAT || type == MYSQL_TYPE_DOUBLE ||
         type == MYSQL_TYPE_DECIMAL || type == MYSQL_TYPE_NEWDECIMAL;
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

  // Some failures (e.g. a duplicate key in INSERT ... RETURNING) are reported on the connection
  // rather than the statement.
  Error StatementError(MYSQL_STMT* stmt, std::string_view sql) {
    if (mysql_stmt_errno(stmt) != 0) {
      return MysqlError(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), sql);
    }
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
    if (statements_.size() > 256) {
      for (auto& [unused, old] : statements_) mysql_stmt_close(old);
      statements_.clear();
    }
    statements_.emplace(std::move(key), stmt);
    return stmt;
  }

  MYSQL* conn_;
  std::unordered_map<std::string, MYSQL_STMT*> statements_;
};

Result<std::unique_ptr<Connection>> Connect(const DatabaseUrl& url,
                                            const DatabaseOptions& options) {
  MYSQL* conn = mysql_init(nullptr);
  if (conn == nullptr) {
    return Error(ErrorCode::STORE_UNAVAILABLE, "cannot connect to MySQL: out of memory", "db");
  }
  unsigned timeout = static_cast<unsigned>(options.connect_timeout_s);
  mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_options(conn, MYSQL_INIT_COMMAND,
                "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
                "NO_ENGINE_SUBSTITUTION', tx_isolation = 'READ-COMMITTED'");
  if (mysql_real_connect(conn, url.host.c_str(), url.user.c_str(), url.password.c_str(),
                         url.database.c_str(), static_cast<unsigned>(url.port), nullptr,
                         0) == nullptr) {
    std::string reason = mysql_error(conn);
    mysql_close(conn);
    return Error(ErrorCode::STORE_UNAVAILABLE,
                 fmt::format("cannot connect to MySQL at {}:{} as {}: {}", url.host, url.port,
                             url.user, reason),
                 "db");
  }
  return std::unique_ptr<Connection>(std::make_unique<MysqlConnection>(conn));
}

}  // namespace

Result<std::unique_ptr<Database>> OpenMysqlDatabase(const DatabaseUrl& url,
                                                    const DatabaseOptions& options) {
  auto database = std::make_unique<PooledDatabase>(
      Dialect::kMysql, [url, options] { return Connect(url, options); }, options.pool_size,
      "START TRANSACTION");
  SLUICE_RETURN_IF_ERROR(database->Warm());
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace sluice::store
