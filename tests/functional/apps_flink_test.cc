// Applications against real Flink, on every provisioned version (SLUICE_TEST_FLINK_HOMES) with the
// SQL runner jar (SLUICE_TEST_RUNNER_JAR, built by scripts/provision/runner.sh). A missing
// variable fails the tests: they never skip.
//
// One managed cluster per version, and on it: a SQL app deployed (the job id is Sluice's), a
// savepoint while running, a stop with a savepoint and a deploy restoring it, a deploy that fails
// with its cause, the JobManager frozen (SIGSTOP: LOST) and thawed (SIGCONT: re-attached, same
// job, nothing submitted again), and Sluice killed with SIGKILL while the job runs.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixture.h"
#include "flink/flink_home.h"
#include "flink/rest_client.h"
#include "flink_homes.h"
#include "http/client.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

std::string RunnerJar() {
  const char* jar = std::getenv("SLUICE_TEST_RUNNER_JAR");
  return jar ? jar : "";
}

constexpr char kDatagenSql[] =
    "-- generated rows into a blackhole\n"
    "CREATE TABLE source (id BIGINT, name STRING) WITH (\n"
    "  'connector' = 'datagen', 'rows-per-second' = '50'\n"
    ");\n"
    "CREATE TABLE sink (id BIGINT, name STRING) WITH ('connector' = 'blackhole');\n"
    "INSERT INTO sink SELECT id, name FROM source;\n";

class AppsFlinkTest : public SluiceTest, public ::testing::WithParamInterface<std::string> {
 protected:
  ServerOptions Options() override {
    ServerOptions options;
    options.extra_args = {"--runner-jar", RunnerJar()};
    options.extra_env = {{"SLUICE_TRACKING_INTERVAL_MS", "500"},
                         {"SLUICE_JOB_LOST_SECONDS", "3"},
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
    if (server_ && cluster_ != 0) {
      (void)admin().Post("/api/v1/clusters/" + std::to_string(cluster_) + "/stop", nullptr);
    }
    SluiceTest::TearDown();
  }
  std::string Home() const { return FlinkHomeOfVersion(GetParam()); }
  Json App(int64_t id) { return admin().Get("/api/v1/apps/" + std::to_string(id)).json(); }
  std::string State(int64_t id) { return App(id).value("state", ""); }
  // Posts an action and waits for its operation to end; answers the operation.
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
  bool WaitForState(int64_t app, const std::string& state,
                    std::chrono::milliseconds deadline = std::chrono::seconds(90)) {
    return WaitFor([&] { return State(app) == state; }, deadline);
  }
  // Jobs on the cluster by state, from Flink itself.
  std::map<std::string, std::string> ClusterJobs() {
    http::CurlHttpClient curl;
    flink::FlinkRestClient rest({web_url_}, curl);
    std::map<std::string, std::string> out;
    auto jobs = rest.JobsOverview();
    if (jobs.ok()) {
      for (const auto& job : *jobs) out[job.id] = job.state;
    }
    return out;
  }
  int RunningJobs() {
    int n = 0;
    for (const auto& [id, state] : ClusterJobs()) n += state == "RUNNING" ? 1 : 0;
    return n;
  }

  int64_t cluster_ = 0;
  std::string web_url_;
};

TEST_P(AppsFlinkTest, SqlAppLifecycleOnAManagedCluster) {
  std::string home = Home();
  ASSERT_FALSE(home.empty()) << "no Flink " << GetParam();
  HttpResult env = admin().Post("/api/v1/flink-envs", {{"name", "flink"}, {"home", home}});
  ASSERT_EQ(env.status, 201) << env.body;
  HttpResult created =
      admin().Post("/api/v1/clusters", {{"name", "local"},
                                        {"kind", "managed"},
                                        {"flink_env_id", env.json()["id"]},
                                        {"taskmanagers", 1},
                                        {"config",
                                         {{"taskmanager.numberOfTaskSlots", 4},
                                          {"jobmanager.memory.process.size", "1024m"},
                                          {"taskmanager.memory.process.size", "1280m"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  cluster_ = created.json()["id"];
  std::string cluster_path = "/api/v1/clusters/" + std::to_string(cluster_);
  ASSERT_EQ(admin().Post(cluster_path + "/start", nullptr).status, 202);
  ASSERT_TRUE(
      WaitFor([&] { return admin().Get(cluster_path).json().value("state", "") == "RUNNING"; },
              std::chrono::minutes(3)));
  web_url_ = admin().Get(cluster_path).json().value("web_url", "");
  int jm_pid = admin().Get(cluster_path).json()["processes"][0]["pid"];
  int64_t team = admin().Get("/api/v1/teams").json()["items"][0]["id"];

  // ---- a SQL app: deploy, RUNNING, under the job id Sluice chose
  HttpResult app_created =
      admin().Post("/api/v1/apps", {{"name", "demo"},
                                    {"team_id", team},
                                    {"kind", "sql"},
                                    {"target", {{"mode", "session"}, {"cluster_id", cluster_}}},
                                    {"sql", kDatagenSql},
                                    {"parallelism", 1},
                                    {"config_yaml", "execution.checkpointing.interval: 1s\n"},
                                    {"dynamic_properties", "-Dstate.backend.incremental=true\n"}});
  ASSERT_EQ(app_created.status, 201) << app_created.body;
  int64_t app = app_created.json()["id"];
  // The console's live updates: the stream opened before the deploy sees it happen.
  EventStreamReader live(server_->port(), "/api/v1/events/stream", admin().token());
  ASSERT_TRUE(live.ReadUntil(
      [](const std::string& text) { return text.find(": connected") != std::string::npos; },
      std::chrono::seconds(10)))
      << live.text();
  Json deployed = Act(app, "/deploy", Json::object());
  ASSERT_EQ(deployed.value("state", ""), "SUCCEEDED") << deployed.dump();
  ASSERT_TRUE(WaitForState(app, "RUNNING")) << App(app).dump();
  auto streamed = [&](const EventStreamReader& reader, const std::string& to) {
    for (const Json& event : reader.AppEvents()) {
      if (event.value("app_id", int64_t{0}) == app && event.value("to", "") == to) return true;
    }
    return false;
  };
  EXPECT_TRUE(live.ReadUntil([&](const std::string&) { return streamed(live, "RUNNING"); },
                             std::chrono::seconds(5)))
      << live.text();
  EXPECT_TRUE(streamed(live, "DEPLOYING")) << live.text();
  {
    // A client that reconnects with the first event's id gets what came after it.
    std::vector<Json> seen = live.AppEvents();
    ASSERT_FALSE(seen.empty());
    EventStreamReader resumed(server_->port(), "/api/v1/events/stream", admin().token(),
                              std::to_string(seen.front().value("id", int64_t{0})));
    EXPECT_TRUE(resumed.ReadUntil([&](const std::string&) { return streamed(resumed, "RUNNING"); },
                                  std::chrono::seconds(5)))
        << resumed.text();
  }
  std::string job = App(app)["job_id"];
  EXPECT_EQ(deployed["result"]["job_id"], job);
  EXPECT_EQ(ClusterJobs()[job], "RUNNING") << "the job runs under the id Sluice chose";
  HttpResult log = admin().Get("/api/v1/apps/" + std::to_string(app) + "/logs/start");
  ASSERT_EQ(log.status, 200);
  EXPECT_NE(log.body.find("Job has been submitted"), std::string::npos) << log.body;
  EXPECT_NE(log.body.find("state.backend.incremental=true"), std::string::npos);

  // ---- a savepoint while running
  Json savepoint = Act(app, "/savepoints", nullptr);
  ASSERT_EQ(savepoint.value("state", ""), "SUCCEEDED") << savepoint.dump();
  std::string live_savepoint = savepoint["result"]["savepoint"];

  // ---- stop with a savepoint, then deploy from it
  Json stopped = Act(app, "/stop", {{"savepoint", true}});
  ASSERT_EQ(stopped.value("state", ""), "SUCCEEDED") << stopped.dump();
  std::string stop_savepoint = stopped["result"]["savepoint"];
  EXPECT_TRUE(WaitForState(app, "FINISHED")) << App(app).dump();
  std::string on_disk =
      stop_savepoint.rfind("file:", 0) == 0 ? stop_savepoint.substr(5) : stop_savepoint;
  EXPECT_TRUE(fs::exists(on_disk + "/_metadata")) << stop_savepoint;
  Json points = admin().Get("/api/v1/apps/" + std::to_string(app) + "/savepoints").json();
  ASSERT_GE(points.value("total", 0), 2) << points.dump();
  EXPECT_EQ(points["items"][0]["path"], stop_savepoint);  // newest first
  EXPECT_NE(live_savepoint, stop_savepoint);

  Json restored = Act(app, "/deploy", {{"restore", "latest"}});
  ASSERT_EQ(restored.value("state", ""), "SUCCEEDED") << restored.dump();
  EXPECT_EQ(restored["result"]["restored_from"], stop_savepoint);
  ASSERT_TRUE(WaitForState(app, "RUNNING")) << App(app).dump();
  std::string job2 = App(app)["job_id"];
  EXPECT_NE(job2, job);
  {
    http::CurlHttpClient curl;
    flink::FlinkRestClient rest({web_url_}, curl);
    bool from_savepoint = WaitFor(
        [&] {
          auto stats = rest.Checkpoints(job2);
          return stats.ok() && stats->restored_from &&
                 stats->restored_from->external_path.find(on_disk) != std::string::npos;
        },
        std::chrono::seconds(30));
    EXPECT_TRUE(from_savepoint) << "the new job did not restore " << stop_savepoint;
  }

  // ---- a deploy that fails names its cause
  HttpResult broken = admin().Post(
      "/api/v1/apps", {{"name", "broken"},
                       {"team_id", team},
                       {"kind", "sql"},
                       {"target", {{"mode", "session"}, {"cluster_id", cluster_}}},
                       {"sql",
                        "CREATE TABLE s (x INT) WITH ('connector' = 'datagen');\n"
                        "CREATE TABLE k (x INT) WITH ('connector' = 'nosuchconnector');\n"
                        "INSERT INTO k SELECT x FROM s;\n"}});
  ASSERT_EQ(broken.status, 201) << broken.body;
  int64_t broken_app = broken.json()["id"];
  Json failed = Act(broken_app, "/deploy", Json::object());
  EXPECT_EQ(failed.value("state", ""), "FAILED");
  Json broken_now = App(broken_app);
  EXPECT_EQ(broken_now.value("state", ""), "NEW");
  EXPECT_NE(broken_now.value("last_error", "").find("nosuchconnector"), std::string::npos)
      << broken_now.dump();
  HttpResult broken_log = admin().Get("/api/v1/apps/" + std::to_string(broken_app) + "/logs/start");
  EXPECT_NE(broken_log.body.find("nosuchconnector"), std::string::npos);

  // ---- the JobManager freezes: LOST; it thaws: the same job again, nothing resubmitted
  ASSERT_EQ(::kill(jm_pid, SIGSTOP), 0);
  bool lost = WaitForState(app, "LOST", std::chrono::seconds(60));
  ::kill(jm_pid, SIGCONT);
  ASSERT_TRUE(lost) << App(app).dump();
  ASSERT_TRUE(WaitForState(app, "RUNNING", std::chrono::seconds(60))) << App(app).dump();
  EXPECT_EQ(App(app)["job_id"], job2);
  EXPECT_EQ(RunningJobs(), 1);
  HttpResult events = admin().Get("/api/v1/apps/" + std::to_string(app) + "/events?limit=100");
  EXPECT_NE(events.body.find("re-attached"), std::string::npos) << events.body;

  // ---- Sluice killed while the job runs: after the restart the state is right, one job runs
  server_->Kill9();
  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  EXPECT_EQ(State(app), "RUNNING");
  EXPECT_EQ(App(app)["job_id"], job2);
  EXPECT_EQ(RunningJobs(), 1);

  // ---- cancel
  Json cancelled = Act(app, "/stop", Json::object());
  ASSERT_EQ(cancelled.value("state", ""), "SUCCEEDED") << cancelled.dump();
  EXPECT_TRUE(WaitForState(app, "CANCELED"));
  EXPECT_EQ(RunningJobs(), 0);

  // ---- a JAR app: an uploaded jar, a main class, program arguments with a team variable
  const char* job_dir = std::getenv("SLUICE_TEST_JOB_DIR");
  ASSERT_NE(job_dir, nullptr) << "SLUICE_TEST_JOB_DIR is not set: run `make test`";
  std::ifstream jar_file(std::string(job_dir) + "/tiny-job-" + GetParam() + ".jar",
                         std::ios::binary);
  ASSERT_TRUE(jar_file) << "no tiny job jar for " << GetParam();
  std::string jar_bytes((std::istreambuf_iterator<char>(jar_file)),
                        std::istreambuf_iterator<char>());
  const std::string boundary = "sluice-test-boundary-7d1f";
  std::string form = "--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"team_id\"\r\n\r\n" +
                     std::to_string(team) + "\r\n--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"file\"; "
                     "filename=\"tiny-job.jar\"\r\nContent-Type: application/java-archive\r\n\r\n" +
                     jar_bytes + "\r\n--" + boundary + "--\r\n";
  HttpResult uploaded =
      admin().Raw("POST", "/api/v1/resources", form,
                  {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  int64_t resource = uploaded.json()["id"];
  ASSERT_EQ(admin()
                .Post("/api/v1/variables",
                      {{"team_id", team}, {"name", "job_name"}, {"value", "tiny-from-sluice"}})
                .status,
            201);
  HttpResult jar_app =
      admin().Post("/api/v1/apps", {{"name", "tiny"},
                                    {"team_id", team},
                                    {"kind", "jar"},
                                    {"target", {{"mode", "session"}, {"cluster_id", cluster_}}},
                                    {"jar",
                                     {{"resource_id", resource},
                                      {"main_class", "dev.sluice.testjob.TinyJob"},
                                      {"args", {"--forever", "--name", "${job_name}"}}}},
                                    {"parallelism", 2}});
  ASSERT_EQ(jar_app.status, 201) << jar_app.body;
  int64_t tiny = jar_app.json()["id"];
  Json tiny_deployed = Act(tiny, "/deploy", Json::object());
  ASSERT_EQ(tiny_deployed.value("state", ""), "SUCCEEDED") << tiny_deployed.dump();
  ASSERT_TRUE(WaitForState(tiny, "RUNNING")) << App(tiny).dump();
  std::string tiny_job = App(tiny)["job_id"];
  {
    http::CurlHttpClient curl;
    flink::FlinkRestClient rest({web_url_}, curl);
    auto details = rest.JobDetails(tiny_job);
    ASSERT_TRUE(details.ok()) << details.error().message;
    EXPECT_EQ(details->job.name, "tiny-from-sluice")
        << "the argument and the variable reached main()";
  }
  // The jar is in use: it cannot be deleted.
  EXPECT_EQ(admin().Delete("/api/v1/resources/" + std::to_string(resource)).status, 409);
  Json tiny_stopped = Act(tiny, "/stop", Json::object());
  ASSERT_EQ(tiny_stopped.value("state", ""), "SUCCEEDED") << tiny_stopped.dump();
  EXPECT_TRUE(WaitForState(tiny, "CANCELED"));
  EXPECT_EQ(RunningJobs(), 0);

  // ---- the same cluster as a `remote` one whose first JobManager address is dead (HA): the
  // deploy and the tracking go through the address that answers
  HttpResult remote =
      admin().Post("/api/v1/clusters", {{"name", "remote-ha"},
                                        {"kind", "remote"},
                                        {"flink_env_id", env.json()["id"]},
                                        {"addresses", {"http://127.0.0.1:9", web_url_}}});
  ASSERT_EQ(remote.status, 201) << remote.body;
  HttpResult remote_app = admin().Post(
      "/api/v1/apps", {{"name", "on-remote"},
                       {"team_id", team},
                       {"kind", "sql"},
                       {"target", {{"mode", "session"}, {"cluster_id", remote.json()["id"]}}},
                       {"sql", kDatagenSql}});
  ASSERT_EQ(remote_app.status, 201) << remote_app.body;
  int64_t on_remote = remote_app.json()["id"];
  Json remote_deployed = Act(on_remote, "/deploy", Json::object());
  ASSERT_EQ(remote_deployed.value("state", ""), "SUCCEEDED") << remote_deployed.dump();
  ASSERT_TRUE(WaitForState(on_remote, "RUNNING")) << App(on_remote).dump();
  EXPECT_EQ(ClusterJobs()[App(on_remote)["job_id"]], "RUNNING");
  Json remote_stopped = Act(on_remote, "/stop", Json::object());
  ASSERT_EQ(remote_stopped.value("state", ""), "SUCCEEDED") << remote_stopped.dump();
  EXPECT_TRUE(WaitForState(on_remote, "CANCELED"));
  EXPECT_EQ(RunningJobs(), 0);
}

INSTANTIATE_TEST_SUITE_P(Versions, AppsFlinkTest, ::testing::Values("1.20.5", "2.0.2"));

}  // namespace
}  // namespace sluice::testing
