#include <gtest/gtest.h>

#include "sql/analysis.h"
#include "sql/complete.h"
#include "sql/connectors.h"
#include "sql/deploy_check.h"
#include "sql/lint.h"
#include "sql/migrate.h"
#include "sql/splitter.h"
#include "sql/validator.h"

namespace sluice::sql {
namespace {

// ---- splitter

TEST(SqlSplitter, CommentsStringsAndQuotedNamesDoNotSplit) {
  std::string sql =
      "-- a comment; with a semicolon\n"
      "CREATE TABLE `a;b` (x STRING) WITH ('k' = 'it''s; fine'); /* one; two\n"
      "three */ INSERT INTO `a;b`\n"
      "SELECT \"q;\" FROM t;\n";
  Script s = Split(sql);
  ASSERT_TRUE(s.errors.empty());
  ASSERT_EQ(s.statements.size(), 2u);
  EXPECT_EQ(s.statements[0].kind, StatementKind::kCreateTable);
  EXPECT_EQ(s.statements[0].first_line, 2);
  EXPECT_EQ(s.statements[0].last_line, 2);
  EXPECT_EQ(s.statements[1].kind, StatementKind::kInsert);
  EXPECT_EQ(s.statements[1].first_line, 3);
  EXPECT_EQ(s.statements[1].column, 10);
  EXPECT_EQ(s.statements[1].last_line, 4);
  EXPECT_EQ(s.StatementText(s.statements[1]), "INSERT INTO `a;b`\nSELECT \"q;\" FROM t");
  // The string's value is unescaped.
  bool found = false;
  for (const auto& t : s.tokens)
    if (t.kind == TokenKind::kString && t.text == "it's; fine") found = true;
  EXPECT_TRUE(found);
}

TEST(SqlSplitter, StatementSetsMarkTheirInserts) {
  std::string sql =
      "CREATE TABLE s (x INT) WITH ('connector' = 'datagen');\n"
      "BEGIN STATEMENT SET;\n"
      "INSERT INTO a SELECT * FROM s;\n"
      "INSERT INTO b SELECT * FROM s;\n"
      "END;\n"
      "EXECUTE STATEMENT SET BEGIN INSERT INTO c SELECT * FROM s; END;\n";
  Script s = Split(sql);
  ASSERT_TRUE(s.errors.empty()) << s.errors[0].message;
  ASSERT_EQ(s.statements.size(), 8u);
  EXPECT_EQ(s.statements[1].kind, StatementKind::kBeginSet);
  EXPECT_TRUE(s.statements[2].in_statement_set);
  EXPECT_TRUE(s.statements[3].in_statement_set);
  EXPECT_EQ(s.statements[4].kind, StatementKind::kEndSet);
  EXPECT_EQ(s.statements[5].kind, StatementKind::kBeginSet);
  EXPECT_EQ(s.statements[6].kind, StatementKind::kInsert);
  EXPECT_TRUE(s.statements[6].in_statement_set);
  EXPECT_EQ(s.statements[6].first_line, 6);
  EXPECT_EQ(s.statements[7].kind, StatementKind::kEndSet);
  EXPECT_FALSE(s.statements[0].in_statement_set);
}

TEST(SqlSplitter, ReportsUnterminatedQuotesCommentsAndSets) {
  EXPECT_EQ(Split("SELECT 'abc;\n").errors.at(0).message,
            "unterminated string: the ' opened on line 1 is never closed");
  EXPECT_EQ(Split("x;\n/* never\nclosed").errors.at(0).line, 2);
  EXPECT_EQ(Split("SELECT `a").errors.at(0).message,
            "unterminated identifier: the ` opened on line 1 is never closed");
  auto s = Split("BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\n");
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].message, "the statement set begun on line 1 has no END");
  EXPECT_EQ(Split("END;").errors.at(0).message, "END without BEGIN STATEMENT SET");
}

TEST(SqlSplitter, LastStatementMayOmitItsSemicolonAndEmptyScriptsHaveNone) {
  Script s = Split("SET 'a' = 'b';\nINSERT INTO x SELECT 1");
  ASSERT_EQ(s.statements.size(), 2u);
  EXPECT_FALSE(s.statements[1].terminated);
  EXPECT_TRUE(s.statements[0].terminated);
  EXPECT_TRUE(Split("  -- only a comment\n").statements.empty());
  EXPECT_TRUE(Split(";;").statements.empty());
}

// ---- analysis and lint

std::vector<std::string> Codes(const std::vector<Finding>& f) {
  std::vector<std::string> out;
  for (const auto& x : f) out.push_back(x.code + "@" + std::to_string(x.line));
  return out;
}

ConnectorCatalog TestCatalog() {
  ConnectorCatalog c;
  c.Add({"kafka",
         {"source", "sink"},
         {},
         {"topic", "properties.bootstrap.servers", "format", "scan.startup.mode"}});
  c.Add({"jdbc",
         {"source", "sink"},
         {"url", "table-name"},
         {"username", "password", "sink.max-retries"}});
  c.Add({"datagen", {"source"}, {}, {"rows-per-second"}});
  c.Add({"json", {"format"}, {}, {"fail-on-missing-field", "ignore-parse-errors"}});
  return c;
}

TEST(SqlAnalysis, ReadsTablesColumnsOptionsAndUses) {
  Analysis a = Analyze(
      "CREATE TABLE IF NOT EXISTS default_catalog.default_database.src (\n"
      "  id BIGINT,\n"
      "  amount DECIMAL(10, 2),\n"
      "  PRIMARY KEY (id) NOT ENFORCED\n"
      ") WITH (\n"
      "  'connector' = 'kafka',\n"
      "  'topic' = '${topic}'\n"
      ");\n"
      "INSERT INTO dst SELECT s.id FROM src AS s JOIN dim d ON s.id = d.id;\n");
  ASSERT_EQ(a.tables.size(), 1u);
  const TableDef& t = a.tables[0];
  EXPECT_EQ(t.name, "src");
  EXPECT_TRUE(t.if_not_exists);
  EXPECT_TRUE(t.has_primary_key);
  ASSERT_EQ(t.columns.size(), 2u);
  EXPECT_EQ(t.columns[1].name, "amount");
  EXPECT_EQ(t.columns[1].type, "DECIMAL(10, 2)");
  ASSERT_EQ(t.options.size(), 2u);
  EXPECT_EQ(t.options[1].key, "topic");
  EXPECT_EQ(t.options[1].value, "${topic}");
  EXPECT_EQ(t.options[1].line, 7);
  ASSERT_EQ(a.uses.size(), 3u);
  EXPECT_EQ(a.uses[0].name, "dst");
  EXPECT_TRUE(a.uses[0].is_sink);
  EXPECT_EQ(a.uses[1].name, "src");
  EXPECT_EQ(a.uses[2].name, "dim");
  ASSERT_EQ(a.variables.size(), 1u);
  EXPECT_EQ(a.variables[0].name, "topic");
  EXPECT_EQ(a.variables[0].line, 7);
  EXPECT_EQ(a.insert_count, 1);
}

TEST(SqlLint, CleanScriptHasNoFindings) {
  Analysis a = Analyze(
      "CREATE TABLE s (x INT) WITH ('connector' = 'datagen');\n"
      "CREATE TABLE k (x INT) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json',\n"
      "  'json.ignore-parse-errors' = 'true', 'properties.bootstrap.servers' = 'h:9092',\n"
      "  'properties.acks' = 'all');\n"
      "WITH w AS (SELECT x FROM s) INSERT INTO k SELECT x FROM w;\n");
  ConnectorCatalog c = TestCatalog();
  LintOptions o;
  o.catalog = &c;
  o.variables = std::set<std::string>{};
  EXPECT_TRUE(Lint(a, o).empty()) << Codes(Lint(a, o))[0];
}

TEST(SqlLint, FindsEachRuleAtItsLine) {
  std::string sql =
      "CREATE TABLE s (x INT) WITH ('connector' = 'datagen');\n"  // 1
      "CREATE TABLE s (x INT) WITH ('connector' = 'datagen');\n"  // 2 duplicate
      "CREATE TABLE j (x INT) WITH (\n"                           // 3 missing table-name
      "  'connector' = 'jdbc',\n"                                 // 4
      "  'url' = '${db_url}',\n"                                  // 5 unknown variable
      "  'sink.max-retry' = '3'\n"                                // 6 unknown option
      ");\n"
      "CREATE TABLE e (x INT) WITH ('connector' = 'elasticsearch-7');\n"  // 8 unknown connector
      "CREATE TABLE l (x INT) WITH ('connector.type' = 'kafka');\n"       // 9 legacy
      "CREATE TABLE n (x INT) WITH ('format' = 'json');\n"                // 10 no connector
      "SELECT * FROM s;\n";                                               // 11 query
  Analysis a = Analyze(sql);
  ConnectorCatalog c = TestCatalog();
  LintOptions o;
  o.catalog = &c;
  o.variables = std::set<std::string>{"db_user"};
  auto f = Lint(a, o);
  std::vector<std::string> expected = {
      "duplicate-table@2",    "missing-option@3",    "unknown-variable@5",
      "unknown-option@6",     "unknown-connector@8", "legacy-options@9",
      "missing-connector@10", "no-insert@11",        "query-statement@11"};
  EXPECT_EQ(Codes(f), expected);
  EXPECT_EQ(f[3].message,
            "table 'j': connector 'jdbc' has no option 'sink.max-retry' (did you mean "
            "'sink.max-retries'?)");
  EXPECT_EQ(f[3].column, 3);
  EXPECT_EQ(f[1].message, "table 'j': connector 'jdbc' needs the option 'table-name'");
  EXPECT_NE(f[4].message.find("no connector 'elasticsearch-7' among the app's dependencies"),
            std::string::npos);
}

TEST(SqlLint, UnknownTablesAndTablesUsedBeforeCreation) {
  std::string sql =
      "INSERT INTO out1 SELECT * FROM src;\n"
      "CREATE TABLE src (x INT) WITH ('connector' = 'datagen');\n"
      "INSERT INTO out1 SELECT * FROM srcc;\n";
  auto f = Lint(Analyze(sql), {});
  std::vector<std::string> expected = {"unknown-table@1", "unknown-table@1", "unknown-table@3",
                                       "unknown-table@3"};
  EXPECT_EQ(Codes(f), expected);
  EXPECT_EQ(f[1].message, "table 'src' is used before it is created (on line 2)");
  EXPECT_EQ(f[3].message, "table 'srcc' is used but never created (did you mean 'src'?)");
  // With catalogs, a table from elsewhere is a warning.
  auto g = Lint(Analyze("USE CATALOG hive;\nINSERT INTO a SELECT * FROM b;\n"), {});
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].severity, "warning");
}

TEST(SqlLint, FormatOptionsAreJudgedAgainstTheFormat) {
  std::string sql =
      "CREATE TABLE k (x INT) WITH ('connector' = 'kafka', 'format' = 'json',\n"
      "  'json.fail-on-missing-fields' = 'true');\n"
      "CREATE TABLE m (x INT) WITH ('connector' = 'kafka', 'format' = 'avro');\n"
      "INSERT INTO k SELECT * FROM m;\n";
  ConnectorCatalog c = TestCatalog();
  LintOptions o;
  o.catalog = &c;
  auto f = Lint(Analyze(sql), o);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].message,
            "table 'k': format 'json' has no option 'fail-on-missing-fields' (did you mean "
            "'json.fail-on-missing-field'?)");
  EXPECT_EQ(f[1].line, 3);
  EXPECT_NE(f[1].message.find("no format 'avro'"), std::string::npos);
}

TEST(SqlConnectors, ReadsTheRunnersAnswerAndRefusesOtherShapes) {
  auto c = ConnectorCatalog::FromJson(Json::parse(R"({"factories": [
      {"identifier": "kafka", "kinds": ["source", "sink"], "required": [], "optional": ["topic"]},
      {"identifier": "json", "kinds": ["format"], "required": [], "optional": ["ignore-parse-errors"]}]})"));
  ASSERT_TRUE(c.ok());
  ASSERT_NE(c->Connector("kafka"), nullptr);
  EXPECT_TRUE(c->Connector("kafka")->Knows("topic"));
  EXPECT_EQ(c->Connector("json"), nullptr);
  EXPECT_NE(c->Format("json"), nullptr);
  EXPECT_EQ(c->ToJson()["factories"].size(), 2u);
  EXPECT_FALSE(ConnectorCatalog::FromJson(Json::parse(R"({"factories": [{"kinds": []}]})")).ok());
  EXPECT_FALSE(ConnectorCatalog::FromJson(Json::parse(R"([1])")).ok());
}

// ---- migration: the user's script, exactly as in issue 8

constexpr std::string_view kLegacy =
    "CREATE TABLE orders (\n"
    "  order_id BIGINT,\n"
    "  amount DOUBLE\n"
    ") WITH (\n"
    "  'connector.type' = 'kafka',\n"
    "  'connector.version' = 'universal',\n"
    "  'connector.topic' = 'orders',\n"
    "  'connector.properties.bootstrap.servers' = 'localhost:9092',\n"
    "  'connector.properties.group.id' = 'sluice',\n"
    "  'connector.startup-mode' = 'earliest-offset',\n"
    "  'update-mode' = 'append',\n"
    "  'format.type' = 'json',\n"
    "  'format.derive-schema' = 'true'\n"
    ");\n"
    "CREATE TABLE totals (\n"
    "  order_id BIGINT,\n"
    "  amount DOUBLE\n"
    ") WITH (\n"
    "  'connector.type' = 'jdbc',\n"
    "  'connector.url' = 'jdbc:mariadb://localhost:3306/shop',\n"
    "  'connector.table' = 'totals',\n"
    "  'connector.username' = 'shop',\n"
    "  'connector.password' = '${db_password}',\n"
    "  'connector.write.flush.max-rows' = '1',\n"
    "  'connector.write.flush.interval' = '1s',\n"
    "  'connector.write.max-retries' = '3'\n"
    ");\n"
    "INSERT INTO totals SELECT order_id, amount FROM orders;\n";

constexpr std::string_view kMigrated =
    "CREATE TABLE orders (\n"
    "  order_id BIGINT,\n"
    "  amount DOUBLE\n"
    ") WITH (\n"
    "  'connector' = 'kafka',\n"
    "  'topic' = 'orders',\n"
    "  'properties.bootstrap.servers' = 'localhost:9092',\n"
    "  'properties.group.id' = 'sluice',\n"
    "  'scan.startup.mode' = 'earliest-offset',\n"
    "  'format' = 'json'\n"
    ");\n"
    "CREATE TABLE totals (\n"
    "  order_id BIGINT,\n"
    "  amount DOUBLE\n"
    ") WITH (\n"
    "  'connector' = 'jdbc',\n"
    "  'url' = 'jdbc:mariadb://localhost:3306/shop',\n"
    "  'table-name' = 'totals',\n"
    "  'username' = 'shop',\n"
    "  'password' = '${db_password}',\n"
    "  'sink.buffer-flush.max-rows' = '1',\n"
    "  'sink.buffer-flush.interval' = '1s',\n"
    "  'sink.max-retries' = '3'\n"
    ");\n"
    "INSERT INTO totals SELECT order_id, amount FROM orders;\n";

TEST(SqlMigrate, RewritesTheUsersKafkaToJdbcScript) {
  Migration m = Migrate(kLegacy);
  EXPECT_EQ(m.sql, kMigrated);
  ASSERT_EQ(m.changes.size(), 17u);
  EXPECT_EQ(m.changes[0].line, 5);
  EXPECT_EQ(m.changes[0].from, "'connector.type' = 'kafka'");
  EXPECT_EQ(m.changes[0].to, "'connector' = 'kafka'");
  EXPECT_EQ(m.changes[1].to, "");  // connector.version universal: dropped, exact
  EXPECT_EQ(m.changes[1].note, "");
  EXPECT_EQ(m.changes[8].from, "'format.derive-schema' = 'true'");
  EXPECT_NE(m.changes[8].note.find("column list"), std::string::npos);
  EXPECT_NE(m.diff.find("\n-  'connector.type' = 'kafka',\n"), std::string::npos) << m.diff;
  EXPECT_NE(m.diff.find("\n+  'connector' = 'kafka',\n"), std::string::npos) << m.diff;
  EXPECT_NE(m.diff.find("@@ -3,"), std::string::npos) << m.diff;
  // The result is clean.
  auto f = Lint(Analyze(m.sql), {});
  EXPECT_TRUE(f.empty()) << Codes(f)[0];
  // Migrating again changes nothing.
  Migration again = Migrate(m.sql);
  EXPECT_FALSE(again.changed());
  EXPECT_EQ(again.sql, m.sql);
  EXPECT_EQ(again.diff, "");
}

TEST(SqlMigrate, UpsertModesBecomeKeysOrUpsertKafkaWithNotes) {
  Migration m = Migrate(
      "CREATE TABLE k (id INT, v STRING) WITH ('connector.type' = 'kafka', 'connector.version' = "
      "'0.11', 'connector.topic' = 't', 'update-mode' = 'upsert', 'format.type' = 'json', "
      "'connector.startup-mode' = 'earliest-offset');\n"
      "CREATE TABLE j (id INT) WITH ('connector.type' = 'jdbc', 'connector.url' = 'u', "
      "'connector.table' = 'x', 'update-mode' = 'upsert');\n");
  EXPECT_EQ(
      m.sql,
      "CREATE TABLE k (id INT, v STRING) WITH ('connector' = 'upsert-kafka', 'topic' = 't', "
      "'value.format' = 'json',\n  'key.format' = 'json');\n"
      "CREATE TABLE j (id INT) WITH ('connector' = 'jdbc', 'url' = 'u', 'table-name' = 'x');\n");
  std::string notes;
  for (const auto& c : m.changes) notes += c.note + "\n";
  EXPECT_NE(notes.find("only the universal Kafka client remains"), std::string::npos);
  EXPECT_NE(notes.find("PRIMARY KEY (...) NOT ENFORCED"), std::string::npos);
  EXPECT_NE(notes.find("upsert-kafka always reads"), std::string::npos);
}

TEST(SqlMigrate, ElasticsearchHbaseAndFilesystem) {
  Migration m = Migrate(
      "CREATE TABLE e (a INT) WITH (\n"
      "  'connector.type' = 'elasticsearch',\n"
      "  'connector.version' = '6',\n"
      "  'connector.hosts' = 'http://h:9200',\n"
      "  'connector.index' = 'idx',\n"
      "  'connector.document-type' = 'doc',\n"
      "  'connector.bulk-flush.backoff.type' = 'disabled',\n"
      "  'connector.flush-on-checkpoint' = 'false',\n"
      "  'format.type' = 'json'\n"
      ");\n"
      "CREATE TABLE h (rk STRING) WITH (\n"
      "  'connector.type' = 'hbase',\n"
      "  'connector.version' = '2.2.3',\n"
      "  'connector.table-name' = 'ht',\n"
      "  'connector.zookeeper.quorum' = 'zk:2181',\n"
      "  'connector.write.buffer-flush.max-rows' = '10'\n"
      ");\n"
      "CREATE TABLE f (a INT) WITH (\n"
      "  'connector.type' = 'filesystem',\n"
      "  'connector.path' = '/tmp/x',\n"
      "  'format.type' = 'csv',\n"
      "  'format.field-delimiter' = '|',\n"
      "  'format.ignore-first-line' = 'true'\n"
      ");\n");
  EXPECT_EQ(m.sql,
            "CREATE TABLE e (a INT) WITH (\n"
            "  'connector' = 'elasticsearch-6',\n"
            "  'hosts' = 'http://h:9200',\n"
            "  'index' = 'idx',\n"
            "  'document-type' = 'doc',\n"
            "  'sink.bulk-flush.backoff.strategy' = 'NONE',\n"
            "  'sink.delivery-guarantee' = 'none',\n"
            "  'format' = 'json'\n"
            ");\n"
            "CREATE TABLE h (rk STRING) WITH (\n"
            "  'connector' = 'hbase-2.2',\n"
            "  'table-name' = 'ht',\n"
            "  'zookeeper.quorum' = 'zk:2181',\n"
            "  'sink.buffer-flush.max-rows' = '10'\n"
            ");\n"
            "CREATE TABLE f (a INT) WITH (\n"
            "  'connector' = 'filesystem',\n"
            "  'path' = '/tmp/x',\n"
            "  'format' = 'csv',\n"
            "  'csv.field-delimiter' = '|'\n"
            ");\n");
  bool noted = false;
  for (const auto& c : m.changes)
    if (c.from == "'format.ignore-first-line' = 'true'" &&
        c.note.find("no equivalent") != std::string::npos)
      noted = true;
  EXPECT_TRUE(noted);
}

TEST(SqlMigrate, IndexedKafkaPropertiesAndCommentsAreKept) {
  Migration m = Migrate(
      "-- source\nCREATE TABLE k (a INT) WITH ('connector.type' = 'kafka', -- the type\n"
      "'connector.properties.0.key' = 'bootstrap.servers', 'connector.properties.0.value' = 'h:1',"
      " 'format.type' = 'json');\n");
  EXPECT_EQ(m.sql,
            "-- source\nCREATE TABLE k (a INT) WITH ('connector' = 'kafka', -- the type\n"
            "'properties.bootstrap.servers' = 'h:1', 'format' = 'json');\n");
}

// ---- completion

TEST(SqlComplete, TablesColumnsKeywordsAndOptions) {
  std::string sql =
      "CREATE TABLE orders (order_id BIGINT, amount DOUBLE) WITH ('connector' = 'kafka', 'sc');\n"
      "INSERT INTO x SELECT o.am FROM ord";
  // After FROM: tables.
  auto r = Complete(sql, 2, 35, nullptr);
  EXPECT_EQ(r.prefix, "ord");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].label, "orders");
  // Qualified by an alias defined later in the statement.
  std::string sql2 = sql + "ers o";
  r = Complete(sql2, 2, 26, nullptr);
  EXPECT_EQ(r.prefix, "am");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].label, "amount");
  EXPECT_EQ(r.items[0].kind, "column");
  // Inside WITH: the connector's options.
  r = Complete(sql, 1, 86, nullptr);
  EXPECT_EQ(r.prefix, "sc");
  ASSERT_FALSE(r.items.empty());
  EXPECT_EQ(r.items[0].label, "scan.startup.mode");
  // The value of 'connector'.
  r = Complete("CREATE TABLE t (a INT) WITH ('connector' = 'jd", 1, 47, nullptr);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].label, "jdbc");
  // Keywords.
  r = Complete("INS", 1, 4, nullptr);
  ASSERT_FALSE(r.items.empty());
  EXPECT_EQ(r.items[0].label, "INSERT");
}

// ---- deploy and Flink's positions

TEST(SqlDeployCheck, LegacySqlIsRefusedWithTheRewriteUnlessTheAppMigrates) {
  auto refused = SqlForDeploy(kLegacy, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::SQL_LEGACY_OPTIONS);
  EXPECT_EQ(refused.error().field, "sql");
  EXPECT_NE(refused.error().message.find("tables 'orders', 'totals'"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("+  'connector' = 'kafka',"), std::string::npos);
  auto migrated = SqlForDeploy(kLegacy, true);
  ASSERT_TRUE(migrated.ok());
  EXPECT_EQ(*migrated, kMigrated);
  auto current = SqlForDeploy(kMigrated, false);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(*current, kMigrated);
}

TEST(SqlValidatorFinding, TakesFlinksLineAndColumnElseTheStatementsLine) {
  Finding f =
      FlinkFinding(3, "SQL validation failed. From line 4, column 12 to line 4, column 18: x");
  EXPECT_EQ(f.line, 4);
  EXPECT_EQ(f.column, 12);
  EXPECT_EQ(f.code, "flink");
  Finding g = FlinkFinding(7, "Could not find any factory for identifier 'nosuch'");
  EXPECT_EQ(g.line, 7);
  EXPECT_EQ(g.column, 0);
  EXPECT_EQ(FlinkFinding(0, "no INSERT").line, 1);
}

TEST(SqlValidatorPool, WithoutARunnerValidationIsUnavailableAndNothingStarts) {
  struct NoHttp : http::HttpClient {
    http::ClientResult Send(const http::ClientRequest&) override {
      return http::ClientFailure{http::ClientFailure::Kind::kCouldNotConnect, "no"};
    }
  } client;
  RunnerValidatorOptions options;
  options.work_dir = ::testing::TempDir() + "/sluice-sql-pool-test";
  RunnerValidatorPool pool(options, client);
  ValidationTarget target{"/nonexistent", "1.20.5", {}};
  auto r = pool.Check(target, "INSERT INTO a SELECT 1", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::SQL_VALIDATOR_UNAVAILABLE);
  EXPECT_FALSE(pool.CachedConnectors(target).has_value());
  pool.PrefetchConnectors(target);  // no runner: nothing to do
  EXPECT_EQ(pool.process_count(), 0u);
}

}  // namespace
}  // namespace sluice::sql
