// Flink environments and clusters against real Flink, on every version the test run provisioned
// (SLUICE_TEST_FLINK_HOMES, colon-separated homes; SLUICE_TEST_JOB_DIR holds tiny-job-<V>.jar).
// A missing variable fails the tests: they never skip.
//
// One end-to-end test per version starts one managed cluster with two TaskManagers (a cluster
// start costs seconds) and goes through everything on it: the REST client, the submitter, a
// savepoint on disk, cancel, a TaskManager killed with SIGKILL, Sluice killed with SIGKILL and
// re-adopting the cluster, a remote cluster whose first address is dead, and the stop that must
// leave no process behind.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixture.h"
#include "flink/flink_home.h"
#include "flink/process.h"
#include "flink/rest_client.h"
#include "flink/submitter.h"
#include "flink_homes.h"
#include "http/client.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

std::string VersionOf(const std::string& home) {
  auto inspected = flink::InspectFlinkHome(home);
  return inspected.ok() ? inspected->version.text : "";
}

// Pids of live processes whose command line contains `text`.
std::vector<int> ProcessesMentioning(const std::string& text) {
  std::vector<int> pids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* entry = ::readdir(proc)) {
    int pid = std::atoi(entry->d_name);
    if (pid <= 0 || pid == ::getpid()) continue;
    if (flink::ProcessCommandLine(pid).find(text) != std::string::npos) {
      auto ticks = flink::ProcessStartTicks(pid);
      if (ticks && flink::IsAlive({pid, *ticks})) pids.push_back(pid);
    }
  }
  ::closedir(proc);
  return pids;
}

void KillProcessesMentioning(const std::string& text) {
  for (int pid : ProcessesMentioning(text)) ::kill(pid, SIGKILL);
}

// A folder that has the look of a Flink home, for bad-input tests.
struct FakeHome {
  explicit FakeHome(const std::string& name) : path(fs::temp_directory_path() / name) {
    fs::remove_all(path);
    fs::create_directories(path / "bin");
    fs::create_directories(path / "lib");
    fs::create_directories(path / "conf");
    std::ofstream(path / "bin" / "flink") << "#!/bin/sh\n";
    ::chmod((path / "bin" / "flink").c_str(), 0755);
    std::ofstream(path / "conf" / "config.yaml") << "a: 1\n";
  }
  ~FakeHome() { fs::remove_all(path); }
  fs::path path;
};

class FlinkClusterTest : public SluiceTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(FlinkHomes().empty())
        << "SLUICE_TEST_FLINK_HOMES is not set: run the tests with `make test`, which provisions "
           "Flink";
    SluiceTest::SetUp();
  }
  void TearDown() override {
    // Whatever the test left (it failed half-way), no JVM outlives it.
    if (server_) KillProcessesMentioning(server_->data_dir() + "/clusters/");
    SluiceTest::TearDown();
  }

  std::string Home() const {
    for (const std::string& home : FlinkHomes()) {
      if (VersionOf(home) == GetParam()) return home;
    }
    return "";
  }

  int64_t RegisterEnv(const std::string& home) {
    HttpResult created = admin().Post("/api/v1/flink-envs", {{"name", "flink"}, {"home", home}});
    EXPECT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.json().value("version", ""), GetParam());
    return created.json().value("id", int64_t{0});
  }

  Json Cluster(int64_t id) { return admin().Get("/api/v1/clusters/" + std::to_string(id)).json(); }
};

TEST_P(FlinkClusterTest, ManagedClusterEndToEnd) {
  std::string home = Home();
  ASSERT_FALSE(home.empty()) << "no Flink " << GetParam() << " among SLUICE_TEST_FLINK_HOMES";
  const char* job_dir = std::getenv("SLUICE_TEST_JOB_DIR");
  ASSERT_NE(job_dir, nullptr) << "SLUICE_TEST_JOB_DIR is not set";
  std::string job_jar = std::string(job_dir) + "/tiny-job-" + GetParam() + ".jar";
  ASSERT_TRUE(fs::exists(job_jar)) << job_jar;

  int64_t env = RegisterEnv(home);
  HttpResult env_read = admin().Get("/api/v1/flink-envs/" + std::to_string(env));
  EXPECT_EQ(env_read.json().value("config_file", ""), "config.yaml");
  EXPECT_EQ(env_read.json().value("default", false), true);

  HttpResult created =
      admin().Post("/api/v1/clusters", {{"name", "local"},
                                        {"kind", "managed"},
                                        {"flink_env_id", env},
                                        {"taskmanagers", 2},
                                        {"config",
                                         {{"taskmanager.numberOfTaskSlots", 2},
                                          {"jobmanager.memory.process.size", "1024m"},
                                          {"taskmanager.memory.process.size", "1024m"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t id = created.json().value("id", int64_t{0});
  std::string cluster_path = "/api/v1/clusters/" + std::to_string(id);
  std::string root = server_->data_dir() + "/clusters/" + std::to_string(id);

  // ---- start: the REST API answers and both TaskManagers registered
  HttpResult started = admin().Post(cluster_path + "/start", nullptr);
  ASSERT_EQ(started.status, 202) << started.body;
  ASSERT_EQ(started.json().value("state", ""), "STARTING") << started.body;
  ASSERT_TRUE(WaitFor([&] { return Cluster(id)["state"] != "STARTING"; }, std::chrono::minutes(3)));
  ASSERT_EQ(Cluster(id)["state"], "RUNNING") << Cluster(id).dump();
  std::string web_url = started.json().value("web_url", "");
  HttpResult overview = admin().Get(cluster_path + "/overview");
  ASSERT_EQ(overview.status, 200) << overview.body;
  EXPECT_EQ(overview.json().value("taskmanagers", 0), 2);
  EXPECT_EQ(overview.json().value("flink_version", ""), GetParam());
  EXPECT_TRUE(fs::exists(root + "/jobmanager/conf/config.yaml"));
  EXPECT_TRUE(fs::exists(root + "/taskmanager-2/log"));

  // ---- the REST client, every method, against the managed cluster
  http::CurlHttpClient curl;
  flink::FlinkRestClient rest({web_url}, curl);
  auto config = rest.Config();
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->flink_version, GetParam());
  auto jm_config = rest.JobManagerConfig();
  ASSERT_TRUE(jm_config.ok());
  EXPECT_EQ(jm_config->at("taskmanager.numberOfTaskSlots"), "2");
  auto taskmanagers = rest.TaskManagers();
  ASSERT_TRUE(taskmanagers.ok());
  ASSERT_EQ(taskmanagers->size(), 2u);
  auto jm_log = rest.JobManagerLog();
  ASSERT_TRUE(jm_log.ok()) << jm_log.error().message;
  EXPECT_NE(jm_log->find("StandaloneSessionClusterEntrypoint"), std::string::npos);
  auto jm_logs = rest.JobManagerLogList();
  ASSERT_TRUE(jm_logs.ok());
  ASSERT_FALSE(jm_logs->empty());
  EXPECT_TRUE(rest.JobManagerLogFile(jm_logs->front().name).ok());
  auto tm_logs = rest.TaskManagerLogList((*taskmanagers)[0].id);
  ASSERT_TRUE(tm_logs.ok()) << tm_logs.error().message;
  auto tm_log = rest.TaskManagerLog((*taskmanagers)[0].id);
  ASSERT_TRUE(tm_log.ok()) << tm_log.error().message;
  EXPECT_NE(tm_log->find("TaskManager"), std::string::npos);

  // A bounded job through the submitter (the environment's own bin/flink): it runs and finishes.
  flink::CliSubmitter submitter;
  flink::SubmitRequest submit;
  submit.flink_home = home;
  submit.rest_address = "127.0.0.1";
  submit.rest_port = std::stoi(web_url.substr(web_url.rfind(':') + 1));
  submit.jar_path = job_jar;
  submit.program_args = {"--records", "1000"};
  submit.log_path = server_->data_dir() + "/submit-bounded.log";
  auto submitted = submitter.Submit(submit, nullptr);
  ASSERT_TRUE(submitted.ok()) << submitted.error().message << "\n"
                              << submitted.error().internal_detail;
  std::string bounded_job = submitted->job_id;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto details = rest.JobDetails(bounded_job);
        return details.ok() && details->job.state == "FINISHED";
      },
      std::chrono::seconds(60)))
      << "the bounded job did not finish";

  // An endless job through the REST API (upload + run): savepoint, then cancel.
  auto jar_id = rest.UploadJar(job_jar);
  ASSERT_TRUE(jar_id.ok()) << jar_id.error().message;
  flink::RunJarRequest run;
  run.program_args = {"--forever"};
  run.parallelism = 2;
  auto endless = rest.RunJar(*jar_id, run);
  ASSERT_TRUE(endless.ok()) << endless.error().message;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto details = rest.JobDetails(*endless);
        return details.ok() && details->job.state == "RUNNING" &&
               details->raw.value("vertices", Json::array()).size() > 0 &&
               details->raw["vertices"][0].value("status", "") == "RUNNING";
      },
      std::chrono::seconds(60)));
  auto jobs = rest.JobsOverview();
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->size(), 2u);
  auto checkpoints = rest.Checkpoints(*endless);
  ASSERT_TRUE(checkpoints.ok()) << checkpoints.error().message;
  auto exceptions = rest.JobExceptions(*endless);
  ASSERT_TRUE(exceptions.ok()) << exceptions.error().message;
  EXPECT_TRUE(exceptions->entries.empty());

  std::string target = "file://" + root + "/savepoints";
  auto trigger = rest.TriggerSavepoint(*endless, target, false);
  ASSERT_TRUE(trigger.ok()) << trigger.error().message;
  auto location = rest.WaitForSavepoint(*endless, *trigger, std::chrono::seconds(60));
  ASSERT_TRUE(location.ok()) << location.error().message;
  std::string on_disk = location->rfind("file:", 0) == 0 ? location->substr(5) : *location;
  EXPECT_TRUE(fs::exists(on_disk + "/_metadata")) << *location;

  ASSERT_TRUE(rest.CancelJob(*endless).ok());
  EXPECT_TRUE(WaitFor(
      [&] {
        auto details = rest.JobDetails(*endless);
        return details.ok() && details->job.state == "CANCELED";
      },
      std::chrono::seconds(30)));
  auto unknown = rest.JobDetails("00000000000000000000000000000000");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::FLINK_JOB_NOT_FOUND);
  EXPECT_TRUE(rest.DeleteJar(*jar_id).ok());

  // A job whose main class does not exist: the submitter names Flink's reason.
  flink::SubmitRequest wrong = submit;
  wrong.main_class = "dev.sluice.NoSuchJob";
  wrong.log_path = server_->data_dir() + "/submit-wrong.log";
  auto refused = submitter.Submit(wrong, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::SUBMIT_FAILED);
  EXPECT_NE(refused.error().message.find("NoSuchJob"), std::string::npos)
      << refused.error().message;

  // ---- a TaskManager killed with SIGKILL: the cluster shows it and restarts it
  Json cluster = Cluster(id);
  ASSERT_EQ(cluster["processes"].size(), 3u);
  int killed_tm = cluster["processes"][1]["pid"];
  ASSERT_EQ(::kill(killed_tm, SIGKILL), 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        Json now = Cluster(id);
        return now["processes"][1]["restarts"] == 1 && now["processes"][1]["alive"] == true;
      },
      std::chrono::seconds(30)));
  HttpResult events = admin().Get(cluster_path + "/events");
  EXPECT_NE(events.body.find("taskmanager-1 (pid " + std::to_string(killed_tm) + ") died"),
            std::string::npos)
      << events.body;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto o = rest.Overview();
        return o.ok() && o->taskmanagers == 2;
      },
      std::chrono::seconds(60)))
      << "the restarted TaskManager did not register";

  // ---- a remote cluster whose first address is dead: Sluice works through the second
  std::string dead = "http://127.0.0.1:" + std::to_string(FreePort());
  HttpResult remote = admin().Post("/api/v1/clusters", {{"name", "remote-ha"},
                                                        {"kind", "remote"},
                                                        {"flink_env_id", env},
                                                        {"addresses", {dead, web_url}}});
  ASSERT_EQ(remote.status, 201) << remote.body;
  EXPECT_EQ(remote.json().value("state", ""), "RUNNING");
  EXPECT_EQ(remote.json().value("web_url", ""), web_url);
  HttpResult remote_overview =
      admin().Get("/api/v1/clusters/" + std::to_string(remote.json().value("id", 0)) + "/overview");
  ASSERT_EQ(remote_overview.status, 200) << remote_overview.body;
  EXPECT_EQ(remote_overview.json().value("address", ""), web_url);

  // ---- Sluice killed with SIGKILL and started again: the same cluster is re-adopted
  int jm_pid = Cluster(id)["processes"][0]["pid"];
  server_->Kill9();
  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  cluster = Cluster(id);
  EXPECT_EQ(cluster["processes"][0]["pid"], jm_pid);
  EXPECT_EQ(cluster["web_url"], web_url);
  EXPECT_EQ(ProcessesMentioning(root + "/jobmanager/").size(), 1u) << "a second JobManager";
  EXPECT_TRUE(WaitFor([&] { return Cluster(id)["state"] == "RUNNING"; }, std::chrono::seconds(20)));
  events = admin().Get(cluster_path + "/events");
  EXPECT_NE(events.body.find("re-adopted"), std::string::npos) << events.body;

  // ---- the environment is in use; stop leaves no process behind
  HttpResult in_use = admin().Delete("/api/v1/flink-envs/" + std::to_string(env));
  EXPECT_EQ(in_use.status, 409);
  EXPECT_EQ(in_use.error_code(), "FLINK_ENV_IN_USE");
  HttpResult stopped = admin().Post(cluster_path + "/stop", nullptr);
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_EQ(stopped.json().value("state", ""), "STOPPED");
  EXPECT_TRUE(ProcessesMentioning(root + "/").empty()) << "processes left after stop";
}

INSTANTIATE_TEST_SUITE_P(Versions, FlinkClusterTest, ::testing::Values("1.20.5", "2.0.2"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '.') c = '_';
                           }
                           return name;
                         });

// What `make run` does: the server started with --bootstrap-flink-home has the default environment
// and a managed cluster `local`, started; a second start adds nothing.
class FlinkBootstrapTest : public SluiceTest {
 protected:
  ServerOptions Options() override {
    ServerOptions options;
    if (!FlinkHomes().empty()) {
      options.extra_args = {"--bootstrap-flink-home", FlinkHomes().front()};
    }
    return options;
  }
  void TearDown() override {
    if (server_) KillProcessesMentioning(server_->data_dir() + "/clusters/");
    SluiceTest::TearDown();
  }
};

TEST_F(FlinkBootstrapTest, MakeRunHasADefaultEnvironmentAndALocalCluster) {
  ASSERT_FALSE(FlinkHomes().empty()) << "SLUICE_TEST_FLINK_HOMES is not set";
  HttpResult envs = admin().Get("/api/v1/flink-envs");
  ASSERT_EQ(envs.json().value("total", -1), 1) << envs.body;
  Json env = envs.json()["items"][0];
  EXPECT_EQ(env.value("default", false), true);
  EXPECT_EQ(env.value("version", ""), VersionOf(FlinkHomes().front()));
  HttpResult clusters = admin().Get("/api/v1/clusters");
  ASSERT_EQ(clusters.json().value("total", -1), 1) << clusters.body;
  Json local = clusters.json()["items"][0];
  EXPECT_EQ(local.value("name", ""), "local");
  EXPECT_EQ(local.value("kind", ""), "managed");
  int64_t id = local.value("id", int64_t{0});
  std::string path = "/api/v1/clusters/" + std::to_string(id);
  ASSERT_TRUE(WaitFor([&] { return admin().Get(path).json().value("state", "") != "STARTING"; },
                      std::chrono::minutes(3)));
  ASSERT_EQ(admin().Get(path).json().value("state", ""), "RUNNING") << admin().Get(path).body;

  // A second start (SIGTERM, start again) registers nothing twice and keeps the same cluster.
  int jm_pid = admin().Get(path).json()["processes"][0].value("pid", 0);
  ASSERT_EQ(server_->Stop(), 0);
  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  EXPECT_EQ(admin().Get("/api/v1/flink-envs").json().value("total", -1), 1);
  EXPECT_EQ(admin().Get("/api/v1/clusters").json().value("total", -1), 1);
  EXPECT_EQ(admin().Get(path).json()["processes"][0].value("pid", 0), jm_pid);

  // The cluster shut down behind Sluice's back (DELETE /cluster through the REST client): the
  // JobManager exits, the cluster FAILS with that reason, and its TaskManager is stopped too.
  http::CurlHttpClient curl;
  flink::FlinkRestClient rest({admin().Get(path).json().value("web_url", "")}, curl);
  ASSERT_TRUE(rest.ShutdownCluster().ok());
  ASSERT_TRUE(WaitFor([&] { return admin().Get(path).json().value("state", "") == "FAILED"; },
                      std::chrono::seconds(60)));
  EXPECT_NE(admin().Get(path).json().value("state_detail", "").find("JobManager exited"),
            std::string::npos);
  EXPECT_TRUE(
      WaitFor([&] { return ProcessesMentioning(server_->data_dir() + "/clusters/").empty(); },
              std::chrono::seconds(30)))
      << "processes left after the cluster failed";
}

class FlinkBadInputTest : public SluiceTest {};

TEST_F(FlinkBadInputTest, NothingIsRegisteredFromBadInput) {
  ASSERT_FALSE(FlinkHomes().empty()) << "SLUICE_TEST_FLINK_HOMES is not set";
  std::string home = FlinkHomes().front();
  FakeHome not_flink("sluice-not-flink");
  HttpResult refused =
      admin().Post("/api/v1/flink-envs", {{"name", "x"}, {"home", not_flink.path.string()}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.error_code(), "FLINK_HOME_INVALID");
  EXPECT_NE(refused.body.find("flink-dist"), std::string::npos) << refused.body;

  FakeHome two("sluice-two-dists");
  std::ofstream(two.path / "lib" / "flink-dist-1.20.5.jar") << "";
  std::ofstream(two.path / "lib" / "flink-dist-1.20.4.jar") << "";
  HttpResult two_jars =
      admin().Post("/api/v1/flink-envs", {{"name", "x"}, {"home", two.path.string()}});
  EXPECT_EQ(two_jars.status, 400);
  EXPECT_NE(two_jars.body.find("2 flink-dist jars"), std::string::npos) << two_jars.body;
  EXPECT_EQ(admin().Get("/api/v1/flink-envs").json().value("total", -1), 0);

  HttpResult env = admin().Post("/api/v1/flink-envs", {{"name", "flink"}, {"home", home}});
  ASSERT_EQ(env.status, 201) << env.body;
  int64_t env_id = env.json().value("id", int64_t{0});
  std::string dead = "http://127.0.0.1:" + std::to_string(FreePort());
  HttpResult unreachable = admin().Post(
      "/api/v1/clusters",
      {{"name", "r"}, {"kind", "remote"}, {"flink_env_id", env_id}, {"addresses", {dead}}});
  EXPECT_EQ(unreachable.status, 502) << unreachable.body;
  EXPECT_EQ(unreachable.error_code(), "CLUSTER_UNREACHABLE");
  // Sluice's own API answers HTTP, but it is not a Flink JobManager.
  HttpResult not_a_jobmanager =
      admin().Post("/api/v1/clusters", {{"name", "r"},
                                        {"kind", "remote"},
                                        {"flink_env_id", env_id},
                                        {"addresses", {server_->base_url()}}});
  EXPECT_EQ(not_a_jobmanager.status, 422) << not_a_jobmanager.body;
  EXPECT_EQ(not_a_jobmanager.error_code(), "CLUSTER_NOT_FLINK");
  EXPECT_EQ(admin().Get("/api/v1/clusters").json().value("total", -1), 0);
  EXPECT_EQ(server_->log().find("Traceback"), std::string::npos);
}

}  // namespace
}  // namespace sluice::testing
