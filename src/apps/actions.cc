#include "apps/actions.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "apps/app_spec.h"
#include "apps/job_package.h"
#include "sql/deploy_check.h"

namespace sluice::apps {

namespace fs = std::filesystem;

namespace {

struct AppFacts {
  int64_t id = 0;
  int64_t team_id = 0;
  std::string name;
  std::string kind;
  std::string state;
  std::string job_id;
  std::optional<int64_t> cluster_id;
  int64_t draft_version = 0;
};

Result<AppFacts> LoadFacts(store::Database& database, int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database.Query("SELECT id, team_id, name, kind, state, job_id, cluster_id, draft_version "
                     "FROM apps WHERE id = ?",
                     {id}));
  if (rows.empty()) {
    return Error(ErrorCode::APP_NOT_FOUND, fmt::format("no application with id {}", id));
  }
  AppFacts app;
  app.id = rows.Int(0, "id");
  app.team_id = rows.Int(0, "team_id");
  app.name = rows.Text(0, "name");
  app.kind = rows.Text(0, "kind");
  app.state = rows.Text(0, "state");
  app.job_id = rows.Text(0, "job_id");
  app.cluster_id = rows.OptionalInt(0, "cluster_id");
  app.draft_version = rows.Int(0, "draft_version");
  return app;
}

Status WriteFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Error(ErrorCode::INTERNAL, "cannot write the deploy's files", "", path);
  return Status::Ok();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "http://127.0.0.1:8081/" -> ("127.0.0.1", 8081).
bool SplitHostPort(const std::string& url, std::string* host, int* port) {
  std::string rest = url;
  if (auto scheme = rest.find("://"); scheme != std::string::npos) rest = rest.substr(scheme + 3);
  if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    *host = rest;
    *port = 8081;
    return !host->empty();
  }
  *host = rest.substr(0, colon);
  try {
    *port = std::stoi(rest.substr(colon + 1));
  } catch (...) {
    return false;
  }
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return !host->empty() && *port > 0 && *port < 65536;
}

std::string Who(const Operation& op, store::Database& database) {
  if (!op.created_by) return "Sluice";
  auto rows = database.Query("SELECT username FROM users WHERE id = ?", {*op.created_by});
  if (!rows.ok() || rows->empty()) return fmt::format("user {}", *op.created_by);
  return rows->Text(0, "username");
}

}  // namespace

// ---- NoDeployInputs

Result<DeployInputs::Expanded> NoDeployInputs::Expand(int64_t, std::string_view text) {
  return Expanded{std::string(text), {}};
}

Result<std::vector<std::string>> NoDeployInputs::DependencyJars(int64_t, const Json& dependencies,
                                                                const std::atomic<bool>*) {
  bool none = (!dependencies.contains("maven") || dependencies["maven"].empty()) &&
              (!dependencies.contains("resources") || dependencies["resources"].empty());
  if (none) return std::vector<std::string>{};
  return Error(ErrorCode::DEPENDENCY_RESOLVE_FAILED,
               "this Sluice cannot resolve dependencies (no resources module)");
}

Result<std::string> NoDeployInputs::ResourceJar(int64_t, int64_t resource_id) {
  return Error(ErrorCode::NOT_FOUND, fmt::format("no resource with id {}", resource_id));
}

Result<DeployInputs::ProjectJar> NoDeployInputs::ProjectArtifact(int64_t, const Json&,
                                                                 const std::atomic<bool>*) {
  return Error(ErrorCode::PROJECT_NOT_FOUND, "this Sluice has no projects module", "jar");
}

std::string MaskSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    size_t at = 0;
    while ((at = text.find(secret, at)) != std::string::npos) {
      text.replace(at, secret.size(), "******");
      at += 6;
    }
  }
  return text;
}

// ---- ActionExecutor

ActionExecutor::ActionExecutor(store::Database& database, const Clock& clock, Journal& journal,
                               Operations& operations, flink::FlinkEnvs& envs,
                               flink::ClusterService& clusters, JobGateway& gateway,
                               flink::Submitter& submitter, DeployInputs& inputs,
                               ActionOptions options)
    : database_(database),
      clock_(clock),
      journal_(journal),
      operations_(operations),
      envs_(envs),
      clusters_(clusters),
      gateway_(gateway),
      submitter_(submitter),
      inputs_(inputs),
      options_(std::move(options)) {
  if (options_.savepoint_dir.empty()) {
    options_.savepoint_dir = "file://" + (fs::path(options_.data_dir) / "savepoints").string();
  }
}

void ActionExecutor::Pause(std::chrono::milliseconds duration) const {
  if (options_.sleep) {
    options_.sleep(duration);
  } else {
    std::this_thread::sleep_for(duration);
  }
}

std::string ActionExecutor::SavepointTarget(int64_t app_id) const {
  std::string root = options_.savepoint_dir;
  while (!root.empty() && root.back() == '/') root.pop_back();
  return fmt::format("{}/app-{}", root, app_id);
}

std::string ActionExecutor::DeployFolder(int64_t app_id, int64_t operation_id) const {
  return (fs::path(options_.data_dir) / "apps" / std::to_string(app_id) / "deploys" /
          std::to_string(operation_id))
      .string();
}

std::string ActionExecutor::LatestStartLog(int64_t app_id) {
  auto rows = database_.Query(
      "SELECT id FROM operations WHERE app_id = ? AND kind = 'deploy' AND state <> 'PENDING' "
      "ORDER BY id DESC LIMIT 1",
      {app_id});
  if (!rows.ok() || rows->empty()) return "";
  return (fs::path(DeployFolder(app_id, rows->Int(0, "id"))) / "start.log").string();
}

void ActionExecutor::RecordNewestRetained(int64_t app_id, int64_t cluster_id,
                                          const std::string& job_id) {
  auto checkpoints = gateway_.Checkpoints(cluster_id, job_id);
  if (!checkpoints.ok()) return;
  // The newest restore point the job left. A savepoint taken by stop-with-savepoint is recorded
  // by the operation already (once, by path), and it subsumes the checkpoints before it: those
  // may be gone from storage, so an older checkpoint is never recorded as newer than it.
  std::optional<flink::CheckpointInfo> newest = checkpoints->latest_completed;
  if (checkpoints->latest_savepoint &&
      (!newest || checkpoints->latest_savepoint->timestamp_ms >= newest->timestamp_ms)) {
    newest = checkpoints->latest_savepoint;
  }
  if (!newest || newest->external_path.empty()) return;
  std::string path = newest->external_path;
  int64_t taken_at = newest->timestamp_ms;
  if (path.rfind("file:", 0) == 0) {
    // A local path that is gone (discarded or subsumed) is no restore point.
    std::string local = path.substr(5);
    while (local.size() > 1 && local[0] == '/' && local[1] == '/') local.erase(0, 1);
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::path(local) / "_metadata", ec)) {
      // Flink caches checkpoint statistics (`rest.cache.checkpoint-statistics.timeout`, 3 s), so
      // right after the job ended they may name a checkpoint a newer one has subsumed: the newest
      // chk-<n> with a _metadata beside it in the job's own checkpoint folder is the one left.
      if (newest->is_savepoint) return;
      const std::filesystem::path folder = std::filesystem::path(local).parent_path();
      int64_t best = newest->id;
      std::string found;
      for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("chk-", 0) != 0 || name.size() > 24) continue;
        char* end = nullptr;
        const long long n = std::strtoll(name.c_str() + 4, &end, 10);
        if (end == nullptr || *end != '\0' || n <= best) continue;
        if (!std::filesystem::exists(entry.path() / "_metadata", ec)) continue;
        best = n;
        found = entry.path().string();
      }
      if (found.empty()) return;
      path = "file:" + found;
      taken_at = ToUnixMillis(clock_.Now());
    }
  }
  (void)RecordSavepoint(app_id, job_id, newest->is_savepoint ? "savepoint" : "checkpoint", path,
                        std::nullopt, taken_at);
}

Status ActionExecutor::RecordSavepoint(int64_t app_id, const std::string& job_id,
                                       const std::string& kind, const std::string& path,
                                       std::optional<int64_t> operation_id, int64_t taken_at_ms) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows existing,
      database_.Query("SELECT id FROM app_savepoints WHERE app_id = ? AND path = ?",
                      {app_id, path}));
  if (!existing.empty()) return Status::Ok();
  store::Value op = operation_id ? store::Value(*operation_id) : store::Value();
  SLUICE_RETURN_IF_ERROR(database_.Query(
      "INSERT INTO app_savepoints (app_id, job_id, kind, path, created_at, operation_id) VALUES "
      "(?, ?, ?, ?, ?, ?)",
      {app_id, job_id, kind, path, taken_at_ms > 0 ? taken_at_ms : ToUnixMillis(clock_.Now()),
       op}));
  return journal_.Note(app_id, "savepoint", fmt::format("{} recorded: {}", kind, path),
                       operation_id, std::nullopt, job_id);
}

void ActionExecutor::Run(const Operation& op) {
  Result<Json> outcome = Error(ErrorCode::INTERNAL, "unknown operation kind");
  if (op.kind == "deploy") {
    outcome = Deploy(op);
  } else if (op.kind == "stop") {
    outcome = Stop(op);
  } else if (op.kind == "savepoint") {
    outcome = Savepoint(op);
  }
  Status recorded = Status::Ok();
  if (outcome.ok()) {
    recorded = operations_.Succeed(op.id, *outcome);
  } else {
    const Error& error = outcome.error();
    spdlog::warn("operation {} ({} of app {}) failed: {}{}", op.id, op.kind, op.app_id.value_or(0),
                 error.message, error.internal_detail.empty() ? "" : " | " + error.internal_detail);
    recorded = operations_.Fail(op.id, error);
    if (op.app_id) {
      (void)journal_.Note(*op.app_id, "operation",
                          fmt::format("{} failed: {}", op.kind, error.message), op.id);
    }
  }
  if (!recorded.ok()) {
    spdlog::error("operation {}: cannot record its end: {}", op.id, recorded.error().message);
  }
}

Result<std::string> ActionExecutor::ListedState(int64_t cluster_id, const std::string& job_id) {
  // An application cluster that is not running has no job running either.
  if (clusters_.ApplicationClusterIsDown(cluster_id)) return std::string();
  SLUICE_ASSIGN_OR_RETURN(std::vector<flink::JobSummary> jobs, gateway_.JobsOverview(cluster_id));
  for (const auto& job : jobs) {
    if (job.id == job_id) return job.state;
  }
  return std::string();
}

Result<Json> ActionExecutor::Deploy(const Operation& op) {
  if (!op.app_id) return Error(ErrorCode::INTERNAL, "a deploy without an application");
  SLUICE_ASSIGN_OR_RETURN(AppFacts app, LoadFacts(database_, *op.app_id));
  SLUICE_ASSIGN_OR_RETURN(Json spec, LoadVersionSpec(database_, app.id, app.draft_version));
  const std::string who = Who(op, database_);
  const Json& target = spec["target"];
  const bool application_mode = target.value("mode", "session") == "application";
  if (!application_mode && !target.contains("cluster_id")) {
    return Error(ErrorCode::APP_DEPLOY_FAILED, "session mode needs 'target.cluster_id'", "target");
  }
  SLUICE_ASSIGN_OR_RETURN(flink::FlinkEnv env, envs_.Get(spec["flink_env_id"].get<int64_t>()));
  // Application mode: the app's own cluster (created the first time, not started yet), so that
  // its id is stored with the job id before anything runs.
  flink::Cluster cluster;
  if (application_mode) {
    SLUICE_ASSIGN_OR_RETURN(cluster, clusters_.ApplicationCluster(app.id, env.id));
  } else {
    const int64_t target_id = target["cluster_id"].get<int64_t>();
    auto found = clusters_.Get(target_id);
    if (!found.ok() && found.error().code == ErrorCode::CLUSTER_NOT_FOUND) {
      return Error(ErrorCode::APP_DEPLOY_FAILED,
                   fmt::format("the application's cluster {} no longer exists: change its "
                               "'target' (PATCH /api/v1/apps/{}) to another cluster or to "
                               "{{\"mode\": \"application\"}}",
                               target_id, app.id),
                   "target");
    }
    SLUICE_ASSIGN_OR_RETURN(cluster, std::move(found));
  }
  const int64_t cluster_id = cluster.id;

  // 1. Never twice: the previous job must be known to have ended.
  if (!app.job_id.empty() && app.cluster_id) {
    auto previous = clusters_.Get(*app.cluster_id);
    const bool deleted = !previous.ok() && previous.error().code == ErrorCode::CLUSTER_NOT_FOUND;
    auto listed =
        deleted ? Result<std::string>(previous.error()) : ListedState(*app.cluster_id, app.job_id);
    if (deleted) {
      // The cluster was deleted from Sluice (a managed one only once stopped): nothing can be
      // asked, and the app is not active (the API checked), so its job is taken as ended.
      (void)journal_.Note(app.id, "operation",
                          fmt::format("the previous job {} cannot be checked: its cluster {} was "
                                      "deleted",
                                      app.job_id, *app.cluster_id),
                          op.id, op.created_by, app.job_id);
      listed = std::string();
    }
    if (!listed.ok()) {
      return Error(ErrorCode::APP_JOB_STILL_RUNNING,
                   fmt::format("cannot check that the previous job {} has ended: {}", app.job_id,
                               listed.error().message));
    }
    if (!listed->empty() && !IsTerminalState(*listed)) {
      return Error(ErrorCode::APP_JOB_STILL_RUNNING,
                   fmt::format("the previous job {} is still {} on its cluster: stop it first",
                               app.job_id, *listed));
    }
  }
  std::string host;
  int port = 0;
  if (!application_mode) {
    // The cluster must answer before anything is submitted; this also picks its live address.
    SLUICE_RETURN_IF_ERROR(gateway_.JobsOverview(cluster_id));
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> addresses,
                            clusters_.RestAddresses(cluster_id));
    std::string active = gateway_.ActiveAddress(cluster_id);
    if (active.empty() && !addresses.empty()) active = addresses.front();
    if (!SplitHostPort(active, &host, &port)) {
      return Error(ErrorCode::INTERNAL, "the cluster's address cannot be read", "", active);
    }
  }

  // 2. The job id, stored before anything is submitted.
  const std::string job_id = NewJobId();
  const std::string previous_state = app.state;
  const std::string web_ui = application_mode ? "" : gateway_.WebUrl(cluster_id);
  const std::string web_url =
      web_ui.empty() ? "" : fmt::format("{}/#/job/running/{}/overview", web_ui, job_id);
  Json params = op.params;
  params["job_id"] = job_id;
  params["previous_state"] = previous_state;
  params["version"] = app.draft_version;
  bool moved = false;
  SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(
        c.Query("UPDATE operations SET params = ? WHERE id = ?", {params.dump(), op.id}));
    Transition t{
        app.id,       previous_state,
        "DEPLOYING",  fmt::format("deploy of version {} requested by {}", app.draft_version, who),
        job_id,       op.id,
        op.created_by};
    SLUICE_ASSIGN_OR_RETURN(
        moved, journal_.MoveIn(c, t,
                               "job_id = ?, cluster_id = ?, deployed_version = ?, last_error = "
                               "'', started_at = NULL, web_url = ?",
                               {job_id, cluster_id, app.draft_version, web_url}));
    return Status::Ok();
  }));
  if (moved) journal_.NotifyChanged();
  if (!moved) {
    return Error(ErrorCode::APP_WRONG_STATE, "the application changed state while deploying");
  }

  // From here on a failure returns the app to its previous state.
  std::vector<std::string> secrets;
  auto fail = [&](Error error) -> Result<Json> {
    error.message = MaskSecrets(error.message, secrets);
    error.internal_detail = MaskSecrets(error.internal_detail, secrets);
    if (application_mode) {
      Status stopped = clusters_.StopApplicationCluster(cluster_id);
      if (!stopped.ok()) spdlog::error("app {}: {}", app.id, stopped.error().message);
    }
    Transition back{
        app.id, "DEPLOYING", previous_state, fmt::format("deploy failed: {}", error.message),
        job_id, op.id,       std::nullopt};
    auto returned = journal_.Move(back, "last_error = ?, job_id = ?, deployed_version = NULL",
                                  {error.message, std::string()});
    if (!returned.ok()) spdlog::error("app {}: {}", app.id, returned.error().message);
    if (error.code != ErrorCode::SUBMIT_FAILED && error.code != ErrorCode::SUBMIT_TIMEOUT &&
        error.code != ErrorCode::INVALID_ARGUMENT && error.code != ErrorCode::INTERNAL) {
      return error;
    }
    return Error(
        error.code == ErrorCode::INTERNAL ? ErrorCode::INTERNAL : ErrorCode::APP_DEPLOY_FAILED,
        error.message, error.field, error.internal_detail);
  };

  // 3. The work folder.
  const std::string folder = DeployFolder(app.id, op.id);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return fail(Error(ErrorCode::INTERNAL, "cannot create the deploy folder", "", folder));
  const std::string log_path = (fs::path(folder) / "start.log").string();

  std::string main_jar;
  Json project_build;  // the project build a project artifact came from
  std::string main_class;
  std::vector<std::string> program_args;
  if (app.kind == "sql") {
    if (options_.runner_jar.empty() || !fs::exists(options_.runner_jar)) {
      return fail(Error(ErrorCode::APP_DEPLOY_FAILED,
                        "the SQL runner jar is not installed (set runner_jar, see "
                        "scripts/provision/runner.sh)"));
    }
    // Legacy connector.type options: refused with the suggested rewrite, or migrated when the
    // app opts in (sql/deploy_check.h).
    auto sql_text = sql::SqlForDeploy(spec.value("sql", ""), spec.value("sql_auto_migrate", false));
    if (!sql_text.ok()) return fail(sql_text.error());
    auto expanded = inputs_.Expand(app.team_id, *sql_text);
    if (!expanded.ok()) return fail(expanded.error());
    secrets = expanded->secrets;
    const std::string script = (fs::path(folder) / "script.sql").string();
    if (Status written = WriteFile(script, expanded->text); !written.ok()) {
      return fail(written.error());
    }
    ::chmod(script.c_str(), 0600);
    main_jar = options_.runner_jar;
    main_class = "dev.sluice.runner.SqlRunner";
    program_args = {"--script", script, "--name", app.name};
  } else {
    const Json& jar = spec["jar"];
    if (jar.contains("resource_id")) {
      auto path = inputs_.ResourceJar(app.team_id, jar["resource_id"].get<int64_t>());
      if (!path.ok()) return fail(path.error());
      main_jar = *path;
    } else {
      auto built = inputs_.ProjectArtifact(app.team_id, jar["project_artifact"], &cancel_);
      if (!built.ok()) return fail(built.error());
      main_jar = built->path;
      project_build = {{"project_id", jar["project_artifact"].value("project_id", int64_t{0})},
                       {"module", jar["project_artifact"].value("module", "")},
                       {"jar", jar["project_artifact"].value("jar", "")},
                       {"build_id", built->build_id},
                       {"commit", built->commit}};
    }
    main_class = jar.value("main_class", "");
    if (jar.contains("args") && jar["args"].is_array()) {
      for (const Json& arg : jar["args"]) {
        auto expanded = inputs_.Expand(app.team_id, arg.get<std::string>());
        if (!expanded.ok()) return fail(expanded.error());
        secrets.insert(secrets.end(), expanded->secrets.begin(), expanded->secrets.end());
        program_args.push_back(expanded->text);
      }
    }
  }
  auto jars = inputs_.DependencyJars(app.team_id, spec["dependencies"], &cancel_);
  if (!jars.ok()) return fail(jars.error());
  const std::string job_jar = (fs::path(folder) / "job.jar").string();
  if (Status packaged = PackageJobJar(main_jar, *jars, job_jar); !packaged.ok()) {
    return fail(packaged.error());
  }

  // The restore point.
  std::optional<std::string> restore_path;
  std::string restore = op.params.value("restore", "none");
  if (restore == "latest") {
    auto rows = database_.Query(
        "SELECT path FROM app_savepoints WHERE app_id = ? ORDER BY created_at DESC, id DESC "
        "LIMIT 1",
        {app.id});
    if (!rows.ok()) return fail(rows.error());
    if (rows->empty()) {
      return fail(Error(ErrorCode::APP_NO_RESTORE_POINT,
                        "the application has no savepoint or retained checkpoint to restore"));
    }
    restore_path = rows->Text(0, "path");
  } else if (restore != "none") {
    restore_path = restore;
  }

  // 4. Submit through the environment's own CLI.
  std::map<std::string, std::string> sluice_set = {{"$internal.pipeline.job-id", job_id}};
  std::map<std::string, std::string> defaults = {
      {"pipeline.name", app.name},
      // Without this a cancelled job's checkpoints are deleted, and "restore latest" after a
      // plain cancel would have nothing to restore.
      {"execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION"}};
  auto properties = ComposeJobProperties(spec, sluice_set, defaults);
  if (!properties.ok()) return fail(properties.error());
  if (application_mode) {
    ApplicationStart start;
    start.app_id = app.id;
    start.app_name = app.name;
    start.version = app.draft_version;
    start.flink_env_id = env.id;
    start.flink_home = env.home;
    start.cluster_id = cluster_id;
    start.job_id = job_id;
    start.properties = *properties;
    start.job_jar = job_jar;
    start.main_class = main_class;
    start.program_args = program_args;
    start.restore_path = restore_path;
    start.log_path = log_path;
    start.allow_non_restored_state = op.params.value("allow_non_restored_state", false);
    if (spec.contains("parallelism") && spec["parallelism"].is_number_integer()) {
      start.parallelism = spec["parallelism"].get<int>();
    }
    Result<Json> started = StartApplication(op, start, secrets);
    if (!started.ok()) return fail(started.error());
    return started;
  }
  flink::SubmitRequest request;
  request.flink_home = env.home;
  request.rest_address = host;
  request.rest_port = port;
  request.jar_path = job_jar;
  request.main_class = main_class;
  request.program_args = program_args;
  request.dynamic_properties = *properties;
  if (spec.contains("parallelism") && spec["parallelism"].is_number_integer()) {
    request.parallelism = spec["parallelism"].get<int>();
  }
  request.savepoint_path = restore_path;
  request.allow_non_restored_state = op.params.value("allow_non_restored_state", false);
  request.timeout = options_.submit_timeout;
  request.log_path = log_path;
  auto submitted = submitter_.Submit(request, &cancel_);
  if (!secrets.empty()) (void)WriteFile(log_path, MaskSecrets(ReadFile(log_path), secrets));

  std::string running_job = job_id;
  if (!submitted.ok()) {
    // The CLI may have got the job in before it failed or was stopped.
    auto listed = ListedState(cluster_id, job_id);
    if (!listed.ok() || listed->empty()) return fail(submitted.error());
    spdlog::warn("app {}: the CLI failed but job {} is on the cluster: keeping it", app.id, job_id);
  } else if (submitted->job_id != job_id) {
    // Flink ignored the chosen id (it should not): track the job it reports.
    spdlog::warn("app {}: asked for job id {}, Flink answered {}", app.id, job_id,
                 submitted->job_id);
    running_job = submitted->job_id;
    (void)database_.Query("UPDATE apps SET job_id = ? WHERE id = ?", {running_job, app.id});
  }
  (void)database_.Query("UPDATE apps SET started_at = ? WHERE id = ?",
                        {ToUnixMillis(clock_.Now()), app.id});
  (void)journal_.Note(app.id, "operation",
                      fmt::format("job {} submitted to cluster '{}'{}", running_job, cluster.name,
                                  restore_path ? " from " + *restore_path : ""),
                      op.id, op.created_by, running_job);
  Json result = {{"job_id", running_job}, {"version", app.draft_version}};
  if (restore_path) result["restored_from"] = *restore_path;
  if (!project_build.is_null()) {
    result["project_build"] = project_build;
    result["commit"] = project_build["commit"];
  }
  return result;
}

std::string ActionExecutor::MaskForApp(int64_t app_id, std::string text) {
  auto rows = database_.Query("SELECT team_id, deployed_version FROM apps WHERE id = ?", {app_id});
  if (!rows.ok() || rows->empty()) return text;
  auto version = rows->OptionalInt(0, "deployed_version");
  if (!version) return text;
  auto spec = LoadVersionSpec(database_, app_id, *version);
  if (!spec.ok()) return text;
  const int64_t team = rows->Int(0, "team_id");
  std::vector<std::string> secrets;
  auto collect = [&](const std::string& source) {
    auto expanded = inputs_.Expand(team, source);
    if (expanded.ok()) {
      secrets.insert(secrets.end(), expanded->secrets.begin(), expanded->secrets.end());
    }
  };
  collect(spec->value("sql", ""));
  if (spec->contains("jar") && (*spec)["jar"].contains("args")) {
    for (const Json& arg : (*spec)["jar"]["args"]) {
      if (arg.is_string()) collect(arg.get<std::string>());
    }
  }
  // Settings whose names say they are secret.
  auto properties = ComposeJobProperties(*spec, {});
  if (properties.ok()) {
    for (const auto& [key, value] : *properties) {
      if (flink::IsSecretName(key) && value.size() >= 4) secrets.push_back(value);
    }
  }
  return MaskSecrets(std::move(text), secrets);
}

void ActionExecutor::ReleaseApplicationClusterSoon(int64_t cluster_id) {
  auto cluster = clusters_.Get(cluster_id);
  if (!cluster.ok() || cluster->kind != "application") return;
  clusters_.ReleaseApplicationClusterSoon(cluster_id);
}

void ActionExecutor::ReleaseApplicationCluster(int64_t cluster_id) {
  auto cluster = clusters_.Get(cluster_id);
  if (!cluster.ok() || cluster->kind != "application") return;
  Status stopped = clusters_.StopApplicationCluster(cluster_id);
  if (!stopped.ok()) {
    spdlog::warn("cluster {}: cannot stop it after its job ended: {}", cluster->name,
                 stopped.error().message);
  }
}

Result<Json> ActionExecutor::StartApplication(const Operation& op, const ApplicationStart& start,
                                              const std::vector<std::string>& secrets) {
  flink::ApplicationClusterRequest request;
  request.cluster_id = start.cluster_id;
  request.flink_env_id = start.flink_env_id;
  request.taskmanagers = 1;
  for (const auto& [key, value] : start.properties) request.config[key] = value;
  if (start.parallelism) {
    request.config["parallelism.default"] = std::to_string(*start.parallelism);
    // One TaskManager with a slot for each parallel task, unless the app says otherwise.
    request.config.emplace("taskmanager.numberOfTaskSlots", std::to_string(*start.parallelism));
  }
  if (start.restore_path) {
    request.config["execution.savepoint.path"] = *start.restore_path;
    if (start.allow_non_restored_state) {
      request.config["execution.savepoint.ignore-unclaimed-state"] = "true";
    }
  }
  request.job.jar = start.job_jar;
  request.job.main_class = start.main_class;
  request.job.program_args = start.program_args;

  SLUICE_ASSIGN_OR_RETURN(flink::Cluster started, clusters_.StartApplicationCluster(request));
  flink::ManagedClusterSpec jobmanager;
  jobmanager.flink_home = start.flink_home;
  jobmanager.application = request.job;
  const std::string jobmanager_log =
      (fs::path(options_.data_dir) / "clusters" / std::to_string(started.id) / "jobmanager" / "log")
          .string();
  {
    std::ofstream log(start.log_path, std::ios::binary | std::ios::app);
    log << FormatRfc3339(clock_.Now()) << " application mode: cluster '" << started.name << "' ("
        << started.web_url << ") runs job " << start.job_id << "\n"
        << "JobManager: "
        << MaskSecrets(flink::MaskCommandLine(flink::JobManagerCommand(jobmanager)), secrets)
        << "\nIts log: " << jobmanager_log << "\n";
  }
  const std::string web_url = started.web_url.empty() ? ""
                                                      : fmt::format("{}/#/job/running/{}/overview",
                                                                    started.web_url, start.job_id);
  (void)database_.Query("UPDATE apps SET web_url = ? WHERE id = ? AND job_id = ?",
                        {web_url, start.app_id, start.job_id});

  // The JobManager starts the job itself: wait until it lists it.
  auto deadline = clock_.Now() + options_.submit_timeout;
  while (true) {
    auto listed = ListedState(start.cluster_id, start.job_id);
    if (listed.ok() && !listed->empty()) break;
    auto cluster = clusters_.Get(start.cluster_id);
    if (cluster.ok() && cluster->state == "FAILED") {
      return Error(
          ErrorCode::APP_DEPLOY_FAILED,
          MaskSecrets(fmt::format("the application cluster failed: {}", cluster->state_detail),
                      secrets));
    }
    if (cancel_) {
      return Error(ErrorCode::SUBMIT_FAILED, "the deploy was cancelled (Sluice is stopping)");
    }
    if (clock_.Now() >= deadline) {
      return Error(ErrorCode::SUBMIT_TIMEOUT,
                   fmt::format("the application cluster did not start job {} within {} s",
                               start.job_id, options_.submit_timeout.count() / 1000));
    }
    Pause(options_.poll_interval);
  }
  (void)database_.Query("UPDATE apps SET started_at = ? WHERE id = ?",
                        {ToUnixMillis(clock_.Now()), start.app_id});
  (void)journal_.Note(
      start.app_id, "operation",
      fmt::format("job {} started on application cluster '{}'{}", start.job_id, started.name,
                  start.restore_path ? " from " + *start.restore_path : ""),
      op.id, op.created_by, start.job_id);
  Json result = {{"job_id", start.job_id}, {"version", start.version}, {"cluster_id", started.id}};
  if (start.restore_path) result["restored_from"] = *start.restore_path;
  return result;
}

Result<std::string> ActionExecutor::WaitUntilEnded(int64_t cluster_id, const std::string& job_id) {
  auto deadline = clock_.Now() + options_.stop_timeout;
  std::string last;
  while (true) {
    auto listed = ListedState(cluster_id, job_id);
    if (listed.ok()) {
      last = *listed;
      if (last.empty() || IsTerminalState(last)) return last;
    }
    if (clock_.Now() >= deadline || cancel_) {
      return Error(ErrorCode::CLUSTER_TIMEOUT,
                   fmt::format("job {} has not ended in time (last seen {})", job_id,
                               last.empty() ? "unknown" : last));
    }
    Pause(options_.poll_interval);
  }
}

Result<std::string> ActionExecutor::RetryWhileTasksStart(
    const std::function<Result<std::string>()>& attempt) {
  // A job is RUNNING as soon as it is scheduled; its tasks start a moment later, and until they
  // do Flink refuses savepoints ("... is not being executed at the moment", "Not all required
  // tasks are currently running"). That is worth waiting for; other failures are not.
  auto deadline = clock_.Now() + options_.tasks_start_timeout;
  while (true) {
    Result<std::string> location = attempt();
    if (location.ok()) return location;
    const std::string& message = location.error().message;
    bool starting = message.find("not being executed at the moment") != std::string::npos ||
                    message.find("Not all required tasks") != std::string::npos;
    if (!starting || cancel_ || clock_.Now() >= deadline) return location;
    Pause(std::chrono::milliseconds(500));
  }
}

Result<Json> ActionExecutor::Stop(const Operation& op) {
  if (!op.app_id) return Error(ErrorCode::INTERNAL, "a stop without an application");
  SLUICE_ASSIGN_OR_RETURN(AppFacts app, LoadFacts(database_, *op.app_id));
  if (app.job_id.empty() || !app.cluster_id) {
    return Error(ErrorCode::APP_WRONG_STATE, "the application has no job to stop");
  }
  auto app_cluster = clusters_.Get(*app.cluster_id);
  const bool deleted =
      !app_cluster.ok() && app_cluster.error().code == ErrorCode::CLUSTER_NOT_FOUND;
  if (deleted || clusters_.ApplicationClusterIsDown(*app.cluster_id)) {
    // Nothing can reach the job any more: the app is let go (FAILED, with the reason), so that
    // it can be deployed again.
    std::string reason =
        deleted ? fmt::format(
                      "its cluster {} was deleted from Sluice: job {} cannot be reached "
                      "(if it still runs there, stop it with Flink's own tools)",
                      *app.cluster_id, app.job_id)
                : fmt::format(
                      "its application cluster '{}' is not running (its JobManager "
                      "ended), so job {} is not running either",
                      app_cluster->name, app.job_id);
    (void)journal_.Move({app.id, app.state, "FAILED", "stopped without its cluster: " + reason,
                         app.job_id, op.id, op.created_by},
                        "last_error = ?", {reason});
    return Json{{"job_id", app.job_id}, {"state", "FAILED"}, {"note", reason}};
  }
  const bool with_savepoint = op.params.value("savepoint", false);
  const bool drain = op.params.value("drain", false);
  (void)journal_.Note(
      app.id, "operation",
      fmt::format("{} requested by {}", with_savepoint ? "stop with a savepoint" : "cancel",
                  Who(op, database_)),
      op.id, op.created_by, app.job_id);
  Json result = {{"job_id", app.job_id}};
  if (with_savepoint) {
    SLUICE_ASSIGN_OR_RETURN(std::string location, RetryWhileTasksStart([&] {
                              return gateway_.StopWithSavepoint(*app.cluster_id, app.job_id,
                                                                SavepointTarget(app.id), drain,
                                                                options_.savepoint_timeout);
                            }));
    SLUICE_RETURN_IF_ERROR(RecordSavepoint(app.id, app.job_id, "savepoint", location, op.id));
    result["savepoint"] = location;
  } else {
    SLUICE_RETURN_IF_ERROR(gateway_.CancelJob(*app.cluster_id, app.job_id));
  }
  SLUICE_ASSIGN_OR_RETURN(std::string ended, WaitUntilEnded(*app.cluster_id, app.job_id));
  if (ended.empty()) ended = with_savepoint ? "FINISHED" : "CANCELED";
  // The tracker may have seen the end already; then this changes nothing.
  SLUICE_ASSIGN_OR_RETURN(AppFacts now, LoadFacts(database_, app.id));
  if (now.job_id == app.job_id && !IsTerminalState(now.state)) {
    // Seen here before the tracker saw it: what the job left is recorded first, as the tracker
    // does (a later deploy's restore "latest" finds its newest retained checkpoint).
    if (!with_savepoint) RecordNewestRetained(app.id, *app.cluster_id, app.job_id);
    (void)journal_.Move({app.id, now.state, ended,
                         fmt::format("stopped by operation {} ({})", op.id, Who(op, database_)),
                         app.job_id, op.id, op.created_by});
  }
  ReleaseApplicationCluster(*app.cluster_id);
  result["state"] = ended;
  return result;
}

Result<Json> ActionExecutor::Savepoint(const Operation& op) {
  if (!op.app_id) return Error(ErrorCode::INTERNAL, "a savepoint without an application");
  SLUICE_ASSIGN_OR_RETURN(AppFacts app, LoadFacts(database_, *op.app_id));
  if (app.job_id.empty() || !app.cluster_id) {
    return Error(ErrorCode::APP_WRONG_STATE, "the application has no running job");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string location, RetryWhileTasksStart([&] {
                            return gateway_.TriggerSavepoint(*app.cluster_id, app.job_id,
                                                             SavepointTarget(app.id),
                                                             options_.savepoint_timeout);
                          }));
  SLUICE_RETURN_IF_ERROR(RecordSavepoint(app.id, app.job_id, "savepoint", location, op.id));
  return Json{{"job_id", app.job_id}, {"savepoint", location}};
}

}  // namespace sluice::apps
