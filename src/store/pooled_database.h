// A Database built from a connection factory: the pool, transactions and statistics shared by
// every backend. Backends only implement Connection.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "store/database.h"

namespace sluice::store {

using ConnectionFactory = std::function<Result<std::unique_ptr<Connection>>()>;

class PooledDatabase final : public Database {
 public:
  // `max_connections` >= 1. `begin_sql` starts a transaction ("BEGIN IMMEDIATE" on SQLite).
  PooledDatabase(Dialect dialect, ConnectionFactory factory, int max_connections,
                 std::string begin_sql);
  ~PooledDatabase() override;

  Dialect dialect() const override { return dialect_; }
  Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override;
  Status Transaction(const std::function<Status(Connection&)>& work) override;
  Status Ping() override;
  PoolStats Stats() const override;

  // Opens one connection now so that a bad URL or password fails at start, not at first use.
  Status Warm();

 private:
  // Borrows a connection, opening one when below the limit, else waiting for one.
  Result<std::unique_ptr<Connection>> Acquire();
  // Returns a connection; `healthy` false drops it (it failed with STORE_UNAVAILABLE).
  void Release(std::unique_ptr<Connection> connection, bool healthy);

  const Dialect dialect_;
  const ConnectionFactory factory_;
  const int max_connections_;
  const std::string begin_sql_;

  mutable std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                   // guarded by mu_
  int in_use_ = 0;                                 // guarded by mu_
  int64_t waits_ = 0;                              // guarded by mu_
};

}  // namespace sluice::store
