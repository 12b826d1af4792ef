#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "store/database.h"
#include "store/database_url.h"
#include "store/migrations.h"

namespace sluice::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sluice-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = OpenDatabase("sqlite://" + (dir_ / "test.db").string());
    ASSERT_TRUE(db.ok()) << db.error().internal_detail;
    db_ = std::move(db).value();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
  FakeClock clock_;
};

TEST_F(SqliteStoreTest, MigrationsApplyOnceAndAreRecorded) {
  auto first = Migrate(*db_, SchemaMigrations(), clock_);
  ASSERT_TRUE(first.ok()) << first.error().internal_detail;
  EXPECT_EQ(first->from_version, 0);
  EXPECT_EQ(first->to_version, SchemaMigrations().back().version);
  EXPECT_EQ(first->applied, static_cast<int>(SchemaMigrations().size()));
  auto second = Migrate(*db_, SchemaMigrations(), clock_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->applied, 0);
  auto rows = db_->Query("SELECT COUNT(*) AS n FROM schema_migrations");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int(0, "n"), static_cast<int64_t>(SchemaMigrations().size()));
}

TEST_F(SqliteStoreTest, SchemaNewerThanProgramIsRefused) {
  ASSERT_TRUE(Migrate(*db_, SchemaMigrations(), clock_).ok());
  ASSERT_TRUE(db_->Query("INSERT INTO schema_migrations (version, name, applied_at) VALUES "
                         "(9999, 'from the future', 0)")
                  .ok());
  auto again = Migrate(*db_, SchemaMigrations(), clock_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::STORE_SCHEMA_TOO_NEW);
  EXPECT_NE(again.error().message.find("9999"), std::string::npos);
}

TEST_F(SqliteStoreTest, FailedMigrationLeavesNothingBehind) {
  std::vector<Migration> migrations = {
      {1, "good", "CREATE TABLE a (id {{id}})"},
      {2, "bad", "CREATE TABLE b (id {{id}}); CREATE TABLE broken ("},
  };
  auto result = Migrate(*db_, migrations, clock_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::STORE_MIGRATION_FAILED);
  EXPECT_EQ(SchemaVersion(*db_).value(), 1);
  // Table b was created inside the failed migration's transaction: it must be gone.
  EXPECT_FALSE(db_->Query("SELECT * FROM b").ok());
}

TEST_F(SqliteStoreTest, ParametersAreBoundNeverSpliced) {
  ASSERT_TRUE(db_->Query("CREATE TABLE t (id {{id}}, name VARCHAR(64) UNIQUE)").ok() == false);
  ASSERT_TRUE(db_->Query("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(64) UNIQUE)").ok());
  std::string hostile = "x'); DROP TABLE t; --";
  auto inserted = db_->Query("INSERT INTO t (name) VALUES (?) RETURNING id", {Value(hostile)});
  ASSERT_TRUE(inserted.ok());
  auto rows = db_->Query("SELECT name FROM t WHERE id = ?", {Value(inserted->Int(0, "id"))});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Text(0, "name"), hostile);
}

TEST_F(SqliteStoreTest, UniqueViolationIsReportedAsSuch) {
  ASSERT_TRUE(db_->Query("CREATE TABLE t (name VARCHAR(64) UNIQUE)").ok());
  ASSERT_TRUE(db_->Query("INSERT INTO t (name) VALUES (?)", {Value("a")}).ok());
  auto duplicate = db_->Query("INSERT INTO t (name) VALUES (?)", {Value("a")});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::STORE_UNIQUE_VIOLATION);
  EXPECT_EQ(duplicate.error().message.find("UNIQUE"), std::string::npos)
      << "driver text must stay internal";
}

TEST_F(SqliteStoreTest, ForeignKeysAreEnforced) {
  ASSERT_TRUE(Migrate(*db_, SchemaMigrations(), clock_).ok());
  auto orphan = db_->Query(
      "INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (1, 1, 'owner', 0)");
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, ErrorCode::STORE_CONSTRAINT_VIOLATION);
}

TEST_F(SqliteStoreTest, TransactionRollsBackOnError) {
  ASSERT_TRUE(db_->Query("CREATE TABLE t (n INTEGER)").ok());
  Status status = db_->Transaction([](Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(c.Query("INSERT INTO t (n) VALUES (1)"));
    return Error(ErrorCode::CONFLICT, "changed my mind");
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::CONFLICT);
  EXPECT_EQ(db_->Query("SELECT COUNT(*) AS n FROM t")->Int(0, "n"), 0);
}

TEST_F(SqliteStoreTest, ConcurrentWritersAllCommit) {
  ASSERT_TRUE(db_->Query("CREATE TABLE t (n INTEGER)").ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
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
  EXPECT_EQ(db_->Query("SELECT COUNT(*) AS n FROM t")->Int(0, "n"), 200);
  PoolStats stats = db_->Stats();
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_LE(stats.size, stats.max);
}

TEST(DatabaseUrl, ParsesEachKind) {
  auto pg = ParseDatabaseUrl("postgresql://sluice:p%40ss@127.0.0.1:55432/sluice?sslmode=disable");
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(pg->dialect, Dialect::kPostgres);
  EXPECT_EQ(pg->user, "sluice");
  EXPECT_EQ(pg->password, "p@ss");
  EXPECT_EQ(pg->host, "127.0.0.1");
  EXPECT_EQ(pg->port, 55432);
  EXPECT_EQ(pg->database, "sluice");
  EXPECT_EQ(pg->params.at("sslmode"), "disable");
  auto my = ParseDatabaseUrl("mysql://root@localhost/app");
  ASSERT_TRUE(my.ok());
  EXPECT_EQ(my->dialect, Dialect::kMysql);
  EXPECT_EQ(my->port, 3306);
  auto lite = ParseDatabaseUrl("sqlite:///tmp/x.db");
  ASSERT_TRUE(lite.ok());
  EXPECT_EQ(lite->path, "/tmp/x.db");
  EXPECT_EQ(ParseDatabaseUrl("var/sluice.db")->path, "var/sluice.db");
}

TEST(DatabaseUrl, BadUrlsNameTheProblemWithoutThePassword) {
  for (const char* bad : {"", "oracle://x/y", "postgresql://u:secret@h:99999/db",
                          "postgresql://u:secret@/db", "mysql://u:secret@h:3306/", "nonsense"}) {
    auto parsed = ParseDatabaseUrl(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::STORE_BAD_URL);
    EXPECT_EQ(parsed.error().message.find("secret"), std::string::npos);
  }
}

}  // namespace
}  // namespace sluice::store
