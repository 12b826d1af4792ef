// The app commands against a fake transport: the exact requests, name resolution, the output,
// --wait polling (success, failure, deadline), usage errors and exit codes.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "cli/output.h"
#include "cli/testing_commands.h"
#include "cli/testing_fakes.h"

namespace sluice::cli {
namespace {

const char* kTeams =
    R"({"items":[{"id":1,"name":"default"},{"id":2,"name":"analytics"}],"total":2})";

// An app answer; `extra` overrides fields.
Json App(int64_t id, const std::string& name, int64_t team_id, Json extra = Json::object()) {
  Json app = {{"id", id},
              {"name", name},
              {"team_id", team_id},
              {"kind", "sql"},
              {"description", ""},
              {"tags", Json::array()},
              {"state", "NEW"},
              {"operation", nullptr},
              {"state_changed_at", "2026-11-24T23:00:00.000Z"},
              {"job_id", nullptr},
              {"cluster_id", nullptr},
              {"version", nullptr},
              {"draft_version", 1},
              {"started_at", nullptr},
              {"last_error", nullptr},
              {"web_url", nullptr},
              {"created_at", "2026-11-24T23:00:00.000Z"},
              {"updated_at", "2026-11-24T23:00:00.000Z"},
              {"flink_env_id", 1},
              {"target", {{"mode", "session"}, {"cluster_id", 3}}},
              {"sql", "INSERT INTO t SELECT 1;\n"},
              {"jar", nullptr},
              {"dependencies", {{"maven", Json::array()}, {"resources", Json::array()}}},
              {"parallelism", 1},
              {"options", Json::object()},
              {"config_yaml", ""},
              {"dynamic_properties", ""}};
  for (const auto& [key, value] : extra.items()) app[key] = value;
  return app;
}

std::string List(std::vector<Json> items) {
  return Json{{"items", items}, {"total", items.size()}}.dump();
}

std::string Op(const std::string& state, Json extra = Json::object()) {
  Json op = {{"id", 12}, {"kind", "deploy"}, {"state", state}, {"team_id", 1}, {"app_id", 7}};
  for (const auto& [key, value] : extra.items()) op[key] = value;
  return op.dump();
}

class CliAppCommands : public CliCommands {
 protected:
  void SetUp() override {
    CliCommands::SetUp();
    SaveLogin();
    // `demo` in team default (id 7), and `demo-2`, which ?q=demo matches too.
    transport_.On("GET", "/api/v1/apps", 200,
                  List({App(5, "demo-2", 1), App(7, "demo", 1, {{"state", "RUNNING"}})}));
    transport_.On("GET", "/api/v1/teams", 200, kTeams);
  }
  const http::ClientRequest& Request(size_t i) const { return transport_.requests().at(i); }
  std::string Method(size_t i) const { return Request(i).method; }
  std::string Path(size_t i) const { return FakeHttpClient::PathOf(Request(i).url); }
  std::string Query(size_t i) const { return FakeHttpClient::QueryOf(Request(i).url); }
  Json Body(size_t i) const { return Json::parse(Request(i).body); }
  std::string File(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  // The requests as "METHOD /path", in order.
  std::vector<std::string> Sent() const {
    std::vector<std::string> out;
    for (const auto& r : transport_.requests()) {
      out.push_back(r.method + " " + FakeHttpClient::PathOf(r.url));
    }
    return out;
  }
};

// ---- list, show

TEST_F(CliAppCommands, AppListTableWithTeamNames) {
  transport_.On("GET", "/api/v1/apps", 200,
                List({App(5, "demo-2", 1),
                      App(7, "demo", 2,
                          {{"state", "RUNNING"},
                           {"version", 2},
                           {"draft_version", 3},
                           {"job_id", "a1b2c3d4e5f60718293a4b5c6d7e8f90"},
                           {"operation", {{"id", 12}, {"kind", "stop"}, {"state", "RUNNING"}}}})}));
  ASSERT_EQ(Run({"app", "list"}), 0) << Err();
  EXPECT_EQ(Sent(), (std::vector<std::string>{"GET /api/v1/apps", "GET /api/v1/teams"}));
  EXPECT_EQ(Query(0), "");
  EXPECT_EQ(Out(),
            "ID  NAME    TEAM       KIND  STATE    VERSION/DRAFT  JOB       OPERATION\n"
            "5   demo-2  default    sql   NEW      -/1            -         -\n"
            "7   demo    analytics  sql   RUNNING  2/3            a1b2c3d4  stop RUNNING (12)\n");

  ASSERT_EQ(Run({"app", "list", "-o", "json"}), 0) << Err();
  EXPECT_EQ(Json::parse(Out())["items"].size(), 2u);
}

TEST_F(CliAppCommands, AppListFiltersAndEmpty) {
  transport_.On("GET", "/api/v1/apps", 200, List({}));
  ASSERT_EQ(Run({"app", "list", "--team", "analytics", "--state", "RUNNING", "--kind", "jar", "-q",
                 "de"}),
            0)
      << Err();
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(Path(0), "/api/v1/teams");  // the team's name, looked up
  EXPECT_EQ(Path(1), "/api/v1/apps");
  EXPECT_EQ(Query(1), "q=de&team_id=2&state=RUNNING&kind=jar");
  EXPECT_EQ(Out(), "No applications.\n");

  EXPECT_EQ(Run({"app", "list", "--kind", "python"}), kExitUsage);
}

TEST_F(CliAppCommands, AppShowPrintsTheFieldsThenTheTextsWithTheSqlLast) {
  transport_.On("GET", "/api/v1/apps/7", 200,
                App(7, "demo", 1,
                    {{"options", {{"pipeline.name", "orders"}}},
                     {"config_yaml", "execution.checkpointing.interval: 10s\n"},
                     {"dynamic_properties", "-Dstate.backend.type=rocksdb\n"},
                     {"sql", "INSERT INTO t\r\nSELECT '\x1b[31m';\n"},
                     {"last_error", "cluster 'x' cannot be reached"}})
                    .dump());
  ASSERT_EQ(Run({"app", "show", "demo"}), 0) << Err();
  EXPECT_EQ(Sent(), (std::vector<std::string>{"GET /api/v1/apps", "GET /api/v1/apps/7",
                                              "GET /api/v1/teams"}));
  EXPECT_EQ(Query(0), "q=demo&limit=1000&offset=0");
  EXPECT_EQ(Out(),
            "ID:                7\n"
            "Name:              demo\n"
            "Team:              default (id 1)\n"
            "Kind:              sql\n"
            "State:             NEW\n"
            "Since:             1 hour ago\n"
            "Operation:         -\n"
            "Job:               -\n"
            "Cluster:           -\n"
            "Web URL:           -\n"
            "Started:           -\n"
            "Last error:        cluster 'x' cannot be reached\n"
            "Deployed version:  -\n"
            "Draft version:     1\n"
            "Environment:       1\n"
            "Target:            session cluster 3\n"
            "Parallelism:       1\n"
            "Options:           pipeline.name=orders\n"
            "Dependencies:      -\n"
            "Description:       -\n"
            "Created:           1 hour ago\n"
            "Updated:           1 hour ago\n"
            "\n"
            "Configuration (YAML):\n"
            "execution.checkpointing.interval: 10s\n"
            "\n"
            "Dynamic properties:\n"
            "-Dstate.backend.type=rocksdb\n"
            "\n"
            "SQL:\n"
            "INSERT INTO t\n"
            "SELECT '?[31m';\n");
}

TEST_F(CliAppCommands, AppShowOfAJarAppHasAJarLineAndNoSql) {
  transport_.On(
      "GET", "/api/v1/apps/7", 200,
      App(7, "wc", 1,
          {{"kind", "jar"},
           {"sql", nullptr},
           {"target", {{"mode", "application"}}},
           {"dependencies",
            {{"maven",
              {{{"group", "org.apache.flink"},
                {"artifact", "flink-connector-kafka"},
                {"version", "3.3.0-1.20"}}}},
             {"resources", {9}}}},
           {"jar", {{"resource_id", 4}, {"main_class", "com.acme.Wc"}, {"args", {"--in", "x"}}}}})
          .dump());
  ASSERT_EQ(Run({"app", "show", "7"}), 0) << Err();
  EXPECT_NE(Out().find("Target:            application mode\n"), std::string::npos) << Out();
  EXPECT_NE(Out().find("Dependencies:      org.apache.flink:flink-connector-kafka:3.3.0-1.20, "
                       "resource 9\n"),
            std::string::npos)
      << Out();
  EXPECT_NE(Out().find("Jar:               resource 4, main class com.acme.Wc, args: --in x\n"),
            std::string::npos)
      << Out();
  EXPECT_EQ(Out().find("SQL:"), std::string::npos) << Out();
}

// ---- name resolution

TEST_F(CliAppCommands, AppNamesAreExactMatchesAndAnUnknownNameIsAppNotFound) {
  EXPECT_EQ(Run({"app", "show", "dem"}), kExitApiError);
  EXPECT_EQ(Err(), "error: no application named 'dem' in your teams (APP_NOT_FOUND)\n");
  EXPECT_EQ(Sent(), (std::vector<std::string>{"GET /api/v1/apps"}));

  // An id needs no lookup.
  transport_.On("GET", "/api/v1/apps/5", 200, App(5, "demo-2", 1).dump());
  ASSERT_EQ(Run({"app", "show", "5", "-o", "json"}), 0) << Err();
  EXPECT_EQ(Sent().back(), "GET /api/v1/apps/5");
  EXPECT_EQ(Json::parse(Out())["name"], "demo-2");
}

TEST_F(CliAppCommands, AnAmbiguousAppNameListsTheTeamsAndTeamPicksOne) {
  transport_.On("GET", "/api/v1/apps", 200,
                List({App(7, "demo", 1), App(9, "demo", 2), App(11, "demo", 3)}));
  EXPECT_EQ(Run({"app", "delete", "demo"}), kExitApiError);
  EXPECT_EQ(Err(),
            "error: 3 applications are named 'demo', in teams default (app id 7), analytics (app "
            "id 9), 3 (app id 11): pick one with --team TEAM, or give the app id "
            "(APP_AMBIGUOUS)\n");
  for (const auto& sent : Sent()) EXPECT_NE(sent.rfind("DELETE", 0), 0u) << "nothing deleted";

  // With --team, the list is asked for that team only.
  transport_.On("GET", "/api/v1/apps", 200, List({App(9, "demo", 2)}));
  transport_.On("DELETE", "/api/v1/apps/9", 204, "");
  ASSERT_EQ(Run({"app", "delete", "demo", "--team", "analytics"}), 0) << Err();
  size_t n = transport_.requests().size();
  EXPECT_EQ(Path(n - 2), "/api/v1/apps");
  EXPECT_EQ(Query(n - 2), "q=demo&limit=1000&offset=0&team_id=2");
  EXPECT_EQ(Method(n - 1), "DELETE");
  EXPECT_EQ(Path(n - 1), "/api/v1/apps/9");
  EXPECT_EQ(Out(), "Deleted application demo (id 9).\n");

  EXPECT_EQ(Run({"app", "delete", "demo", "--team", "nobody"}), kExitApiError);
  EXPECT_NE(Err().find("TEAM_NOT_FOUND"), std::string::npos) << Err();
}

// ---- create, update

TEST_F(CliAppCommands, AppCreateSqlSendsTheFilesAndOptions) {
  transport_.On("GET", "/api/v1/clusters", 200, R"({"items":[{"id":3,"name":"local"}],"total":1})");
  transport_.On("GET", "/api/v1/flink-envs", 200,
                R"({"items":[{"id":2,"name":"flink-2.0"}],"total":1})");
  transport_.On("POST", "/api/v1/apps", 201, App(8, "orders", 2).dump());
  std::string sql = File("orders.sql", "INSERT INTO t SELECT 1;\n");
  std::string yaml = File("conf.yaml", "parallelism.default: 2\n");
  std::string props = File("props", "-Da=b\n");
  ASSERT_EQ(Run({"app",
                 "create",
                 "orders",
                 "--team",
                 "analytics",
                 "--sql-file",
                 sql,
                 "--cluster",
                 "local",
                 "--env",
                 "flink-2.0",
                 "--parallelism",
                 "4",
                 "--config-file",
                 yaml,
                 "--dynamic-properties-file",
                 props,
                 "--option",
                 "pipeline.name=orders",
                 "--option",
                 "table.exec.mini-batch.enabled=true",
                 "--description",
                 "orders"}),
            0)
      << Err();
  EXPECT_EQ(Sent().back(), "POST /api/v1/apps");
  EXPECT_EQ(
      Body(transport_.requests().size() - 1),
      Json({{"name", "orders"},
            {"team_id", 2},
            {"kind", "sql"},
            {"sql", "INSERT INTO t SELECT 1;\n"},
            {"config_yaml", "parallelism.default: 2\n"},
            {"dynamic_properties", "-Da=b\n"},
            {"options", {{"pipeline.name", "orders"}, {"table.exec.mini-batch.enabled", "true"}}},
            {"parallelism", 4},
            {"description", "orders"},
            {"flink_env_id", 2},
            {"target", {{"mode", "session"}, {"cluster_id", 3}}}}));
  EXPECT_EQ(Out(),
            "Created sql application orders (id 8) in team analytics: version 1, NEW; deploy it "
            "with `sluice app deploy orders`.\n");

  // Without --cluster: application mode; the SQL from stdin.
  stdin_ = "SELECT 2;";
  ASSERT_EQ(Run({"app", "create", "x", "--team", "1", "--sql-file", "-"}), 0) << Err();
  EXPECT_EQ(Body(transport_.requests().size() - 1), Json({{"name", "x"},
                                                          {"team_id", 1},
                                                          {"kind", "sql"},
                                                          {"sql", "SELECT 2;"},
                                                          {"target", {{"mode", "application"}}}}));
}

TEST_F(CliAppCommands, AppCreateJar) {
  transport_.On("POST", "/api/v1/apps", 201, App(8, "wc", 1, {{"kind", "jar"}}).dump());
  ASSERT_EQ(Run({"app", "create", "wc", "--team", "1", "--kind", "jar", "--resource-id", "4",
                 "--main-class", "com.acme.WordCount", "--arg", "--input", "--arg", "s3://in"}),
            0)
      << Err();
  EXPECT_EQ(Body(0), Json({{"name", "wc"},
                           {"team_id", 1},
                           {"kind", "jar"},
                           {"jar",
                            {{"resource_id", 4},
                             {"main_class", "com.acme.WordCount"},
                             {"args", {"--input", "s3://in"}}}},
                           {"target", {{"mode", "application"}}}}));
}

TEST_F(CliAppCommands, AppCreateUsageErrorsSendNothing) {
  EXPECT_EQ(Run({"app", "create", "x", "--team", "1"}), kExitUsage);
  EXPECT_EQ(Err(), "error: a sql app needs --sql-file FILE (its statements; - reads stdin)\n");
  EXPECT_EQ(Run({"app", "create", "x", "--team", "1", "--kind", "jar"}), kExitUsage);
  EXPECT_NE(Err().find("--resource-id"), std::string::npos);
  std::string sql = File("a.sql", "SELECT 1;");
  EXPECT_EQ(Run({"app", "create", "x", "--team", "1", "--sql-file", sql, "--main-class", "A"}),
            kExitUsage);
  EXPECT_NE(Err().find("are for jar apps"), std::string::npos) << Err();
  EXPECT_EQ(Run({"app", "create", "x", "--team", "1", "--sql-file", sql, "--option", "novalue"}),
            kExitUsage);
  EXPECT_NE(Err().find("'novalue' is not KEY=VALUE"), std::string::npos) << Err();
  EXPECT_EQ(Run({"app", "create", "x", "--sql-file", sql}), kExitUsage);  // no --team
  size_t before = transport_.requests().size();
  EXPECT_EQ(
      Run({"app", "create", "x", "--team", "1", "--sql-file", (dir_ / "missing.sql").string()}),
      kExitUsage);
  EXPECT_NE(Err().find("--sql-file: cannot read"), std::string::npos) << Err();
  for (size_t i = before; i < transport_.requests().size(); ++i) EXPECT_NE(Method(i), "POST");
  for (const auto& sent : Sent()) EXPECT_NE(sent, "POST /api/v1/apps");
  EXPECT_EQ(Run({"app", "create", "x", "--team", "1", "--sql-file", "-", "--config-file", "-"}),
            kExitUsage);
  EXPECT_NE(Err().find("only one file can be read from stdin"), std::string::npos) << Err();

  // Checked before the login is even looked at: no saved login, still a usage error.
  std::filesystem::remove(CredentialsFile());
  EXPECT_EQ(Run({"app", "create", "x", "--team", "1", "--sql-file", sql, "--arg", "a"}),
            kExitUsage);
  EXPECT_EQ(Run({"app", "create", "x", "--team", "1", "--sql-file", sql, "--option", "=v"}),
            kExitUsage);
}

TEST_F(CliAppCommands, AppUpdateMergesOptionsAndReportsTheNewVersion) {
  transport_.On("GET", "/api/v1/apps/7", 200,
                App(7, "demo", 1, {{"options", {{"a", "1"}, {"b", "2"}}}, {"version", 1}}).dump());
  transport_.On("PATCH", "/api/v1/apps/7", 200,
                App(7, "demo", 1, {{"draft_version", 2}, {"version", 1}}).dump());
  std::string sql = File("new.sql", "SELECT 3;");
  ASSERT_EQ(
      Run({"app", "update", "demo", "--sql-file", sql, "--option", "b=3", "--note", "faster"}), 0)
      << Err();
  EXPECT_EQ(Sent(), (std::vector<std::string>{"GET /api/v1/apps", "GET /api/v1/apps/7",
                                              "PATCH /api/v1/apps/7"}));
  EXPECT_EQ(
      Body(2),
      Json({{"sql", "SELECT 3;"}, {"options", {{"a", "1"}, {"b", "3"}}}, {"note", "faster"}}));
  EXPECT_EQ(Out(),
            "Updated demo (id 7): version 2 is the draft (deployed: 1); deploy it with `sluice app "
            "deploy demo`.\n");

  // The same definition: no new version.
  transport_.On("PATCH", "/api/v1/apps/7", 200, App(7, "demo", 1).dump());
  ASSERT_EQ(Run({"app", "update", "7", "--parallelism", "1"}), 0) << Err();
  EXPECT_EQ(Out(),
            "Updated demo (id 7): the definition did not change, the draft is still version 1.\n");

  EXPECT_EQ(Run({"app", "update", "demo", "--note", "only a note"}), kExitUsage);
  EXPECT_NE(Err().find("nothing to change"), std::string::npos) << Err();
  EXPECT_EQ(Run({"app", "update", "demo", "--resource-id", "3"}), kExitUsage);  // a sql app
}

TEST_F(CliAppCommands, AppUpdateOfAJarKeepsTheFieldsNotGiven) {
  transport_.On("GET", "/api/v1/apps/7", 200,
                App(7, "wc", 1,
                    {{"kind", "jar"},
                     {"sql", nullptr},
                     {"jar", {{"resource_id", 4}, {"main_class", "A"}, {"args", {"x"}}}}})
                    .dump());
  transport_.On("PATCH", "/api/v1/apps/7", 200, App(7, "wc", 1, {{"draft_version", 2}}).dump());
  ASSERT_EQ(Run({"app", "update", "7", "--main-class", "B"}), 0) << Err();
  EXPECT_EQ(Body(1), Json({{"jar", {{"resource_id", 4}, {"main_class", "B"}, {"args", {"x"}}}}}));
}

// ---- actions without --wait

TEST_F(CliAppCommands, AppDeployPrintsTheOperation) {
  transport_.On("POST", "/api/v1/apps/7/deploy", 202, Op("PENDING"));
  ASSERT_EQ(Run({"app", "deploy", "demo"}), 0) << Err();
  EXPECT_EQ(Sent().back(), "POST /api/v1/apps/7/deploy");
  EXPECT_EQ(Body(1), Json({{"restore", "none"}}));
  EXPECT_EQ(Out(),
            "Deploying demo (id 7): operation 12 is PENDING; follow it with `sluice app show "
            "demo`, or run with --wait.\n");

  ASSERT_EQ(Run({"app", "deploy", "7", "--restore", "latest", "--allow-non-restored-state", "-o",
                 "json"}),
            0)
      << Err();
  EXPECT_EQ(Json::parse(transport_.last().body),
            Json({{"restore", "latest"}, {"allow_non_restored_state", true}}));
  EXPECT_EQ(Json::parse(Out()), Json::parse(Op("PENDING")));
}

TEST_F(CliAppCommands, AppDeployRefusedAtOnceExitsOne) {
  transport_.On(
      "POST", "/api/v1/apps/7/deploy", 422,
      ErrorBody("APP_DEPLOY_FAILED",
                "application mode is not available yet: deploy to a session cluster", "r-9"));
  EXPECT_EQ(Run({"app", "deploy", "demo", "--wait"}), kExitApiError);
  EXPECT_EQ(Out(), "");
  EXPECT_EQ(Err(),
            "error: application mode is not available yet: deploy to a session cluster "
            "(APP_DEPLOY_FAILED, request r-9)\n");
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(CliAppCommands, AppStopAndSavepointBodies) {
  transport_.On("POST", "/api/v1/apps/7/stop", 202, Op("PENDING", {{"kind", "stop"}}));
  transport_.On("POST", "/api/v1/apps/7/savepoints", 202, Op("PENDING", {{"kind", "savepoint"}}));
  ASSERT_EQ(Run({"app", "stop", "demo"}), 0) << Err();
  EXPECT_EQ(Json::parse(transport_.last().body), Json({{"savepoint", false}}));
  EXPECT_NE(Out().find("Cancelling demo (id 7): operation 12 is PENDING"), std::string::npos);
  ASSERT_EQ(Run({"app", "stop", "demo", "--savepoint", "--drain"}), 0) << Err();
  EXPECT_EQ(Json::parse(transport_.last().body), Json({{"savepoint", true}, {"drain", true}}));
  ASSERT_EQ(Run({"app", "savepoint", "demo"}), 0) << Err();
  EXPECT_EQ(FakeHttpClient::PathOf(transport_.last().url), "/api/v1/apps/7/savepoints");
  EXPECT_EQ(Json::parse(transport_.last().body), Json::object());

  size_t before = transport_.requests().size();
  EXPECT_EQ(Run({"app", "stop", "demo", "--drain"}), kExitUsage);         // needs --savepoint
  EXPECT_EQ(Run({"app", "stop", "demo", "--timeout", "5"}), kExitUsage);  // needs --wait
  EXPECT_EQ(transport_.requests().size(), before);
}

// ---- --wait

TEST_F(CliAppCommands, AppDeployWaitPollsTheOperationThenTheApp) {
  transport_.On("POST", "/api/v1/apps/7/deploy", 202, Op("PENDING"));
  transport_.On("GET", "/api/v1/operations/12", 200, Op("RUNNING"));
  // Each wait moves the world on: the operation succeeds, then the app runs.
  int step = 0;
  on_sleep_ = [&] {
    ++step;
    if (step == 2) {
      transport_.On("GET", "/api/v1/operations/12", 200,
                    Op("SUCCEEDED", {{"result", {{"job_id", "abc123"}, {"version", 2}}}}));
      transport_.On("GET", "/api/v1/apps/7", 200,
                    App(7, "demo", 1, {{"state", "DEPLOYING"}, {"job_id", "abc123"}}).dump());
    }
    if (step == 3) {
      transport_.On("GET", "/api/v1/apps/7", 200,
                    App(7, "demo", 1,
                        {{"state", "RUNNING"},
                         {"job_id", "abc123"},
                         {"version", 2},
                         {"web_url", "http://127.0.0.1:8081/#/job/running/abc123"}})
                        .dump());
    }
  };
  ASSERT_EQ(Run({"app", "deploy", "demo", "--wait"}), 0) << Err();
  EXPECT_EQ(Sent(),
            (std::vector<std::string>{"GET /api/v1/apps", "POST /api/v1/apps/7/deploy",
                                      "GET /api/v1/operations/12", "GET /api/v1/operations/12",
                                      "GET /api/v1/apps/7", "GET /api/v1/apps/7"}));
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>(3, std::chrono::seconds(1))));
  EXPECT_EQ(Err(),
            "Deploying demo (id 7): waiting up to 300 s for operation 12...\n"
            "operation 12 (deploy): PENDING\n"
            "operation 12 (deploy): RUNNING\n"
            "operation 12 (deploy): SUCCEEDED\n"
            "submitted job abc123 (version 2); waiting for it to run...\n"
            "application demo (id 7): DEPLOYING\n"
            "application demo (id 7): RUNNING\n");
  EXPECT_EQ(Out(),
            "Application demo (id 7) is RUNNING: job abc123, version 2; web UI at "
            "http://127.0.0.1:8081/#/job/running/abc123.\n");
}

TEST_F(CliAppCommands, AppDeployWaitFailedOperationExitsOneWithItsMessage) {
  transport_.On("POST", "/api/v1/apps/7/deploy", 202, Op("PENDING"));
  transport_.On(
      "GET", "/api/v1/operations/12", 200,
      Op("FAILED", {{"error",
                     {{"code", "CLUSTER_UNREACHABLE"},
                      {"number", 3001},
                      {"message", "cluster 'local' cannot be reached at http://127.0.0.1:1"}}}}));
  EXPECT_EQ(Run({"app", "deploy", "demo", "--wait"}), kExitApiError);
  EXPECT_EQ(Out(), "");
  EXPECT_NE(Err().find("operation 12 (deploy): FAILED\n"
                       "error: deploy of demo (id 7) failed: cluster 'local' cannot be reached at "
                       "http://127.0.0.1:1 (CLUSTER_UNREACHABLE)\n"),
            std::string::npos)
      << Err();

  // -o json prints the failed operation too.
  EXPECT_EQ(Run({"app", "deploy", "demo", "--wait", "-o", "json"}), kExitApiError);
  EXPECT_EQ(Json::parse(Out())["state"], "FAILED");
}

TEST_F(CliAppCommands, AppDeployWaitFailsWhenTheJobFails) {
  transport_.On("POST", "/api/v1/apps/7/deploy", 202,
                Op("SUCCEEDED", {{"result", {{"job_id", "abc"}, {"version", 1}}}}));
  transport_.On(
      "GET", "/api/v1/apps/7", 200,
      App(7, "demo", 1,
          {{"state", "FAILED"}, {"last_error", "java.lang.ClassNotFoundException: com.acme.Udf"}})
          .dump());
  EXPECT_EQ(Run({"app", "deploy", "demo", "--wait"}), kExitApiError);
  EXPECT_NE(Err().find("error: application demo (id 7) is FAILED after the deploy: "
                       "java.lang.ClassNotFoundException: com.acme.Udf (APP_DEPLOY_FAILED)\n"),
            std::string::npos)
      << Err();
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(CliAppCommands, AppDeployWaitGivesUpAtTheDeadline) {
  transport_.On("POST", "/api/v1/apps/7/deploy", 202, Op("PENDING"));
  transport_.On("GET", "/api/v1/operations/12", 200, Op("RUNNING"));
  EXPECT_EQ(Run({"app", "deploy", "demo", "--wait", "--timeout", "3"}), kExitApiError);
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>(3, std::chrono::seconds(1))));
  EXPECT_NE(Err().find("error: operation 12 (deploy of demo (id 7)) is still RUNNING after 3 s; "
                       "it goes on on the server: see `sluice app events demo` "
                       "(OPERATION_TIMEOUT)\n"),
            std::string::npos)
      << Err();

  // The deadline covers the wait for the app as well.
  sleeps_.clear();
  transport_.On("POST", "/api/v1/apps/7/deploy", 202,
                Op("SUCCEEDED", {{"result", {{"job_id", "abc"}, {"version", 1}}}}));
  transport_.On("GET", "/api/v1/apps/7", 200, App(7, "demo", 1, {{"state", "CREATED"}}).dump());
  EXPECT_EQ(Run({"app", "deploy", "demo", "--wait", "--timeout", "2"}), kExitApiError);
  EXPECT_EQ(sleeps_.size(), 2u);
  EXPECT_NE(Err().find(
                "error: application demo (id 7) is still CREATED after 2 s; see `sluice app events "
                "demo` (APP_TIMEOUT)\n"),
            std::string::npos)
      << Err();
}

TEST_F(CliAppCommands, AppStopAndSavepointWaitPrintTheOutcome) {
  transport_.On("POST", "/api/v1/apps/7/stop", 202, Op("PENDING", {{"kind", "stop"}}));
  transport_.On(
      "GET", "/api/v1/operations/12", 200,
      Op("SUCCEEDED",
         {{"kind", "stop"},
          {"result",
           {{"job_id", "abc"}, {"savepoint", "file:/sp/savepoint-1"}, {"state", "FINISHED"}}}}));
  ASSERT_EQ(Run({"app", "stop", "demo", "--savepoint", "--wait"}), 0) << Err();
  EXPECT_EQ(Out(),
            "Stopped demo (id 7): job abc is FINISHED; savepoint at file:/sp/savepoint-1.\n");
  EXPECT_EQ(sleeps_.size(), 1u);

  transport_.On("POST", "/api/v1/apps/7/savepoints", 202, Op("RUNNING", {{"kind", "savepoint"}}));
  transport_.On("GET", "/api/v1/operations/12", 200,
                Op("SUCCEEDED", {{"kind", "savepoint"},
                                 {"result", {{"job_id", "abc"}, {"savepoint", "file:/sp/2"}}}}));
  ASSERT_EQ(Run({"app", "savepoint", "demo", "--wait"}), 0) << Err();
  EXPECT_EQ(Out(), "Took a savepoint of demo (id 7) (job abc): file:/sp/2\n");

  transport_.On(
      "GET", "/api/v1/operations/12", 200,
      Op("FAILED", {{"kind", "savepoint"},
                    {"error", {{"code", "SAVEPOINT_FAILED"}, {"message", "disk full"}}}}));
  EXPECT_EQ(Run({"app", "savepoint", "demo", "--wait"}), kExitApiError);
  EXPECT_NE(Err().find("error: savepoint of demo (id 7) failed: disk full (SAVEPOINT_FAILED)"),
            std::string::npos)
      << Err();
}

// ---- logs, versions, events, savepoints

TEST_F(CliAppCommands, AppLogsPrintsTheTextSafely) {
  transport_.On("GET", "/api/v1/apps/7/logs/start", 200, "starting\r\n\x1b[2Jsubmitted\n",
                {{"content-type", "text/plain; charset=utf-8"}});
  ASSERT_EQ(Run({"app", "logs", "demo"}), 0) << Err();
  EXPECT_EQ(Out(), "starting\n?[2Jsubmitted\n");
  EXPECT_EQ(FakeHttpClient::Header(transport_.last(), "Accept"), "text/plain, application/json");

  transport_.On("GET", "/api/v1/apps/7/logs/start", 404,
                ErrorBody("APP_LOG_NOT_FOUND",
                          "application 'demo' has not been deployed yet: no start log", "r-3"));
  EXPECT_EQ(Run({"app", "logs", "demo"}), kExitApiError);
  EXPECT_EQ(Err(),
            "error: application 'demo' has not been deployed yet: no start log "
            "(APP_LOG_NOT_FOUND, request r-3)\n");
}

TEST_F(CliAppCommands, AppVersionsTableAndShowOne) {
  transport_.On("GET", "/api/v1/apps/7/versions", 200, R"({"items":[
    {"version":2,"note":"faster","created_at":"2026-11-24T23:00:00.000Z","created_by":"admin","draft":true,"deployed":false},
    {"version":1,"note":"created","created_at":"2026-11-24T22:00:00.000Z","created_by":null,"draft":false,"deployed":true}],"total":2})");
  ASSERT_EQ(Run({"app", "versions", "demo"}), 0) << Err();
  EXPECT_EQ(Out(),
            "VERSION  DRAFT  DEPLOYED  NOTE     BY     CREATED\n"
            "2        yes    no        faster   admin  1 hour ago\n"
            "1        no     yes       created  -      2 hours ago\n");

  Json version = App(7, "demo", 1);
  version["version"] = 1;
  version["draft"] = false;
  version["deployed"] = true;
  version["sql"] = "SELECT 1;\n";
  transport_.On("GET", "/api/v1/apps/7/versions/1", 200, version.dump());
  ASSERT_EQ(Run({"app", "versions", "demo", "--show", "1"}), 0) << Err();
  EXPECT_EQ(Sent().back(), "GET /api/v1/apps/7/versions/1");
  EXPECT_EQ(Out(),
            "Version:       1\n"
            "Draft:         no\n"
            "Deployed:      yes\n"
            "Environment:   1\n"
            "Target:        session cluster 3\n"
            "Parallelism:   1\n"
            "Options:       -\n"
            "Dependencies:  -\n"
            "\n"
            "SQL:\n"
            "SELECT 1;\n");
}

TEST_F(CliAppCommands, AppEventsAndSavepointsTables) {
  transport_.On("GET", "/api/v1/apps/7/events", 200, R"({"items":[
    {"id":2,"at":"2026-11-24T23:00:00.000Z","kind":"state","from":"NEW","to":"DEPLOYING","cause":"deploy of version 1","operation_id":12,"job_id":"abc","user":"admin"},
    {"id":1,"at":"2026-11-24T23:00:00.000Z","kind":"operation","cause":"deploy requested by admin","operation_id":12,"job_id":null,"user":"admin"}],"total":2})");
  ASSERT_EQ(Run({"app", "events", "demo", "--limit", "2"}), 0) << Err();
  EXPECT_EQ(Query(transport_.requests().size() - 1), "limit=2");
  EXPECT_EQ(Out(),
            "AT          KIND       CHANGE            CAUSE                      BY     OPERATION\n"
            "1 hour ago  state      NEW -> DEPLOYING  deploy of version 1        admin  12\n"
            "1 hour ago  operation  -                 deploy requested by admin  admin  12\n");

  transport_.On("GET", "/api/v1/apps/7/savepoints", 200, R"({"items":[
    {"id":4,"job_id":"abc","kind":"savepoint","path":"file:/sp/1","created_at":"2026-11-24T23:00:00.000Z","operation_id":12}],"total":1})");
  ASSERT_EQ(Run({"app", "savepoints", "demo"}), 0) << Err();
  EXPECT_EQ(Out(),
            "ID  KIND       PATH        JOB  CREATED\n"
            "4   savepoint  file:/sp/1  abc  1 hour ago\n");
  transport_.On("GET", "/api/v1/apps/7/savepoints", 200, List({}));
  ASSERT_EQ(Run({"app", "savepoints", "demo"}), 0) << Err();
  EXPECT_EQ(Out(), "No savepoints or retained checkpoints.\n");
}

TEST_F(CliAppCommands, AppDeployWaitRidesOutAServerRestart) {
  transport_.On("POST", "/api/v1/apps/7/deploy", 202, Op("PENDING"));
  transport_.On("GET", "/api/v1/operations/12", 200,
                Op("FAILED", {{"error", {{"code", "SUBMIT_FAILED"}, {"message", "no slots"}}}}));
  // The first poll finds the server gone; it is back after the second wait.
  int step = 0;
  on_sleep_ = [&] {
    ++step;
    transport_.SetUnreachable(step == 1 ? "connection refused" : "");
  };
  EXPECT_EQ(Run({"app", "deploy", "demo", "--wait"}), kExitApiError);
  EXPECT_EQ(sleeps_.size(), 2u);
  EXPECT_NE(Err().find("cannot reach the server at http://sluice.test:8765: connection refused; "
                       "asking again until the deadline\n"),
            std::string::npos)
      << Err();
  EXPECT_NE(Err().find("error: deploy of demo (id 7) failed: no slots (SUBMIT_FAILED)"),
            std::string::npos)
      << Err();

  // Gone for good: exit 3 at the deadline.
  sleeps_.clear();
  on_sleep_ = [&] { transport_.SetUnreachable("connection refused"); };
  EXPECT_EQ(Run({"app", "deploy", "demo", "--wait", "--timeout", "4"}), kExitUnreachable);
  EXPECT_EQ(sleeps_.size(), 4u);
}

TEST_F(CliAppCommands, AppCommandsWhenTheServerIsUnreachableExitThree) {
  transport_.SetUnreachable("connection refused");
  EXPECT_EQ(Run({"app", "deploy", "demo", "--wait"}), kExitUnreachable);
  EXPECT_NE(Err().find("cannot reach the server"), std::string::npos) << Err();
}

}  // namespace
}  // namespace sluice::cli
