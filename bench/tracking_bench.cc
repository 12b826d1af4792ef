// Tracking at scale: the tracker (apps/tracker.h) following JOBS jobs on CLUSTERS clusters at a
// CYCLE-ms cycle, against a simulated Flink REST endpoint (a child process serving
// /c/<n>/jobs/overview for every cluster, so its CPU is not counted as the tracker's).
//
//   build-bench/tracking_bench [--clusters 100] [--jobs 10000] [--cycle-ms 2000] [--seconds 30]
//
// Prints the tracker's CPU (user + system of this process over the measured wall time, in cores),
// its resident memory, the requests per second it sent to clusters, and how long a job's change
// (one job turned FAILED on the simulated cluster) took to show as the app's state.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "apps/actions.h"
#include "apps/job_gateway.h"
#include "apps/journal.h"
#include "apps/operations.h"
#include "apps/tracker.h"
#include "common/clock.h"
#include "flink/clusters.h"
#include "flink/flink_envs.h"
#include "flink/submitter.h"
#include "http/client.h"
#include "http/dispatcher.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "store/database.h"
#include "store/migrations.h"

namespace {

using namespace sluice;

std::string JobId(int cluster, int job) {
  char text[33];
  std::snprintf(text, sizeof text, "%016x%016x", cluster + 1, job + 1);
  return text;
}

// The simulated Flink: every cluster answers its jobs RUNNING, except the one told to fail.
[[noreturn]] void ServeFlink(int clusters, int jobs_per_cluster, int ready_fd) {
  std::mutex mutex;
  std::string failed_job;
  std::vector<std::string> bodies(clusters);
  auto render = [&](int c) {
    std::string body = "{\"jobs\":[";
    for (int j = 0; j < jobs_per_cluster; ++j) {
      std::string id = JobId(c, j);
      if (j) body += ",";
      body += "{\"jid\":\"" + id + "\",\"name\":\"job-" + std::to_string(j) + "\",\"state\":\"" +
              (id == failed_job ? "FAILED" : "RUNNING") +
              "\",\"start-time\":1700000000000,\"end-time\":-1,\"duration\":1000,"
              "\"last-modification\":1700000000000,\"tasks\":{\"running\":1,\"total\":1}}";
    }
    return body + "]}";
  };
  for (int c = 0; c < clusters; ++c) bodies[c] = render(c);
  http::Router router;
  http::Metrics metrics;
  router.Add("GET", "/c/{cluster}/jobs/overview", {}, [&](http::Request& request) {
    int c = std::atoi(request.path_params["cluster"].c_str());
    std::lock_guard lock(mutex);
    if (c < 0 || c >= clusters) return http::JsonResponse(404, {{"errors", {"not found"}}});
    http::Response response = http::TextResponse(200, bodies[c], "application/json");
    return response;
  });
  router.Add("POST", "/fail/{cluster}/{job}", {}, [&](http::Request& request) {
    int c = std::atoi(request.path_params["cluster"].c_str());
    std::lock_guard lock(mutex);
    failed_job = JobId(c, std::atoi(request.path_params["job"].c_str()));
    bodies[c] = render(c);
    return http::JsonResponse(200, {{"ok", true}});
  });
  http::Dispatcher dispatcher(router, metrics);
  http::ServerOptions options;
  options.port = 0;
  options.threads = 2;
  http::Server server(options, dispatcher);
  if (!server.Start().ok()) _exit(1);
  uint16_t port = server.port();
  if (write(ready_fd, &port, sizeof port) != sizeof port) _exit(1);
  while (true) pause();
}

class NullProbe final : public flink::ClusterProbe {
 public:
  Result<flink::ClusterProbeResult> Probe(const std::vector<std::string>&) override {
    return Error(ErrorCode::CLUSTER_UNREACHABLE, "not used");
  }
};

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec / 1e6;
}

long RssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  int clusters = 100, jobs = 10000, cycle_ms = 2000, seconds = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--clusters")) clusters = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--jobs")) jobs = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--cycle-ms")) cycle_ms = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atoi(argv[i + 1]);
  }
  if (clusters <= 0 || jobs < clusters || cycle_ms <= 0 || seconds <= 0) {
    std::fprintf(stderr,
                 "usage: tracking_bench [--clusters N] [--jobs N] [--cycle-ms MS] "
                 "[--seconds S]\n");
    return 2;
  }
  const int per_cluster = jobs / clusters;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return 1;
  pid_t child = fork();
  if (child == 0) ServeFlink(clusters, per_cluster, pipe_fds[1]);
  uint16_t port = 0;
  if (read(pipe_fds[0], &port, sizeof port) != sizeof port) return 1;
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("sluice-tracking-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  SystemClock& clock = SystemClock::Instance();
  auto db = store::OpenDatabase("sqlite://" + (dir / "sluice.db").string());
  if (!db.ok() || !store::Migrate(**db, store::SchemaMigrations(), clock).ok()) return 1;
  store::Database& database = **db;
  Status seeded = database.Transaction([&](store::Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(
        c.Query("INSERT INTO teams (name, description, created_at, updated_at) VALUES ('t', '', "
                "0, 0)"));
    SLUICE_RETURN_IF_ERROR(c.Query(
        "INSERT INTO flink_envs (name, home, version, config_file, config_text, description, "
        "is_default, created_at, updated_at) VALUES ('f', '/opt/flink', '1.20.5', 'config.yaml', "
        "'', '', 1, 0, 0)"));
    for (int cl = 0; cl < clusters; ++cl) {
      SLUICE_RETURN_IF_ERROR(
          c.Query("INSERT INTO clusters (name, kind, flink_env_id, addresses, config, state, "
                  "state_changed_at, created_at, updated_at) VALUES (?, 'remote', 1, ?, '{}', "
                  "'RUNNING', 0, 0, 0)",
                  {"c" + std::to_string(cl), "[\"" + base + "/c/" + std::to_string(cl) + "\"]"}));
      for (int j = 0; j < per_cluster; ++j) {
        SLUICE_RETURN_IF_ERROR(c.Query(
            "INSERT INTO apps (team_id, name, kind, tags, restart_policy, alert_channel_ids, "
            "draft_version, state, job_id, cluster_id, created_at, updated_at, last_error) "
            "VALUES (1, ?, 'sql', '[]', 'null', '[]', 1, 'RUNNING', ?, ?, 0, 0, '')",
            {"a" + std::to_string(cl) + "-" + std::to_string(j), JobId(cl, j), int64_t{cl + 1}}));
      }
    }
    return Status::Ok();
  });
  if (!seeded.ok()) {
    std::fprintf(stderr, "seed: %s %s\n", seeded.error().message.c_str(),
                 seeded.error().internal_detail.c_str());
    return 1;
  }

  NullProbe probe;
  flink::FlinkEnvs envs(database, clock);
  flink::ClusterServiceOptions cluster_options;
  cluster_options.data_dir = dir.string();
  flink::ClusterService cluster_service(database, clock, envs, probe, cluster_options);
  flink::FlinkRestOptions rest;
  rest.request_timeout = std::chrono::seconds(4);
  rest.get_retries = 0;
  apps::RestJobGateway gateway(cluster_service, rest);
  apps::Journal journal(database, clock);
  apps::Operations operations(database, clock);
  flink::CliSubmitter submitter(clock);
  apps::NoDeployInputs inputs;
  apps::ActionOptions action_options;
  action_options.data_dir = dir.string();
  apps::ActionExecutor actions(database, clock, journal, operations, envs, cluster_service, gateway,
                               submitter, inputs, action_options);
  apps::TrackerOptions tracker_options;
  tracker_options.interval = std::chrono::milliseconds(cycle_ms);
  apps::Tracker tracker(database, clock, journal, operations, gateway, actions, tracker_options);

  // A warm-up cycle (connections, statements), then the measured ones.
  (void)tracker.RunCycle();
  double cpu_start = CpuSeconds();
  auto wall_start = std::chrono::steady_clock::now();
  long requests = 0;
  double slowest_cycle_ms = 0;
  std::chrono::steady_clock::time_point failed_at{};
  double visible_after_ms = -1;
  http::CurlHttpClient curl;
  const int cycles = seconds * 1000 / cycle_ms;
  for (int i = 0; i < cycles; ++i) {
    auto cycle_start = std::chrono::steady_clock::now();
    if (i == cycles / 2) {
      http::ClientRequest fail;
      fail.method = "POST";
      fail.url = base + "/fail/" + std::to_string(clusters / 2) + "/7";
      (void)curl.Send(fail);
      failed_at = std::chrono::steady_clock::now();
    }
    auto cycle = tracker.RunCycle();
    if (!cycle.ok()) {
      std::fprintf(stderr, "cycle: %s\n", cycle.error().message.c_str());
      break;
    }
    requests += cycle->clusters;
    auto done = std::chrono::steady_clock::now();
    slowest_cycle_ms = std::max(
        slowest_cycle_ms, std::chrono::duration<double, std::milli>(done - cycle_start).count());
    if (failed_at.time_since_epoch().count() != 0 && visible_after_ms < 0) {
      auto state =
          database.Query("SELECT state FROM apps WHERE job_id = ?", {JobId(clusters / 2, 7)});
      if (state.ok() && state->Text(0, "state") == "FAILED") {
        visible_after_ms = std::chrono::duration<double, std::milli>(done - failed_at).count();
      }
    }
    std::this_thread::sleep_until(cycle_start + std::chrono::milliseconds(cycle_ms));
  }
  double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  double cpu = CpuSeconds() - cpu_start;
  std::printf("clusters %d, jobs %d, cycle %d ms, %d cycles over %.1f s\n", clusters,
              per_cluster * clusters, cycle_ms, cycles, wall);
  std::printf("tracker CPU: %.3f cores (%.2f s of CPU)\n", cpu / wall, cpu);
  std::printf("tracker resident memory: %.1f MB\n", RssKb() / 1024.0);
  std::printf("requests to clusters: %.1f per second (%ld in all)\n", requests / wall, requests);
  std::printf("slowest cycle: %.1f ms\n", slowest_cycle_ms);
  std::printf("a job's change visible after: %.0f ms (one cycle is %d ms)\n", visible_after_ms,
              cycle_ms);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  fs::remove_all(dir);
  return visible_after_ms < 0 ? 1 : 0;
}
