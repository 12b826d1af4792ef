// Failure-to-delivery latency: from a job's FAILED being visible in Flink (here: a fake cluster,
// a JobGateway that starts answering FAILED at a known instant) to a real HTTP receiver on
// loopback accepting the alert (scripts/alerts/receivers.py records when each post arrived). The
// rest is the real thing: the tracker at the default 1000 ms cycle, the journal, the alert
// engine's workers, the outbox in SQLite, libcurl.
//
//   build-bench/alerts_bench [--failures 20] [--burst 100] [--cycle-ms 1000]
//                            [--receivers scripts/alerts/receivers.py]
//
// Prints the median and worst latency over --failures failures one after the other, then the
// time until the last of --burst apps failing at once had its alert accepted.
#include <fmt/format.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "alerts/alerts_module.h"
#include "apps/apps_module.h"
#include "common/clock.h"
#include "flink/flink_module.h"
#include "flink/process.h"
#include "http/client.h"
#include "store/database.h"
#include "store/migrations.h"

namespace {

using namespace sluice;

class FakeGateway final : public apps::JobGateway {
 public:
  Result<std::vector<flink::JobSummary>> JobsOverview(int64_t) override {
    std::lock_guard lock(mutex);
    std::vector<flink::JobSummary> out;
    for (const auto& [id, state] : jobs) {
      flink::JobSummary job;
      job.id = id;
      job.state = state;
      out.push_back(job);
    }
    return out;
  }
  Status CancelJob(int64_t, const std::string&) override { return Status::Ok(); }
  Result<std::string> StopWithSavepoint(int64_t, const std::string&, const std::string&, bool,
                                        std::chrono::milliseconds) override {
    return std::string();
  }
  Result<std::string> TriggerSavepoint(int64_t, const std::string&, const std::string&,
                                       std::chrono::milliseconds) override {
    return std::string();
  }
  Result<flink::JobExceptionHistory> JobExceptions(int64_t, const std::string&) override {
    flink::JobExceptionHistory history;
    history.root_cause_summary = "java.lang.ArithmeticException: / by zero";
    return history;
  }
  Result<flink::CheckpointStats> Checkpoints(int64_t, const std::string&) override {
    return flink::CheckpointStats{};
  }
  std::string WebUrl(int64_t) override { return "http://127.0.0.1:8081"; }
  std::string ActiveAddress(int64_t) override { return "http://127.0.0.1:8081"; }
  void Set(const std::string& job, const std::string& state) {
    std::lock_guard lock(mutex);
    jobs[job] = state;
  }
  std::mutex mutex;
  std::map<std::string, std::string> jobs;
};

class NullProbe final : public flink::ClusterProbe {
 public:
  Result<flink::ClusterProbeResult> Probe(const std::vector<std::string>&) override {
    return Error(ErrorCode::CLUSTER_UNREACHABLE, "bench");
  }
};

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// app name -> the time its alert arrived, from the receiver's records.
std::map<std::string, double> Arrivals(const std::string& url) {
  http::CurlHttpClient client;
  std::map<std::string, double> out;
  auto answer = client.Send({"GET", url + "/records"});
  if (!answer.ok()) return out;
  Json records = Json::parse(answer->body, nullptr, false);
  if (!records.is_object()) return out;
  for (const Json& post : records["http"]) {
    std::string app = post["body"]["alert"].value("app", "");
    if (!app.empty() && !out.count(app)) out[app] = post["at"].get<double>();
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int failures = 20, burst = 100, cycle_ms = 1000;
  std::string script = "scripts/alerts/receivers.py";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--failures") failures = std::atoi(argv[i + 1]);
    if (flag == "--burst") burst = std::atoi(argv[i + 1]);
    if (flag == "--cycle-ms") cycle_ms = std::atoi(argv[i + 1]);
    if (flag == "--receivers") script = argv[i + 1];
  }
  spdlog::set_level(spdlog::level::warn);
  auto dir =
      std::filesystem::temp_directory_path() / ("sluice-alerts-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);

  int http_port = FreePort();
  flink::SpawnSpec spec;
  spec.argv = {"/usr/bin/python3", std::filesystem::absolute(script).string(),
               "--http-port",      std::to_string(http_port),
               "--smtp-port",      std::to_string(FreePort())};
  spec.output_path = (dir / "receivers.log").string();
  auto receivers = flink::Spawn(spec);
  if (!receivers.ok()) {
    std::fprintf(stderr, "cannot start the receivers: %s\n", receivers.error().message.c_str());
    return 1;
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(http_port);
  for (int i = 0; i < 200; ++i) {
    http::CurlHttpClient client;
    auto answer = client.Send({"GET", url + "/healthz"});
    if (answer.ok() && answer->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  auto db = store::OpenDatabase("sqlite://" + (dir / "bench.db").string());
  if (!db.ok()) return 1;
  store::Database& database = **db;
  SystemClock& clock = SystemClock::Instance();
  if (!store::Migrate(database, store::SchemaMigrations(), clock).ok()) return 1;
  const int apps_count = failures + burst;
  auto seeded = database.Transaction([&](store::Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(
        c.Query("INSERT INTO teams (name, description, created_at, updated_at) VALUES ('data', "
                "'', 0, 0)"));
    SLUICE_RETURN_IF_ERROR(c.Query(
        "INSERT INTO flink_envs (name, home, version, config_file, config_text, description, "
        "is_default, created_at, updated_at) VALUES ('f', '/opt/flink', '1.20.5', 'config.yaml', "
        "'', '', 1, 0, 0)"));
    SLUICE_RETURN_IF_ERROR(
        c.Query("INSERT INTO clusters (name, kind, flink_env_id, addresses, config, state, "
                "state_changed_at, created_at, updated_at) VALUES ('c', 'remote', 1, "
                "'[\"http://127.0.0.1:8081\"]', '{}', 'RUNNING', 0, 0, 0)"));
    Json config = {{"url", url + "/webhook"},
                   {"headers", {{"X-Test-Token", "test-token"}}},
                   {"secret", "test-secret"}};
    SLUICE_RETURN_IF_ERROR(c.Query(
        "INSERT INTO alert_channels (team_id, name, kind, config, created_at, updated_at) VALUES "
        "(1, 'hook', 'webhook', ?, 0, 0)",
        {config.dump()}));
    for (int i = 0; i < apps_count; ++i) {
      SLUICE_RETURN_IF_ERROR(c.Query(
          "INSERT INTO apps (team_id, name, kind, tags, restart_policy, alert_channel_ids, "
          "draft_version, state, job_id, cluster_id, last_error, state_changed_at, created_at, "
          "updated_at) VALUES (1, ?, 'sql', '[]', 'null', '[1]', 1, 'RUNNING', ?, 1, '', 0, 0, 0)",
          {"app" + std::to_string(i), fmt::format("{:032x}", i + 1)}));
    }
    return Status::Ok();
  });
  if (!seeded.ok()) {
    std::fprintf(stderr, "seed: %s\n", seeded.error().message.c_str());
    return 1;
  }

  flink::FlinkOptions flink_options;
  flink_options.data_dir = dir.string();
  flink::FlinkModule flink(database, clock, flink_options, std::make_unique<NullProbe>());
  auto gateway = std::make_unique<FakeGateway>();
  FakeGateway* cluster = gateway.get();
  for (int i = 0; i < apps_count; ++i) cluster->Set(fmt::format("{:032x}", i + 1), "RUNNING");
  apps::AppsOptions apps_options;
  apps_options.actions.data_dir = dir.string();
  apps_options.tracker.interval = std::chrono::milliseconds(cycle_ms);
  apps::AppsModule apps(database, clock, flink, apps_options, std::move(gateway));
  alerts::AlertsModuleOptions alert_options;
  alert_options.data_dir = dir.string();
  alerts::AlertsModule alerts(database, clock, apps, alert_options);
  if (!apps.Start().ok()) return 1;
  alerts.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // let the cursors start

  auto wait_for = [&](int expected, double deadline_s) {
    auto until = NowSeconds() + deadline_s;
    std::map<std::string, double> seen;
    while (NowSeconds() < until) {
      seen = Arrivals(url);
      if (static_cast<int>(seen.size()) >= expected) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return seen;
  };

  std::vector<double> latencies;
  for (int i = 0; i < failures; ++i) {
    // Fail at a random phase of the tracking cycle.
    std::this_thread::sleep_for(std::chrono::milliseconds(173 * (i + 1) % cycle_ms + 100));
    double failed_at = NowSeconds();
    cluster->Set(fmt::format("{:032x}", i + 1), "FAILED");
    auto seen = wait_for(i + 1, 30);
    auto it = seen.find("app" + std::to_string(i));
    if (it == seen.end()) {
      std::fprintf(stderr, "failure %d: no alert within 30 s\n", i);
      return 1;
    }
    latencies.push_back(it->second - failed_at);
  }
  std::vector<double> sorted = latencies;
  std::sort(sorted.begin(), sorted.end());
  std::printf("sequential failures: %d, tracking cycle %d ms\n", failures, cycle_ms);
  std::printf("  failure-to-delivery median %.3f s, worst %.3f s, best %.3f s\n",
              sorted[sorted.size() / 2], sorted.back(), sorted.front());

  double burst_at = NowSeconds();
  for (int i = failures; i < apps_count; ++i) cluster->Set(fmt::format("{:032x}", i + 1), "FAILED");
  auto seen = wait_for(apps_count, 60);
  double last = 0;
  int delivered = 0;
  for (int i = failures; i < apps_count; ++i) {
    auto it = seen.find("app" + std::to_string(i));
    if (it == seen.end()) continue;
    ++delivered;
    last = std::max(last, it->second - burst_at);
  }
  std::printf("%d apps failing at once: %d alerts delivered, the last %.3f s after the failure\n",
              burst, delivered, last);
  alerts.Stop();
  apps.Stop();
  (void)flink::TerminateGroup(*receivers, std::chrono::seconds(5));
  std::filesystem::remove_all(dir);
  return delivered == burst ? 0 : 1;
}
