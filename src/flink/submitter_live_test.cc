// CliSubmitter against real Flink session clusters, one per Flink home in SLUICE_TEST_FLINK_HOMES.
//
// Needs:
//   SLUICE_TEST_FLINK_HOMES  colon-separated Flink homes (e.g. ~/.cache/sluice/flink/flink-1.20.5)
//   SLUICE_TEST_JOB_DIR      a folder with tiny-job-<version>.jar for each of them
// Without them every test FAILS (a silently skipped test would read as "works on real Flink").
// Exclude them with --gtest_filter=-SubmitterLive* where no Flink is available.
//
// The suite starts each cluster once with the home's own bin/start-cluster.sh, on a copy of its
// conf dir with free ports and FLINK_LOG_DIR/FLINK_PID_DIR in a temp folder (so it never touches
// another cluster on the machine), and stops it at the end, checking that no process of it is left.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "flink/process.h"
#include "flink/submitter.h"

namespace sluice::flink {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
}

// A port nobody listens on right now.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

size_t CollectBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// GET or PATCH http://127.0.0.1:port/path; the body when the answer is 2xx.
std::optional<std::string> Http(int port, const std::string& path, const char* method = "GET") {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return std::nullopt;
  std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 3000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK || status < 200 || status > 299) return std::nullopt;
  return body;
}

std::optional<nlohmann::json> HttpJson(int port, const std::string& path) {
  auto body = Http(port, path);
  if (!body) return std::nullopt;
  auto json = nlohmann::json::parse(*body, nullptr, false);
  if (json.is_discarded()) return std::nullopt;
  return json;
}

// Pids of processes whose command line mentions `text`.
std::vector<int> ProcessesMentioning(const std::string& text) {
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    int pid = std::stoi(name);
    if (pid != ::getpid() && ProcessCommandLine(pid).find(text) != std::string::npos) {
      pids.push_back(pid);
    }
  }
  return pids;
}

// "1.20.5" from <home>/lib/flink-dist-1.20.5.jar; "" when there is none.
std::string FlinkVersion(const fs::path& home) {
  static const std::regex kDist(R"(flink-dist(_[0-9.]+)?-([0-9][0-9A-Za-z.\-]*)\.jar)");
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(home / "lib", ec)) {
    std::smatch match;
    std::string name = entry.path().filename().string();
    if (std::regex_match(name, match, kDist)) return match[2];
  }
  return "";
}

// Sets `key` (dotted) in a parsed config.yaml as a flat key, first removing it in nested form
// (Flink reads both forms; having both would be ambiguous).
void SetFlat(YAML::Node& root, const std::string& key, const std::string& value) {
  std::vector<std::string> parts;
  std::stringstream in(key);
  for (std::string part; std::getline(in, part, '.');) parts.push_back(part);
  std::function<void(YAML::Node, size_t)> remove_nested = [&](YAML::Node node, size_t i) {
    if (!node.IsMap()) return;
    if (i + 1 == parts.size()) {
      node.remove(parts[i]);
      return;
    }
    if (node[parts[i]]) remove_nested(node[parts[i]], i + 1);
  };
  remove_nested(root, 0);
  root[key] = value;
}

struct LiveCluster {
  std::string home;
  std::string version;
  fs::path dir;  // conf/, log/, pid/ and start logs; its path marks the cluster's processes
  int rest_port = 0;
  bool running = false;

  std::map<std::string, std::string> Env() const {
    return {{"FLINK_CONF_DIR", (dir / "conf").string()},
            {"FLINK_LOG_DIR", (dir / "log").string()},
            {"FLINK_PID_DIR", (dir / "pid").string()}};
  }
  std::string ConfDir() const { return (dir / "conf").string(); }
};

// Runs a script of the Flink home with the cluster's environment.
Result<RunResult> RunScript(const LiveCluster& cluster, const std::string& script) {
  SpawnSpec spec;
  spec.argv = {(fs::path(cluster.home) / "bin" / script).string()};
  spec.env_overrides = cluster.Env();
  spec.output_path = (cluster.dir / "scripts.log").string();
  return RunToCompletion(spec, 120s);
}

// Starts a session cluster for `home`; an error message, or "" on success.
std::string StartCluster(LiveCluster& cluster) {
  std::error_code ec;
  fs::create_directories(cluster.dir / "log");
  fs::create_directories(cluster.dir / "pid");
  fs::copy(fs::path(cluster.home) / "conf", cluster.dir / "conf", fs::copy_options::recursive, ec);
  if (ec) return "cannot copy the conf dir of " + cluster.home + ": " + ec.message();
  cluster.rest_port = FreePort();
  int rpc_port = FreePort();
  std::map<std::string, std::string> settings = {
      {"rest.address", "127.0.0.1"},
      {"rest.bind-address", "127.0.0.1"},
      {"rest.port", std::to_string(cluster.rest_port)},
      {"jobmanager.rpc.port", std::to_string(rpc_port)},
      {"jobmanager.memory.process.size", "1024m"},
      {"taskmanager.memory.process.size", "1024m"},
  };
  fs::path yaml = cluster.dir / "conf" / "config.yaml";
  fs::path legacy = cluster.dir / "conf" / "flink-conf.yaml";
  if (fs::exists(legacy)) {
    // The legacy flat file (1.x only): the last occurrence of a key wins.
    std::ofstream out(legacy, std::ios::app);
    out << "\n";
    for (const auto& [key, value] : settings) out << key << ": " << value << "\n";
  } else {
    YAML::Node root = fs::exists(yaml) ? YAML::LoadFile(yaml.string()) : YAML::Node();
    for (const auto& [key, value] : settings) SetFlat(root, key, value);
    YAML::Emitter out;
    out << root;
    std::ofstream(yaml) << out.c_str() << "\n";
  }
  std::ofstream(cluster.dir / "conf" / "masters") << "localhost:" << cluster.rest_port << "\n";

  auto started = RunScript(cluster, "start-cluster.sh");
  cluster.running = true;  // from here on, stop it whatever happens
  if (!started.ok()) return "start-cluster.sh: " + started.error().internal_detail;
  if (started->exit_code != 0) {
    return "start-cluster.sh exited with " + std::to_string(started->exit_code) + ": " +
           started->output;
  }
  bool ready = WaitFor(
      [&] {
        auto overview = HttpJson(cluster.rest_port, "/overview");
        return overview && overview->value("taskmanagers", 0) >= 1;
      },
      120s);
  if (!ready) {
    return "the cluster of " + cluster.home + " did not come up on port " +
           std::to_string(cluster.rest_port) + "; logs in " + (cluster.dir / "log").string();
  }
  return "";
}

// Stops the cluster with stop-cluster.sh; true when none of its processes is left afterwards.
// Leftovers are killed anyway, so a failed run does not leave JVMs behind.
bool StopCluster(LiveCluster& cluster, std::string* report) {
  if (!cluster.running) return true;
  cluster.running = false;
  auto stopped = RunScript(cluster, "stop-cluster.sh");
  if (stopped.ok() && report != nullptr) *report += stopped->output;
  const std::string marker = cluster.dir.string() + "/";
  bool clean = WaitFor([&] { return ProcessesMentioning(marker).empty(); }, 60s);
  if (!clean) {
    for (int pid : ProcessesMentioning(marker)) {
      if (report != nullptr) *report += "left running: " + ProcessCommandLine(pid) + "\n";
      ::kill(pid, SIGKILL);
    }
  }
  return clean;
}

class SubmitterLive : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_error_.clear();
    clusters_.clear();
    const char* homes = std::getenv("SLUICE_TEST_FLINK_HOMES");
    const char* jobs = std::getenv("SLUICE_TEST_JOB_DIR");
    if (homes == nullptr || *homes == '\0' || jobs == nullptr || *jobs == '\0') {
      setup_error_ =
          "The SubmitterLive tests need real Flink: set SLUICE_TEST_FLINK_HOMES to Flink homes "
          "separated by ':' (e.g. ~/.cache/sluice/flink/flink-1.20.5:~/.cache/sluice/flink/"
          "flink-2.0.2, made by scripts/provision/flink.sh) and SLUICE_TEST_JOB_DIR to the folder "
          "with tiny-job-<version>.jar (e.g. ~/.cache/sluice/test-jobs), or exclude them with "
          "--gtest_filter=-SubmitterLive*";
      return;
    }
    job_dir_ = jobs;
    std::string pattern = (fs::temp_directory_path() / "sluice-live-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
      setup_error_ = "mkdtemp failed";
      return;
    }
    root_ = pattern;
    std::stringstream list(homes);
    for (std::string home; std::getline(list, home, ':');) {
      if (home.empty()) continue;
      LiveCluster cluster;
      cluster.home = home;
      cluster.version = FlinkVersion(home);
      cluster.dir = root_ / ("cluster-" + std::to_string(clusters_.size()));
      if (cluster.version.empty()) {
        setup_error_ += home + " is not a Flink home (no lib/flink-dist-*.jar)\n";
        continue;
      }
      if (!fs::is_regular_file(JarFor(cluster))) {
        setup_error_ += "no test job " + JarFor(cluster) + "\n";
        continue;
      }
      clusters_.push_back(cluster);
      std::string error = StartCluster(clusters_.back());
      if (!error.empty()) setup_error_ += error + "\n";
    }
    if (clusters_.empty() && setup_error_.empty()) {
      setup_error_ = "SLUICE_TEST_FLINK_HOMES names no Flink home";
    }
  }

  static void TearDownTestSuite() {
    for (auto& cluster : clusters_) StopCluster(cluster, nullptr);
    if (!root_.empty()) {
      std::error_code ec;
      fs::remove_all(root_, ec);
    }
  }

  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << setup_error_;
  }

  static std::string JarFor(const LiveCluster& cluster) {
    return (fs::path(job_dir_) / ("tiny-job-" + cluster.version + ".jar")).string();
  }

  static SubmitRequest Request(const LiveCluster& cluster, const std::string& log_name) {
    SubmitRequest request;
    request.flink_home = cluster.home;
    request.config_dir = cluster.ConfDir();
    request.rest_address = "127.0.0.1";
    request.rest_port = cluster.rest_port;
    request.jar_path = JarFor(cluster);
    request.program_args = {"--records", "1000"};
    request.timeout = 120s;
    request.log_path = (cluster.dir / "start-logs" / (log_name + ".log")).string();
    return request;
  }

  static inline std::vector<LiveCluster> clusters_;
  static inline std::string setup_error_;
  static inline std::string job_dir_;
  static inline fs::path root_;
  CliSubmitter submitter_;
};

TEST_F(SubmitterLive, SubmitsTheTinyJob) {
  for (const auto& cluster : clusters_) {
    SCOPED_TRACE("Flink " + cluster.version);
    SubmitRequest request = Request(cluster, "tiny");
    auto outcome = submitter_.Submit(request, nullptr);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message << "\n" << outcome.error().internal_detail;
    EXPECT_TRUE(std::regex_match(outcome->job_id, std::regex("[0-9a-f]{32}"))) << outcome->job_id;
    // The cluster knows the job, and it runs (or has already run) to the end.
    std::string state;
    EXPECT_TRUE(WaitFor(
        [&] {
          auto job = HttpJson(cluster.rest_port, "/jobs/" + outcome->job_id);
          state = job ? job->value("state", "") : "";
          return state == "RUNNING" || state == "FINISHED" || state == "FAILED";
        },
        60s));
    EXPECT_TRUE(state == "RUNNING" || state == "FINISHED") << state;
    if (state == "RUNNING")
      Http(cluster.rest_port, "/jobs/" + outcome->job_id + "?mode=cancel", "PATCH");
    std::ifstream log(request.log_path);
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("Job has been submitted with JobID " + outcome->job_id), std::string::npos);
    EXPECT_NE(text.find(" run -t remote -Drest.address=127.0.0.1 -Drest.port=" +
                        std::to_string(cluster.rest_port) + " -d "),
              std::string::npos)
        << text;
  }
}

TEST_F(SubmitterLive, BadJarsAreRefused) {
  for (const auto& cluster : clusters_) {
    SCOPED_TRACE("Flink " + cluster.version);
    SubmitRequest request = Request(cluster, "missing-jar");
    request.jar_path = (cluster.dir / "no-such-job.jar").string();
    auto missing = submitter_.Submit(request, nullptr);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(missing.error().field, "jar_path");

    // A file that is not a jar gets past us; the CLI refuses it.
    request = Request(cluster, "not-a-jar");
    request.jar_path = (cluster.dir / "not-a-jar.jar").string();
    std::ofstream(request.jar_path) << "this is not a zip file\n";
    auto not_a_jar = submitter_.Submit(request, nullptr);
    ASSERT_FALSE(not_a_jar.ok());
    EXPECT_EQ(not_a_jar.error().code, ErrorCode::SUBMIT_FAILED);
    EXPECT_NE(not_a_jar.error().message.find("Flink did not accept the job: "), std::string::npos);
    EXPECT_EQ(not_a_jar.error().message.find("\tat "), std::string::npos);
    std::cout << "[ Flink " << cluster.version << " says ] " << not_a_jar.error().message << "\n";
  }
}

TEST_F(SubmitterLive, AFailingMainClassIsSubmitFailedWithItsReason) {
  for (const auto& cluster : clusters_) {
    SCOPED_TRACE("Flink " + cluster.version);
    SubmitRequest request = Request(cluster, "bad-main");
    request.main_class = "sluice.test.NoSuchMainClass";
    auto outcome = submitter_.Submit(request, nullptr);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::SUBMIT_FAILED);
    EXPECT_NE(outcome.error().message.find("sluice.test.NoSuchMainClass"), std::string::npos)
        << outcome.error().message;
    EXPECT_NE(outcome.error().internal_detail.find("ClassNotFoundException"), std::string::npos);
    std::cout << "[ Flink " << cluster.version << " says ] " << outcome.error().message << "\n";
  }
}

TEST_F(SubmitterLive, AMissingSavepointIsSubmitFailedWithItsReason) {
  for (const auto& cluster : clusters_) {
    SCOPED_TRACE("Flink " + cluster.version);
    SubmitRequest request = Request(cluster, "bad-savepoint");
    request.savepoint_path = "file://" + (cluster.dir / "no-such-savepoint").string();
    request.allow_non_restored_state = true;
    request.parallelism = 1;
    auto outcome = submitter_.Submit(request, nullptr);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::SUBMIT_FAILED);
    EXPECT_NE(outcome.error().message.find("no-such-savepoint"), std::string::npos)
        << outcome.error().message;
    std::cout << "[ Flink " << cluster.version << " says ] " << outcome.error().message << "\n";
  }
}

TEST_F(SubmitterLive, AnUnreachableClusterTimesOutAndTheCliIsKilled) {
  for (const auto& cluster : clusters_) {
    SCOPED_TRACE("Flink " + cluster.version);
    SubmitRequest request = Request(cluster, "unreachable");
    request.rest_port = FreePort();  // nothing listens: the CLI retries for minutes
    request.timeout = 10s;
    auto outcome = submitter_.Submit(request, nullptr);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::SUBMIT_TIMEOUT) << outcome.error().message;
    // The CLI's JVM mentions our conf dir (its log4j-cli.properties) on its command line.
    std::vector<int> left;
    for (int pid : ProcessesMentioning(cluster.ConfDir() + "/log4j-cli.properties")) {
      left.push_back(pid);
    }
    EXPECT_TRUE(left.empty()) << "the CLI survived: " << ProcessCommandLine(left[0]);
  }
}

// Last in the suite (gtest keeps declaration order): stop-cluster.sh leaves no process behind.
TEST_F(SubmitterLive, StopClusterLeavesNoProcessBehind) {
  for (auto& cluster : clusters_) {
    SCOPED_TRACE("Flink " + cluster.version);
    std::string report;
    EXPECT_TRUE(StopCluster(cluster, &report)) << report;
    EXPECT_TRUE(ProcessesMentioning(cluster.dir.string() + "/").empty());
  }
}

}  // namespace
}  // namespace sluice::flink
