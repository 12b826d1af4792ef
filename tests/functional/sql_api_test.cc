// The SQL workbench's routes through the real `sluice serve` (no Flink needed): lint, migrate and
// complete, the variables of an app's team, the legacy-option refusal at deploy, and bad input.
// Validation by Flink itself is the sql-live stage (src/sql/validator_live_test.cc) and the
// acceptance variant (acceptance_flink_test.cc).
#include <gtest/gtest.h>

#include "fixture.h"

namespace sluice::testing {
namespace {

using SqlApi = SluiceTest;

const char* kLegacy =
    "CREATE TABLE src (id BIGINT) WITH (\n"
    "  'connector.type' = 'kafka',\n"
    "  'connector.topic' = 'orders',\n"
    "  'update-mode' = 'append',\n"
    "  'format.type' = 'json'\n"
    ");\n"
    "CREATE TABLE out1 (id BIGINT) WITH ('connector' = 'blackhole');\n"
    "INSERT INTO out1 SELECT id FROM src;\n";

TEST_F(SqlApi, LintMigrateAndCompleteAnswerTheirShapes) {
  HttpResult lint = admin().Post("/api/v1/sql/lint", {{"sql", kLegacy}});
  ASSERT_EQ(lint.status, 200) << lint.body;
  ASSERT_EQ(lint.json()["findings"].size(), 1u) << lint.body;
  EXPECT_EQ(lint.json()["findings"][0]["code"], "legacy-options");
  EXPECT_EQ(lint.json()["findings"][0]["line"], 2);
  EXPECT_EQ(lint.json()["statements"].size(), 3u);
  EXPECT_EQ(lint.json()["statements"][0]["last_line"], 6);

  HttpResult migrated = admin().Post("/api/v1/sql/migrate", {{"sql", kLegacy}});
  ASSERT_EQ(migrated.status, 200) << migrated.body;
  EXPECT_TRUE(migrated.json()["changed"].get<bool>());
  EXPECT_TRUE(migrated.json()["findings"].empty()) << migrated.body;
  std::string sql = migrated.json()["sql"];
  EXPECT_NE(sql.find("'connector' = 'kafka'"), std::string::npos) << sql;
  EXPECT_EQ(sql.find("connector.topic"), std::string::npos) << sql;
  EXPECT_NE(migrated.json()["diff"].get<std::string>().find("-  'connector.topic' = 'orders',"),
            std::string::npos);

  HttpResult complete = admin().Post("/api/v1/sql/complete",
                                     {{"sql", "CREATE TABLE t (a INT) WITH ('connector' = 'jd"},
                                      {"position", {{"line", 1}, {"column", 47}}}});
  ASSERT_EQ(complete.status, 200) << complete.body;
  ASSERT_EQ(complete.json()["items"].size(), 1u) << complete.body;
  EXPECT_EQ(complete.json()["items"][0]["label"], "jdbc");

  // Checks change nothing: none of them is in the audit log (the console lints as one types).
  HttpResult audit = admin().Get("/api/v1/audit?limit=1000");
  ASSERT_EQ(audit.status, 200) << audit.body;
  for (const Json& item : audit.json()["items"]) {
    EXPECT_EQ(item.value("action", "").rfind("sql.", 0), std::string::npos) << item.dump();
  }
}

TEST_F(SqlApi, BadInputIs400NamingTheField) {
  HttpResult no_sql = admin().Post("/api/v1/sql/lint", Json::object());
  EXPECT_EQ(no_sql.status, 400);
  EXPECT_EQ(no_sql.json()["error"]["field"], "sql");
  HttpResult typo = admin().Post("/api/v1/sql/lint", {{"sql", "x"}, {"sqll", "y"}});
  EXPECT_EQ(typo.status, 400) << typo.body;
  HttpResult no_env = admin().Post("/api/v1/sql/validate", {{"sql", kLegacy}});
  EXPECT_EQ(no_env.status, 400);
  EXPECT_EQ(no_env.json()["error"]["field"], "flink_env_id");
  HttpResult env = admin().Post("/api/v1/sql/validate", {{"sql", kLegacy}, {"flink_env_id", 999}});
  EXPECT_EQ(env.status, 404) << env.body;
  HttpResult app = admin().Post("/api/v1/sql/lint", {{"sql", kLegacy}, {"app_id", 999}});
  EXPECT_EQ(app.status, 404) << app.body;
  HttpResult position = admin().Post("/api/v1/sql/complete", {{"sql", "x"}});
  EXPECT_EQ(position.status, 400);
  EXPECT_EQ(position.json()["error"]["field"], "position");
  EXPECT_EQ(Anonymous().Post("/api/v1/sql/lint", {{"sql", "x"}}).status, 401);
}

}  // namespace
}  // namespace sluice::testing
