// The Flink environments and clusters API through the dispatcher, with a fake cluster probe and
// fake Flink homes (no JVM): validation, permissions, states, events and process supervision.
// The same features against real Flink are in tests/functional/flink_test.cc.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "flink/flink_module.h"
#include "flink/flink_test_homes.h"
#include "flink/process.h"
#include "system/system_test_fixture.h"

namespace sluice::flink {
namespace {

using system::testing::Answer;
using testing::FakeFlinkHome;

// Answers for the addresses it was told about; everything else is unreachable.
class FakeProbe : public ClusterProbe {
 public:
  Result<ClusterProbeResult> Probe(const std::vector<std::string>& addresses) override {
    std::lock_guard lock(mutex_);
    ++calls;
    for (const std::string& address : addresses) {
      if (auto it = answers.find(address); it != answers.end()) {
        ClusterProbeResult result = it->second;
        result.address = address;
        return result;
      }
      if (managed_answer && address.rfind("http://127.0.0.1:", 0) == 0) {
        ClusterProbeResult result = *managed_answer;
        result.address = address;
        return result;
      }
    }
    return Error(ErrorCode::CLUSTER_UNREACHABLE, "no address answered");
  }
  void Answer(const std::string& address, const std::string& version, int taskmanagers = 1) {
    std::lock_guard lock(mutex_);
    answers[address] = ClusterProbeResult{address, version, taskmanagers, taskmanagers, 1, 0};
  }
  void Forget(const std::string& address) {
    std::lock_guard lock(mutex_);
    answers.erase(address);
  }
  std::mutex mutex_;
  std::map<std::string, ClusterProbeResult> answers;
  std::optional<ClusterProbeResult> managed_answer;  // any loopback managed JobManager
  int calls = 0;
};

// Polls `condition` until it holds or `timeout` passes.
bool WaitForCondition(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

class FlinkApiTest : public system::testing::SystemTest {
 protected:
  void SetUp() override {
    SystemTest::SetUp();
    auto probe = std::make_unique<FakeProbe>();
    probe_ = probe.get();
    FlinkOptions options;
    options.data_dir = dir_.string();
    options.clusters.stop_grace = std::chrono::seconds(2);
    options.clusters.health_interval = std::chrono::seconds(5);
    module_flink_ = std::make_unique<FlinkModule>(*db_, clock_, options, std::move(probe));
    module_flink_->RegisterRoutes(router_, module_->guard());
  }
  void TearDown() override {
    // Whatever a test started is stopped, so no process outlives it.
    if (module_flink_) {
      auto rows = db_->Query("SELECT id FROM clusters WHERE kind = 'managed'");
      if (rows.ok()) {
        for (size_t i = 0; i < rows->size(); ++i) {
          (void)module_flink_->clusters().StopCluster(rows->Int(i, "id"));
        }
      }
    }
    module_flink_.reset();
    SystemTest::TearDown();
  }

  int64_t RegisterEnv(const FakeFlinkHome& home, const std::string& name) {
    Answer answer =
        Call("POST", "/api/v1/flink-envs", {{"name", name}, {"home", home.path()}}, AdminToken());
    EXPECT_EQ(answer.status, 201) << answer.body;
    return answer.status == 201 ? answer.json["id"].get<int64_t>() : 0;
  }
  std::string Path(const std::string& prefix, int64_t id, const std::string& suffix = "") {
    return prefix + "/" + std::to_string(id) + suffix;
  }
  Json GetCluster(int64_t id) {
    return Call("GET", Path("/api/v1/clusters", id), nullptr, AdminToken()).json;
  }
  std::vector<std::string> EventDetails(int64_t id) {
    std::vector<std::string> out;
    Answer answer = Call("GET", Path("/api/v1/clusters", id, "/events"), nullptr, AdminToken());
    EXPECT_EQ(answer.status, 200) << answer.body;
    for (const Json& e : answer.json["items"]) {
      out.push_back(e["from_state"].get<std::string>() + ">" + e["to_state"].get<std::string>() +
                    " " + e["detail"].get<std::string>());
    }
    return out;
  }

  FakeProbe* probe_ = nullptr;
  std::unique_ptr<FlinkModule> module_flink_;
};

TEST_F(FlinkApiTest, RegistersAnEnvironmentWithItsVersionAndConfig) {
  FakeFlinkHome home("1.20.5", "config.yaml", "taskmanager.numberOfTaskSlots: 2\n");
  Answer created = Call("POST", "/api/v1/flink-envs",
                        {{"name", "flink-1.20"}, {"home", home.path()}}, AdminToken());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["version"], "1.20.5");
  EXPECT_EQ(created.json["config_file"], "config.yaml");
  EXPECT_EQ(created.json["default"], true);
  EXPECT_NE(created.json["config"].get<std::string>().find("numberOfTaskSlots"), std::string::npos);

  FakeFlinkHome second("2.0.2", "config.yaml", "");
  Answer other =
      Call("POST", "/api/v1/flink-envs",
           {{"name", "flink-2.0"}, {"home", second.path()}, {"default", true}}, AdminToken());
  ASSERT_EQ(other.status, 201) << other.body;
  Answer list = Call("GET", "/api/v1/flink-envs", nullptr, AdminToken());
  ASSERT_EQ(list.json["total"], 2);
  EXPECT_EQ(list.json["items"][0]["default"], false);
  EXPECT_EQ(list.json["items"][1]["default"], true);
  EXPECT_FALSE(list.json["items"][0].contains("config"));  // lists stay small

  Answer taken = Call("POST", "/api/v1/flink-envs", {{"name", "flink-1.20"}, {"home", home.path()}},
                      AdminToken());
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(taken.code(), "FLINK_ENV_EXISTS");
}

TEST_F(FlinkApiTest, BadHomesAreRefusedAndNothingIsStored) {
  FakeFlinkHome two("1.20.5", "config.yaml", "");
  two.Write("lib/flink-dist-1.20.4.jar", "");
  FakeFlinkHome not_flink("1.20.5", "config.yaml", "");
  std::filesystem::remove(std::filesystem::path(not_flink.path()) / "bin" / "flink");
  for (const std::string& home :
       {two.path(), not_flink.path(), std::string("/no/such/home"), std::string("relative/home")}) {
    Answer answer =
        Call("POST", "/api/v1/flink-envs", {{"name", "bad"}, {"home", home}}, AdminToken());
    EXPECT_EQ(answer.status, 400) << home;
    EXPECT_EQ(answer.code(), "FLINK_HOME_INVALID") << answer.body;
    EXPECT_EQ(answer.json["error"]["field"], "home");
  }
  Answer bad_name =
      Call("POST", "/api/v1/flink-envs", {{"name", "a b"}, {"home", two.path()}}, AdminToken());
  EXPECT_EQ(bad_name.status, 400);
  Answer unknown = Call("POST", "/api/v1/flink-envs",
                        {{"name", "x"}, {"home", two.path()}, {"homes", "y"}}, AdminToken());
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(CountRows("flink_envs"), 0);
}

TEST_F(FlinkApiTest, OnlyAdministratorsChangeEnvironmentsEveryoneSeesThem) {
  FakeFlinkHome home("1.20.5", "config.yaml", "");
  int64_t env = RegisterEnv(home, "flink");
  AddUser("dev");
  std::string dev = Login("dev");
  EXPECT_EQ(Call("GET", "/api/v1/flink-envs", nullptr, dev).status, 200);
  EXPECT_EQ(Call("GET", Path("/api/v1/flink-envs", env), nullptr, dev).status, 200);
  Answer create =
      Call("POST", "/api/v1/flink-envs", {{"name", "mine"}, {"home", home.path()}}, dev);
  EXPECT_EQ(create.status, 403);
  EXPECT_EQ(Call("DELETE", Path("/api/v1/flink-envs", env), nullptr, dev).status, 403);
  EXPECT_EQ(Call("POST", Path("/api/v1/flink-envs", env, "/sync"), nullptr, dev).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/flink-envs").status, 401);
}

TEST_F(FlinkApiTest, SyncRereadsTheHomeAndRefusesABrokenOne) {
  FakeFlinkHome home("1.20.4", "config.yaml", "a: 1\n");
  int64_t env = RegisterEnv(home, "flink");
  std::filesystem::remove(std::filesystem::path(home.path()) / "lib" / "flink-dist-1.20.4.jar");
  home.Write("lib/flink-dist-1.20.5.jar", "");
  home.Write("conf/config.yaml", "b: 2\n");
  Answer synced = Call("POST", Path("/api/v1/flink-envs", env, "/sync"), nullptr, AdminToken());
  ASSERT_EQ(synced.status, 200) << synced.body;
  EXPECT_EQ(synced.json["version"], "1.20.5");
  EXPECT_EQ(synced.json["config"], "b: 2\n");

  home.Write("lib/flink-dist-1.20.6.jar", "");  // now two
  Answer broken = Call("POST", Path("/api/v1/flink-envs", env, "/sync"), nullptr, AdminToken());
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(broken.code(), "FLINK_HOME_INVALID");
  EXPECT_EQ(Call("GET", Path("/api/v1/flink-envs", env), nullptr, AdminToken()).json["version"],
            "1.20.5");
}

TEST_F(FlinkApiTest, AnEnvironmentInUseCannotBeDeleted) {
  FakeFlinkHome home("1.20.5", "config.yaml", "");
  int64_t env = RegisterEnv(home, "flink");
  Answer cluster = Call("POST", "/api/v1/clusters",
                        {{"name", "c1"}, {"kind", "managed"}, {"flink_env_id", env}}, AdminToken());
  ASSERT_EQ(cluster.status, 201) << cluster.body;
  Answer refused = Call("DELETE", Path("/api/v1/flink-envs", env), nullptr, AdminToken());
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.code(), "FLINK_ENV_IN_USE");
  EXPECT_NE(refused.json["error"]["message"].get<std::string>().find("c1"), std::string::npos);
  ASSERT_EQ(Call("DELETE", Path("/api/v1/clusters", cluster.json["id"].get<int64_t>()), nullptr,
                 AdminToken())
                .status,
            204);
  EXPECT_EQ(Call("DELETE", Path("/api/v1/flink-envs", env), nullptr, AdminToken()).status, 204);
  EXPECT_EQ(CountRows("flink_envs"), 0);
}

TEST_F(FlinkApiTest, RemoteClusterUsesWhicheverAddressAnswers) {
  FakeFlinkHome home("1.20.5", "config.yaml", "");
  int64_t env = RegisterEnv(home, "flink");
  probe_->Answer("http://jm-b:8081", "1.20.5", 2);
  Answer created = Call("POST", "/api/v1/clusters",
                        {{"name", "prod"},
                         {"kind", "remote"},
                         {"flink_env_id", env},
                         {"addresses", {"http://jm-a:8081", "http://jm-b:8081/"}}},
                        AdminToken());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["state"], "RUNNING");
  EXPECT_EQ(created.json["web_url"], "http://jm-b:8081");
  EXPECT_EQ(created.json["flink_version"], "1.20.5");
}

TEST_F(FlinkApiTest, RemoteClusterThatDoesNotAnswerIsNotRegistered) {
  FakeFlinkHome home("1.20.5", "config.yaml", "");
  int64_t env = RegisterEnv(home, "flink");
  Answer dead = Call("POST", "/api/v1/clusters",
                     {{"name", "prod"},
                      {"kind", "remote"},
                      {"flink_env_id", env},
                      {"addresses", {"http://jm-a:8081"}}},
                     AdminToken());
  EXPECT_EQ(dead.status, 502);
  EXPECT_EQ(dead.code(), "CLUSTER_UNREACHABLE");

  probe_->Answer("http://jm-a:8081", "2.0.2");
  Answer other_version = Call("POST", "/api/v1/clusters",
                              {{"name", "prod"},
                               {"kind", "remote"},
                               {"flink_env_id", env},
                               {"addresses", {"http://jm-a:8081"}}},
                              AdminToken());
  EXPECT_EQ(other_version.status, 400);
  EXPECT_EQ(other_version.json["error"]["field"], "flink_env_id");
  EXPECT_NE(other_version.json["error"]["message"].get<std::string>().find("2.0.2"),
            std::string::npos);

  for (const Json& body :
       {Json{{"name", "x"}, {"kind", "remote"}, {"addresses", Json::array()}},
        Json{{"name", "x"}, {"kind", "remote"}, {"addresses", {"ftp://jm:21"}}},
        Json{{"name", "x"}, {"kind", "remote"}, {"addresses", {"http://jm a:1"}}},
        Json{{"name", "x"}, {"kind", "remote"}}, Json{{"name", "x"}, {"kind", "yarn"}},
        Json{{"name", "x"}, {"kind", "managed"}, {"addresses", {"http://jm:1"}}},
        Json{{"name", "x"}, {"kind", "managed"}, {"taskmanagers", 0}},
        Json{{"name", "x"}, {"kind", "managed"}, {"config", {{"bad key", "1"}}}},
        Json{{"name", "x"}, {"kind", "managed"}, {"config", {{"a", "1\nb: 2"}}}},
        Json{{"name", "x"}, {"kind", "managed"}, {"config", {{"a", {1, 2}}}}},
        Json{{"name", "x"}, {"kind", "managed"}, {"flink_env_id", 999}}}) {
    Answer answer = Call("POST", "/api/v1/clusters", body, AdminToken());
    EXPECT_EQ(answer.status, 400) << body.dump() << " -> " << answer.body;
  }
  EXPECT_EQ(CountRows("clusters"), 0);
}

TEST_F(FlinkApiTest, HealthWorkerRecordsLostAndBack) {
  FakeFlinkHome home("1.20.5", "config.yaml", "");
  int64_t env = RegisterEnv(home, "flink");
  probe_->Answer("http://jm-a:8081", "1.20.5");
  Answer created = Call("POST", "/api/v1/clusters",
                        {{"name", "prod"},
                         {"kind", "remote"},
                         {"flink_env_id", env},
                         {"addresses", {"http://jm-a:8081"}}},
                        AdminToken());
  ASSERT_EQ(created.status, 201);
  int64_t id = created.json["id"];
  probe_->Forget("http://jm-a:8081");
  clock_.Advance(std::chrono::seconds(6));
  module_flink_->clusters().Tick();
  EXPECT_EQ(GetCluster(id)["state"], "LOST");
  // Within the health interval nobody asks again.
  int calls = probe_->calls;
  module_flink_->clusters().Tick();
  EXPECT_EQ(probe_->calls, calls);
  probe_->Answer("http://jm-a:8081", "1.20.5");
  clock_.Advance(std::chrono::seconds(6));
  module_flink_->clusters().Tick();
  EXPECT_EQ(GetCluster(id)["state"], "RUNNING");
  auto events = EventDetails(id);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].substr(0, 12), "LOST>RUNNING");
  EXPECT_EQ(events[1].substr(0, 12), "RUNNING>LOST");
}

TEST_F(FlinkApiTest, RemoteClustersAreNotStartedOrStopped) {
  FakeFlinkHome home("1.20.5", "config.yaml", "");
  int64_t env = RegisterEnv(home, "flink");
  probe_->Answer("http://jm-a:8081", "1.20.5");
  Answer created = Call("POST", "/api/v1/clusters",
                        {{"name", "prod"},
                         {"kind", "remote"},
                         {"flink_env_id", env},
                         {"addresses", {"http://jm-a:8081"}}},
                        AdminToken());
  int64_t id = created.json["id"];
  Answer start = Call("POST", Path("/api/v1/clusters", id, "/start"), nullptr, AdminToken());
  EXPECT_EQ(start.status, 409);
  EXPECT_EQ(start.code(), "CLUSTER_WRONG_STATE");
}

TEST_F(FlinkApiTest, ManagedClusterIsSupervised) {
  FakeFlinkHome home("1.20.5", "config.yaml", "taskmanager.numberOfTaskSlots: 1\n");
  home.AddLongRunningScripts();
  int64_t env = RegisterEnv(home, "flink");
  Answer created = Call("POST", "/api/v1/clusters",
                        {{"name", "local"},
                         {"kind", "managed"},
                         {"flink_env_id", env},
                         {"taskmanagers", 2},
                         {"config", {{"taskmanager.numberOfTaskSlots", 2}}}},
                        AdminToken());
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t id = created.json["id"];
  EXPECT_EQ(created.json["state"], "STOPPED");

  Answer started = Call("POST", Path("/api/v1/clusters", id, "/start"), nullptr, AdminToken());
  ASSERT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(started.json["state"], "STARTING");
  ASSERT_EQ(started.json["processes"].size(), 3u);
  std::string web_url = started.json["web_url"];
  EXPECT_EQ(web_url.rfind("http://127.0.0.1:", 0), 0u);

  // Each process has its own configuration: the user's setting wins over the environment's.
  std::string tm_conf =
      (dir_ / "clusters" / std::to_string(id) / "taskmanager-2" / "conf" / "config.yaml").string();
  std::ifstream conf_file(tm_conf);
  std::string conf_text((std::istreambuf_iterator<char>(conf_file)), {});
  EXPECT_NE(conf_text.find("taskmanager.numberOfTaskSlots: \"2\""), std::string::npos) << conf_text;
  EXPECT_NE(conf_text.find("rest.port: \"" + web_url.substr(17) + "\""), std::string::npos);

  // Not ready while only one TaskManager has registered.
  probe_->managed_answer = ClusterProbeResult{"", "1.20.5", 1, 2, 2, 0};
  module_flink_->clusters().Tick();
  EXPECT_EQ(GetCluster(id)["state"], "STARTING");
  probe_->managed_answer = ClusterProbeResult{"", "1.20.5", 2, 4, 4, 0};
  module_flink_->clusters().Tick();
  EXPECT_EQ(GetCluster(id)["state"], "RUNNING");

  // A TaskManager killed with SIGKILL is restarted, and the events say so.
  Json cluster = GetCluster(id);
  int tm_pid = cluster["processes"][2]["pid"];
  ASSERT_EQ(::kill(tm_pid, SIGKILL), 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (GetCluster(id)["processes"][2]["restarts"] == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    module_flink_->clusters().Tick();
  }
  cluster = GetCluster(id);
  EXPECT_EQ(cluster["processes"][2]["restarts"], 1);
  EXPECT_NE(cluster["processes"][2]["pid"], tm_pid);
  EXPECT_EQ(cluster["processes"][2]["alive"], true);
  EXPECT_EQ(cluster["state"], "RUNNING");
  auto events = EventDetails(id);
  ASSERT_FALSE(events.empty());
  EXPECT_NE(events[0].find("taskmanager-2 (pid " + std::to_string(tm_pid) + ") died"),
            std::string::npos)
      << events[0];

  // Starting it twice is a conflict; so is deleting or reconfiguring it while it runs.
  EXPECT_EQ(Call("POST", Path("/api/v1/clusters", id, "/start"), nullptr, AdminToken()).status,
            409);
  EXPECT_EQ(Call("DELETE", Path("/api/v1/clusters", id), nullptr, AdminToken()).status, 409);
  EXPECT_EQ(Call("PATCH", Path("/api/v1/clusters", id), {{"taskmanagers", 3}}, AdminToken()).status,
            409);

  // Stop ends every process.
  std::vector<ProcessIdentity> processes;
  for (const Json& p : cluster["processes"]) {
    int pid = p["pid"];
    processes.push_back(ProcessIdentity{pid, ProcessStartTicks(pid).value_or(0)});
  }
  Answer stopped = Call("POST", Path("/api/v1/clusters", id, "/stop"), nullptr, AdminToken());
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_EQ(stopped.json["state"], "STOPPED");
  for (const ProcessIdentity& p : processes) EXPECT_FALSE(IsAlive(p)) << p.pid;
}

TEST_F(FlinkApiTest, ManagedClusterIsReadoptedByANewService) {
  FakeFlinkHome home("2.0.2", "config.yaml", "");
  home.AddLongRunningScripts();
  int64_t env = RegisterEnv(home, "flink");
  Answer created =
      Call("POST", "/api/v1/clusters",
           {{"name", "local"}, {"kind", "managed"}, {"flink_env_id", env}}, AdminToken());
  int64_t id = created.json["id"];
  Answer started = Call("POST", Path("/api/v1/clusters", id, "/start"), nullptr, AdminToken());
  ASSERT_EQ(started.status, 202) << started.body;
  int jm_pid = started.json["processes"][0]["pid"];

  // A second service over the same store and data folder: what Sluice is after a restart.
  FakeProbe probe;
  ClusterServiceOptions options;
  options.data_dir = dir_.string();
  ClusterService again(*db_, clock_, module_flink_->envs(), probe, options);
  again.Start();
  again.Stop();
  auto readopted = EventDetails(id);
  ASSERT_FALSE(readopted.empty());
  EXPECT_NE(readopted[0].find("re-adopted"), std::string::npos) << readopted[0];
  EXPECT_NE(readopted[0].find("pid " + std::to_string(jm_pid)), std::string::npos);
  // Same JobManager, not a second one.
  EXPECT_TRUE(IsAlive(ProcessIdentity{jm_pid, ProcessStartTicks(jm_pid).value_or(0)}));
  auto stopped = again.StopCluster(id);
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_FALSE(ProcessStartTicks(jm_pid).has_value() &&
               IsAlive(ProcessIdentity{jm_pid, *ProcessStartTicks(jm_pid)}));
}

TEST_F(FlinkApiTest, JobManagerDeathFailsTheCluster) {
  FakeFlinkHome home("1.20.5", "config.yaml", "");
  home.AddLongRunningScripts();
  int64_t env = RegisterEnv(home, "flink");
  Answer created =
      Call("POST", "/api/v1/clusters",
           {{"name", "local"}, {"kind", "managed"}, {"flink_env_id", env}}, AdminToken());
  int64_t id = created.json["id"];
  Answer started = Call("POST", Path("/api/v1/clusters", id, "/start"), nullptr, AdminToken());
  int jm_pid = started.json["processes"][0]["pid"];
  int tm_pid = started.json["processes"][1]["pid"];
  ProcessIdentity tm{tm_pid, ProcessStartTicks(tm_pid).value_or(0)};
  ASSERT_EQ(::kill(jm_pid, SIGKILL), 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (GetCluster(id)["state"] != "FAILED" && std::chrono::steady_clock::now() < deadline) {
    module_flink_->clusters().Tick();
  }
  Json cluster = GetCluster(id);
  EXPECT_EQ(cluster["state"], "FAILED");
  EXPECT_NE(cluster["state_detail"].get<std::string>().find("JobManager exited"),
            std::string::npos);
  EXPECT_FALSE(IsAlive(tm));
  // A FAILED cluster can be started again.
  Answer again = Call("POST", Path("/api/v1/clusters", id, "/start"), nullptr, AdminToken());
  EXPECT_EQ(again.status, 202) << again.body;
}

// `make run` uses a relative data folder (./var); Flink's processes run in their own folders, so
// every path handed to them must be absolute.
TEST_F(FlinkApiTest, ARelativeDataFolderGivesFlinkAbsolutePaths) {
  FakeFlinkHome home("1.20.5", "config.yaml", "");
  home.AddLongRunningScripts();
  int64_t env = RegisterEnv(home, "flink");
  std::string relative = "relative-data-" + std::to_string(::getpid());
  FlinkOptions options;
  options.data_dir = relative;
  options.clusters.stop_grace = std::chrono::seconds(2);
  FlinkModule module(*db_, clock_, options, std::make_unique<FakeProbe>());
  auto cluster =
      module.clusters().Create({{"name", "rel"}, {"kind", "managed"}, {"flink_env_id", env}});
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  auto started = module.clusters().StartCluster(cluster->id);
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto runtime = ReadManagedRuntime(std::filesystem::absolute(relative).string() + "/clusters/" +
                                    std::to_string(cluster->id));
  ASSERT_TRUE(runtime.has_value());
  // The fake JobManager reads a file under FLINK_CONF_DIR: alive means the path resolved.
  bool alive_with_absolute_path = WaitForCondition(
      [&] {
        std::string command_line = ProcessCommandLine(runtime->jobmanager.pid);
        return IsAlive(runtime->jobmanager) && !command_line.empty() &&
               command_line.find(std::filesystem::absolute(relative).string()) != std::string::npos;
      },
      std::chrono::seconds(5));
  EXPECT_TRUE(alive_with_absolute_path) << ProcessCommandLine(runtime->jobmanager.pid);
  EXPECT_TRUE(module.clusters().StopCluster(cluster->id).ok());
  std::filesystem::remove_all(relative);
}

}  // namespace
}  // namespace sluice::flink
