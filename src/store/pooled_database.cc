#include "store/pooled_database.h"

#include <spdlog/spdlog.h>

namespace sluice::store {

PooledDatabase::PooledDatabase(Dialect dialect, ConnectionFactory factory, int max_connections,
                               std::string begin_sql)
    : dialect_(dialect),
      factory_(std::move(factory)),
      max_connections_(max_connections < 1 ? 1 : max_connections),
      begin_sql_(std::move(begin_sql)) {}

PooledDatabase::~PooledDatabase() = default;

Result<std::unique_ptr<Connection>> PooledDatabase::Acquire() {
  std::unique_lock lock(mu_);
  bool waited = false;
  while (idle_.empty() && open_ >= max_connections_) {
    waited = true;
    if (!available_.wait_for(lock, std::chrono::seconds(30),
                             [&] { return !idle_.empty() || open_ < max_connections_; })) {
      return Error(ErrorCode::STORE_UNAVAILABLE, "the store is busy; try again", "",
                   "timed out waiting for a pooled connection");
    }
  }
  if (waited) ++waits_;
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    ++in_use_;
    return connection;
  }
  ++open_;
  ++in_use_;
  lock.unlock();
  auto opened = factory_();
  if (!opened.ok()) {
    lock.lock();
    --open_;
    --in_use_;
    available_.notify_one();
    return std::move(opened).error();
  }
  return std::move(opened).value();
}

void PooledDatabase::Release(std::unique_ptr<Connection> connection, bool healthy) {
  std::lock_guard lock(mu_);
  --in_use_;
  if (healthy) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
  available_.notify_one();
}

Status PooledDatabase::Warm() {
  auto connection = Acquire();
  if (!connection.ok()) return std::move(connection).error();
  Release(std::move(connection).value(), true);
  return Status::Ok();
}

Result<Rows> PooledDatabase::Query(std::string_view sql, const std::vector<Value>& params) {
  auto connection = Acquire();
  if (!connection.ok()) return std::move(connection).error();
  auto result = (*connection)->Query(sql, params);
  bool healthy = result.ok() || result.error().code != ErrorCode::STORE_UNAVAILABLE;
  Release(std::move(connection).value(), healthy);
  return result;
}

Status PooledDatabase::Transaction(const std::function<Status(Connection&)>& work) {
  auto acquired = Acquire();
  if (!acquired.ok()) return std::move(acquired).error();
  std::unique_ptr<Connection> connection = std::move(acquired).value();
  auto begun = connection->Query(begin_sql_);
  if (!begun.ok()) {
    Release(std::move(connection), begun.error().code != ErrorCode::STORE_UNAVAILABLE);
    return std::move(begun).error();
  }
  Status outcome;
  try {
    outcome = work(*connection);
  } catch (...) {
    auto rolled_back = connection->Query("ROLLBACK");
    Release(std::move(connection), rolled_back.ok());
    throw;
  }
  if (outcome.ok()) {
    auto committed = connection->Query("COMMIT");
    if (!committed.ok()) {
      auto rolled_back = connection->Query("ROLLBACK");
      Release(std::move(connection), rolled_back.ok());
      return std::move(committed).error();
    }
    Release(std::move(connection), true);
    return Status::Ok();
  }
  auto rolled_back = connection->Query("ROLLBACK");
  if (!rolled_back.ok()) {
    spdlog::warn("store: rollback failed: {}", rolled_back.error().internal_detail);
  }
  Release(std::move(connection), rolled_back.ok());
  return outcome;
}

Status PooledDatabase::Ping() {
  auto result = Query("SELECT 1", {});
  if (!result.ok()) {
    return Error(ErrorCode::STORE_UNAVAILABLE, "the store does not answer", "",
                 result.error().internal_detail);
  }
  return Status::Ok();
}

PoolStats PooledDatabase::Stats() const {
  std::lock_guard lock(mu_);
  return PoolStats{open_, in_use_, max_connections_, waits_};
}

}  // namespace sluice::store
