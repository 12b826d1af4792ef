// The SQL workbench against real Flink: the runner's validate mode (RunnerValidatorPool) for every
// Flink home in SLUICE_TEST_FLINK_HOMES, with <home>/connectors/*.jar as the app's dependencies,
// and the table-driven broken scripts of tests/sql/broken-scripts.txt (each must give its message
// at its line, from the lint with the connectors read from the jars, or from Flink).
//   SLUICE_TEST_FLINK_HOMES  colon-separated Flink homes (scripts/provision/flink.sh)
//   SLUICE_TEST_RUNNER_JAR   the SQL runner jar (with --serve: scripts/provision/runner.sh)
//   SLUICE_TEST_SQL_CASES    the cases file (default tests/sql/broken-scripts.txt, from the repo)
// Missing any of them fails the suite (never skips).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "http/client.h"
#include "sql/analysis.h"
#include "sql/lint.h"
#include "sql/migrate.h"
#include "sql/validator.h"

namespace sluice::sql {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name, check, expect, script;
  int line = 0;
};

std::vector<Case> ReadCases(const std::string& path) {
  std::ifstream in(path);
  std::vector<Case> cases;
  std::string text;
  bool in_header = false;
  while (std::getline(in, text)) {
    if (text.rfind("=== ", 0) == 0) {
      size_t colon = text.find(':');
      std::string key = text.substr(4, colon - 4), value = text.substr(colon + 2);
      if (key == "case") {
        cases.push_back({});
        cases.back().name = value;
      } else if (key == "check") {
        cases.back().check = value;
      } else if (key == "line") {
        cases.back().line = std::stoi(value);
      } else if (key == "expect") {
        cases.back().expect = value;
      }
      in_header = true;
      continue;
    }
    if (cases.empty() || (!in_header && cases.back().script.empty() && text.empty())) continue;
    in_header = false;
    cases.back().script += text + "\n";
  }
  for (auto& c : cases) {
    while (c.script.size() > 1 && c.script.substr(c.script.size() - 2) == "\n\n")
      c.script.pop_back();
  }
  return cases;
}

class SqlValidatorLive : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* homes = std::getenv("SLUICE_TEST_FLINK_HOMES");
    const char* jar = std::getenv("SLUICE_TEST_RUNNER_JAR");
    ASSERT_TRUE(homes && *homes && jar && *jar)
        << "set SLUICE_TEST_FLINK_HOMES and SLUICE_TEST_RUNNER_JAR (a runner with --serve)";
    std::stringstream list(homes);
    std::string home;
    while (std::getline(list, home, ':'))
      if (!home.empty()) homes_.push_back(home);
    runner_jar_ = jar;
    const char* cases = std::getenv("SLUICE_TEST_SQL_CASES");
    cases_path_ = cases && *cases ? cases : "tests/sql/broken-scripts.txt";
    work_ = fs::path(::testing::TempDir()) / ("sluice-sql-live-" + std::to_string(::getpid()));
    fs::remove_all(work_);
  }
  void TearDown() override { fs::remove_all(work_); }

  ValidationTarget Target(const std::string& home) {
    ValidationTarget t;
    t.flink_home = home;
    t.flink_version = fs::path(home).filename().string().substr(6);  // flink-1.20.5
    for (const auto& e : fs::directory_iterator(fs::path(home) / "connectors"))
      if (e.path().extension() == ".jar") t.jars.push_back(e.path().string());
    std::sort(t.jars.begin(), t.jars.end());
    return t;
  }

  std::vector<std::string> homes_;
  std::string runner_jar_, cases_path_;
  fs::path work_;
};

TEST_F(SqlValidatorLive, BrokenScriptsGiveTheirMessageAtTheirLineOnEveryVersion) {
  std::vector<Case> cases = ReadCases(cases_path_);
  ASSERT_GE(cases.size(), 30u) << "cases from " << cases_path_;
  http::CurlHttpClient client;
  for (const auto& home : homes_) {
    RunnerValidatorOptions options;
    options.runner_jar = runner_jar_;
    options.work_dir = (work_ / fs::path(home).filename()).string();
    RunnerValidatorPool pool(options, client);
    ValidationTarget target = Target(home);
    SCOPED_TRACE("Flink " + target.flink_version);

    // The connectors, read from the jars once, then from the cache.
    auto t0 = std::chrono::steady_clock::now();
    auto catalog = pool.Connectors(target);
    ASSERT_TRUE(catalog.ok()) << catalog.error().message;
    auto t1 = std::chrono::steady_clock::now();
    ASSERT_NE(catalog->Connector("kafka"), nullptr);
    ASSERT_NE(catalog->Connector("jdbc"), nullptr);
    ASSERT_NE(catalog->Connector("datagen"), nullptr);
    ASSERT_NE(catalog->Format("json"), nullptr);
    EXPECT_EQ(catalog->Connector("elasticsearch-7"), nullptr);
    ASSERT_TRUE(pool.CachedConnectors(target).has_value());
    {
      RunnerValidatorPool fresh(options, client);  // the disk cache, without a JVM
      EXPECT_TRUE(fresh.CachedConnectors(target).has_value());
      EXPECT_EQ(fresh.process_count(), 0u);
    }

    // A good script validates, and explain gives its plan.
    std::string good =
        "CREATE TABLE src (id BIGINT, amount DOUBLE) WITH ('connector' = 'datagen');\n"
        "CREATE TABLE out1 (id BIGINT, amount DOUBLE) WITH ('connector' = 'blackhole');\n"
        "INSERT INTO out1 SELECT id, amount * 2 FROM src WHERE amount > 1;\n";
    auto t2 = std::chrono::steady_clock::now();
    auto first = pool.Check(target, good, false);
    auto t3 = std::chrono::steady_clock::now();
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_TRUE(first->valid);
    auto warm = pool.Check(target, good, false);
    auto t4 = std::chrono::steady_clock::now();
    ASSERT_TRUE(warm.ok());
    auto ms = [](auto a, auto b) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
    };
    std::printf(
        "Flink %s: connectors read in %lld ms (JVM start included); first check %lld ms, "
        "warm repeat %lld ms\n",
        target.flink_version.c_str(), static_cast<long long>(ms(t0, t1)),
        static_cast<long long>(ms(t2, t3)), static_cast<long long>(ms(t3, t4)));
    EXPECT_LT(ms(t3, t4), 1000) << "a warm repeat must answer in under a second";
    auto explained = pool.Check(target, good, true);
    ASSERT_TRUE(explained.ok());
    ASSERT_EQ(explained->plans.size(), 1u);
    EXPECT_EQ(explained->plans[0].statement_line, 3);
    EXPECT_NE(explained->plans[0].plan.find("Optimized Execution Plan"), std::string::npos);

    // A validator that died is started again.
    pool.StopAll();
    EXPECT_EQ(pool.process_count(), 0u);
    auto again = pool.Check(target, good, false);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_TRUE(again->valid);
    EXPECT_EQ(pool.process_count(), 1u);

    // Every legacy option of every connector the migration knows (and the jars provide) becomes
    // options the real factories know, and Flink accepts the migrated script.
    std::string legacy =
        "CREATE TABLE orders (\n  order_id BIGINT,\n  amount DOUBLE\n) WITH (\n"
        "  'connector.type' = 'kafka',\n  'connector.version' = 'universal',\n"
        "  'connector.topic' = 'orders',\n"
        "  'connector.properties.bootstrap.servers' = '127.0.0.1:1',\n"
        "  'connector.properties.group.id' = 'sluice',\n"
        "  'connector.startup-mode' = 'earliest-offset',\n  'update-mode' = 'append',\n"
        "  'format.type' = 'json',\n  'format.derive-schema' = 'true',\n"
        "  'format.ignore-parse-errors' = 'true'\n);\n"
        "CREATE TABLE totals (\n  order_id BIGINT,\n  amount DOUBLE,\n"
        "  PRIMARY KEY (order_id) NOT ENFORCED\n) WITH (\n"
        "  'connector.type' = 'jdbc',\n  'connector.url' = 'jdbc:postgresql://127.0.0.1:1/shop',\n"
        "  'connector.table' = 'totals',\n  'connector.username' = 'shop',\n"
        "  'connector.password' = 'secret',\n  'connector.write.flush.max-rows' = '1',\n"
        "  'connector.write.flush.interval' = '1s',\n  'connector.write.max-retries' = '3',\n"
        "  'connector.lookup.cache.max-rows' = '100',\n  'connector.lookup.cache.ttl' = '10s',\n"
        "  'connector.read.fetch-size' = '100'\n);\n"
        "INSERT INTO totals SELECT order_id, amount FROM orders;\n";
    Migration migrated = Migrate(legacy);
    ASSERT_TRUE(migrated.changed());
    {
      LintOptions lo;
      lo.catalog = &*catalog;
      auto f = Lint(Analyze(migrated.sql), lo);
      std::string seen;
      for (const auto& x : f) seen += "\n  line " + std::to_string(x.line) + ": " + x.message;
      EXPECT_TRUE(f.empty()) << migrated.sql << seen;
      auto v = pool.Check(target, migrated.sql, false);
      ASSERT_TRUE(v.ok()) << v.error().message;
      EXPECT_TRUE(v->valid) << migrated.sql << (v->findings.empty() ? "" : v->findings[0].message);
    }

    int passed = 0;
    for (const Case& c : cases) {
      SCOPED_TRACE("case " + c.name);
      std::vector<Finding> findings;
      if (c.check == "lint") {
        LintOptions lo;
        lo.catalog = &*catalog;
        lo.variables = std::set<std::string>{};
        for (auto& f : Lint(Analyze(c.script), lo))
          if (f.severity == "error") findings.push_back(f);
      } else {
        auto r = pool.Check(target, c.script, false);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_FALSE(r->valid);
        findings = r->findings;
      }
      bool found = false;
      for (const auto& f : findings)
        if (f.line == c.line && f.message.find(c.expect) != std::string::npos) found = true;
      std::string seen;
      for (const auto& f : findings)
        seen += "\n  line " + std::to_string(f.line) + ": " + f.message;
      EXPECT_TRUE(found) << "expected at line " << c.line << ": " << c.expect << "\nseen:" << seen;
      passed += found;
    }
    std::printf("Flink %s: %d of %zu broken scripts gave their message at their line\n",
                target.flink_version.c_str(), passed, cases.size());
  }
}

// A JDBC sink on MySQL/MariaDB (a jdbc:mysql: URL) on every version: Flink 1.20's JDBC bundle has
// the dialect, Flink 2.0's connectors include Sluice's own (dev.sluice:sluice-connector-jdbc-mysql,
// connectors/jdbc-mysql). Flink plans the INSERT (which loads the dialect for the URL and checks
// the column types against it), the lint with the connectors read from those jars finds nothing,
// and the dialect jar adds no table factory of its own. On 2.0 without the dialect jar the same
// script fails: no JDBC factory takes the URL.
TEST_F(SqlValidatorLive, MySqlJdbcSinkValidatesOnEveryVersionWithTheDialectJar) {
  http::CurlHttpClient client;
  const std::string script =
      "CREATE TABLE src (uid STRING, visits BIGINT, seen TIMESTAMP(3)) WITH ('connector' = "
      "'datagen');\n"
      "CREATE TABLE users (\n  uid STRING,\n  visits BIGINT,\n  seen TIMESTAMP(3),\n"
      "  PRIMARY KEY (uid) NOT ENFORCED\n) WITH (\n  'connector' = 'jdbc',\n"
      "  'url' = 'jdbc:mysql://127.0.0.1:1/shop',\n  'table-name' = 'users',\n"
      "  'username' = 'shop',\n  'password' = 'secret',\n"
      "  'sink.buffer-flush.interval' = '1s'\n);\n"
      "INSERT INTO users SELECT uid, visits, seen FROM src;\n";
  for (const auto& home : homes_) {
    RunnerValidatorOptions options;
    options.runner_jar = runner_jar_;
    options.work_dir = (work_ / ("mysql-" + fs::path(home).filename().string())).string();
    RunnerValidatorPool pool(options, client);
    ValidationTarget target = Target(home);
    SCOPED_TRACE("Flink " + target.flink_version);
    const bool flink2 = target.flink_version.rfind("2.", 0) == 0;
    auto dialect = std::find_if(target.jars.begin(), target.jars.end(), [](const std::string& j) {
      return fs::path(j).filename().string().rfind("sluice-connector-jdbc-mysql-", 0) == 0;
    });
    ASSERT_EQ(dialect != target.jars.end(), flink2)
        << "Sluice's MySQL dialect belongs to 2.0's connectors only (scripts/provision/flink.sh)";

    auto catalog = pool.Connectors(target);
    ASSERT_TRUE(catalog.ok()) << catalog.error().message;
    ASSERT_NE(catalog->Connector("jdbc"), nullptr);
    LintOptions lo;
    lo.catalog = &*catalog;
    std::string seen;
    for (const auto& f : Lint(Analyze(script), lo))
      seen += "\n  line " + std::to_string(f.line) + ": " + f.severity + " " + f.message;
    EXPECT_TRUE(seen.empty()) << seen;

    auto plan = pool.Check(target, script, true);
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    ASSERT_TRUE(plan->valid) << (plan->findings.empty() ? "" : plan->findings[0].message);
    ASSERT_EQ(plan->plans.size(), 1u);
    EXPECT_NE(plan->plans[0].plan.find("users"), std::string::npos) << plan->plans[0].plan;

    if (!flink2) continue;
    // The same script and connectors without the dialect jar.
    ValidationTarget without = target;
    without.jars.erase(without.jars.begin() + (dialect - target.jars.begin()));
    auto bare = pool.Connectors(without);
    ASSERT_TRUE(bare.ok()) << bare.error().message;
    EXPECT_EQ(bare->ConnectorIds(), catalog->ConnectorIds()) << "the dialect adds no table factory";
    EXPECT_EQ(bare->FormatIds(), catalog->FormatIds());
    auto refused = pool.Check(without, script, false);
    ASSERT_TRUE(refused.ok()) << refused.error().message;
    EXPECT_FALSE(refused->valid);
    std::string messages;
    for (const auto& f : refused->findings) messages += f.message + "\n";
    EXPECT_NE(messages.find("jdbc:mysql://127.0.0.1:1/shop"), std::string::npos) << messages;
  }
}

}  // namespace
}  // namespace sluice::sql
