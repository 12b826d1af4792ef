#include "flink/managed_cluster.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace sluice::flink {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

std::string ProcessDir(const std::string& root, const std::string& process) {
  return (fs::path(root) / process).string();
}

std::string TaskManagerName(int index) { return fmt::format("taskmanager-{}", index); }

Status WriteFile(const fs::path& path, const std::string& text) {
  fs::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      return Error(ErrorCode::CLUSTER_START_FAILED,
                   fmt::format("cannot write {}", path.filename().string()), "",
                   fmt::format("write {} failed", temp.string()));
    }
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    return Error(ErrorCode::CLUSTER_START_FAILED,
                 fmt::format("cannot write {}", path.filename().string()), "", ec.message());
  }
  return Status::Ok();
}

// Lays out <root>/<process>/{conf,log}: the environment's conf files (log4j and friends) and the
// configuration file of the environment's kind, holding `config`.
Status WriteProcessFolders(const ManagedClusterSpec& spec, const std::string& process,
                           const FlatConfig& config) {
  fs::path dir = ProcessDir(spec.root, process);
  std::error_code ec;
  fs::create_directories(dir / "conf", ec);
  fs::create_directories(dir / "log", ec);
  if (ec) {
    return Error(ErrorCode::CLUSTER_START_FAILED,
                 fmt::format("cannot create the folders of {}", process), "", ec.message());
  }
  fs::path env_conf = fs::path(spec.flink_home) / "conf";
  for (const auto& entry : fs::directory_iterator(env_conf, ec)) {
    std::string name = entry.path().filename().string();
    if (name == kLegacyConfigFile || name == kStandardConfigFile || !entry.is_regular_file()) {
      continue;
    }
    fs::copy_file(entry.path(), dir / "conf" / name, fs::copy_options::overwrite_existing, ec);
  }
  return WriteFile(dir / "conf" / spec.config_file, RenderFlinkConfig(config, spec.config_file));
}

Result<ProcessIdentity> SpawnFlinkProcess(const ManagedClusterSpec& spec,
                                          const std::string& process,
                                          std::vector<std::string> argv) {
  fs::path dir = ProcessDir(spec.root, process);
  SpawnSpec spawn;
  spawn.argv = std::move(argv);
  spawn.env_overrides = {
      {"FLINK_CONF_DIR", (dir / "conf").string()},
      {"FLINK_LOG_DIR", (dir / "log").string()},
      {"FLINK_PID_DIR", dir.string()},
      {"FLINK_IDENT_STRING", "sluice"},
      // The JVM's stdout and stderr go to .out/.err files next to the log, which is where
      // Flink's REST API looks for them.
      {"STD_REDIRECT_TO_FILE", "true"},
  };
  spawn.env_removed = {"FLINK_HOME",    "FLINK_LIB_DIR", "FLINK_PLUGINS_DIR",
                       "FLINK_OPT_DIR", "FLINK_BIN_DIR", "HADOOP_CONF_DIR"};
  spawn.working_dir = dir.string();
  spawn.output_path = (dir / "log" / "launcher.out").string();
  spawn.new_session = true;
  auto started = Spawn(spawn);
  if (!started.ok()) {
    return Error(ErrorCode::CLUSTER_START_FAILED,
                 fmt::format("cannot start the {}: {}", process, started.error().message), "",
                 started.error().internal_detail);
  }
  return started;
}

Json IdentityJson(const ProcessIdentity& identity) {
  return {{"pid", identity.pid}, {"start_ticks", identity.start_ticks}};
}

std::optional<ProcessIdentity> IdentityFromJson(const Json& json) {
  if (!json.is_object() || !json.contains("pid") || !json["pid"].is_number_integer() ||
      !json.contains("start_ticks") || !json["start_ticks"].is_number_unsigned()) {
    return std::nullopt;
  }
  return ProcessIdentity{json["pid"].get<int>(), json["start_ticks"].get<uint64_t>()};
}

std::vector<std::string> ScriptCommand(const ManagedClusterSpec& spec, const std::string& script) {
  return {(fs::path(spec.flink_home) / "bin" / script).string(), "start-foreground"};
}

}  // namespace

std::vector<std::string> JobManagerCommand(const ManagedClusterSpec& spec) {
  if (!spec.application) return ScriptCommand(spec, "jobmanager.sh");
  std::vector<std::string> argv = ScriptCommand(spec, "standalone-job.sh");
  const ApplicationJob& job = *spec.application;
  if (!job.main_class.empty()) {
    argv.push_back("--job-classname");
    argv.push_back(job.main_class);
  }
  argv.push_back("--jars");
  argv.push_back("file://" + fs::absolute(job.jar).string());
  // Everything after "--" is the program's, even arguments that look like Flink's options.
  argv.push_back("--");
  argv.insert(argv.end(), job.program_args.begin(), job.program_args.end());
  return argv;
}

Result<int> PickFreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(ErrorCode::INTERNAL, "cannot open a socket to find a free port");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  if (port == 0) return Error(ErrorCode::INTERNAL, "cannot find a free port on 127.0.0.1");
  return port;
}

FlatConfig EffectiveConfig(const ManagedClusterSpec& spec, int rest_port, int rpc_port) {
  FlatConfig config = spec.base_config;
  // Loopback by default: a managed cluster is for this machine. The user's settings may widen it.
  config["jobmanager.rpc.address"] = "127.0.0.1";
  config["jobmanager.bind-host"] = "127.0.0.1";
  config["taskmanager.bind-host"] = "127.0.0.1";
  config["taskmanager.host"] = "127.0.0.1";
  config["rest.address"] = "127.0.0.1";
  config["rest.bind-address"] = "127.0.0.1";
  // The process list is Sluice's: Flink's own scripts must not start workers over ssh.
  config.erase("jobmanager.rpc.port");
  config.erase("rest.port");
  std::string savepoints = "file://" + (fs::path(spec.root) / "savepoints").string();
  std::string checkpoints = "file://" + (fs::path(spec.root) / "checkpoints").string();
  if (spec.version.AtLeast(1, 20)) {
    config["execution.checkpointing.savepoint-dir"] = savepoints;
    config["execution.checkpointing.dir"] = checkpoints;
  } else {
    config["state.savepoints.dir"] = savepoints;
    config["state.checkpoints.dir"] = checkpoints;
  }
  // The TaskManagers start side by side with the JobManager and their first registration attempts
  // find no JobManager yet. Flink waits `error-delay` (10 s by default) after such a failure; on
  // loopback a short pause is cheap and makes the cluster ready seconds sooner.
  if (!config.count("cluster.registration.error-delay")) {
    config["cluster.registration.error-delay"] = "500 ms";
  }
  // Uploaded jars survive a JobManager restart.
  config["web.upload.dir"] = (fs::path(spec.root) / "uploads").string();
  if (spec.application) {
    // The JobManager stays after the job ends, so its end state, exceptions and checkpoints can
    // be read; Sluice stops the cluster then. A main() that throws is a FAILED job with its id,
    // not a JobManager that exits.
    config["execution.shutdown-on-application-finish"] = "false";
    config["execution.submit-failed-job-on-application-error"] = "true";
  }
  for (const auto& [key, value] : spec.user_config) config[key] = value;
  config["rest.port"] = std::to_string(rest_port);
  config["jobmanager.rpc.port"] = std::to_string(rpc_port);
  return config;
}

Result<ManagedRuntime> StartManagedCluster(const ManagedClusterSpec& spec) {
  ManagedRuntime runtime;
  auto port_setting = [&](const char* key) -> Result<int> {
    auto it = spec.user_config.find(key);
    if (it == spec.user_config.end()) return PickFreePort();
    try {
      return std::stoi(it->second);
    } catch (...) {
      return Error(ErrorCode::INVALID_ARGUMENT, fmt::format("'{}' is not a port number", key),
                   "config");
    }
  };
  SLUICE_ASSIGN_OR_RETURN(runtime.rest_port, port_setting("rest.port"));
  SLUICE_ASSIGN_OR_RETURN(runtime.rpc_port, port_setting("jobmanager.rpc.port"));
  if (runtime.rpc_port == runtime.rest_port) {
    SLUICE_ASSIGN_OR_RETURN(runtime.rpc_port, PickFreePort());
  }
  FlatConfig config = EffectiveConfig(spec, runtime.rest_port, runtime.rpc_port);
  std::error_code ec;
  fs::create_directories(fs::path(spec.root) / "savepoints", ec);
  fs::create_directories(fs::path(spec.root) / "uploads", ec);
  SLUICE_RETURN_IF_ERROR(WriteProcessFolders(spec, "jobmanager", config));
  for (int i = 1; i <= spec.taskmanagers; ++i) {
    SLUICE_RETURN_IF_ERROR(WriteProcessFolders(spec, TaskManagerName(i), config));
  }
  SLUICE_ASSIGN_OR_RETURN(runtime.jobmanager,
                          SpawnFlinkProcess(spec, "jobmanager", JobManagerCommand(spec)));
  // The TaskManagers start at once, side by side with the JobManager: they retry registering
  // until it answers, so the cluster is ready sooner than with start-cluster.sh's sequence.
  for (int i = 1; i <= spec.taskmanagers; ++i) {
    auto tm = SpawnFlinkProcess(spec, TaskManagerName(i), ScriptCommand(spec, "taskmanager.sh"));
    if (!tm.ok()) {
      (void)StopManagedCluster(spec, runtime, std::chrono::seconds(5));
      return tm.error();
    }
    runtime.taskmanagers.push_back(*tm);
    runtime.taskmanager_restarts.push_back(0);
  }
  SLUICE_RETURN_IF_ERROR(SaveManagedRuntime(spec.root, runtime));
  return runtime;
}

Result<ProcessIdentity> RestartTaskManager(const ManagedClusterSpec& spec, int index) {
  return SpawnFlinkProcess(spec, TaskManagerName(index), ScriptCommand(spec, "taskmanager.sh"));
}

Status StopManagedCluster(const ManagedClusterSpec& spec, const ManagedRuntime& runtime,
                          std::chrono::milliseconds grace) {
  Status result = Status::Ok();
  for (const ProcessIdentity& tm : runtime.taskmanagers) {
    Status stopped = TerminateGroup(tm, grace);
    if (!stopped.ok()) result = stopped;
  }
  if (runtime.jobmanager.pid > 0) {
    Status stopped = TerminateGroup(runtime.jobmanager, grace);
    if (!stopped.ok()) result = stopped;
  }
  std::error_code ec;
  if (result.ok()) fs::remove(fs::path(spec.root) / "processes.json", ec);
  return result;
}

Status SaveManagedRuntime(const std::string& root, const ManagedRuntime& runtime) {
  Json tms = Json::array();
  for (size_t i = 0; i < runtime.taskmanagers.size(); ++i) {
    Json tm = IdentityJson(runtime.taskmanagers[i]);
    tm["restarts"] = i < runtime.taskmanager_restarts.size() ? runtime.taskmanager_restarts[i] : 0;
    tms.push_back(tm);
  }
  Json state = {{"rest_port", runtime.rest_port},
                {"rpc_port", runtime.rpc_port},
                {"jobmanager", IdentityJson(runtime.jobmanager)},
                {"taskmanagers", tms}};
  std::error_code ec;
  fs::create_directories(root, ec);
  return WriteFile(fs::path(root) / "processes.json", state.dump(2));
}

std::optional<ManagedRuntime> ReadManagedRuntime(const std::string& root) {
  std::ifstream in(fs::path(root) / "processes.json");
  if (!in) return std::nullopt;
  Json state = Json::parse(in, nullptr, false);
  if (!state.is_object()) return std::nullopt;
  ManagedRuntime runtime;
  auto jm = IdentityFromJson(state.value("jobmanager", Json()));
  if (!jm || !state.contains("rest_port") || !state["rest_port"].is_number_integer()) {
    return std::nullopt;
  }
  runtime.jobmanager = *jm;
  runtime.rest_port = state["rest_port"].get<int>();
  runtime.rpc_port = state.value("rpc_port", 0);
  if (state.contains("taskmanagers") && state["taskmanagers"].is_array()) {
    for (const Json& tm : state["taskmanagers"]) {
      auto identity = IdentityFromJson(tm);
      runtime.taskmanagers.push_back(identity.value_or(ProcessIdentity{}));
      runtime.taskmanager_restarts.push_back(tm.is_object() && tm.contains("restarts") &&
                                                     tm["restarts"].is_number_integer()
                                                 ? tm["restarts"].get<int>()
                                                 : 0);
    }
  }
  return runtime;
}

std::optional<ManagedRuntime> AdoptManagedCluster(const std::string& root) {
  auto runtime = ReadManagedRuntime(root);
  if (!runtime || !IsAlive(runtime->jobmanager)) return std::nullopt;
  // The pid and start time match; the configuration folder on its command line proves it is
  // this cluster's JobManager and not another process that happens to match.
  std::string command_line = ProcessCommandLine(runtime->jobmanager.pid);
  if (command_line.find(ProcessDir(root, "jobmanager")) == std::string::npos) return std::nullopt;
  return runtime;
}

std::string LogTail(const std::string& root, const std::string& process, size_t max_bytes) {
  fs::path log_dir = fs::path(ProcessDir(root, process)) / "log";
  std::error_code ec;
  fs::path newest;
  fs::file_time_type newest_time{};
  for (const auto& entry : fs::directory_iterator(log_dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".log") continue;
    auto time = entry.last_write_time(ec);
    if (newest.empty() || time > newest_time) {
      newest = entry.path();
      newest_time = time;
    }
  }
  if (newest.empty()) newest = log_dir / "launcher.out";
  std::ifstream in(newest, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  auto size = static_cast<size_t>(in.tellg());
  size_t start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string text(size - start, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  return text;
}

}  // namespace sluice::flink
