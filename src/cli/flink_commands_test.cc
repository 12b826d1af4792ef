// The env and cluster commands against a fake transport: the exact requests, name lookups, the
// output, `cluster start --wait` polling, and usage errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/output.h"
#include "cli/testing_commands.h"
#include "cli/testing_fakes.h"

namespace sluice::cli {
namespace {

const char* kEnvs = R"({"items":[
  {"id":1,"name":"flink-1.20","home":"/opt/flink-1.20.5","version":"1.20.5","config_file":"config.yaml","description":"","default":true},
  {"id":2,"name":"flink-2.0","home":"/opt/flink-2.0.2","version":"2.0.2","config_file":"config.yaml","description":"new","default":false}],"total":2})";

const char* kEnv2 = R"({"id":2,"name":"flink-2.0","home":"/opt/flink-2.0.2","version":"2.0.2",
  "config_file":"config.yaml","description":"new","default":false,
  "config":"jobmanager:\r\n  rpc:\r\n    address: localhost\r\n","clusters":["big","small"]})";

const char* kClusters = R"({"items":[
  {"id":1,"name":"local","kind":"managed","flink_env_id":1,"state":"RUNNING","state_detail":"",
   "state_changed_at":"2026-11-24T23:00:00.000Z","web_url":"http://127.0.0.1:40001","flink_version":"1.20.5"},
  {"id":3,"name":"prod","kind":"remote","flink_env_id":1,"state":"LOST","state_detail":"no answer",
   "state_changed_at":"2026-11-24T23:55:00.000Z","web_url":"http://jm:8081","flink_version":"1.20.1"}],"total":2})";

// A managed cluster answer in `state`, with `detail`.
std::string Managed(const std::string& state, const std::string& detail = "",
                    const std::string& web_url = "") {
  return Json{{"id", 1},
              {"name", "local"},
              {"kind", "managed"},
              {"flink_env_id", 1},
              {"addresses", Json::array()},
              {"config", Json::object()},
              {"description", ""},
              {"state", state},
              {"state_detail", detail},
              {"state_changed_at", "2026-11-25T00:00:00.000Z"},
              {"web_url", web_url},
              {"flink_version", "1.20.5"},
              {"taskmanagers", 1},
              {"processes", Json::array()}}
      .dump();
}

class CliFlinkCommands : public CliCommands {
 protected:
  void SetUp() override {
    CliCommands::SetUp();
    SaveLogin();
  }
  const http::ClientRequest& Request(size_t i) const { return transport_.requests().at(i); }
  std::string Path(size_t i) const { return FakeHttpClient::PathOf(Request(i).url); }
  std::string Query(size_t i) const { return FakeHttpClient::QueryOf(Request(i).url); }
  Json Body(size_t i) const { return Json::parse(Request(i).body); }
};

// ---- Flink environments

TEST_F(CliFlinkCommands, EnvListTableAndJson) {
  transport_.On("GET", "/api/v1/flink-envs", 200, kEnvs);
  ASSERT_EQ(Run({"env", "list"}), 0) << Err();
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(Request(0).method, "GET");
  EXPECT_EQ(Request(0).url, std::string(kServer) + "/api/v1/flink-envs");
  EXPECT_EQ(Auth(0), std::string("Bearer ") + kSavedToken);
  EXPECT_EQ(Out(),
            "ID  NAME        FLINK   DEFAULT  HOME               CONFIG FILE  DESCRIPTION\n"
            "1   flink-1.20  1.20.5  yes      /opt/flink-1.20.5  config.yaml  -\n"
            "2   flink-2.0   2.0.2   no       /opt/flink-2.0.2   config.yaml  new\n");

  ASSERT_EQ(Run({"env", "list", "-o", "json"}), 0);
  EXPECT_EQ(Json::parse(Out()), Json::parse(kEnvs));
}

TEST_F(CliFlinkCommands, EnvListEmpty) {
  transport_.On("GET", "/api/v1/flink-envs", 200, R"({"items":[],"total":0})");
  ASSERT_EQ(Run({"env", "list"}), 0) << Err();
  EXPECT_EQ(Out(), "No Flink environments.\n");
}

TEST_F(CliFlinkCommands, EnvAddPostsNameHomeAndTheOptions) {
  transport_.On("POST", "/api/v1/flink-envs", 201,
                R"({"id":2,"name":"flink-2.0","home":"/opt/flink-2.0.2","version":"2.0.2",
                    "config_file":"config.yaml","description":"new","default":true,"config":""})");
  ASSERT_EQ(
      Run({"env", "add", "flink-2.0", "/opt/flink-2.0.2", "--description", "new", "--default"}), 0)
      << Err();
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(Request(0).method, "POST");
  EXPECT_EQ(Path(0), "/api/v1/flink-envs");
  EXPECT_EQ(Body(0), Json({{"name", "flink-2.0"},
                           {"home", "/opt/flink-2.0.2"},
                           {"description", "new"},
                           {"default", true}}));
  EXPECT_EQ(Out(),
            "Registered Flink environment flink-2.0 (id 2): Flink 2.0.2 at /opt/flink-2.0.2, "
            "reading conf/config.yaml; it is the default.\n");

  // Without the options, only the name and the home (the home is the server's path: sent as is).
  ASSERT_EQ(Run({"env", "add", "x", "relative/home"}), 0) << Err();
  EXPECT_EQ(Body(1), Json({{"name", "x"}, {"home", "relative/home"}}));
}

TEST_F(CliFlinkCommands, EnvAddShowsTheServersReasonForABadHome) {
  transport_.On("POST", "/api/v1/flink-envs", 400,
                ErrorBody("FLINK_HOME_INVALID",
                          "'/tmp' is not a Flink home: it has no executable bin/flink", "r-1"));
  EXPECT_EQ(Run({"env", "add", "x", "/tmp"}), kExitApiError);
  EXPECT_EQ(Out(), "");
  EXPECT_EQ(Err(),
            "error: '/tmp' is not a Flink home: it has no executable bin/flink "
            "(FLINK_HOME_INVALID, request r-1)\n");
}

TEST_F(CliFlinkCommands, EnvShowByNamePrintsTheFieldsAndTheConfigFile) {
  transport_.On("GET", "/api/v1/flink-envs", 200, kEnvs);
  transport_.On("GET", "/api/v1/flink-envs/2", 200, kEnv2);
  ASSERT_EQ(Run({"env", "show", "flink-2.0"}), 0) << Err();
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(Path(0), "/api/v1/flink-envs");
  EXPECT_EQ(Query(0), "limit=1000&offset=0");  // the list has no ?q=
  EXPECT_EQ(Path(1), "/api/v1/flink-envs/2");
  EXPECT_EQ(Out(),
            "ID:           2\n"
            "Name:         flink-2.0\n"
            "Flink:        2.0.2\n"
            "Home:         /opt/flink-2.0.2\n"
            "Config file:  conf/config.yaml\n"
            "Default:      no\n"
            "Description:  new\n"
            "Clusters:     big, small\n"
            "\n"
            "conf/config.yaml:\n"
            "jobmanager:\n"
            "  rpc:\n"
            "    address: localhost\n");

  ASSERT_EQ(Run({"env", "show", "2", "-o", "json"}), 0) << Err();
  EXPECT_EQ(transport_.requests().size(), 3u);  // an id needs no lookup
  EXPECT_EQ(Json::parse(Out()), Json::parse(kEnv2));
}

TEST_F(CliFlinkCommands, EnvSyncDefaultAndRemoveByName) {
  transport_.On("GET", "/api/v1/flink-envs", 200, kEnvs);
  transport_.On("POST", "/api/v1/flink-envs/2/sync", 200, kEnv2);
  transport_.On("PATCH", "/api/v1/flink-envs/2", 200, kEnv2);
  transport_.On("DELETE", "/api/v1/flink-envs/2", 204, "");

  ASSERT_EQ(Run({"env", "sync", "flink-2.0"}), 0) << Err();
  EXPECT_EQ(transport_.last().method, "POST");
  EXPECT_EQ(FakeHttpClient::PathOf(transport_.last().url), "/api/v1/flink-envs/2/sync");
  EXPECT_EQ(Json::parse(transport_.last().body), Json::object());
  EXPECT_EQ(Out(),
            "Read Flink environment flink-2.0 (id 2) again: Flink 2.0.2, reading "
            "conf/config.yaml.\n");

  ASSERT_EQ(Run({"env", "default", "flink-2.0"}), 0) << Err();
  EXPECT_EQ(transport_.last().method, "PATCH");
  EXPECT_EQ(FakeHttpClient::PathOf(transport_.last().url), "/api/v1/flink-envs/2");
  EXPECT_EQ(Json::parse(transport_.last().body), Json({{"default", true}}));
  EXPECT_EQ(Out(), "flink-2.0 (id 2) is now the default Flink environment.\n");

  ASSERT_EQ(Run({"env", "remove", "flink-2.0"}), 0) << Err();
  EXPECT_EQ(transport_.last().method, "DELETE");
  EXPECT_EQ(FakeHttpClient::PathOf(transport_.last().url), "/api/v1/flink-envs/2");
  EXPECT_EQ(transport_.last().body, "");
  EXPECT_EQ(Out(), "Removed Flink environment flink-2.0 (id 2).\n");
  EXPECT_EQ(transport_.requests().size(), 6u);  // a lookup before each

  ASSERT_EQ(Run({"env", "remove", "2", "-o", "json"}), 0) << Err();
  EXPECT_EQ(transport_.requests().size(), 7u);
  EXPECT_EQ(Out(), "");
}

TEST_F(CliFlinkCommands, EnvRemoveInUseIsTheServersError) {
  transport_.On("DELETE", "/api/v1/flink-envs/1", 409,
                ErrorBody("FLINK_ENV_IN_USE",
                          "Flink environment 'flink-1.20' is used by 1 cluster(s) (local); delete "
                          "or move them first",
                          "r-2"));
  EXPECT_EQ(Run({"env", "remove", "1"}), kExitApiError);
  EXPECT_NE(Err().find("(FLINK_ENV_IN_USE, request r-2)"), std::string::npos) << Err();
}

TEST_F(CliFlinkCommands, AnUnknownEnvNameIsFlinkEnvNotFound) {
  transport_.On("GET", "/api/v1/flink-envs", 200, kEnvs);
  EXPECT_EQ(Run({"env", "default", "flink-9"}), kExitApiError);
  EXPECT_EQ(Err(), "error: no Flink environment named 'flink-9' (FLINK_ENV_NOT_FOUND)\n");
  EXPECT_EQ(transport_.requests().size(), 1u);  // nothing changed
}

TEST_F(CliFlinkCommands, NameLookupReadsEveryPage) {
  // Each page answers the same two clusters of a total of 5: the lookup asks for offsets 0, 2
  // and 4, then gives up.
  transport_.On("GET", "/api/v1/clusters", 200,
                R"({"items":[{"id":1,"name":"local"},{"id":3,"name":"prod"}],"total":5})");
  EXPECT_EQ(Run({"cluster", "show", "zeta"}), kExitApiError);
  EXPECT_EQ(Err(), "error: no cluster named 'zeta' (CLUSTER_NOT_FOUND)\n");
  ASSERT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(Query(2), "limit=1000&offset=4");
}

// ---- clusters

TEST_F(CliFlinkCommands, ClusterListTableKindAndJson) {
  transport_.On("GET", "/api/v1/clusters", 200, kClusters);
  ASSERT_EQ(Run({"cluster", "list"}), 0) << Err();
  EXPECT_EQ(Query(0), "");
  EXPECT_EQ(Out(),
            "ID  NAME   KIND     STATE    FLINK   WEB URL                 SINCE\n"
            "1   local  managed  RUNNING  1.20.5  http://127.0.0.1:40001  1 hour ago\n"
            "3   prod   remote   LOST     1.20.1  http://jm:8081          5 minutes ago\n");

  ASSERT_EQ(Run({"cluster", "list", "--kind", "remote", "--limit", "10"}), 0) << Err();
  EXPECT_EQ(Query(1), "limit=10&kind=remote");

  ASSERT_EQ(Run({"cluster", "list", "-o", "json"}), 0) << Err();
  EXPECT_EQ(Json::parse(Out()), Json::parse(kClusters));

  transport_.On("GET", "/api/v1/clusters", 200, R"({"items":[],"total":0})");
  ASSERT_EQ(Run({"cluster", "list"}), 0) << Err();
  EXPECT_EQ(Out(), "No clusters.\n");

  EXPECT_EQ(Run({"cluster", "list", "--kind", "yarn"}), kExitUsage);
  EXPECT_EQ(transport_.requests().size(), 4u);
}

TEST_F(CliFlinkCommands, ClusterCreateManagedSendsSettingsAsStrings) {
  transport_.On("GET", "/api/v1/flink-envs", 200, kEnvs);
  transport_.On("POST", "/api/v1/clusters", 201,
                R"({"id":4,"name":"big","kind":"managed","flink_env_id":2,"state":"STOPPED",
                    "taskmanagers":2,"flink_version":"2.0.2"})");
  ASSERT_EQ(Run({"cluster", "create", "big", "--managed", "--env", "flink-2.0", "--taskmanagers",
                 "2", "--set", "taskmanager.numberOfTaskSlots=4", "--set",
                 "env.java.opts.all=-Da=b", "--set", "empty=", "--description", "batch"}),
            0)
      << Err();
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(Path(0), "/api/v1/flink-envs");
  EXPECT_EQ(Request(1).method, "POST");
  EXPECT_EQ(Path(1), "/api/v1/clusters");
  EXPECT_EQ(Body(1), Json({{"name", "big"},
                           {"kind", "managed"},
                           {"flink_env_id", 2},
                           {"taskmanagers", 2},
                           {"config",
                            {{"taskmanager.numberOfTaskSlots", "4"},
                             {"env.java.opts.all", "-Da=b"},
                             {"empty", ""}}},
                           {"description", "batch"}}));
  EXPECT_EQ(Out(),
            "Created managed cluster big (id 4): Flink 2.0.2, 2 TaskManager(s), STOPPED; start it "
            "with `sluice cluster start big`.\n");

  // The least: the default environment (no lookup), the server's default TaskManagers.
  ASSERT_EQ(Run({"cluster", "create", "small", "--managed"}), 0) << Err();
  ASSERT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(Body(2), Json({{"name", "small"}, {"kind", "managed"}}));
}

TEST_F(CliFlinkCommands, ClusterCreateRemoteSendsTheAddressesInOrder) {
  transport_.On("POST", "/api/v1/clusters", 201,
                R"({"id":5,"name":"prod","kind":"remote","state":"RUNNING",
                    "web_url":"http://jm-b:8081","flink_version":"1.20.1"})");
  ASSERT_EQ(Run({"cluster", "create", "--address", "http://jm-a:8081", "prod", "--remote",
                 "--address", "http://jm-b:8081", "--env", "1"}),
            0)
      << Err();
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(Body(0), Json({{"name", "prod"},
                           {"kind", "remote"},
                           {"flink_env_id", 1},
                           {"addresses", {"http://jm-a:8081", "http://jm-b:8081"}}}));
  EXPECT_EQ(Out(),
            "Registered remote cluster prod (id 5): Flink 1.20.1 at http://jm-b:8081, RUNNING.\n");
}

TEST_F(CliFlinkCommands, ClusterCreateUnreachableIsTheServersError) {
  transport_.On("POST", "/api/v1/clusters", 502,
                ErrorBody("CLUSTER_UNREACHABLE", "no JobManager answers at http://jm:1", "r-3"));
  EXPECT_EQ(Run({"cluster", "create", "x", "--remote", "--address", "http://jm:1"}), kExitApiError);
  EXPECT_EQ(Err(),
            "error: no JobManager answers at http://jm:1 (CLUSTER_UNREACHABLE, request r-3)\n");
}

TEST_F(CliFlinkCommands, ClusterCreateUsageErrorsSendNothing) {
  const std::vector<std::vector<std::string>> wrong = {
      {"cluster", "create", "x"},                                        // no kind
      {"cluster", "create", "x", "--managed", "--remote"},               // two kinds
      {"cluster", "create", "x", "--remote"},                            // no address
      {"cluster", "create", "x", "--managed", "--address", "http://a"},  // address of a managed
      {"cluster", "create", "x", "--remote", "--address", "http://a", "--taskmanagers", "2"},
      {"cluster", "create", "x", "--remote", "--address", "http://a", "--set", "a=b"},
      {"cluster", "create", "x", "--managed", "--taskmanagers", "0"},
      {"cluster", "create", "x", "--managed", "--set", "no-equals-sign"},
      {"cluster", "create", "x", "--managed", "--set", "=value"},
      {"cluster", "create", "--managed"},  // no name
  };
  for (const auto& args : wrong) {
    EXPECT_EQ(Run(args), kExitUsage) << args.back();
    EXPECT_EQ(Err().rfind("error: ", 0), 0u) << Err();
  }
  EXPECT_TRUE(transport_.requests().empty());

  Run({"cluster", "create", "x", "--managed", "--set", "taskmanager.numberOfTaskSlots"});
  EXPECT_EQ(Err(),
            "error: --set: 'taskmanager.numberOfTaskSlots' is not KEY=VALUE, e.g. --set "
            "taskmanager.numberOfTaskSlots=4\n");
}

TEST_F(CliFlinkCommands, ClusterShowManagedListsItsProcesses) {
  transport_.On("GET", "/api/v1/clusters", 200, kClusters);
  transport_.On("GET", "/api/v1/clusters/1", 200, R"({"id":1,"name":"local","kind":"managed",
    "flink_env_id":1,"addresses":[],"config":{"taskmanager.numberOfTaskSlots":"4"},"description":"",
    "state":"RUNNING","state_detail":"every TaskManager registered",
    "state_changed_at":"2026-11-24T23:00:00.000Z","web_url":"http://127.0.0.1:40001",
    "flink_version":"1.20.5","taskmanagers":2,"processes":[
      {"name":"jobmanager","pid":4100,"alive":true,"restarts":0},
      {"name":"taskmanager-1","pid":4101,"alive":true,"restarts":0},
      {"name":"taskmanager-2","pid":4202,"alive":false,"restarts":3}]})");
  ASSERT_EQ(Run({"cluster", "show", "local"}), 0) << Err();
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(Path(0), "/api/v1/clusters");
  EXPECT_EQ(Query(0), "limit=1000&offset=0");
  EXPECT_EQ(Path(1), "/api/v1/clusters/1");
  EXPECT_EQ(Out(),
            "ID:            1\n"
            "Name:          local\n"
            "Kind:          managed\n"
            "State:         RUNNING\n"
            "Detail:        every TaskManager registered\n"
            "Since:         1 hour ago\n"
            "Web URL:       http://127.0.0.1:40001\n"
            "Flink:         1.20.5\n"
            "Environment:   1\n"
            "TaskManagers:  2\n"
            "Config:        taskmanager.numberOfTaskSlots=4\n"
            "Description:   -\n"
            "\n"
            "PROCESS        PID   ALIVE  RESTARTS\n"
            "jobmanager     4100  yes    0\n"
            "taskmanager-1  4101  yes    0\n"
            "taskmanager-2  4202  no     3\n");
}

TEST_F(CliFlinkCommands, ClusterShowRemoteHasAddressesAndNoProcesses) {
  transport_.On("GET", "/api/v1/clusters/3", 200, R"({"id":3,"name":"prod","kind":"remote",
    "flink_env_id":1,"addresses":["http://jm-a:8081","http://jm-b:8081"],"config":{},
    "description":"production","state":"LOST","state_detail":"no JobManager answers",
    "state_changed_at":"2026-11-24T23:55:00.000Z","web_url":"http://jm-a:8081",
    "flink_version":"1.20.1"})");
  ASSERT_EQ(Run({"cluster", "show", "3"}), 0) << Err();
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(Out(),
            "ID:           3\n"
            "Name:         prod\n"
            "Kind:         remote\n"
            "State:        LOST\n"
            "Detail:       no JobManager answers\n"
            "Since:        5 minutes ago\n"
            "Web URL:      http://jm-a:8081\n"
            "Flink:        1.20.1\n"
            "Environment:  1\n"
            "Addresses:    http://jm-a:8081, http://jm-b:8081\n"
            "Description:  production\n");
}

TEST_F(CliFlinkCommands, ClusterStartWithoutWaitAnswersAtOnce) {
  transport_.On("GET", "/api/v1/clusters", 200, kClusters);
  transport_.On("POST", "/api/v1/clusters/1/start", 202, Managed("STARTING"));
  ASSERT_EQ(Run({"cluster", "start", "local"}), 0) << Err();
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(Request(1).method, "POST");
  EXPECT_EQ(Path(1), "/api/v1/clusters/1/start");
  EXPECT_EQ(Query(1), "");  // the client polls itself; never the server's ?wait=true
  EXPECT_EQ(Body(1), Json::object());
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_EQ(Out(),
            "Cluster local (id 1) is STARTING; follow it with `sluice cluster show local`, or "
            "start with --wait.\n");
}

TEST_F(CliFlinkCommands, ClusterStartWaitPollsUntilRunning) {
  transport_.On("POST", "/api/v1/clusters/1/start", 202, Managed("STARTING"));
  transport_.On("GET", "/api/v1/clusters/1", 200, Managed("STARTING"));
  on_sleep_ = [this] {
    if (sleeps_.size() == 3) {
      transport_.On("GET", "/api/v1/clusters/1", 200,
                    Managed("RUNNING", "every TaskManager registered", "http://127.0.0.1:40001"));
    }
  };
  ASSERT_EQ(Run({"cluster", "start", "1", "--wait"}), 0) << Err();
  ASSERT_EQ(transport_.requests().size(), 4u);
  EXPECT_EQ(Request(0).method, "POST");
  EXPECT_EQ(Path(0), "/api/v1/clusters/1/start");
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(Request(i).method, "GET");
    EXPECT_EQ(Path(i), "/api/v1/clusters/1");
  }
  EXPECT_EQ(sleeps_, std::vector<std::chrono::milliseconds>(3, std::chrono::milliseconds(1000)));
  EXPECT_EQ(Out(), "Cluster local (id 1) is RUNNING; its web UI is at http://127.0.0.1:40001.\n");
  EXPECT_EQ(Err(), "Waiting up to 300 s for cluster local (id 1) to start...\n");
}

TEST_F(CliFlinkCommands, ClusterStartWaitUntilFailedExitsOneWithTheDetail) {
  transport_.On("GET", "/api/v1/clusters", 200, kClusters);
  transport_.On("POST", "/api/v1/clusters/1/start", 202, Managed("STARTING"));
  transport_.On("GET", "/api/v1/clusters/1", 200,
                Managed("FAILED", "java.net.BindException: Address already in use"));
  EXPECT_EQ(Run({"cluster", "start", "local", "--wait"}), kExitApiError);
  EXPECT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(transport_.requests().size(), 3u);  // lookup, start, one poll
  EXPECT_EQ(Out(), "Cluster local (id 1) is FAILED.\n");
  EXPECT_EQ(Err(),
            "Waiting up to 300 s for cluster local (id 1) to start...\n"
            "error: cluster local (id 1) did not start: it is FAILED: java.net.BindException: "
            "Address already in use (CLUSTER_START_FAILED)\n");
}

TEST_F(CliFlinkCommands, ClusterStartWaitJsonPrintsTheFinalCluster) {
  transport_.On("POST", "/api/v1/clusters/1/start", 202, Managed("STARTING"));
  transport_.On("GET", "/api/v1/clusters/1", 200, Managed("FAILED", "the JobManager died"));
  EXPECT_EQ(Run({"cluster", "start", "1", "--wait", "-o", "json"}), kExitApiError);
  EXPECT_EQ(Json::parse(Out()), Json::parse(Managed("FAILED", "the JobManager died")));
  EXPECT_EQ(Err(),
            "error: cluster local (id 1) did not start: it is FAILED: the JobManager died "
            "(CLUSTER_START_FAILED)\n");
}

TEST_F(CliFlinkCommands, ClusterStartWaitGivesUpAtTheDeadline) {
  transport_.On("POST", "/api/v1/clusters/1/start", 202, Managed("STARTING"));
  transport_.On("GET", "/api/v1/clusters/1", 200, Managed("STARTING"));
  EXPECT_EQ(Run({"cluster", "start", "1", "--wait", "--timeout", "3"}), kExitApiError);
  std::chrono::milliseconds waited{0};
  for (auto s : sleeps_) waited += s;
  EXPECT_EQ(waited, std::chrono::milliseconds(3000));
  EXPECT_EQ(transport_.requests().size(), 4u);  // start, then a poll after each second
  EXPECT_NE(Err().find("error: cluster local (id 1) is still STARTING after 3 s; see `sluice "
                       "cluster events local` (CLUSTER_TIMEOUT)"),
            std::string::npos)
      << Err();
}

TEST_F(CliFlinkCommands, ClusterStartUsageErrors) {
  EXPECT_EQ(Run({"cluster", "start", "1", "--timeout", "5"}), kExitUsage);  // needs --wait
  EXPECT_EQ(Run({"cluster", "start", "1", "--wait", "--timeout", "0"}), kExitUsage);
  EXPECT_EQ(Run({"cluster", "start"}), kExitUsage);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CliFlinkCommands, ClusterStartOfARunningClusterIsTheServersError) {
  transport_.On("POST", "/api/v1/clusters/1/start", 409,
                ErrorBody("CLUSTER_WRONG_STATE", "cluster 'local' is RUNNING", "r-4"));
  EXPECT_EQ(Run({"cluster", "start", "1", "--wait"}), kExitApiError);
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_EQ(Err(), "error: cluster 'local' is RUNNING (CLUSTER_WRONG_STATE, request r-4)\n");
}

TEST_F(CliFlinkCommands, ClusterStopAndRemoveByName) {
  transport_.On("GET", "/api/v1/clusters", 200, kClusters);
  transport_.On("POST", "/api/v1/clusters/1/stop", 200, Managed("STOPPED"));
  transport_.On("DELETE", "/api/v1/clusters/1", 204, "");
  ASSERT_EQ(Run({"cluster", "stop", "local"}), 0) << Err();
  EXPECT_EQ(transport_.last().method, "POST");
  EXPECT_EQ(FakeHttpClient::PathOf(transport_.last().url), "/api/v1/clusters/1/stop");
  EXPECT_EQ(Json::parse(transport_.last().body), Json::object());
  EXPECT_EQ(Out(), "Cluster local (id 1) is STOPPED.\n");

  ASSERT_EQ(Run({"cluster", "remove", "local"}), 0) << Err();
  EXPECT_EQ(transport_.last().method, "DELETE");
  EXPECT_EQ(FakeHttpClient::PathOf(transport_.last().url), "/api/v1/clusters/1");
  EXPECT_EQ(Out(), "Removed cluster local (id 1).\n");
  EXPECT_EQ(transport_.requests().size(), 4u);
}

TEST_F(CliFlinkCommands, ClusterEventsTable) {
  transport_.On("GET", "/api/v1/clusters/1/events", 200, R"({"items":[
    {"id":3,"at":"2026-11-24T23:59:00.000Z","from_state":"STARTING","to_state":"RUNNING","detail":"ready"},
    {"id":2,"at":"2026-11-24T23:58:00.000Z","from_state":"STOPPED","to_state":"STARTING","detail":""},
    {"id":1,"at":"2026-11-24T22:00:00.000Z","from_state":"","to_state":"STOPPED","detail":"registered"}],
    "total":7})");
  ASSERT_EQ(Run({"cluster", "events", "1", "--limit", "3"}), 0) << Err();
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(Query(0), "limit=3");
  EXPECT_EQ(Out(),
            "AT             FROM      TO        DETAIL\n"
            "1 minute ago   STARTING  RUNNING   ready\n"
            "2 minutes ago  STOPPED   STARTING  -\n"
            "2 hours ago    -         STOPPED   registered\n"
            "(3 of 7 events; see more with --offset 3)\n");

  transport_.On("GET", "/api/v1/clusters/1/events", 200, R"({"items":[],"total":0})");
  ASSERT_EQ(Run({"cluster", "events", "1"}), 0) << Err();
  EXPECT_EQ(Out(), "No events.\n");
}

TEST_F(CliFlinkCommands, GroupsNeedASubcommandAndHelpWorks) {
  EXPECT_EQ(Run({"env"}), kExitUsage);
  EXPECT_EQ(Run({"cluster"}), kExitUsage);
  EXPECT_EQ(Run({"env", "show"}), kExitUsage);
  EXPECT_EQ(Run({"cluster", "--help"}), 0);
  EXPECT_NE(Out().find("events"), std::string::npos);
  EXPECT_EQ(Run({"cluster", "create", "--help"}), 0);
  EXPECT_NE(Out().find("--set"), std::string::npos);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CliFlinkCommands, NotLoggedInExitsFour) {
  ASSERT_TRUE(std::filesystem::remove(CredentialsFile()));
  EXPECT_EQ(Run({"cluster", "list"}), kExitNotLoggedIn);
  EXPECT_EQ(Run({"env", "list"}), kExitNotLoggedIn);
  EXPECT_TRUE(transport_.requests().empty());
}

}  // namespace
}  // namespace sluice::cli
