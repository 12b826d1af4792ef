// Application mode against real Flink, on every provisioned version (SLUICE_TEST_FLINK_HOMES)
// with the SQL runner jar (SLUICE_TEST_RUNNER_JAR). A missing variable fails the tests.
//
// A SQL app (datagen -> blackhole) in application mode: its deploy starts the app's own
// standalone application cluster (RUNNING, under the job id Sluice chose); a stop with a savepoint
// ends the job and the cluster's processes; a deploy restoring the savepoint starts a new cluster
// from it; Sluice killed with SIGKILL while it runs re-adopts that cluster (same job, same
// JobManager, no second cluster); a cancel ends it all.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "fixture.h"
#include "flink/rest_client.h"
#include "flink_homes.h"
#include "http/client.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kDatagenSql[] =
    "CREATE TABLE source (id BIGINT, name STRING) WITH (\n"
    "  'connector' = 'datagen', 'rows-per-second' = '20'\n"
    ");\n"
    "CREATE TABLE sink (id BIGINT, name STRING) WITH ('connector' = 'blackhole');\n"
    "INSERT INTO sink SELECT id, name FROM source;\n";

// The process state letter of /proc/<pid>/stat ('Z' for a zombie), or '-' when there is none.
char ProcState(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? '-' : text[paren + 2];
}

// Ended and reaped by Sluice (not left as its zombie).
bool Gone(int pid) { return ProcState(pid) == '-'; }

class AppModeFlinkTest : public SluiceTest, public ::testing::WithParamInterface<std::string> {
 protected:
  static std::string RunnerJar() {
    const char* jar = std::getenv("SLUICE_TEST_RUNNER_JAR");
    return jar ? jar : "";
  }
  ServerOptions Options() override {
    ServerOptions options;
    options.extra_args = {"--runner-jar", RunnerJar()};
    options.extra_env = {{"SLUICE_TRACKING_INTERVAL_MS", "300"},
                         {"SLUICE_CLUSTER_HEALTH_SECONDS", "1"}};
    return options;
  }
  void SetUp() override {
    ASSERT_FALSE(FlinkHomes().empty()) << "SLUICE_TEST_FLINK_HOMES is not set: run `make test`";
    ASSERT_TRUE(fs::exists(RunnerJar()))
        << "SLUICE_TEST_RUNNER_JAR is not set or missing: run `make test`";
    SluiceTest::SetUp();
  }
  void TearDown() override {
    if (server_) {
      for (const Json& c : ApplicationClusters()) Pids(c["id"]);
    }
    // Whatever a failed assertion left running: the clusters' processes lead their own groups.
    for (int pid : pids_) {
      if (ProcState(pid) != '-' && ProcState(pid) != 'Z') ::kill(-pid, SIGKILL);
    }
    SluiceTest::TearDown();
  }
  Json App(int64_t id) { return admin().Get("/api/v1/apps/" + std::to_string(id)).json(); }
  std::string State(int64_t id) { return App(id).value("state", ""); }
  Json Act(int64_t app, const std::string& action, const Json& body) {
    HttpResult accepted = admin().Post("/api/v1/apps/" + std::to_string(app) + action, body);
    EXPECT_EQ(accepted.status, 202) << accepted.body;
    int64_t op = accepted.json().value("id", int64_t{0});
    Json done;
    EXPECT_TRUE(WaitFor(
        [&] {
          done = admin().Get("/api/v1/operations/" + std::to_string(op)).json();
          std::string state = done.value("state", "");
          return state == "SUCCEEDED" || state == "FAILED";
        },
        std::chrono::minutes(3)))
        << done.dump();
    return done;
  }
  bool WaitForState(int64_t app, const std::string& state) {
    return WaitFor([&] { return State(app) == state; }, std::chrono::seconds(90));
  }
  // The application clusters Sluice lists.
  std::vector<Json> ApplicationClusters() {
    std::vector<Json> out;
    Json listed = admin().Get("/api/v1/clusters?limit=100").json();
    for (const Json& c : listed["items"]) {
      if (c.value("kind", "") == "application") out.push_back(c);
    }
    EXPECT_TRUE(listed.contains("items")) << listed.dump();
    return out;
  }
  // The pids of a cluster's processes (remembered for the clean-up).
  std::vector<int> Pids(int64_t cluster) {
    std::vector<int> out;
    Json shown = admin().Get("/api/v1/clusters/" + std::to_string(cluster)).json();
    for (const Json& p : shown["processes"]) {
      out.push_back(p["pid"].get<int>());
      pids_.insert(out.back());
    }
    return out;
  }
  std::map<std::string, std::string> Jobs(const std::string& web_url) {
    http::CurlHttpClient curl;
    flink::FlinkRestClient rest({web_url}, curl);
    std::map<std::string, std::string> out;
    auto jobs = rest.JobsOverview();
    if (jobs.ok()) {
      for (const auto& job : *jobs) out[job.id] = job.state;
    }
    return out;
  }

  std::set<int> pids_;
};

TEST_P(AppModeFlinkTest, SqlAppInItsOwnApplicationCluster) {
  std::string home = FlinkHomeOfVersion(GetParam());
  ASSERT_FALSE(home.empty()) << "no Flink " << GetParam();
  HttpResult env = admin().Post("/api/v1/flink-envs", {{"name", "flink"}, {"home", home}});
  ASSERT_EQ(env.status, 201) << env.body;
  int64_t team = admin().Get("/api/v1/teams").json()["items"][0]["id"];
  HttpResult created =
      admin().Post("/api/v1/apps", {{"name", "alone"},
                                    {"team_id", team},
                                    {"kind", "sql"},
                                    {"flink_env_id", env.json()["id"]},
                                    {"target", {{"mode", "application"}}},
                                    {"sql", kDatagenSql},
                                    {"parallelism", 1},
                                    {"options",
                                     {{"jobmanager.memory.process.size", "1024m"},
                                      {"taskmanager.memory.process.size", "1280m"},
                                      {"cluster.registration.error-delay", "200 ms"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t app = created.json()["id"];

  // ---- deploy: the app's own cluster runs the job under the id Sluice chose
  Json deployed = Act(app, "/deploy", Json::object());
  ASSERT_EQ(deployed.value("state", ""), "SUCCEEDED") << deployed.dump();
  ASSERT_TRUE(WaitForState(app, "RUNNING")) << App(app).dump();
  std::string job = App(app)["job_id"];
  std::vector<Json> clusters = ApplicationClusters();
  ASSERT_EQ(clusters.size(), 1u);
  int64_t cluster = clusters[0]["id"];
  EXPECT_EQ(App(app)["cluster_id"], cluster);
  std::string web_url = clusters[0]["web_url"];
  EXPECT_EQ(Jobs(web_url)[job], "RUNNING");
  std::vector<int> first = Pids(cluster);
  ASSERT_EQ(first.size(), 2u)  // the JobManager and one TaskManager
      << admin().Get("/api/v1/clusters/" + std::to_string(cluster)).body;

  // ---- stop with a savepoint: the job and the cluster's processes end
  Json stopped = Act(app, "/stop", {{"savepoint", true}});
  ASSERT_EQ(stopped.value("state", ""), "SUCCEEDED") << stopped.dump();
  std::string savepoint = stopped["result"]["savepoint"];
  EXPECT_TRUE(WaitForState(app, "FINISHED")) << App(app).dump();
  EXPECT_TRUE(WaitFor([&] { return Gone(first[0]) && Gone(first[1]); }, std::chrono::seconds(30)))
      << "the application cluster's processes are still there: " << ProcState(first[0])
      << ProcState(first[1]) << " "
      << admin().Get("/api/v1/clusters/" + std::to_string(cluster) + "/events").body;
  EXPECT_EQ(admin().Get("/api/v1/clusters/" + std::to_string(cluster)).json()["state"], "STOPPED");

  // ---- deploy restoring it: a new cluster, a new job, from that savepoint
  Json restored = Act(app, "/deploy", {{"restore", "latest"}});
  ASSERT_EQ(restored.value("state", ""), "SUCCEEDED") << restored.dump();
  EXPECT_EQ(restored["result"]["restored_from"], savepoint);
  ASSERT_TRUE(WaitForState(app, "RUNNING")) << App(app).dump();
  std::string job2 = App(app)["job_id"];
  EXPECT_NE(job2, job);
  web_url = admin().Get("/api/v1/clusters/" + std::to_string(cluster)).json()["web_url"];
  {
    http::CurlHttpClient curl;
    flink::FlinkRestClient rest({web_url}, curl);
    std::string on_disk = savepoint.rfind("file:", 0) == 0 ? savepoint.substr(5) : savepoint;
    EXPECT_TRUE(WaitFor(
        [&] {
          auto stats = rest.Checkpoints(job2);
          return stats.ok() && stats->restored_from &&
                 stats->restored_from->external_path.find(on_disk) != std::string::npos;
        },
        std::chrono::seconds(30)))
        << "the new job did not restore " << savepoint;
  }
  std::vector<int> second = Pids(cluster);
  ASSERT_EQ(second.size(), 2u);

  // ---- Sluice killed while it runs: the cluster is re-adopted, not started again
  server_->Kill9();
  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  EXPECT_EQ(State(app), "RUNNING");
  EXPECT_EQ(App(app)["job_id"], job2);
  EXPECT_EQ(ApplicationClusters().size(), 1u);
  EXPECT_EQ(Pids(cluster), second) << "the same processes, no second cluster";
  EXPECT_EQ(Jobs(web_url)[job2], "RUNNING");
  EXPECT_EQ(Jobs(web_url).size(), 1u);

  // ---- cancel: the job and the cluster end
  Json cancelled = Act(app, "/stop", Json::object());
  ASSERT_EQ(cancelled.value("state", ""), "SUCCEEDED") << cancelled.dump();
  EXPECT_TRUE(WaitForState(app, "CANCELED")) << App(app).dump();
  EXPECT_TRUE(
      WaitFor([&] { return Gone(second[0]) && Gone(second[1]); }, std::chrono::seconds(30)));
}

INSTANTIATE_TEST_SUITE_P(Versions, AppModeFlinkTest, ::testing::Values("1.20.5", "2.0.2"));

}  // namespace
}  // namespace sluice::testing
