// Measures `sluice serve` from process start to /readyz answering 200, and its resident memory
// once idle, on SQLite. Each iteration starts a fresh process on an already-initialised data
// folder (the first start, which creates the schema and the admin, is done once beforehand).
//
//   build-bench/startup_bench --sluice=build-bench/sluice
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace {

std::string g_sluice = "build/sluice";

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// One GET over a fresh connection; true when the status line says 200.
bool Get200(int port, const char* path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    std::string request =
        std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
      char buf[64] = {};
      ssize_t n = ::recv(fd, buf, sizeof(buf) - 1, 0);
      ok = n > 12 && std::strncmp(buf, "HTTP/1.1 200", 12) == 0;
    }
  }
  ::close(fd);
  return ok;
}

pid_t StartServer(const std::string& data_dir, int port) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("SLUICE_ADMIN_PASSWORD", "bench-admin-password", 1);
    ::setenv("SLUICE_LOG_LEVEL", "warn", 1);
    std::string listen = "127.0.0.1:" + std::to_string(port);
    ::execl(g_sluice.c_str(), g_sluice.c_str(), "serve", "--listen", listen.c_str(), "--data-dir",
            data_dir.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

void StopServer(pid_t pid) {
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

long RssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string PrepareDataDir() {
  std::string dir = (std::filesystem::temp_directory_path() / "sluice-startup-bench").string();
  std::filesystem::remove_all(dir);
  int port = FreePort();
  pid_t pid = StartServer(dir, port);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!Get200(port, "/readyz") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  StopServer(pid);
  return dir;
}

void BM_StartToReady(benchmark::State& state) {
  static const std::string data_dir = PrepareDataDir();
  long rss_kb = 0;
  for (auto _ : state) {
    int port = FreePort();
    auto started = std::chrono::steady_clock::now();
    pid_t pid = StartServer(data_dir, port);
    // Poll as fast as connections allow: the figure is the time to the first 200.
    while (!Get200(port, "/readyz")) {
      if (std::chrono::steady_clock::now() - started > std::chrono::seconds(20)) {
        state.SkipWithError("sluice did not become ready within 20 s");
        StopServer(pid);
        return;
      }
    }
    auto ready = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(ready - started).count());
    // Idle memory: after a few requests, once the process has settled.
    for (int i = 0; i < 20; ++i) Get200(port, "/healthz");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    rss_kb = std::max(rss_kb, RssKb(pid));
    StopServer(pid);
  }
  state.counters["idle_rss_MB"] = static_cast<double>(rss_kb) / 1024.0;
}
BENCHMARK(BM_StartToReady)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(20);

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--sluice=", 9) == 0) g_sluice = argv[i] + 9;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
