#include "flink/clusters.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "flink/submitter.h"
#include "http/answers.h"
#include "system/authorizer.h"
#include "system/people_api.h"
#include "system/route_table.h"

namespace sluice::flink {

namespace fs = std::filesystem;
using store::Value;
using system::Action;
using system::Authorize;
using system::Principal;

namespace {

constexpr const char* kColumns =
    "id, name, kind, flink_env_id, addresses, config, taskmanagers, description, desired_state, "
    "state, state_detail, state_changed_at, web_url, flink_version";
constexpr int kMaxTaskManagers = 32;
constexpr size_t kMaxAddresses = 8;
constexpr size_t kMaxDetail = 1000;

Error ClusterNotFound(int64_t id) {
  return Error(ErrorCode::CLUSTER_NOT_FOUND, fmt::format("no cluster with id {}", id));
}

Error MapNameTaken(Error error, const std::string& name) {
  if (error.code == ErrorCode::STORE_UNIQUE_VIOLATION) {
    return Error(ErrorCode::CLUSTER_EXISTS,
                 fmt::format("a cluster named '{}' exists already", http::Echo(name)), "name",
                 std::move(error.internal_detail));
  }
  return error;
}

Cluster ClusterFromRow(const store::Rows& rows, size_t i) {
  Cluster c;
  c.id = rows.Int(i, "id");
  c.name = rows.Text(i, "name");
  c.kind = rows.Text(i, "kind");
  c.flink_env_id = rows.Int(i, "flink_env_id");
  Json addresses = Json::parse(rows.Text(i, "addresses"), nullptr, false);
  if (addresses.is_array()) {
    for (const Json& a : addresses) {
      if (a.is_string()) c.addresses.push_back(a.get<std::string>());
    }
  }
  Json config = Json::parse(rows.Text(i, "config"), nullptr, false);
  if (config.is_object()) {
    for (const auto& [key, value] : config.items()) {
      if (value.is_string()) c.config[key] = value.get<std::string>();
    }
  }
  c.taskmanagers = static_cast<int>(rows.Int(i, "taskmanagers"));
  c.description = rows.Text(i, "description");
  c.desired_state = rows.Text(i, "desired_state");
  c.state = rows.Text(i, "state");
  c.state_detail = rows.Text(i, "state_detail");
  c.state_changed_at = rows.Int(i, "state_changed_at");
  c.web_url = rows.Text(i, "web_url");
  c.flink_version = rows.Text(i, "flink_version");
  return c;
}

Status RequireManaged(const Cluster& cluster) {
  if (cluster.kind == "managed") return Status::Ok();
  if (cluster.kind == "application") {
    return Error(ErrorCode::CLUSTER_WRONG_STATE,
                 fmt::format("cluster '{}' runs one application's job in application mode: deploy "
                             "or stop that application instead",
                             cluster.name));
  }
  return Error(
      ErrorCode::CLUSTER_WRONG_STATE,
      fmt::format("cluster '{}' is remote: Sluice does not start or stop it", cluster.name));
}

std::string Clip(std::string text) {
  if (text.size() > kMaxDetail) text = text.substr(0, kMaxDetail - 3) + "...";
  return text;
}

// The last line of a log that says what went wrong, for a state's detail.
std::string TellingLine(const std::string& log) {
  std::string best;
  size_t pos = 0;
  while (pos < log.size()) {
    size_t end = log.find('\n', pos);
    if (end == std::string::npos) end = log.size();
    std::string_view line(log.data() + pos, end - pos);
    if (line.find("ERROR") != std::string_view::npos ||
        line.find("Exception") != std::string_view::npos ||
        line.find("Error:") != std::string_view::npos) {
      best = std::string(line);
    }
    pos = end + 1;
  }
  return Clip(best);
}

Status ValidateAddress(const std::string& address) {
  bool scheme = address.rfind("http://", 0) == 0 || address.rfind("https://", 0) == 0;
  bool clean = address.size() <= 256;
  for (char c : address) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '\\') clean = false;
  }
  if (!scheme || !clean) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("address '{}' is not an http:// or https:// URL of a JobManager's "
                             "REST API (e.g. http://flink-jm:8081)",
                             http::Echo(address)),
                 "addresses");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ReadAddresses(const Json& body) {
  std::vector<std::string> out;
  const Json& list = body["addresses"];
  if (!list.is_array()) {
    return Error(ErrorCode::INVALID_ARGUMENT, "field 'addresses' must be an array of URLs",
                 "addresses");
  }
  if (list.empty() || list.size() > kMaxAddresses) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("field 'addresses' needs 1 to {} URLs", kMaxAddresses), "addresses");
  }
  for (const Json& a : list) {
    if (!a.is_string()) {
      return Error(ErrorCode::INVALID_ARGUMENT, "field 'addresses' must hold strings", "addresses");
    }
    std::string address = a.get<std::string>();
    while (!address.empty() && address.back() == '/') address.pop_back();
    SLUICE_RETURN_IF_ERROR(ValidateAddress(address));
    out.push_back(address);
  }
  return out;
}

Result<FlatConfig> ReadConfig(const Json& body) {
  FlatConfig out;
  const Json& config = body["config"];
  if (!config.is_object()) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 "field 'config' must be an object of Flink settings, e.g. "
                 "{\"taskmanager.numberOfTaskSlots\": 2}",
                 "config");
  }
  if (config.size() > 200) {
    return Error(ErrorCode::INVALID_ARGUMENT, "field 'config' has more than 200 settings",
                 "config");
  }
  for (const auto& [key, value] : config.items()) {
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      text = value.dump();
    } else {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   fmt::format("setting '{}' must be a string, number or boolean", http::Echo(key)),
                   "config");
    }
    SLUICE_RETURN_IF_ERROR(ValidateConfigEntry(key, text));
    out[key] = text;
  }
  return out;
}

Json ConfigJson(const FlatConfig& config) {
  Json out = Json::object();
  for (const auto& [key, value] : config) out[key] = value;
  return out;
}

const Json kClusterSchema = {{"type", "object"},
                             {"properties",
                              {{"id", {{"type", "integer"}}},
                               {"name", {{"type", "string"}}},
                               {"kind", {{"type", "string"}}},
                               {"flink_env_id", {{"type", "integer"}}},
                               {"addresses", {{"type", "array"}}},
                               {"config", {{"type", "object"}}},
                               {"taskmanagers", {{"type", "integer"}}},
                               {"state", {{"type", "string"}}},
                               {"state_detail", {{"type", "string"}}},
                               {"web_url", {{"type", "string"}}},
                               {"flink_version", {{"type", "string"}}}}}};

}  // namespace

ClusterService::ClusterService(store::Database& database, const Clock& clock, FlinkEnvs& envs,
                               ClusterProbe& probe, ClusterServiceOptions options)
    : database_(database),
      clock_(clock),
      envs_(envs),
      probe_(probe),
      options_(std::move(options)) {}

ClusterService::~ClusterService() { Stop(); }

std::string ClusterService::ClusterRoot(int64_t id) const {
  return (fs::path(options_.data_dir) / "clusters" / std::to_string(id)).string();
}

void ClusterService::Start() {
  AdoptAll();
  std::lock_guard lock(worker_mutex_);
  if (worker_.joinable()) return;
  stopping_ = false;
  worker_ = std::thread([this] {
    std::unique_lock lock(worker_mutex_);
    while (!stopping_) {
      lock.unlock();
      try {
        Tick();
      } catch (const std::exception& e) {
        spdlog::error("cluster worker: {}", e.what());
      }
      lock.lock();
      worker_wakeup_.wait_for(lock, options_.tick,
                              [this] { return stopping_ || releases_requested_; });
      releases_requested_ = false;
    }
  });
}

void ClusterService::Stop() {
  {
    std::lock_guard lock(worker_mutex_);
    stopping_ = true;
  }
  worker_wakeup_.notify_all();
  changed_.notify_all();
  if (worker_.joinable()) worker_.join();
}

Result<Cluster> ClusterService::Get(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM clusters WHERE id = ?", kColumns), {id}));
  if (rows.empty()) return ClusterNotFound(id);
  return ClusterFromRow(rows, 0);
}

Result<std::optional<Cluster>> ClusterService::FindByName(const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM clusters WHERE name = ?", kColumns), {name}));
  if (rows.empty()) return std::optional<Cluster>();
  return std::optional<Cluster>(ClusterFromRow(rows, 0));
}

Result<std::vector<std::string>> ClusterService::RestAddresses(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, Get(id));
  if (cluster.kind == "remote") return cluster.addresses;
  if (cluster.web_url.empty() || cluster.state == "STOPPED") {
    return Error(ErrorCode::CLUSTER_WRONG_STATE,
                 fmt::format("cluster '{}' is not running: start it first", cluster.name));
  }
  return std::vector<std::string>{cluster.web_url};
}

Status ClusterService::RecordEvent(int64_t id, const std::string& state,
                                   const std::string& detail) {
  spdlog::info("cluster {}: {} {}", id, state, detail);
  SLUICE_RETURN_IF_ERROR(database_.Query(
      "INSERT INTO cluster_events (cluster_id, at, from_state, to_state, detail) VALUES (?, ?, "
      "?, ?, ?)",
      {id, ToUnixMillis(clock_.Now()), state, state, Clip(detail)}));
  return Status::Ok();
}

Status ClusterService::Transition(int64_t id, const std::string& from, const std::string& to,
                                  const std::string& detail, std::optional<std::string> desired,
                                  std::optional<std::string> web_url,
                                  std::optional<std::string> flink_version) {
  int64_t now = ToUnixMillis(clock_.Now());
  Status written = database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows rows, c.Query("SELECT desired_state, web_url, flink_version, state_changed_at "
                                  "FROM clusters WHERE id = ?",
                                  {id}));
    if (rows.empty()) return ClusterNotFound(id);
    int64_t changed_at = from == to ? rows.Int(0, "state_changed_at") : now;
    SLUICE_RETURN_IF_ERROR(c.Query(
        "UPDATE clusters SET state = ?, state_detail = ?, state_changed_at = ?, desired_state = ?, "
        "web_url = ?, flink_version = ?, updated_at = ? WHERE id = ?",
        {to, Clip(detail), changed_at, desired.value_or(rows.Text(0, "desired_state")),
         web_url.value_or(rows.Text(0, "web_url")),
         flink_version.value_or(rows.Text(0, "flink_version")), now, id}));
    if (from != to) {
      SLUICE_RETURN_IF_ERROR(c.Query(
          "INSERT INTO cluster_events (cluster_id, at, from_state, to_state, detail) VALUES (?, "
          "?, ?, ?, ?)",
          {id, now, from, to, Clip(detail)}));
    }
    return Status::Ok();
  });
  if (from != to) spdlog::info("cluster {}: {} -> {} {}", id, from, to, detail);
  changed_.notify_all();
  return written;
}

Result<ManagedClusterSpec> ClusterService::SpecFor(const Cluster& cluster) {
  SLUICE_ASSIGN_OR_RETURN(FlinkEnv env, envs_.Get(cluster.flink_env_id));
  ManagedClusterSpec spec;
  spec.root = ClusterRoot(cluster.id);
  spec.flink_home = env.home;
  spec.config_file = env.config_file;
  SLUICE_ASSIGN_OR_RETURN(spec.base_config, ParseFlinkConfig(env.config_text, env.config_file));
  spec.user_config = cluster.config;
  auto version = ParseFlinkVersion(env.version);
  if (version) spec.version = *version;
  spec.taskmanagers = cluster.taskmanagers;
  return spec;
}

Result<Cluster> ClusterService::Create(const Json& body) {
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"name", "kind", "flink_env_id", "addresses",
                                                    "config", "taskmanagers", "description"}));
  SLUICE_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name"));
  SLUICE_ASSIGN_OR_RETURN(std::string kind, RequireString(body, "kind"));
  SLUICE_ASSIGN_OR_RETURN(auto env_id, OptionalInt(body, "flink_env_id"));
  SLUICE_ASSIGN_OR_RETURN(auto taskmanagers, OptionalInt(body, "taskmanagers"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  SLUICE_RETURN_IF_ERROR(ValidateObjectName(name));
  SLUICE_RETURN_IF_ERROR(system::ValidateText(description.value_or(""), 1024, "description"));
  if (kind != "managed" && kind != "remote") {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("kind '{}' is not known: use \"managed\" (Sluice starts it on this "
                             "machine) or \"remote\" (an existing standalone cluster)",
                             http::Echo(kind)),
                 "kind");
  }
  FlatConfig config;
  if (body.contains("config")) {
    SLUICE_ASSIGN_OR_RETURN(config, ReadConfig(body));
  }
  std::vector<std::string> addresses;
  if (kind == "remote") {
    if (!body.contains("addresses")) {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   "a remote cluster needs 'addresses': its JobManager REST URLs", "addresses");
    }
    SLUICE_ASSIGN_OR_RETURN(addresses, ReadAddresses(body));
    if (taskmanagers) {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   "'taskmanagers' is for managed clusters: a remote cluster has its own",
                   "taskmanagers");
    }
  } else if (body.contains("addresses")) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 "a managed cluster has no 'addresses': Sluice picks its ports (set rest.port in "
                 "'config' to choose one)",
                 "addresses");
  }
  if (taskmanagers && (*taskmanagers < 1 || *taskmanagers > kMaxTaskManagers)) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("'taskmanagers' must be 1 to {}", kMaxTaskManagers), "taskmanagers");
  }
  FlinkEnv env;
  if (env_id) {
    auto found = envs_.Get(*env_id);
    if (!found.ok()) {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   fmt::format("no Flink environment with id {}", *env_id), "flink_env_id");
    }
    env = *found;
  } else {
    SLUICE_ASSIGN_OR_RETURN(store::Rows rows,
                            database_.Query("SELECT id FROM flink_envs WHERE is_default = 1"));
    if (rows.empty()) {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   "no Flink environment is registered: register one first, or give "
                   "'flink_env_id'",
                   "flink_env_id");
    }
    SLUICE_ASSIGN_OR_RETURN(env, envs_.Get(rows.Int(0, "id")));
  }

  std::string state = "STOPPED";
  std::string web_url;
  std::string flink_version;
  if (kind == "remote") {
    SLUICE_ASSIGN_OR_RETURN(ClusterProbeResult probed, probe_.Probe(addresses));
    auto theirs = ParseFlinkVersion(probed.flink_version);
    auto ours = ParseFlinkVersion(env.version);
    if (theirs && ours && theirs->MajorMinor() != ours->MajorMinor()) {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   fmt::format("the cluster at {} runs Flink {}, but environment '{}' is Flink "
                               "{}: pick an environment of the same version",
                               probed.address, probed.flink_version, env.name, env.version),
                   "flink_env_id");
    }
    state = "RUNNING";
    web_url = probed.address;
    flink_version = probed.flink_version;
  } else {
    flink_version = env.version;
  }
  int64_t now = ToUnixMillis(clock_.Now());
  auto inserted = database_.Query(
      "INSERT INTO clusters (name, kind, flink_env_id, addresses, config, taskmanagers, "
      "description, desired_state, state, state_detail, state_changed_at, web_url, flink_version, "
      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?) RETURNING id",
      {name, kind, env.id, Json(addresses).dump(), ConfigJson(config).dump(),
       taskmanagers.value_or(1), description.value_or(""),
       std::string(kind == "remote" ? "running" : "stopped"), state, now, web_url, flink_version,
       now, now});
  if (!inserted.ok()) return MapNameTaken(inserted.error(), name);
  int64_t id = inserted->Int(0, "id");
  (void)database_.Query(
      "INSERT INTO cluster_events (cluster_id, at, from_state, to_state, detail) VALUES (?, ?, "
      "'', ?, ?)",
      {id, now, state,
       kind == "remote" ? fmt::format("registered; {} answers", web_url) : "registered"});
  return Get(id);
}

Result<Cluster> ClusterService::StartCluster(int64_t id) {
  std::lock_guard lock(mutex_);
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, Get(id));
  SLUICE_RETURN_IF_ERROR(RequireManaged(cluster));
  if (supervised_.count(id) || (cluster.state != "STOPPED" && cluster.state != "FAILED")) {
    return Error(ErrorCode::CLUSTER_WRONG_STATE,
                 fmt::format("cluster '{}' is {}: only a STOPPED or FAILED cluster can be started",
                             cluster.name, cluster.state));
  }
  SLUICE_ASSIGN_OR_RETURN(ManagedClusterSpec spec, SpecFor(cluster));
  // Leftovers of an earlier run (Sluice killed while it was stopping) go first, so they cannot
  // hold the ports.
  if (auto leftover = ReadManagedRuntime(spec.root)) {
    (void)StopManagedCluster(spec, *leftover, options_.stop_grace);
  }
  auto runtime = StartManagedCluster(spec);
  if (!runtime.ok()) {
    (void)Transition(id, cluster.state, "FAILED", runtime.error().message, "stopped");
    return runtime.error();
  }
  Supervised supervised{spec, *runtime, ToUnixMillis(clock_.Now()), 0};
  supervised_[id] = std::move(supervised);
  SLUICE_RETURN_IF_ERROR(
      Transition(id, cluster.state, "STARTING",
                 fmt::format("JobManager pid {}, {} TaskManager(s)", runtime->jobmanager.pid,
                             runtime->taskmanagers.size()),
                 "running", fmt::format("http://127.0.0.1:{}", runtime->rest_port), std::nullopt));
  { std::lock_guard wake(worker_mutex_); }
  worker_wakeup_.notify_all();
  return Get(id);
}

Result<Cluster> ClusterService::StopCluster(int64_t id) {
  std::lock_guard lock(mutex_);
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, Get(id));
  SLUICE_RETURN_IF_ERROR(RequireManaged(cluster));
  std::string root = ClusterRoot(id);
  Status stopped = Status::Ok();
  if (auto it = supervised_.find(id); it != supervised_.end()) {
    stopped = StopManagedCluster(it->second.spec, it->second.runtime, options_.stop_grace);
    supervised_.erase(it);
  } else if (auto leftover = ReadManagedRuntime(root)) {
    ManagedClusterSpec spec;
    spec.root = root;
    stopped = StopManagedCluster(spec, *leftover, options_.stop_grace);
  }
  if (!stopped.ok()) {
    (void)Transition(id, cluster.state, "FAILED",
                     "could not stop every process: " + stopped.error().message, "stopped");
    return stopped.error();
  }
  SLUICE_RETURN_IF_ERROR(Transition(id, cluster.state, "STOPPED", "stopped", "stopped"));
  return Get(id);
}

Result<Cluster> ClusterService::ApplicationCluster(int64_t app_id, int64_t flink_env_id) {
  std::lock_guard lock(mutex_);
  const std::string name = fmt::format("app:{}", app_id);
  SLUICE_ASSIGN_OR_RETURN(std::optional<Cluster> existing, FindByName(name));
  if (existing) {
    if (existing->kind != "application") {
      return Error(ErrorCode::INTERNAL, "the application's cluster name is taken", "", name);
    }
    return *existing;
  }
  SLUICE_ASSIGN_OR_RETURN(FlinkEnv env, envs_.Get(flink_env_id));
  const int64_t now = ToUnixMillis(clock_.Now());
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows inserted,
      database_.Query(
          "INSERT INTO clusters (name, kind, flink_env_id, addresses, config, taskmanagers, "
          "description, desired_state, state, state_detail, state_changed_at, web_url, "
          "flink_version, created_at, updated_at) VALUES (?, 'application', ?, '[]', '{}', 1, ?, "
          "'stopped', 'STOPPED', '', ?, '', ?, ?, ?) RETURNING id",
          {name, env.id, fmt::format("application mode cluster of application {}", app_id), now,
           env.version, now, now}));
  int64_t id = inserted.Int(0, "id");
  (void)database_.Query(
      "INSERT INTO cluster_events (cluster_id, at, from_state, to_state, detail) VALUES (?, ?, "
      "'', 'STOPPED', ?)",
      {id, now, fmt::format("created for application {}", app_id)});
  return Get(id);
}

Result<Cluster> ClusterService::StartApplicationCluster(const ApplicationClusterRequest& request) {
  std::lock_guard lock(mutex_);
  const int64_t id = request.cluster_id;
  pending_releases_.erase(id);  // the previous run's job ended; this run is not to be stopped
  SLUICE_ASSIGN_OR_RETURN(Cluster existing, Get(id));
  if (existing.kind != "application") {
    return Error(ErrorCode::CLUSTER_WRONG_STATE,
                 fmt::format("cluster '{}' is not an application cluster", existing.name));
  }
  SLUICE_ASSIGN_OR_RETURN(FlinkEnv env, envs_.Get(request.flink_env_id));
  if (auto it = supervised_.find(id); it != supervised_.end()) {
    // The previous job has ended (the deploy checked); its cluster goes first.
    (void)StopManagedCluster(it->second.spec, it->second.runtime, options_.stop_grace);
    supervised_.erase(it);
  }
  SLUICE_RETURN_IF_ERROR(database_.Query(
      "UPDATE clusters SET flink_env_id = ?, config = ?, taskmanagers = ?, flink_version = ?, "
      "updated_at = ? WHERE id = ?",
      {env.id, ConfigJson(request.config).dump(), request.taskmanagers, env.version,
       ToUnixMillis(clock_.Now()), id}));
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, Get(id));
  SLUICE_ASSIGN_OR_RETURN(ManagedClusterSpec spec, SpecFor(cluster));
  spec.application = request.job;
  if (auto leftover = ReadManagedRuntime(spec.root)) {
    (void)StopManagedCluster(spec, *leftover, options_.stop_grace);
  }
  auto runtime = StartManagedCluster(spec);
  if (!runtime.ok()) {
    (void)Transition(id, cluster.state, "FAILED", runtime.error().message, "stopped");
    return runtime.error();
  }
  supervised_[id] = Supervised{spec, *runtime, ToUnixMillis(clock_.Now()), 0};
  SLUICE_RETURN_IF_ERROR(
      Transition(id, cluster.state, "STARTING",
                 fmt::format("application JobManager pid {}, {} TaskManager(s)",
                             runtime->jobmanager.pid, runtime->taskmanagers.size()),
                 "running", fmt::format("http://127.0.0.1:{}", runtime->rest_port), env.version));
  { std::lock_guard wake(worker_mutex_); }
  worker_wakeup_.notify_all();
  return Get(id);
}

Status ClusterService::StopApplicationCluster(int64_t id) {
  std::lock_guard lock(mutex_);
  pending_releases_.erase(id);
  return StopApplicationClusterLocked(id);
}

void ClusterService::ReleaseApplicationClusterSoon(int64_t id) {
  {
    std::lock_guard lock(mutex_);
    pending_releases_.insert(id);
  }
  {
    std::lock_guard lock(worker_mutex_);
    releases_requested_ = true;
  }
  worker_wakeup_.notify_all();
}

void ClusterService::ReleasePendingApplicationClusters() {
  std::vector<int64_t> ids;
  {
    std::lock_guard lock(mutex_);
    ids.assign(pending_releases_.begin(), pending_releases_.end());
  }
  for (int64_t id : ids) {
    std::lock_guard lock(mutex_);
    // Taken back by a start (or done by a stop) since the copy above.
    if (pending_releases_.erase(id) == 0) continue;
    Status stopped = StopApplicationClusterLocked(id);
    if (!stopped.ok()) {
      spdlog::warn("cluster {}: cannot stop it after its job ended: {}", id,
                   stopped.error().message);
    }
  }
}

Status ClusterService::StopApplicationClusterLocked(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, Get(id));
  if (cluster.kind != "application") {
    return Error(ErrorCode::CLUSTER_WRONG_STATE,
                 fmt::format("cluster '{}' is not an application cluster", cluster.name));
  }
  Status stopped = Status::Ok();
  const std::string root = ClusterRoot(id);
  if (auto it = supervised_.find(id); it != supervised_.end()) {
    stopped = StopManagedCluster(it->second.spec, it->second.runtime, options_.stop_grace);
    supervised_.erase(it);
  } else if (auto leftover = ReadManagedRuntime(root)) {
    ManagedClusterSpec spec;
    spec.root = root;
    stopped = StopManagedCluster(spec, *leftover, options_.stop_grace);
  }
  if (!stopped.ok()) {
    (void)Transition(id, cluster.state, "FAILED",
                     "could not stop every process: " + stopped.error().message, "stopped");
    return stopped.error();
  }
  if (cluster.state == "STOPPED" && cluster.desired_state == "stopped") return Status::Ok();
  return Transition(id, cluster.state, "STOPPED", "stopped: its job has ended", "stopped");
}

bool ClusterService::ApplicationClusterIsDown(int64_t id) {
  auto cluster = Get(id);
  if (!cluster.ok() || cluster->kind != "application") return false;
  std::lock_guard lock(mutex_);
  return supervised_.count(id) == 0;
}

Result<Cluster> ClusterService::WaitWhileStarting(int64_t id, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(Cluster cluster, Get(id));
    bool stopping = false;
    {
      std::lock_guard worker_lock(worker_mutex_);
      stopping = stopping_;
    }
    // A server that is shutting down answers what it knows now rather than hold the request.
    if (cluster.state != "STARTING" || stopping || std::chrono::steady_clock::now() >= deadline) {
      return cluster;
    }
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

void ClusterService::AdoptAll() {
  auto rows = database_.Query(fmt::format(
      "SELECT {} FROM clusters WHERE kind IN ('managed', 'application') ORDER BY id", kColumns));
  if (!rows.ok()) {
    spdlog::error("clusters: cannot read managed clusters: {}", rows.error().message);
    return;
  }
  for (size_t i = 0; i < rows->size(); ++i) {
    Cluster cluster = ClusterFromRow(*rows, i);
    {
      std::lock_guard lock(mutex_);
      if (supervised_.count(cluster.id)) continue;
    }
    std::string root = ClusterRoot(cluster.id);
    if (cluster.desired_state != "running") {
      // Should not run: clear away anything left from a stop that was cut short.
      if (auto leftover = ReadManagedRuntime(root)) {
        ManagedClusterSpec spec;
        spec.root = root;
        (void)StopManagedCluster(spec, *leftover, options_.stop_grace);
      }
      continue;
    }
    auto spec = SpecFor(cluster);
    if (!spec.ok()) {
      (void)Transition(cluster.id, cluster.state, "FAILED", spec.error().message, "stopped");
      continue;
    }
    if (auto runtime = AdoptManagedCluster(root)) {
      std::lock_guard lock(mutex_);
      supervised_[cluster.id] =
          Supervised{*spec, *runtime, ToUnixMillis(clock_.Now()), /*last_health_ms=*/0};
      (void)RecordEvent(cluster.id, cluster.state,
                        fmt::format("re-adopted after a Sluice restart: JobManager pid {} on "
                                    "port {}",
                                    runtime->jobmanager.pid, runtime->rest_port));
      continue;
    }
    // It should run but its JobManager is gone: start it again.
    if (auto leftover = ReadManagedRuntime(root)) {
      (void)StopManagedCluster(*spec, *leftover, options_.stop_grace);
    }
    if (cluster.kind == "application") {
      // Starting it again would run its job a second time: its application decides.
      (void)Transition(cluster.id, cluster.state, "FAILED",
                       "its JobManager was gone when Sluice started", "stopped");
      continue;
    }
    (void)Transition(cluster.id, cluster.state, "STOPPED",
                     "its processes were gone when Sluice started; starting it again");
    auto started = StartCluster(cluster.id);
    if (!started.ok()) {
      spdlog::error("cluster {}: cannot start again: {}", cluster.name, started.error().message);
    }
  }
}

void ClusterService::FailSupervised(int64_t id, const std::string& from,
                                    const std::string& detail) {
  auto it = supervised_.find(id);
  if (it == supervised_.end()) return;
  (void)StopManagedCluster(it->second.spec, it->second.runtime, options_.stop_grace);
  supervised_.erase(it);
  (void)Transition(id, from, "FAILED", detail, "stopped");
}

void ClusterService::WatchManaged(int64_t id) {
  auto cluster_read = Get(id);
  if (!cluster_read.ok()) return;
  Cluster cluster = *cluster_read;
  int64_t now = ToUnixMillis(clock_.Now());
  std::vector<std::string> rest;
  int expected_taskmanagers = 0;
  bool probe_now = false;
  {
    std::lock_guard lock(mutex_);
    auto it = supervised_.find(id);
    if (it == supervised_.end()) return;
    Supervised& s = it->second;
    (void)TryReap(s.runtime.jobmanager.pid);
    for (const ProcessIdentity& tm : s.runtime.taskmanagers) (void)TryReap(tm.pid);

    if (!IsAlive(s.runtime.jobmanager)) {
      std::string tail = TellingLine(LogTail(s.spec.root, "jobmanager", 64 * 1024));
      FailSupervised(id, cluster.state,
                     "the JobManager exited" + (tail.empty() ? "" : ": " + tail));
      return;
    }
    for (size_t i = 0; i < s.runtime.taskmanagers.size(); ++i) {
      if (IsAlive(s.runtime.taskmanagers[i])) continue;
      int index = static_cast<int>(i) + 1;
      if (s.runtime.taskmanager_restarts[i] >= options_.max_taskmanager_restarts) {
        std::string tail =
            TellingLine(LogTail(s.spec.root, fmt::format("taskmanager-{}", index), 64 * 1024));
        FailSupervised(
            id, cluster.state,
            fmt::format("taskmanager-{} died {} times{}", index,
                        options_.max_taskmanager_restarts + 1, tail.empty() ? "" : ": " + tail));
        return;
      }
      int old_pid = s.runtime.taskmanagers[i].pid;
      auto restarted = RestartTaskManager(s.spec, index);
      if (restarted.ok()) {
        s.runtime.taskmanagers[i] = *restarted;
        ++s.runtime.taskmanager_restarts[i];
        (void)SaveManagedRuntime(s.spec.root, s.runtime);
        (void)RecordEvent(id, cluster.state,
                          fmt::format("taskmanager-{} (pid {}) died; restarted as pid {}", index,
                                      old_pid, restarted->pid));
      } else {
        (void)RecordEvent(id, cluster.state,
                          fmt::format("taskmanager-{} died and could not be restarted: {}", index,
                                      restarted.error().message));
      }
    }
    rest = {fmt::format("http://127.0.0.1:{}", s.runtime.rest_port)};
    expected_taskmanagers = static_cast<int>(s.runtime.taskmanagers.size());
    if (cluster.state == "STARTING") {
      if (now - s.started_at_ms > options_.start_timeout.count()) {
        std::string tail = TellingLine(LogTail(s.spec.root, "jobmanager", 64 * 1024));
        FailSupervised(id, cluster.state,
                       fmt::format("not ready after {} s{}", options_.start_timeout.count() / 1000,
                                   tail.empty() ? "" : ": " + tail));
        return;
      }
      probe_now = true;
    } else if (now - s.last_health_ms >= options_.health_interval.count()) {
      s.last_health_ms = now;
      probe_now = true;
    }
  }
  if (!probe_now) return;
  auto probed = probe_.Probe(rest);
  if (cluster.state == "STARTING") {
    if (probed.ok() && probed->taskmanagers >= expected_taskmanagers) {
      (void)Transition(
          id, "STARTING", "RUNNING",
          fmt::format("{} TaskManager(s), {} slots", probed->taskmanagers, probed->slots_total),
          std::nullopt, std::nullopt, probed->flink_version);
    }
    return;
  }
  if (probed.ok() && cluster.state != "RUNNING") {
    (void)Transition(id, cluster.state, "RUNNING", "the REST API answers again");
  } else if (!probed.ok() && cluster.state == "RUNNING") {
    (void)Transition(id, "RUNNING", "LOST", probed.error().message);
  }
}

void ClusterService::CheckHealth(const Cluster& cluster) {
  int64_t now = ToUnixMillis(clock_.Now());
  {
    std::lock_guard lock(mutex_);
    int64_t& last = last_health_ms_[cluster.id];
    if (now - last < options_.health_interval.count()) return;
    last = now;
  }
  auto probed = probe_.Probe(cluster.addresses);
  if (probed.ok()) {
    if (cluster.state != "RUNNING" || cluster.web_url != probed->address) {
      (void)Transition(cluster.id, cluster.state, "RUNNING",
                       fmt::format("{} answers", probed->address), std::nullopt, probed->address,
                       probed->flink_version);
    }
  } else if (cluster.state != "LOST") {
    (void)Transition(cluster.id, cluster.state, "LOST", probed.error().message);
  }
}

void ClusterService::Tick() {
  ReleasePendingApplicationClusters();
  std::vector<int64_t> managed;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, s] : supervised_) managed.push_back(id);
  }
  for (int64_t id : managed) WatchManaged(id);
  auto remotes = database_.Query(
      fmt::format("SELECT {} FROM clusters WHERE kind = 'remote' ORDER BY id", kColumns));
  if (!remotes.ok()) return;
  for (size_t i = 0; i < remotes->size(); ++i) CheckHealth(ClusterFromRow(*remotes, i));
}

Json ClusterService::ClusterJson(const Cluster& c) {
  Json out = {{"id", c.id},
              {"name", c.name},
              {"kind", c.kind},
              {"flink_env_id", c.flink_env_id},
              {"addresses", c.addresses},
              {"config", ConfigJson(c.config)},
              {"description", c.description},
              {"state", c.state},
              {"state_detail", c.state_detail},
              {"state_changed_at", FormatRfc3339(FromUnixMillis(c.state_changed_at))},
              {"web_url", c.web_url},
              {"flink_version", c.flink_version}};
  if (c.kind == "application") {
    // An application cluster's settings are its job's: secret ones are not shown.
    for (auto& [key, value] : out["config"].items()) {
      if (IsSecretName(key)) value = "******";
    }
  }
  if (c.kind != "remote") {
    out["taskmanagers"] = c.taskmanagers;
    Json processes = Json::array();
    std::lock_guard lock(mutex_);
    if (auto it = supervised_.find(c.id); it != supervised_.end()) {
      const ManagedRuntime& r = it->second.runtime;
      processes.push_back({{"name", "jobmanager"},
                           {"pid", r.jobmanager.pid},
                           {"alive", IsAlive(r.jobmanager)},
                           {"restarts", 0}});
      for (size_t i = 0; i < r.taskmanagers.size(); ++i) {
        processes.push_back({{"name", fmt::format("taskmanager-{}", i + 1)},
                             {"pid", r.taskmanagers[i].pid},
                             {"alive", IsAlive(r.taskmanagers[i])},
                             {"restarts", r.taskmanager_restarts[i]}});
      }
    }
    out["processes"] = processes;
  }
  return out;
}

ClusterService::Answer ClusterService::List(http::Request& request, const Principal&) {
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  std::string where;
  std::vector<Value> params;
  if (auto kind = request.Query("kind")) {
    where = " WHERE kind = ?";
    params.emplace_back(*kind);
  }
  SLUICE_ASSIGN_OR_RETURN(store::Rows count,
                          database_.Query("SELECT COUNT(*) AS n FROM clusters" + where, params));
  params.emplace_back(page.limit);
  params.emplace_back(page.offset);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(
          fmt::format("SELECT {} FROM clusters{} ORDER BY id LIMIT ? OFFSET ?", kColumns, where),
          params));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) items.push_back(ClusterJson(ClusterFromRow(rows, i)));
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

ClusterService::Answer ClusterService::CreateRoute(http::Request& request,
                                                   const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, Create(body));
  return http::Created(ClusterJson(cluster), fmt::format("cluster:{}", cluster.id));
}

ClusterService::Answer ClusterService::GetRoute(http::Request& request, const Principal&) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, Get(id));
  return http::Ok(ClusterJson(cluster));
}

ClusterService::Answer ClusterService::Update(http::Request& request, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(
      RejectUnknownFields(body, {"name", "description", "config", "taskmanagers", "addresses"}));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  SLUICE_ASSIGN_OR_RETURN(auto taskmanagers, OptionalInt(body, "taskmanagers"));
  if (name) SLUICE_RETURN_IF_ERROR(ValidateObjectName(*name));
  if (description) SLUICE_RETURN_IF_ERROR(system::ValidateText(*description, 1024, "description"));
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, Get(id));
  std::optional<FlatConfig> config;
  if (body.contains("config")) {
    SLUICE_ASSIGN_OR_RETURN(config, ReadConfig(body));
  }
  std::optional<std::vector<std::string>> addresses;
  if (body.contains("addresses")) {
    if (cluster.kind != "remote") {
      return Error(ErrorCode::INVALID_ARGUMENT, "a managed cluster has no 'addresses'",
                   "addresses");
    }
    SLUICE_ASSIGN_OR_RETURN(addresses, ReadAddresses(body));
    SLUICE_RETURN_IF_ERROR(probe_.Probe(*addresses));
  }
  if (taskmanagers) {
    if (cluster.kind != "managed") {
      return Error(ErrorCode::INVALID_ARGUMENT, "'taskmanagers' is for managed clusters",
                   "taskmanagers");
    }
    if (*taskmanagers < 1 || *taskmanagers > kMaxTaskManagers) {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   fmt::format("'taskmanagers' must be 1 to {}", kMaxTaskManagers), "taskmanagers");
    }
  }
  if (cluster.kind == "application") SLUICE_RETURN_IF_ERROR(RequireManaged(cluster));
  if (cluster.kind == "managed" && (config || taskmanagers)) {
    std::lock_guard lock(mutex_);
    if (supervised_.count(id)) {
      return Error(ErrorCode::CLUSTER_WRONG_STATE,
                   fmt::format("cluster '{}' is {}: stop it before changing its configuration",
                               cluster.name, cluster.state));
    }
  }
  auto updated = database_.Query(
      "UPDATE clusters SET name = ?, description = ?, config = ?, taskmanagers = ?, addresses = "
      "?, updated_at = ? WHERE id = ?",
      {name.value_or(cluster.name), description.value_or(cluster.description),
       ConfigJson(config.value_or(cluster.config)).dump(),
       taskmanagers.value_or(cluster.taskmanagers),
       Json(addresses.value_or(cluster.addresses)).dump(), ToUnixMillis(clock_.Now()), id});
  if (!updated.ok()) return MapNameTaken(updated.error(), name.value_or(cluster.name));
  SLUICE_ASSIGN_OR_RETURN(cluster, Get(id));
  return http::Ok(ClusterJson(cluster), fmt::format("cluster:{}", id));
}

ClusterService::Answer ClusterService::Delete(http::Request& request, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, Get(id));
  {
    std::lock_guard lock(mutex_);
    if (supervised_.count(id)) {
      return Error(ErrorCode::CLUSTER_WRONG_STATE,
                   fmt::format("cluster '{}' is {}: stop it before deleting it", cluster.name,
                               cluster.state));
    }
    SLUICE_RETURN_IF_ERROR(database_.Query("DELETE FROM clusters WHERE id = ?", {id}));
    last_health_ms_.erase(id);
  }
  return http::NoContent(fmt::format("cluster:{}", id));
}

ClusterService::Answer ClusterService::StartRoute(http::Request& request,
                                                  const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, StartCluster(id));
  auto wait = request.Query("wait");
  if (wait && (*wait == "true" || *wait == "1")) {
    SLUICE_ASSIGN_OR_RETURN(cluster, WaitWhileStarting(id, options_.start_timeout));
    if (cluster.state == "FAILED") {
      return Error(
          ErrorCode::CLUSTER_START_FAILED,
          fmt::format("cluster '{}' did not start: {}", cluster.name, cluster.state_detail));
    }
    return http::Ok(ClusterJson(cluster), fmt::format("cluster:{}", id));
  }
  return http::Ok(ClusterJson(cluster), fmt::format("cluster:{}", id), std::nullopt, 202);
}

ClusterService::Answer ClusterService::StopRoute(http::Request& request,
                                                 const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Cluster cluster, StopCluster(id));
  return http::Ok(ClusterJson(cluster), fmt::format("cluster:{}", id));
}

ClusterService::Answer ClusterService::Events(http::Request& request, const Principal&) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_RETURN_IF_ERROR(Get(id));
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows count,
      database_.Query("SELECT COUNT(*) AS n FROM cluster_events WHERE cluster_id = ?", {id}));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT id, at, from_state, to_state, detail FROM cluster_events WHERE "
                      "cluster_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                      {id, page.limit, page.offset}));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    items.push_back({{"id", rows.Int(i, "id")},
                     {"at", FormatRfc3339(FromUnixMillis(rows.Int(i, "at")))},
                     {"from_state", rows.Text(i, "from_state")},
                     {"to_state", rows.Text(i, "to_state")},
                     {"detail", rows.Text(i, "detail")}});
  }
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

ClusterService::Answer ClusterService::Overview(http::Request& request, const Principal&) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> addresses, RestAddresses(id));
  SLUICE_ASSIGN_OR_RETURN(ClusterProbeResult probed, probe_.Probe(addresses));
  return http::Ok({{"address", probed.address},
                   {"flink_version", probed.flink_version},
                   {"taskmanagers", probed.taskmanagers},
                   {"slots_total", probed.slots_total},
                   {"slots_available", probed.slots_available},
                   {"jobs_running", probed.jobs_running}});
}

void ClusterService::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  system::RouteTable route(router, guard, *this, "flink");
  Json create = {{"type", "object"},
                 {"required", {"name", "kind"}},
                 {"properties",
                  {{"name", {{"type", "string"}}},
                   {"kind", {{"type", "string"}, {"enum", {"managed", "remote"}}}},
                   {"flink_env_id", {{"type", "integer"}}},
                   {"addresses", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                   {"config", {{"type", "object"}}},
                   {"taskmanagers", {{"type", "integer"}}},
                   {"description", {{"type", "string"}}}}}};
  Json patch = create;
  patch.erase("required");
  patch["properties"].erase("kind");
  patch["properties"].erase("flink_env_id");
  route("GET", "/api/v1/clusters", "cluster.list", "clusters and their states", nullptr,
        http::ListOf(kClusterSchema), 200, &ClusterService::List, {"limit", "offset", "kind"});
  route("POST", "/api/v1/clusters", "cluster.create",
        "register a managed or remote cluster (admins)", create, kClusterSchema, 201,
        &ClusterService::CreateRoute);
  route("GET", "/api/v1/clusters/{id}", "cluster.get",
        "a cluster, its state and (managed) its processes", nullptr, kClusterSchema, 200,
        &ClusterService::GetRoute);
  route("PATCH", "/api/v1/clusters/{id}", "cluster.update",
        "change a cluster (admins; a managed one's settings only while stopped)", patch,
        kClusterSchema, 200, &ClusterService::Update);
  route("DELETE", "/api/v1/clusters/{id}", "cluster.delete", "remove a stopped cluster (admins)",
        nullptr, nullptr, 204, &ClusterService::Delete);
  route("POST", "/api/v1/clusters/{id}/start", "cluster.start",
        "start a managed cluster (admins): 202 STARTING, or with ?wait=true the final state",
        nullptr, kClusterSchema, 202, &ClusterService::StartRoute, {"wait"});
  route("POST", "/api/v1/clusters/{id}/stop", "cluster.stop",
        "stop a managed cluster and wait for its processes to end (admins)", nullptr,
        kClusterSchema, 200, &ClusterService::StopRoute);
  route("GET", "/api/v1/clusters/{id}/events", "cluster.events",
        "the cluster's state changes and process restarts, newest first", nullptr,
        http::ListOf({{"type", "object"}}), 200, &ClusterService::Events, {"limit", "offset"});
  route("GET", "/api/v1/clusters/{id}/overview", "cluster.overview",
        "what the cluster's REST API says now: version, TaskManagers, slots, running jobs", nullptr,
        {{"type", "object"}}, 200, &ClusterService::Overview);
}

}  // namespace sluice::flink
