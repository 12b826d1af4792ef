// The `sluice` command line end to end against a real server: login, whoami, people, tokens,
// Flink environments and clusters (none is started here), applications (never deployed to a real
// Flink here), errors and exit codes, and the saved credentials file. Tests whose name contains
// "Flink" need real Flink homes (SLUICE_TEST_FLINK_HOMES) and run in the functional-flink stage of
// scripts/run-tests.sh.
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixture.h"
#include "flink/flink_test_homes.h"

namespace sluice::testing {
namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

class Cli : public SluiceTest {
 protected:
  void SetUp() override {
    SluiceTest::SetUp();
    config_dir_ = server_->data_dir() + "-cli";
  }
  void TearDown() override {
    std::filesystem::remove_all(config_dir_);
    SluiceTest::TearDown();
  }
  // Runs `sluice ARGS` with a private config folder; `input` goes to stdin.
  CliRun Sluice(const std::string& args, const std::string& input = "",
                const std::string& env = "") {
    std::string command = "printf '%s' '" + input + "' | env -u SLUICE_SERVER -u SLUICE_TOKEN " +
                          "SLUICE_CONFIG_DIR=" + config_dir_ + " " + env + " " + SluiceBinary() +
                          " " + args + " 2>&1";
    CliRun run;
    FILE* pipe = ::popen(command.c_str(), "r");
    std::array<char, 4096> buffer{};
    size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
      run.out.append(buffer.data(), n);
    int status = ::pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
  }
  // Logs the CLI in as admin, saving the login for the next commands.
  void LogIn() {
    CliRun login =
        Sluice("login --server " + server_->base_url() + " --username admin " + "--password-stdin",
               "admin-password-for-tests\n");
    ASSERT_EQ(login.exit_code, 0) << login.out;
  }
  // The id of the object named `name` in the list at `path` (as admin); 0 when there is none.
  int64_t IdOf(const std::string& path, const std::string& name) {
    for (const Json& item : admin().Get(path).json().value("items", Json::array())) {
      if (item.value("name", "") == name) return item.value("id", int64_t{0});
    }
    return 0;
  }
  std::string config_dir_;
};

TEST_F(Cli, LoginWhoamiPeopleTokensAndLogout) {
  std::string server = "--server " + server_->base_url();
  CliRun before = Sluice("whoami");
  EXPECT_EQ(before.exit_code, 4) << before.out;
  EXPECT_NE(before.out.find("not logged in"), std::string::npos);

  CliRun wrong =
      Sluice("login " + server + " --username admin --password-stdin", "not-the-password\n");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("INVALID_CREDENTIALS"), std::string::npos) << wrong.out;

  CliRun login = Sluice("login " + server + " --username admin --password-stdin",
                        "admin-password-for-tests\n");
  ASSERT_EQ(login.exit_code, 0) << login.out;
  std::string credentials = config_dir_ + "/credentials.json";
  struct stat info {};
  ASSERT_EQ(::stat(credentials.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(login.out.find("sls_"), std::string::npos) << "the token is never printed";

  CliRun whoami = Sluice("whoami");
  EXPECT_EQ(whoami.exit_code, 0) << whoami.out;
  EXPECT_NE(whoami.out.find("admin"), std::string::npos);
  EXPECT_NE(whoami.out.find("default"), std::string::npos);

  EXPECT_EQ(Sluice("user create --username alice --password-stdin", "alice-password-1\n").exit_code,
            0);
  CliRun again = Sluice("user create --username alice --password-stdin", "alice-password-1\n");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("USER_EXISTS"), std::string::npos) << again.out;
  EXPECT_EQ(Sluice("team create analytics --description 'Analytics jobs'").exit_code, 0);
  EXPECT_EQ(Sluice("team member add analytics alice --role developer").exit_code, 0);
  CliRun bad_role = Sluice("team member add analytics alice --role boss");
  EXPECT_EQ(bad_role.exit_code, 2) << bad_role.out;

  CliRun members = Sluice("team member list analytics -o json");
  ASSERT_EQ(members.exit_code, 0) << members.out;
  Json parsed = Json::parse(members.out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << members.out;
  EXPECT_EQ(parsed["items"][0]["username"], "alice");
  EXPECT_EQ(parsed["items"][0]["role"], "developer");

  CliRun token = Sluice("token create --name ci --team analytics");
  ASSERT_EQ(token.exit_code, 0) << token.out;
  auto start = token.out.find("slt_");
  ASSERT_NE(start, std::string::npos) << token.out;
  std::string secret = token.out.substr(start, token.out.find_first_of(" \n", start) - start);
  CliRun as_token =
      Sluice("--server " + server_->base_url() + " whoami", "", "SLUICE_TOKEN=" + secret);
  EXPECT_EQ(as_token.exit_code, 0) << as_token.out;
  CliRun forbidden =
      Sluice("user list", "", "SLUICE_SERVER=" + server_->base_url() + " SLUICE_TOKEN=" + secret);
  EXPECT_EQ(forbidden.exit_code, 1) << forbidden.out;
  EXPECT_NE(forbidden.out.find("FORBIDDEN"), std::string::npos);

  CliRun unreachable = Sluice("--server http://127.0.0.1:1 --token x whoami");
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.out;

  // What the CLI did is what the API shows.
  Json teams = admin().Get("/api/v1/teams?q=analytics").json();
  ASSERT_EQ(teams["total"], 1);
  EXPECT_EQ(teams["items"][0]["description"], "Analytics jobs");

  EXPECT_EQ(Sluice("logout").exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(credentials));
  EXPECT_EQ(Sluice("whoami").exit_code, 4);
}

TEST_F(Cli, EnvListOnAnEmptyServerAndEnvAddOfAFolderThatIsNoHome) {
  ASSERT_NO_FATAL_FAILURE(LogIn());
  CliRun empty = Sluice("env list");
  EXPECT_EQ(empty.exit_code, 0) << empty.out;
  EXPECT_EQ(empty.out, "No Flink environments.\n");
  CliRun empty_json = Sluice("env list -o json");
  ASSERT_EQ(empty_json.exit_code, 0) << empty_json.out;
  EXPECT_EQ(Json::parse(empty_json.out, nullptr, false),
            Json({{"items", Json::array()}, {"total", 0}}))
      << empty_json.out;

  // A folder that exists but is no Flink home: the server's reason, exit 1.
  std::string folder = std::filesystem::canonical(server_->data_dir()).string();
  CliRun bad = Sluice("env add x '" + folder + "'");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_EQ(bad.out.rfind("error: '" + folder + "' is not a Flink home: it has no executable " +
                              "bin/flink (FLINK_HOME_INVALID, request ",
                          0),
            0u)
      << bad.out;
  EXPECT_EQ(admin().Get("/api/v1/flink-envs").json().value("total", -1), 0);
}

TEST_F(Cli, EnvAndClusterCommandsWithAFakeHome) {
  ASSERT_NO_FATAL_FAILURE(LogIn());
  // The layout Sluice checks, without a JVM: enough to register an environment and clusters that
  // are never started.
  flink::testing::FakeFlinkHome home("1.20.5", "config.yaml", "taskmanager.numberOfTaskSlots: 1\n");
  CliRun added = Sluice("env add fake-1.20 '" + home.path() + "' --description 'no JVM'");
  ASSERT_EQ(added.exit_code, 0) << added.out;
  int64_t env_id = IdOf("/api/v1/flink-envs", "fake-1.20");
  ASSERT_NE(env_id, 0);
  EXPECT_NE(added.out.find("Registered Flink environment fake-1.20 (id " + std::to_string(env_id) +
                           "): Flink 1.20.5"),
            std::string::npos)
      << added.out;
  EXPECT_NE(added.out.find("it is the default"), std::string::npos) << added.out;

  // A remote cluster where nothing listens is refused by the server's probe.
  std::string dead = "http://127.0.0.1:" + std::to_string(FreePort());
  CliRun unreachable = Sluice("cluster create x --remote --address " + dead);
  EXPECT_EQ(unreachable.exit_code, 1) << unreachable.out;
  EXPECT_NE(unreachable.out.find("(CLUSTER_UNREACHABLE, request "), std::string::npos)
      << unreachable.out;
  CliRun none = Sluice("cluster list");
  EXPECT_EQ(none.exit_code, 0) << none.out;
  EXPECT_EQ(none.out, "No clusters.\n");

  // A managed cluster, created (never started), by the environment's name, with settings.
  CliRun created = Sluice(
      "cluster create small --managed --env fake-1.20 --taskmanagers 2 --set "
      "taskmanager.numberOfTaskSlots=4 --set parallelism.default=2");
  ASSERT_EQ(created.exit_code, 0) << created.out;
  int64_t cluster_id = IdOf("/api/v1/clusters", "small");
  ASSERT_NE(cluster_id, 0);
  Json cluster = admin().Get("/api/v1/clusters/" + std::to_string(cluster_id)).json();
  EXPECT_EQ(cluster["flink_env_id"], env_id);
  EXPECT_EQ(cluster["state"], "STOPPED");
  EXPECT_EQ(cluster["taskmanagers"], 2);
  EXPECT_EQ(cluster["config"],
            Json({{"taskmanager.numberOfTaskSlots", "4"}, {"parallelism.default", "2"}}));

  CliRun shown = Sluice("cluster show small");
  EXPECT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_NE(shown.out.find("State:         STOPPED"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("No processes."), std::string::npos) << shown.out;
  CliRun listed = Sluice("cluster list --kind managed -o json");
  ASSERT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_EQ(Json::parse(listed.out, nullptr, false).value("total", -1), 1) << listed.out;
  CliRun events = Sluice("cluster events small");
  EXPECT_EQ(events.exit_code, 0) << events.out;
  EXPECT_NE(events.out.find("registered"), std::string::npos) << events.out;

  CliRun in_use = Sluice("env remove fake-1.20");
  EXPECT_EQ(in_use.exit_code, 1) << in_use.out;
  EXPECT_NE(in_use.out.find("FLINK_ENV_IN_USE"), std::string::npos) << in_use.out;
  CliRun removed = Sluice("cluster remove small");
  EXPECT_EQ(removed.exit_code, 0) << removed.out;
  EXPECT_EQ(removed.out, "Removed cluster small (id " + std::to_string(cluster_id) + ").\n");
  CliRun gone = Sluice("cluster show small");
  EXPECT_EQ(gone.exit_code, 1) << gone.out;
  EXPECT_NE(gone.out.find("CLUSTER_NOT_FOUND"), std::string::npos) << gone.out;
  EXPECT_EQ(Sluice("env remove fake-1.20").exit_code, 0);
  EXPECT_EQ(admin().Get("/api/v1/flink-envs").json().value("total", -1), 0);
}

// Writes `text` to `path`.
void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST_F(Cli, AppCreateListShowUpdateVersionsDeployAndDelete) {
  ASSERT_NO_FATAL_FAILURE(LogIn());
  // An environment is needed for a definition (no JVM: nothing is deployed to Flink here).
  flink::testing::FakeFlinkHome home("1.20.5", "config.yaml", "taskmanager.numberOfTaskSlots: 1\n");
  ASSERT_EQ(Sluice("env add fake '" + home.path() + "'").exit_code, 0);
  const std::string v1 = config_dir_ + "/v1.sql", v2 = config_dir_ + "/v2.sql";
  WriteFile(v1, "CREATE TABLE s (x INT) WITH ('connector' = 'datagen');\n");
  WriteFile(v2,
            "CREATE TABLE s (x INT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n");

  // No --cluster: application mode.
  CliRun created = Sluice("app create orders --team default --sql-file " + v1 +
                          " --parallelism 2 --option pipeline.name=orders");
  ASSERT_EQ(created.exit_code, 0) << created.out;
  int64_t id = IdOf("/api/v1/apps", "orders");
  ASSERT_NE(id, 0);
  const std::string ids = std::to_string(id);
  EXPECT_EQ(created.out, "Created sql application orders (id " + ids +
                             ") in team default: version 1, NEW; deploy it with `sluice app "
                             "deploy orders`.\n");
  Json app = admin().Get("/api/v1/apps/" + ids).json();
  EXPECT_EQ(app["target"], Json({{"mode", "application"}})) << app.dump();
  EXPECT_EQ(app["parallelism"], 2);
  EXPECT_EQ(app["options"], Json({{"pipeline.name", "orders"}}));

  CliRun listed = Sluice("app list");
  ASSERT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_NE(listed.out.find("TEAM"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find(ids + "   orders  default  sql   NEW    -/1"), std::string::npos)
      << listed.out;
  CliRun none = Sluice("app list --state RUNNING");
  EXPECT_EQ(none.out, "No applications.\n");

  CliRun shown = Sluice("app show orders");
  ASSERT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_NE(shown.out.find("Target:            application mode\n"), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("Options:           pipeline.name=orders\n"), std::string::npos)
      << shown.out;
  std::string sql_last = "\nSQL:\nCREATE TABLE s (x INT) WITH ('connector' = 'datagen');\n";
  ASSERT_GE(shown.out.size(), sql_last.size());
  EXPECT_EQ(shown.out.substr(shown.out.size() - sql_last.size()), sql_last) << shown.out;

  CliRun updated = Sluice("app update orders --sql-file " + v2 + " --note 'slower source'");
  ASSERT_EQ(updated.exit_code, 0) << updated.out;
  EXPECT_EQ(updated.out, "Updated orders (id " + ids +
                             "): version 2 is the draft (deployed: -); deploy it with `sluice app "
                             "deploy orders`.\n");
  CliRun versions = Sluice("app versions orders -o json");
  ASSERT_EQ(versions.exit_code, 0) << versions.out;
  Json parsed = Json::parse(versions.out, nullptr, false);
  ASSERT_EQ(parsed.value("total", -1), 2) << versions.out;
  EXPECT_EQ(parsed["items"][0]["note"], "slower source");
  EXPECT_EQ(parsed["items"][0]["draft"], true);
  CliRun table = Sluice("app versions orders");
  EXPECT_NE(table.out.find("2        yes    no        slower source"), std::string::npos)
      << table.out;
  CliRun first = Sluice("app versions orders --show 1");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_EQ(first.out.substr(first.out.size() - sql_last.size()), sql_last) << first.out;

  // A deploy that cannot work here (this server has no SQL runner): --wait follows the
  // operation to its end and prints why, exit 1, and the app is as it was.
  CliRun deploy = Sluice("app deploy orders --wait --timeout 30");
  EXPECT_EQ(deploy.exit_code, 1) << deploy.out;
  EXPECT_NE(deploy.out.find("operation 1 (deploy): FAILED"), std::string::npos) << deploy.out;
  EXPECT_NE(deploy.out.find("the SQL runner jar is not installed (set runner_jar"),
            std::string::npos)
      << deploy.out;
  EXPECT_EQ(admin().Get("/api/v1/apps/" + ids).json().value("state", ""), "NEW");
  CliRun logs = Sluice("app logs orders");
  EXPECT_EQ(logs.exit_code, 1) << logs.out;
  EXPECT_NE(logs.out.find("(APP_LOG_NOT_FOUND, request "), std::string::npos) << logs.out;
  CliRun stop = Sluice("app stop orders");
  EXPECT_EQ(stop.exit_code, 1) << stop.out;
  EXPECT_NE(stop.out.find("APP_WRONG_STATE"), std::string::npos) << stop.out;
  EXPECT_EQ(Sluice("app events orders").exit_code, 0);
  CliRun savepoints = Sluice("app savepoints orders");
  EXPECT_EQ(savepoints.out, "No savepoints or retained checkpoints.\n");

  // The same name in another team: the name alone is ambiguous, --team picks.
  ASSERT_EQ(Sluice("team create analytics").exit_code, 0);
  ASSERT_EQ(Sluice("app create orders --team analytics --sql-file " + v1).exit_code, 0);
  CliRun ambiguous = Sluice("app show orders");
  EXPECT_EQ(ambiguous.exit_code, 1) << ambiguous.out;
  EXPECT_NE(ambiguous.out.find("2 applications are named 'orders', in teams default (app id " +
                               ids + "), analytics (app id "),
            std::string::npos)
      << ambiguous.out;
  EXPECT_NE(ambiguous.out.find("(APP_AMBIGUOUS)"), std::string::npos) << ambiguous.out;
  CliRun other = Sluice("app delete orders --team analytics");
  EXPECT_EQ(other.exit_code, 0) << other.out;

  CliRun deleted = Sluice("app delete orders");
  EXPECT_EQ(deleted.exit_code, 0) << deleted.out;
  EXPECT_EQ(deleted.out, "Deleted application orders (id " + ids + ").\n");
  CliRun gone = Sluice("app show orders");
  EXPECT_EQ(gone.exit_code, 1) << gone.out;
  EXPECT_NE(gone.out.find("no application named 'orders' in your teams (APP_NOT_FOUND)"),
            std::string::npos)
      << gone.out;
  EXPECT_EQ(admin().Get("/api/v1/apps").json().value("total", -1), 0);
}

// The first of SLUICE_TEST_FLINK_HOMES (colon-separated), or "" when unset.
std::string FirstFlinkHome() {
  const char* env = std::getenv("SLUICE_TEST_FLINK_HOMES");
  if (env == nullptr) return "";
  std::stringstream list(env);
  std::string home;
  while (std::getline(list, home, ':')) {
    if (!home.empty()) return home;
  }
  return "";
}

TEST_F(Cli, FlinkEnvAddShowSyncAndDefaultWithARealHome) {
  std::string home = FirstFlinkHome();
  ASSERT_FALSE(home.empty())
      << "SLUICE_TEST_FLINK_HOMES is not set: run the tests with `make test`, which provisions "
         "Flink, or set it to Flink homes separated by ':' (e.g. "
         "~/.cache/sluice/flink/flink-1.20.5)";
  ASSERT_NO_FATAL_FAILURE(LogIn());
  CliRun added = Sluice("env add real '" + home + "'");
  ASSERT_EQ(added.exit_code, 0) << added.out;
  int64_t real_id = IdOf("/api/v1/flink-envs", "real");
  ASSERT_NE(real_id, 0);
  Json env = admin().Get("/api/v1/flink-envs/" + std::to_string(real_id)).json();
  ASSERT_TRUE(env.is_object()) << env.dump();
  std::string version = env.value("version", "");
  std::string config_file = env.value("config_file", "");
  std::string config = env.value("config", "");
  ASSERT_FALSE(version.empty());
  EXPECT_NE(added.out.find("Flink " + version), std::string::npos) << added.out;

  CliRun shown = Sluice("env show real");
  ASSERT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_NE(shown.out.find("Flink:        " + version + "\n"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("Home:         " + env.value("home", "") + "\n"), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("Default:      yes\n"), std::string::npos) << shown.out;
  // The configuration file's text follows the fields, line for line.
  size_t text = shown.out.find("\nconf/" + config_file + ":\n");
  ASSERT_NE(text, std::string::npos) << shown.out;
  std::string first_line = config.substr(0, config.find('\n'));
  EXPECT_NE(shown.out.find(first_line, text), std::string::npos) << shown.out;

  CliRun json = Sluice("env show " + std::to_string(real_id) + " -o json");
  ASSERT_EQ(json.exit_code, 0) << json.out;
  EXPECT_EQ(Json::parse(json.out, nullptr, false).value("config", ""), config);

  CliRun synced = Sluice("env sync real");
  EXPECT_EQ(synced.exit_code, 0) << synced.out;
  EXPECT_NE(synced.out.find("Flink " + version), std::string::npos) << synced.out;

  CliRun second = Sluice("env add second '" + home + "' --description 'same home'");
  ASSERT_EQ(second.exit_code, 0) << second.out;
  CliRun made_default = Sluice("env default second");
  EXPECT_EQ(made_default.exit_code, 0) << made_default.out;
  int64_t second_id = IdOf("/api/v1/flink-envs", "second");
  EXPECT_EQ(made_default.out, "second (id " + std::to_string(second_id) +
                                  ") is now the default Flink environment.\n");
  EXPECT_EQ(
      admin().Get("/api/v1/flink-envs/" + std::to_string(second_id)).json().value("default", false),
      true);
  EXPECT_EQ(
      admin().Get("/api/v1/flink-envs/" + std::to_string(real_id)).json().value("default", true),
      false);
  CliRun listed = Sluice("env list");
  EXPECT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_NE(listed.out.find("second"), std::string::npos) << listed.out;
}

}  // namespace
}  // namespace sluice::testing
