// The store contract against real PostgreSQL and MariaDB servers (started by scripts/run-tests.sh,
// URLs in SLUICE_TEST_POSTGRES_URL and SLUICE_TEST_MYSQL_URL). The plain unit run excludes this
// suite (--gtest_filter=-ServerStore*); when it runs, a missing URL is a failure, not a skip.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "store/database.h"
#include "store/migrations.h"

namespace sluice::store {
namespace {

class ServerStore : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const char* url = std::getenv(GetParam());
    ASSERT_TRUE(url != nullptr && *url != '\0') << "set " << GetParam() << " to a database URL";
    auto db = OpenDatabase(url);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    // A fresh schema for every test.
    if (db_->dialect() == Dialect::kPostgres) {
      ASSERT_TRUE(db_->Query("DROP SCHEMA public CASCADE").ok());
      ASSERT_TRUE(db_->Query("CREATE SCHEMA public").ok());
    } else {
      auto tables = db_->Query(
          "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()");
      ASSERT_TRUE(tables.ok());
      Status dropped = db_->Transaction([&](Connection& c) -> Status {
        SLUICE_RETURN_IF_ERROR(c.ExecScript("SET FOREIGN_KEY_CHECKS = 0"));
        for (size_t i = 0; i < tables->size(); ++i) {
          SLUICE_RETURN_IF_ERROR(c.ExecScript("DROP TABLE `" + tables->Text(i, "t") + "`"));
        }
        return c.ExecScript("SET FOREIGN_KEY_CHECKS = 1");
      });
      ASSERT_TRUE(dropped.ok()) << dropped.error().internal_detail;
    }
  }
  std::unique_ptr<Database> db_;
  FakeClock clock_;
};

TEST_P(ServerStore, MigrationsApplyOnceAndTooNewIsRefused) {
  auto first = Migrate(*db_, SchemaMigrations(), clock_);
  ASSERT_TRUE(first.ok()) << first.error().internal_detail;
  EXPECT_EQ(first->applied, static_cast<int>(SchemaMigrations().size()));
  auto second = Migrate(*db_, SchemaMigrations(), clock_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->applied, 0);
  ASSERT_TRUE(db_->Query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                         {Value(int64_t{9999}), Value("future"), Value(int64_t{0})})
                  .ok());
  auto refused = Migrate(*db_, SchemaMigrations(), clock_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::STORE_SCHEMA_TOO_NEW);
}

TEST_P(ServerStore, ValuesRoundTripAndParametersAreNeverSpliced) {
  ASSERT_TRUE(db_->Transaction([](Connection& c) {
                   return c.ExecScript(RenderMigrationSql(
                       "CREATE TABLE t (id {{id}}, name VARCHAR(255) UNIQUE, body {{text}}, "
                       "n BIGINT NULL, r DOUBLE PRECISION NULL)",
                       c.dialect()));
                 }).ok());
  std::string hostile = "x'); DROP TABLE t; -- \" ? $1 \\ ünïcødé 漢字 🚀";
  std::string big(1 << 20, 'b');
  auto inserted = db_->Query("INSERT INTO t (name, body, n, r) VALUES (?, ?, ?, ?) RETURNING id",
                             {Value(hostile), Value(big), Value(int64_t{-1} << 40), Value(2.5)});
  ASSERT_TRUE(inserted.ok()) << inserted.error().internal_detail;
  int64_t id = inserted->Int(0, "id");
  EXPECT_GT(id, 0);
  auto null_row = db_->Query("INSERT INTO t (name, body, n, r) VALUES (?, ?, ?, ?) RETURNING id",
                             {Value("second"), Null(), Null(), Null()});
  ASSERT_TRUE(null_row.ok()) << null_row.error().internal_detail;
  auto rows = db_->Query("SELECT name, body, n, r FROM t WHERE id = ?", {Value(id)});
  ASSERT_TRUE(rows.ok()) << rows.error().internal_detail;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->Text(0, "name"), hostile);
  EXPECT_EQ(rows->Text(0, "body").size(), big.size());
  EXPECT_EQ(rows->Int(0, "n"), int64_t{-1} << 40);
  EXPECT_DOUBLE_EQ(std::get<double>(rows->rows[0][3]), 2.5);
  auto nulls = db_->Query("SELECT body, n FROM t WHERE name = ?", {Value("second")});
  ASSERT_TRUE(nulls.ok());
  EXPECT_TRUE(nulls->IsNull(0, "body"));
  EXPECT_TRUE(nulls->IsNull(0, "n"));
  auto updated = db_->Query("UPDATE t SET n = ? WHERE id > ?", {Value(int64_t{7}), Value(int64_t{0})});
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->affected, 2);
}

TEST_P(ServerStore, ConstraintViolationsAreTyped) {
  ASSERT_TRUE(Migrate(*db_, SchemaMigrations(), clock_).ok());
  auto user = [&](const char* name) {
    return db_->Query(
        "INSERT INTO users (username, password_hash, created_at, updated_at) VALUES (?, 'x', 0, 0)",
        {Value(name)});
  };
  ASSERT_TRUE(user("ann").ok());
  auto duplicate = user("ann");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::STORE_UNIQUE_VIOLATION);
  EXPECT_EQ(duplicate.error().message.find("ann"), std::string::npos) << "driver text stays inside";
  auto orphan = db_->Query(
      "INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (424242, 1, 'owner', 0)");
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, ErrorCode::STORE_CONSTRAINT_VIOLATION);
}

TEST_P(ServerStore, TransactionsCommitOrRollBackWhole) {
  ASSERT_TRUE(db_->Query("CREATE TABLE t (n BIGINT)").ok());
  Status failed = db_->Transaction([](Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(c.Query("INSERT INTO t (n) VALUES (?)", {Value(int64_t{1})}));
    return Error(ErrorCode::CONFLICT, "no");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(db_->Query("SELECT COUNT(*) AS c FROM t")->Int(0, "c"), 0);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        Status s = db_->Transaction([&](Connection& c) -> Status {
          SLUICE_RETURN_IF_ERROR(c.Query("INSERT INTO t (n) VALUES (?)", {Value(int64_t{t})}));
          return Status::Ok();
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(db_->Query("SELECT COUNT(*) AS c FROM t")->Int(0, "c"), 200);
  EXPECT_EQ(db_->Stats().in_use, 0);
  EXPECT_LE(db_->Stats().size, db_->Stats().max);
}

TEST_P(ServerStore, BadCredentialsFailAtOpenWithoutThePassword) {
  std::string url = std::getenv(GetParam());
  auto at = url.find('@');
  auto colon = url.find(':', url.find("://") + 3);
  std::string wrong = url.substr(0, colon + 1) + "wrong-secret-pw" + url.substr(at);
  auto db = OpenDatabase(wrong);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::STORE_UNAVAILABLE);
  EXPECT_EQ(db.error().message.find("wrong-secret-pw"), std::string::npos) << db.error().message;
}

INSTANTIATE_TEST_SUITE_P(Servers, ServerStore,
                         ::testing::Values("SLUICE_TEST_POSTGRES_URL", "SLUICE_TEST_MYSQL_URL"),
                         [](const auto& info) {
                           return std::string(info.param).find("POSTGRES") != std::string::npos
                                      ? std::string("PostgreSQL")
                                      : std::string("MariaDB");
                         });

}  // namespace
}  // namespace sluice::store
