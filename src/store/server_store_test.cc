// The store contract against real PostgreSQL and MariaDB servers (started by scripts/run-tests.sh,
// URLs in SLUICE_TEST_POSTGRES_URL and SLUICE_TEST_MYSQL_URL, e.g. the output of
// `scripts/db/postgres.sh start DIR PORT` and `scripts/db/mariadb.sh start DIR PORT`).
//
// Every test is named ServerStore/ServerStoreTest.<Test>/<PostgreSQL|MariaDB>, so the plain unit
// run excludes the suite with --gtest_filter=-ServerStore* (or -*ServerStore*) and the stage with
// servers runs it with --gtest_filter=ServerStore*. When it runs, a missing URL is a failure, not a
// skip. Each test starts from an empty database: it drops everything the previous test left.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <thread>

#include "store/database.h"
#include "store/migrations.h"

namespace sluice::store {
namespace {

// The URL in environment variable `variable`, or "" when it is unset or empty.
std::string UrlFrom(const char* variable) {
  const char* url = std::getenv(variable);
  return url != nullptr ? std::string(url) : std::string();
}

// Empties the database `url` names: PostgreSQL gets a new `public` schema; MariaDB's database is
// dropped and created again with its character set and collation. Runs on a private one-connection
// pool that is closed afterwards, so no session state or cached statement survives.
Status ResetDatabase(const std::string& url) {
  DatabaseOptions one;
  one.pool_size = 1;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenDatabase(url, one));
  if (db->dialect() == Dialect::kPostgres) {
    return db->Transaction([](Connection& c) {
      return c.ExecScript("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public");
    });
  }
  SLUICE_ASSIGN_OR_RETURN(
      Rows schema, db->Query("SELECT SCHEMA_NAME AS name, DEFAULT_CHARACTER_SET_NAME AS charset, "
                             "DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA "
                             "WHERE SCHEMA_NAME = DATABASE()"));
  if (schema.size() != 1) {
    return Error(ErrorCode::INTERNAL, "the MariaDB URL names no existing database");
  }
  std::string name = schema.Text(0, "name");
  if (name.find('`') != std::string::npos) {
    return Error(ErrorCode::INTERNAL, "the test database name must not contain a backquote");
  }
  return db->Transaction([&](Connection& c) {
    // DROP/CREATE DATABASE commit implicitly; the transaction only pins the connection.
    return c.ExecScript("DROP DATABASE `" + name + "`; CREATE DATABASE `" + name +
                        "` CHARACTER SET " + schema.Text(0, "charset") + " COLLATE " +
                        schema.Text(0, "collation") + "; USE `" + name + "`");
  });
}

class ServerStoreTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    url_ = UrlFrom(GetParam());
    ASSERT_FALSE(url_.empty()) << "set " << GetParam()
                               << " to a database URL (see scripts/db/*.sh), or exclude this "
                                  "suite with --gtest_filter=-ServerStore*";
    Status reset = ResetDatabase(url_);
    ASSERT_TRUE(reset.ok()) << reset.error().message << " / " << reset.error().internal_detail;
    auto db = OpenDatabase(url_);
    ASSERT_TRUE(db.ok()) << db.error().message << " / " << db.error().internal_detail;
    db_ = std::move(db).value();
  }

  // Opens another Database on the same server (for tests that need a pool of one).
  std::unique_ptr<Database> Open(int pool_size) {
    DatabaseOptions options;
    options.pool_size = pool_size;
    auto db = OpenDatabase(url_, options);
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // Runs a one-table script (placeholders rendered) in a transaction.
  void CreateTable(std::string_view sql) {
    Status created = db_->Transaction(
        [&](Connection& c) { return c.ExecScript(RenderMigrationSql(sql, c.dialect())); });
    ASSERT_TRUE(created.ok()) << created.error().internal_detail;
  }

  bool IsPostgres() const { return db_->dialect() == Dialect::kPostgres; }

  std::string url_;
  std::unique_ptr<Database> db_;
  FakeClock clock_;
};

TEST_P(ServerStoreTest, OpenChecksTheServer) {
  EXPECT_EQ(db_->dialect(), std::string(GetParam()).find("POSTGRES") != std::string::npos
                                ? Dialect::kPostgres
                                : Dialect::kMysql);
  EXPECT_TRUE(db_->Ping().ok());
  PoolStats stats = db_->Stats();
  EXPECT_EQ(stats.size, 1) << "Open warms exactly one connection";
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.max, DatabaseOptions().pool_size);
}

TEST_P(ServerStoreTest, MigrationsApplyOnceAndTooNewIsRefused) {
  auto first = Migrate(*db_, SchemaMigrations(), clock_);
  ASSERT_TRUE(first.ok()) << first.error().internal_detail;
  EXPECT_EQ(first->from_version, 0);
  EXPECT_EQ(first->to_version, SchemaMigrations().back().version);
  EXPECT_EQ(first->applied, static_cast<int>(SchemaMigrations().size()));
  auto second = Migrate(*db_, SchemaMigrations(), clock_);
  ASSERT_TRUE(second.ok()) << second.error().internal_detail;
  EXPECT_EQ(second->applied, 0);
  EXPECT_EQ(db_->Query("SELECT COUNT(*) AS n FROM schema_migrations")->Int(0, "n"),
            static_cast<int64_t>(SchemaMigrations().size()));
  ASSERT_TRUE(
      db_->Query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                 {Value(int64_t{9999}), Value("future"), Value(int64_t{0})})
          .ok());
  auto refused = Migrate(*db_, SchemaMigrations(), clock_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::STORE_SCHEMA_TOO_NEW);
  EXPECT_NE(refused.error().message.find("9999"), std::string::npos) << refused.error().message;
}

TEST_P(ServerStoreTest, FailedMigrationIsNotRecorded) {
  std::vector<Migration> migrations = {
      {1, "good", "CREATE TABLE a (id {{id}})"},
      {2, "bad", "CREATE TABLE b (id {{id}}); CREATE TABLE broken ("},
  };
  auto result = Migrate(*db_, migrations, clock_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::STORE_MIGRATION_FAILED);
  EXPECT_EQ(SchemaVersion(*db_).value(), 1);
  EXPECT_TRUE(db_->Query("SELECT * FROM a").ok());
  if (IsPostgres()) {
    // PostgreSQL DDL is transactional: table b went with the failed migration.
    EXPECT_FALSE(db_->Query("SELECT * FROM b").ok());
  }
  // Either way the fixed migration applies afterwards (on MariaDB b was committed implicitly,
  // which is why migrations use IF NOT EXISTS there).
  migrations[1].sql = "CREATE TABLE IF NOT EXISTS b (id {{id}})";
  auto fixed = Migrate(*db_, migrations, clock_);
  ASSERT_TRUE(fixed.ok()) << fixed.error().internal_detail;
  EXPECT_EQ(fixed->applied, 1);
  EXPECT_EQ(SchemaVersion(*db_).value(), 2);
}

TEST_P(ServerStoreTest, InterruptedSchemaMigrationResumes) {
  // A crash in the middle of migration 1 on MariaDB leaves its first tables behind (DDL commits
  // implicitly) without the schema_migrations row; the next start must finish the job.
  const Migration& first = SchemaMigrations().front();
  std::string script = RenderMigrationSql(first.sql, db_->dialect());
  std::string first_statement = script.substr(0, script.find(';'));
  ASSERT_TRUE(db_->Query(first_statement).ok()) << first_statement;
  auto resumed = Migrate(*db_, SchemaMigrations(), clock_);
  ASSERT_TRUE(resumed.ok()) << resumed.error().internal_detail;
  EXPECT_EQ(resumed->applied, static_cast<int>(SchemaMigrations().size()));
}

TEST_P(ServerStoreTest, ValuesRoundTripAndParametersAreNeverSpliced) {
  CreateTable(
      "CREATE TABLE t (id {{id}}, name VARCHAR(255) UNIQUE, body {{text}}, n BIGINT NULL, "
      "r DOUBLE PRECISION NULL)");
  std::string hostile = "x'); DROP TABLE t; -- \" ? $1 \\ ` /* ünïcødé 漢字 🚀 */";
  std::string big(1 << 20, 'b');
  big.replace(1000, 4, "🚀");  // a multi-byte character past any small fetch buffer
  auto inserted = db_->Query("INSERT INTO t (name, body, n, r) VALUES (?, ?, ?, ?) RETURNING id",
                             {Value(hostile), Value(big), Value(int64_t{-1} << 40), Value(2.5)});
  ASSERT_TRUE(inserted.ok()) << inserted.error().internal_detail;
  ASSERT_EQ(inserted->size(), 1u);
  int64_t id = inserted->Int(0, "id");
  EXPECT_GT(id, 0);
  EXPECT_TRUE(std::holds_alternative<int64_t>(inserted->rows[0][0]));
  auto null_row = db_->Query("INSERT INTO t (name, body, n, r) VALUES (?, ?, ?, ?) RETURNING id",
                             {Value("second"), Null(), Null(), Null()});
  ASSERT_TRUE(null_row.ok()) << null_row.error().internal_detail;
  EXPECT_GT(null_row->Int(0, "id"), id);
  auto rows = db_->Query("SELECT name, body, n, r FROM t WHERE id = ?", {Value(id)});
  ASSERT_TRUE(rows.ok()) << rows.error().internal_detail;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"name", "body", "n", "r"}));
  EXPECT_EQ(rows->Text(0, "name"), hostile);
  EXPECT_TRUE(rows->Text(0, "body") == big) << "the 1 MiB text came back different";
  EXPECT_EQ(std::get<int64_t>(rows->rows[0][2]), int64_t{-1} << 40);
  EXPECT_EQ(std::get<double>(rows->rows[0][3]), 2.5);
  auto nulls = db_->Query("SELECT body, n, r FROM t WHERE name = ?", {Value("second")});
  ASSERT_TRUE(nulls.ok());
  for (const Value& v : nulls->rows.at(0)) EXPECT_TRUE(std::holds_alternative<std::monostate>(v));
  // An empty string is not NULL.
  ASSERT_TRUE(
      db_->Query("UPDATE t SET body = ? WHERE name = ?", {Value(""), Value("second")}).ok());
  auto empty = db_->Query("SELECT body FROM t WHERE name = ?", {Value("second")});
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->IsNull(0, "body"));
  EXPECT_EQ(empty->Text(0, "body"), "");
  // A parameter that looks like SQL matches nothing and breaks nothing.
  auto none = db_->Query("SELECT COUNT(*) AS c FROM t WHERE name = ?", {Value("' OR '1'='1")});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->Int(0, "c"), 0);
}

TEST_P(ServerStoreTest, NumbersKeepFullPrecision) {
  CreateTable("CREATE TABLE nums (k INTEGER NOT NULL, n BIGINT NULL, r DOUBLE PRECISION NULL)");
  const std::vector<std::pair<int64_t, double>> values = {
      {std::numeric_limits<int64_t>::max(), 0.1 + 0.2},
      {std::numeric_limits<int64_t>::min(), 1.0 / 3.0},
      {0, -1e300},
      {1, 5e-324},
      {-1, 123456789.123456789},
  };
  for (size_t i = 0; i < values.size(); ++i) {
    auto inserted = db_->Query(
        "INSERT INTO nums (k, n, r) VALUES (?, ?, ?)",
        {Value(static_cast<int64_t>(i)), Value(values[i].first), Value(values[i].second)});
    ASSERT_TRUE(inserted.ok()) << inserted.error().internal_detail;
    EXPECT_EQ(inserted->affected, 1);
  }
  auto rows = db_->Query("SELECT k, n, r FROM nums ORDER BY k");
  ASSERT_TRUE(rows.ok()) << rows.error().internal_detail;
  ASSERT_EQ(rows->size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(std::get<int64_t>(rows->rows[i][0]), static_cast<int64_t>(i));
    EXPECT_EQ(std::get<int64_t>(rows->rows[i][1]), values[i].first) << "row " << i;
    EXPECT_EQ(std::get<double>(rows->rows[i][2]), values[i].second) << "row " << i;
  }
  // Aggregates come back as numbers too.
  auto aggregate = db_->Query("SELECT COUNT(*) AS c, MAX(k) AS m FROM nums");
  ASSERT_TRUE(aggregate.ok());
  EXPECT_TRUE(std::holds_alternative<int64_t>(aggregate->rows[0][0]));
  EXPECT_EQ(aggregate->Int(0, "c"), static_cast<int64_t>(values.size()));
  EXPECT_EQ(aggregate->Int(0, "m"), static_cast<int64_t>(values.size() - 1));
  // A parameter of the wrong count is an error, not a crash or a silent NULL.
  auto wrong = db_->Query("SELECT k FROM nums WHERE k = ?", {});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::STORE_QUERY_FAILED);
}

TEST_P(ServerStoreTest, AffectedCountsMatchedRowsOnEveryBackend) {
  CreateTable("CREATE TABLE t (id {{id}}, n BIGINT NOT NULL)");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(db_->Query("INSERT INTO t (n) VALUES (?)", {Value(int64_t{7})}).ok());
  }
  // Setting a value to what it already is still counts the row (as on SQLite and PostgreSQL);
  // callers use affected == 0 to mean "no such row".
  auto same = db_->Query("UPDATE t SET n = ? WHERE n = ?", {Value(int64_t{7}), Value(int64_t{7})});
  ASSERT_TRUE(same.ok()) << same.error().internal_detail;
  EXPECT_EQ(same->affected, 3);
  auto missing =
      db_->Query("UPDATE t SET n = ? WHERE id = ?", {Value(int64_t{1}), Value(int64_t{-5})});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->affected, 0);
  auto deleted = db_->Query("DELETE FROM t WHERE n = ?", {Value(int64_t{7})});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->affected, 3);
}

TEST_P(ServerStoreTest, ConstraintViolationsAreTyped) {
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
  EXPECT_NE(duplicate.error().internal_detail.find("ann"), std::string::npos)
      << "the driver text is kept for the log: " << duplicate.error().internal_detail;
  // Comparisons are exact (case-sensitive), as on SQLite.
  EXPECT_TRUE(user("Ann").ok());
  auto orphan = db_->Query(
      "INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (424242, 1, 'owner', "
      "0)");
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, ErrorCode::STORE_CONSTRAINT_VIOLATION);
  auto not_null = db_->Query(
      "INSERT INTO users (username, password_hash, created_at, updated_at) VALUES (?, ?, 0, 0)",
      {Value("bob"), Null()});
  ASSERT_FALSE(not_null.ok());
  EXPECT_EQ(not_null.error().code, ErrorCode::STORE_CONSTRAINT_VIOLATION);
  auto syntax = db_->Query("SELEKT 1");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code, ErrorCode::STORE_QUERY_FAILED);
  EXPECT_EQ(syntax.error().message.find("SELEKT"), std::string::npos);
  // A failed statement leaves the connection usable.
  EXPECT_TRUE(user("carol").ok());
  EXPECT_EQ(db_->Stats().in_use, 0);
}

TEST_P(ServerStoreTest, TransactionsCommitOrRollBackWhole) {
  ASSERT_TRUE(db_->Query("CREATE TABLE t (n BIGINT)").ok());
  Status failed = db_->Transaction([](Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(c.Query("INSERT INTO t (n) VALUES (?)", {Value(int64_t{1})}));
    return Error(ErrorCode::CONFLICT, "no");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::CONFLICT);
  EXPECT_EQ(db_->Query("SELECT COUNT(*) AS c FROM t")->Int(0, "c"), 0);
  // A statement that fails inside the transaction rolls back the earlier ones too.
  Status broken = db_->Transaction([](Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(c.Query("INSERT INTO t (n) VALUES (?)", {Value(int64_t{1})}));
    return c.Query("INSERT INTO missing_table (n) VALUES (1)").ok()
               ? Status::Ok()
               : Status(Error(ErrorCode::STORE_QUERY_FAILED, "expected"));
  });
  EXPECT_FALSE(broken.ok());
  EXPECT_EQ(db_->Query("SELECT COUNT(*) AS c FROM t")->Int(0, "c"), 0);
  EXPECT_THROW(db_->Transaction([](Connection& c) -> Status {
    if (c.Query("INSERT INTO t (n) VALUES (?)", {Value(int64_t{1})}).ok()) {
      throw std::runtime_error("bug");
    }
    return Status::Ok();
  }),
               std::runtime_error);
  EXPECT_EQ(db_->Query("SELECT COUNT(*) AS c FROM t")->Int(0, "c"), 0);
  EXPECT_EQ(db_->Stats().in_use, 0);
  Status committed = db_->Transaction([](Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(c.Query("INSERT INTO t (n) VALUES (?)", {Value(int64_t{1})}));
    SLUICE_ASSIGN_OR_RETURN(Rows seen, c.Query("SELECT COUNT(*) AS c FROM t"));
    if (seen.Int(0, "c") != 1) return Error(ErrorCode::INTERNAL, "own write not visible");
    return Status::Ok();
  });
  EXPECT_TRUE(committed.ok());
  EXPECT_EQ(db_->Query("SELECT COUNT(*) AS c FROM t")->Int(0, "c"), 1);
}

TEST_P(ServerStoreTest, ConcurrentTransactionsAllLand) {
  ASSERT_TRUE(db_->Query("CREATE TABLE t (n BIGINT)").ok());
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
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(
        db_->Query("SELECT COUNT(*) AS c FROM t WHERE n = ?", {Value(int64_t{t})})->Int(0, "c"),
        50);
  }
  PoolStats stats = db_->Stats();
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_GE(stats.size, 1);
  EXPECT_LE(stats.size, stats.max);
}

TEST_P(ServerStoreTest, CachedStatementsSurviveSchemaChanges) {
  auto db = Open(1);  // one connection: the cached statement is certainly reused
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Query("CREATE TABLE t (a BIGINT)").ok());
  ASSERT_TRUE(db->Query("INSERT INTO t (a) VALUES (1)").ok());
  ASSERT_EQ(db->Query("SELECT * FROM t")->columns.size(), 1u);
  ASSERT_TRUE(db->Query("ALTER TABLE t ADD COLUMN b BIGINT").ok());
  auto wider = db->Query("SELECT * FROM t");
  ASSERT_TRUE(wider.ok()) << wider.error().internal_detail;
  EXPECT_EQ(wider->columns, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(wider->size(), 1u);
  EXPECT_TRUE(wider->IsNull(0, "b"));
}

TEST_P(ServerStoreTest, LostConnectionIsUnavailableAndReplaced) {
  auto db = Open(1);
  ASSERT_NE(db, nullptr);
  auto own =
      db->Query(IsPostgres() ? "SELECT pg_backend_pid() AS id" : "SELECT CONNECTION_ID() AS id");
  ASSERT_TRUE(own.ok()) << own.error().internal_detail;
  int64_t id = own->Int(0, "id");
  ASSERT_GT(id, 0);
  // Killed from another connection, as a server restart or a proxy timeout would.
  Status killed = db_->Transaction([&](Connection& c) -> Status {
    if (IsPostgres()) {
      return c.Query("SELECT pg_terminate_backend(?)", {Value(id)}).ok()
                 ? Status::Ok()
                 : Status(Error(ErrorCode::INTERNAL, "pg_terminate_backend failed"));
    }
    return c.ExecScript("KILL CONNECTION " + std::to_string(id));
  });
  ASSERT_TRUE(killed.ok()) << killed.error().internal_detail;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto lost = db->Query("SELECT 1 AS one");
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::STORE_UNAVAILABLE) << lost.error().internal_detail;
  EXPECT_EQ(db->Stats().size, 0) << "the broken connection is dropped, not pooled";
  auto again = db->Query("SELECT 1 AS one");
  ASSERT_TRUE(again.ok()) << again.error().internal_detail;
  EXPECT_EQ(again->Int(0, "one"), 1);
}

TEST_P(ServerStoreTest, DatabaseOutsideUtf8IsRefusedAtOpen) {
  if (IsPostgres()) {
    // A database's encoding cannot change in place: make a second one in SQL_ASCII.
    auto admin = Open(1);
    ASSERT_NE(admin, nullptr);
    (void)admin->Query("DROP DATABASE IF EXISTS sluice_ascii");
    auto created = admin->Query(
        "CREATE DATABASE sluice_ascii TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' "
        "LC_CTYPE 'C'");
    ASSERT_TRUE(created.ok()) << created.error().internal_detail;
    std::string ascii_url = url_.substr(0, url_.rfind('/') + 1) + "sluice_ascii";
    auto refused = OpenDatabase(ascii_url);
    (void)admin->Query("DROP DATABASE IF EXISTS sluice_ascii");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::STORE_UNAVAILABLE);
    EXPECT_NE(refused.error().message.find("UTF8"), std::string::npos) << refused.error().message;
    EXPECT_TRUE(OpenDatabase(url_).ok());
    return;
  }
  auto admin = Open(1);
  ASSERT_NE(admin, nullptr);
  std::string name = admin->Query("SELECT DATABASE() AS d")->Text(0, "d");
  auto set_charset = [&](const std::string& charset, const std::string& collation) {
    return admin->Transaction([&](Connection& c) {
      return c.ExecScript("ALTER DATABASE `" + name + "` CHARACTER SET " + charset + " COLLATE " +
                          collation);
    });
  };
  ASSERT_TRUE(set_charset("latin1", "latin1_swedish_ci").ok());
  auto refused = OpenDatabase(url_);
  Status restored = set_charset("utf8mb4", "utf8mb4_bin");
  ASSERT_TRUE(restored.ok()) << restored.error().internal_detail;
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::STORE_UNAVAILABLE);
  EXPECT_NE(refused.error().message.find("utf8mb4"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(OpenDatabase(url_).ok());
}

TEST_P(ServerStoreTest, UnsupportedUrlParametersAreRefused) {
  std::string url = url_ + (url_.find('?') == std::string::npos ? "?" : "&") + "no_such_option=1";
  auto db = OpenDatabase(url);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::STORE_BAD_URL) << db.error().message;
  EXPECT_NE(db.error().message.find("no_such_option"), std::string::npos) << db.error().message;
  if (IsPostgres()) {
    // A libpq keyword passes through.
    EXPECT_TRUE(
        OpenDatabase(url_ + (url_.find('?') == std::string::npos ? "?" : "&") + "sslmode=disable")
            .ok());
  }
}

TEST_P(ServerStoreTest, BadCredentialsFailAtOpenWithoutThePassword) {
  std::string url = url_;
  auto at = url.find('@');
  auto colon = url.find(':', url.find("://") + 3);
  ASSERT_TRUE(at != std::string::npos && colon < at) << "the test URL needs user:password@";
  std::string wrong = url.substr(0, colon + 1) + "wrong-secret-pw" + url.substr(at);
  auto db = OpenDatabase(wrong);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::STORE_UNAVAILABLE);
  EXPECT_NE(db.error().message.find("cannot connect"), std::string::npos) << db.error().message;
  EXPECT_EQ(db.error().message.find("wrong-secret-pw"), std::string::npos) << db.error().message;
  EXPECT_EQ(db.error().internal_detail.find("wrong-secret-pw"), std::string::npos);
}

TEST_P(ServerStoreTest, UnreachableServerFailsAtOpen) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  std::string url = url_;
  auto at = url.find('@');
  auto slash = url.find('/', at);
  std::string unreachable = url.substr(0, at + 1) + "127.0.0.1:1" + url.substr(slash);
  auto db = OpenDatabase(unreachable);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::STORE_UNAVAILABLE);
  EXPECT_NE(db.error().message.find("127.0.0.1:1"), std::string::npos) << db.error().message;
}

INSTANTIATE_TEST_SUITE_P(ServerStore, ServerStoreTest,
                         ::testing::Values("SLUICE_TEST_POSTGRES_URL", "SLUICE_TEST_MYSQL_URL"),
                         [](const auto& info) {
                           return std::string(info.param).find("POSTGRES") != std::string::npos
                                      ? std::string("PostgreSQL")
                                      : std::string("MariaDB");
                         });

}  // namespace
}  // namespace sluice::store
