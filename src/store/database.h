// The store: one interface over SQLite, PostgreSQL and MySQL/MariaDB.
//
// SQL is written once with `?` placeholders; each backend adapts it (PostgreSQL gets $1, $2, ...).
// Values are bound, never spliced into SQL text. Write portable SQL: INSERT ... RETURNING id works
// on all three (SQLite >= 3.35, MariaDB >= 10.5), LIMIT ? OFFSET ? too. Times are stored as
// BIGINT Unix milliseconds.
//
// Thread-safety: a Database is safe for concurrent use; a Connection is used by one thread at a
// time (the pool hands each out to one caller).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace sluice::store {

enum class Dialect { kSqlite, kPostgres, kMysql };
std::string_view DialectName(Dialect dialect);

// A bound parameter or a column value. NULL is std::monostate.
using Value = std::variant<std::monostate, int64_t, double, std::string>;
inline Value Null() { return std::monostate{}; }

// A query's rows. Column values are already converted: integers to int64_t, reals to double,
// everything else to std::string, NULL to std::monostate.
struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE

  bool empty() const { return rows.empty(); }
  size_t size() const { return rows.size(); }
  // Index of a column by name; -1 when absent.
  int ColumnIndex(std::string_view name) const;
  // Typed reads of row `row`, column `name`. Integers stored as text and text holding a number are
  // converted; NULL reads as 0 / "" (use IsNull to tell).
  int64_t Int(size_t row, std::string_view name) const;
  std::string Text(size_t row, std::string_view name) const;
  bool IsNull(size_t row, std::string_view name) const;
  std::optional<int64_t> OptionalInt(size_t row, std::string_view name) const;
};

// One connection to the database, borrowed from the pool.
class Connection {
 public:
  virtual ~Connection() = default;
  // Runs one statement with `?` placeholders bound to `params` in order.
  // Errors: STORE_UNIQUE_VIOLATION for a duplicate key, STORE_CONSTRAINT_VIOLATION for a foreign
  // key or check failure, STORE_UNAVAILABLE when the connection is gone, STORE_QUERY_FAILED
  // otherwise. The driver's message goes to Error::internal_detail, never to Error::message.
  virtual Result<Rows> Query(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs a script of statements without parameters (migrations). Same errors as Query.
  virtual Status ExecScript(std::string_view sql) = 0;
  virtual Dialect dialect() const = 0;
};

struct PoolStats {
  int size = 0;       // connections open
  int in_use = 0;     // borrowed right now
  int max = 0;        // upper bound
  int64_t waits = 0;  // borrows that had to wait for a free connection
};

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;

  // Runs one statement on a pooled connection in autocommit mode.
  virtual Result<Rows> Query(std::string_view sql, const std::vector<Value>& params = {}) = 0;

  // Runs `work` in one transaction on one pooled connection: commits when it returns OK, rolls
  // back when it returns an error (which is passed through) or throws (rethrown). A failed commit
  // returns its error. On SQLite the transaction takes the write lock up front (BEGIN IMMEDIATE)
  // so concurrent writers wait on the busy timeout instead of failing.
  virtual Status Transaction(const std::function<Status(Connection&)>& work) = 0;

  // Checks that the database answers (SELECT 1). STORE_UNAVAILABLE when not.
  virtual Status Ping() = 0;
  virtual PoolStats Stats() const = 0;
};

struct DatabaseOptions {
  int pool_size = 8;           // server databases: connections at most
  int busy_timeout_ms = 5000;  // SQLite: wait this long for a lock
  int connect_timeout_s = 5;
};

// Opens the database named by `url`:
//   sqlite:///abs/path/file.db, sqlite://relative/file.db or a plain path ending in .db;
//   postgresql://user:pass@host:port/db (also postgres://);
//   mysql://user:pass@host:port/db (also mariadb://).
// STORE_BAD_URL for an unknown scheme or malformed URL; STORE_UNAVAILABLE when it cannot connect.
Result<std::unique_ptr<Database>> OpenDatabase(std::string_view url,
                                               const DatabaseOptions& options = {});

}  // namespace sluice::store
