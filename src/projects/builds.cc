#include "projects/builds.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "apps/operations.h"
#include "flink/process.h"
#include "http/answers.h"
#include "projects/build_log_stream.h"
#include "resources/api_helpers.h"
#include "resources/variables.h"
#include "system/authorizer.h"
#include "system/route_table.h"

namespace sluice::projects {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using store::Value;
using system::Action;
using system::Authorize;
using system::Principal;

namespace {

constexpr const char* kColumns =
    "id, project_id, team_id, state, ref, commit_sha, params, result, error, pid, "
    "pid_start_ticks, created_by, created_at, started_at, finished_at";

Json ParseOr(const std::string& text, Json fallback) {
  if (text.empty()) return fallback;
  Json parsed = Json::parse(text, nullptr, false);
  return parsed.is_discarded() ? fallback : parsed;
}

Build ReadBuild(const store::Rows& rows, size_t i) {
  Build b;
  b.id = rows.Int(i, "id");
  b.project_id = rows.Int(i, "project_id");
  b.team_id = rows.Int(i, "team_id");
  b.state = rows.Text(i, "state");
  b.ref = rows.Text(i, "ref");
  b.commit = rows.Text(i, "commit_sha");
  b.params = ParseOr(rows.Text(i, "params"), Json::object());
  b.result = ParseOr(rows.Text(i, "result"), Json());
  b.error = ParseOr(rows.Text(i, "error"), Json());
  b.created_by = rows.OptionalInt(i, "created_by");
  b.created_at = rows.Int(i, "created_at");
  b.started_at = rows.OptionalInt(i, "started_at");
  b.finished_at = rows.OptionalInt(i, "finished_at");
  return b;
}

Error BuildNotFound(int64_t id) {
  return Error(ErrorCode::BUILD_NOT_FOUND, fmt::format("no build with id {}", id));
}

Value OptionalValue(const std::optional<int64_t>& v) {
  if (v) return *v;
  return Value();
}

// Appends to the build log (thread-safe within one build: one writer).
class LogFile {
 public:
  // `written` is notified after each write (followers of the log wake up).
  LogFile(const std::string& path, const ChangeSignal& written)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)),
        written_(written) {}
  ~LogFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  void Write(std::string_view text) {
    if (fd_ < 0) return;
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    written_.Notify();
  }

 private:
  int fd_;
  const ChangeSignal& written_;
};

// The compiler's and Maven's own words about a failure: the [ERROR] lines, paths made relative
// to the checkout, at most ~1500 characters.
std::string MavenErrors(const std::string& output, const std::string& checkout) {
  std::istringstream lines(output);
  std::string line;
  std::string out;
  while (std::getline(lines, line)) {
    if (line.rfind("[ERROR]", 0) != 0) continue;
    if (line.find("-> [Help") != std::string::npos || line == "[ERROR] " || line == "[ERROR]" ||
        line.find("re-run Maven") != std::string::npos ||
        line.find("[Help 1]") != std::string::npos ||
        line.find("mvn <args>") != std::string::npos ||
        line.find("To see the full stack trace") != std::string::npos ||
        line.find("For more information about the errors") != std::string::npos ||
        line.find("Re-run Maven") != std::string::npos ||
        line.find("After correcting the problems") != std::string::npos) {
      continue;
    }
    size_t at;
    while ((at = line.find(checkout + "/")) != std::string::npos) {
      line.erase(at, checkout.size() + 1);
    }
    std::string text = line.substr(std::min<size_t>(8, line.size()));
    if (text.empty()) continue;
    if (!out.empty()) out += "\n";
    out += text;
    if (out.size() > 1500) {
      out += " ...";
      break;
    }
  }
  return out;
}

bool IsCommitSha(const std::string& ref) {
  if (ref.size() < 7 || ref.size() > 40) return false;
  for (char c : ref) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Json Build::ToJson() const {
  auto time = [](const std::optional<int64_t>& ms) {
    return ms ? Json(FormatRfc3339(FromUnixMillis(*ms))) : Json();
  };
  Json out = {
      {"id", id},
      {"project_id", project_id},
      {"team_id", team_id},
      {"state", state},
      {"ref", ref},
      {"commit", commit.empty() ? Json() : Json(commit)},
      {"tests", params.value("tests", false)},
      {"created_by", created_by ? Json(*created_by) : Json()},
      {"created_at", time(created_at)},
      {"started_at", time(started_at)},
      {"finished_at", time(finished_at)},
      {"duration_ms", started_at && finished_at ? Json(*finished_at - *started_at) : Json()}};
  if (!error.is_null()) out["error"] = error;
  if (!result.is_null()) {
    Json shown = result;
    if (shown.contains("artifacts")) {
      for (Json& artifact : shown["artifacts"]) artifact.erase("path");
    }
    out["result"] = shown;
  }
  return out;
}

BuildService::BuildService(store::Database& database, const Clock& clock, ProjectService& projects)
    : database_(database), clock_(clock), projects_(projects) {}

BuildService::~BuildService() { Stop(); }

Status BuildService::Reconcile() {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT id, pid, pid_start_ticks FROM builds WHERE state = 'RUNNING'"));
  for (size_t i = 0; i < rows.size(); ++i) {
    int64_t id = rows.Int(i, "id");
    if (auto pid = rows.OptionalInt(i, "pid")) {
      flink::ProcessIdentity process{static_cast<int>(*pid),
                                     static_cast<uint64_t>(rows.Int(i, "pid_start_ticks"))};
      if (flink::IsAlive(process)) {
        Status killed = flink::TerminateGroup(process, std::chrono::seconds(5));
        if (!killed.ok()) spdlog::warn("builds: build {}: {}", id, killed.error().message);
      }
    }
    Error interrupted(ErrorCode::BUILD_INTERRUPTED,
                      "Sluice stopped while the build ran; start a new build");
    SLUICE_RETURN_IF_ERROR(
        Finish(id, "INTERRUPTED", nullptr, apps::Operations::ErrorJson(interrupted)));
    spdlog::info("builds: build {} was interrupted by a restart", id);
  }
  return Status::Ok();
}

Status BuildService::Start() {
  SLUICE_RETURN_IF_ERROR(Reconcile());
  std::lock_guard lock(mutex_);
  stopping_ = false;
  work_queued_ = true;
  for (int i = 0; i < std::max(1, projects_.options().build_threads); ++i) {
    workers_.emplace_back([this] { Loop(); });
  }
  return Status::Ok();
}

void BuildService::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (workers_.empty()) return;
    stopping_ = true;
    for (auto& [id, cancel] : cancels_) *cancel = true;
  }
  wakeup_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

void BuildService::Wake() {
  {
    std::lock_guard lock(mutex_);
    work_queued_ = true;
  }
  wakeup_.notify_all();
}

void BuildService::Loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wakeup_.wait_for(lock, std::chrono::seconds(2), [this] { return stopping_ || work_queued_; });
    if (stopping_) break;
    work_queued_ = false;
    lock.unlock();
    bool ran = RunOnePending();
    lock.lock();
    if (ran) work_queued_ = true;  // look again: more may wait
  }
}

bool BuildService::RunOnePending() {
  auto pending = database_.Query(
      fmt::format("SELECT {} FROM builds WHERE state = 'PENDING' ORDER BY id LIMIT 50", kColumns));
  if (!pending.ok()) {
    spdlog::warn("builds: {}", pending.error().message);
    return false;
  }
  for (size_t i = 0; i < pending->size(); ++i) {
    Build build = ReadBuild(*pending, i);
    std::shared_ptr<std::atomic<bool>> cancel;
    {
      std::lock_guard lock(mutex_);
      if (busy_projects_.count(build.project_id)) continue;
      busy_projects_.insert(build.project_id);
      cancel = std::make_shared<std::atomic<bool>>(stopping_);
      cancels_[build.id] = cancel;
    }
    int64_t now = ToUnixMillis(clock_.Now());
    auto claimed = database_.Query(
        "UPDATE builds SET state = 'RUNNING', started_at = ? WHERE id = ? AND state = 'PENDING'",
        {now, build.id});
    if (claimed.ok() && claimed->affected > 0) {
      build.state = "RUNNING";
      build.started_at = now;
      Run(build);
    }
    std::lock_guard lock(mutex_);
    busy_projects_.erase(build.project_id);
    cancels_.erase(build.id);
    if (claimed.ok() && claimed->affected > 0) return true;
  }
  return false;
}

bool BuildService::HasRunningBuild(int64_t project_id) {
  std::lock_guard lock(mutex_);
  return busy_projects_.count(project_id) > 0;
}

std::string BuildService::BuildDir(int64_t project_id, int64_t build_id) const {
  return (fs::path(projects_.ProjectDir(project_id)) / "builds" / std::to_string(build_id))
      .string();
}

Status BuildService::Finish(int64_t id, const std::string& state, const Json& result,
                            const Json& error) {
  auto updated = database_.Query(
      "UPDATE builds SET state = ?, result = ?, error = ?, finished_at = ?, pid = NULL "
      "WHERE id = ? AND state IN ('PENDING', 'RUNNING')",
      {state, result.is_null() ? std::string() : result.dump(),
       error.is_null() ? std::string() : error.dump(), ToUnixMillis(clock_.Now()), id});
  if (!updated.ok()) return std::move(updated).error();
  build_finished_.Notify();
  return Status::Ok();
}

void BuildService::Run(const Build& build) {
  std::shared_ptr<std::atomic<bool>> cancel;
  {
    std::lock_guard lock(mutex_);
    cancel = cancels_[build.id];
  }
  if (!cancel) cancel = std::make_shared<std::atomic<bool>>(false);
  const std::string dir = BuildDir(build.project_id, build.id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string log_path = (fs::path(dir) / "build.log").string();
  Result<Json> result = Error(ErrorCode::INTERNAL, "the build did not run");
  try {
    result = Execute(build, *cancel, log_path);
  } catch (const std::exception& e) {
    result = Error(ErrorCode::INTERNAL, "the build failed unexpectedly", "", e.what());
  }
  Status finished = Status::Ok();
  if (result.ok()) {
    finished = Finish(build.id, "SUCCEEDED", *result, nullptr);
  } else {
    const Error& error = result.error();
    std::string state = error.code == ErrorCode::BUILD_CANCELLED ? "CANCELLED" : "FAILED";
    if (!error.internal_detail.empty()) {
      spdlog::warn("builds: build {}: {} ({})", build.id, error.message, error.internal_detail);
    }
    LogFile(log_path, log_written_)
        .Write(fmt::format("\n[sluice] build {}: {}\n", state, error.message));
    finished = Finish(build.id, state, nullptr, apps::Operations::ErrorJson(error));
  }
  if (!finished.ok()) spdlog::warn("builds: build {}: {}", build.id, finished.error().message);
}

Result<Json> BuildService::Execute(const Build& build, std::atomic<bool>& cancel,
                                   const std::string& log_path) {
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + projects_.options().build_timeout;
  SLUICE_ASSIGN_OR_RETURN(ProjectRow project, projects_.Get(build.project_id));
  SLUICE_ASSIGN_OR_RETURN(auto session, projects_.Session(project));
  SLUICE_ASSIGN_OR_RETURN(std::string settings, projects_.MavenSettings(project));
  std::vector<std::string> secrets = session->secrets();
  LogFile log(log_path, log_written_);
  LineMasker masker(secrets, [&log](std::string_view text) { log.Write(text); });
  const std::string checkout = projects_.CheckoutDir(project.id);
  const std::string shown_url = MaskUrl(project.git_url);

  // One child process, its output masked into the log; the output (masked) is answered.
  auto step = [&](std::vector<std::string> argv, const std::string& cwd,
                  std::map<std::string, std::string> extra_env,
                  const std::string& shown) -> Result<flink::RunResult> {
    masker.Add(fmt::format("$ {}\n", shown));
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Error(ErrorCode::BUILD_TIMEOUT,
                   fmt::format("the build took longer than {} s",
                               projects_.options().build_timeout.count()));
    }
    flink::SpawnSpec spec;
    spec.argv = std::move(argv);
    spec.env_overrides = session->env();
    for (auto& [k, v] : extra_env) spec.env_overrides[k] = v;
    spec.working_dir = cwd;
    spec.new_session = true;
    flink::RunHooks hooks;
    hooks.on_started = [&](const flink::ProcessIdentity& process) {
      (void)database_.Query(
          "UPDATE builds SET pid = ?, pid_start_ticks = ? WHERE id = ?",
          {int64_t{process.pid}, static_cast<int64_t>(process.start_ticks), build.id});
    };
    hooks.on_output = [&](std::string_view chunk) { masker.Add(chunk); };
    auto run = flink::RunToCompletion(spec, left, &cancel, &hooks);
    masker.Flush();
    if (!run.ok()) return std::move(run).error();
    run->output = resources::Mask(run->output, secrets);
    if (run->cancelled) return Error(ErrorCode::BUILD_CANCELLED, "the build was cancelled");
    if (run->timed_out) {
      return Error(ErrorCode::BUILD_TIMEOUT,
                   fmt::format("the build took longer than {} s (stopped during `{}`)",
                               projects_.options().build_timeout.count(), shown));
    }
    return run;
  };
  auto git = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = GitBaseArgs();
    argv.insert(argv.end(), args.begin(), args.end());
    std::string shown = "git";
    for (const auto& a : args) shown += " " + (a == project.git_url ? shown_url : a);
    return step(argv, checkout, {}, shown);
  };

  // 1. The checkout: made once, fetched after.
  std::error_code ec;
  fs::create_directories(checkout, ec);
  if (!fs::exists(fs::path(checkout) / ".git", ec)) {
    SLUICE_ASSIGN_OR_RETURN(auto init, git({"init", "-q", "."}));
    if (init.exit_code != 0) return ClassifyGitFailure(init.output, "preparing the checkout", "");
  }
  SLUICE_ASSIGN_OR_RETURN(auto remote, git({"config", "remote.origin.url", project.git_url}));
  if (remote.exit_code != 0) {
    return ClassifyGitFailure(remote.output, "preparing the checkout", project.git_url);
  }
  SLUICE_ASSIGN_OR_RETURN(auto fetch, git({"fetch", "--prune", "--force", "--tags", "origin",
                                           "+refs/heads/*:refs/remotes/origin/*"}));
  if (fetch.exit_code != 0) return ClassifyGitFailure(fetch.output, "fetching", project.git_url);

  // 2. The ref: a branch, a tag, or a commit.
  std::string commit;
  for (const std::string& candidate : {"refs/remotes/origin/" + build.ref, "refs/tags/" + build.ref,
                                       IsCommitSha(build.ref) ? build.ref : std::string()}) {
    if (candidate.empty()) continue;
    SLUICE_ASSIGN_OR_RETURN(auto parsed,
                            git({"rev-parse", "--verify", "-q", candidate + "^{commit}"}));
    if (parsed.exit_code == 0) {
      std::string text = parsed.output;
      size_t end = text.find_first_of("\r\n");
      commit = text.substr(0, end);
      break;
    }
  }
  if (commit.size() < 40) {
    return Error(ErrorCode::GIT_REF_NOT_FOUND,
                 fmt::format("'{}' is neither a branch, a tag nor a commit of {}",
                             http::Echo(build.ref), shown_url),
                 "ref");
  }
  SLUICE_RETURN_IF_ERROR(
      database_.Query("UPDATE builds SET commit_sha = ? WHERE id = ?", {commit, build.id}));
  SLUICE_ASSIGN_OR_RETURN(auto checked, git({"checkout", "-q", "-f", "--detach", commit}));
  if (checked.exit_code != 0) {
    return ClassifyGitFailure(checked.output, "checking out " + commit, project.git_url);
  }
  SLUICE_ASSIGN_OR_RETURN(auto cleaned, git({"clean", "-ffdq"}));
  if (cleaned.exit_code != 0) {
    return ClassifyGitFailure(cleaned.output, "cleaning the checkout", project.git_url);
  }
  if (!fs::exists(fs::path(checkout) / "pom.xml", ec)) {
    return Error(ErrorCode::BUILD_FAILED,
                 fmt::format("commit {} of {} has no pom.xml at its root: Sluice builds Maven "
                             "projects",
                             commit.substr(0, 12), shown_url));
  }

  // 3. Maven.
  std::vector<std::string> mvn = {projects_.options().mvn, "-B", "-ntp"};
  std::string settings_path;
  if (!settings.empty()) {
    settings_path = (fs::path(BuildDir(project.id, build.id)) / "settings.xml").string();
    int fd = ::open(settings_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Error(ErrorCode::INTERNAL, "cannot write settings.xml", "", settings_path);
    (void)!::write(fd, settings.data(), settings.size());
    ::close(fd);
    mvn.insert(mvn.end(), {"-s", settings_path});
  }
  if (!projects_.options().maven_local_repository.empty()) {
    mvn.push_back("-Dmaven.repo.local=" + projects_.options().maven_local_repository);
  }
  if (!build.params.value("tests", false)) mvn.push_back("-DskipTests");
  for (const Json& arg : project.build_args) mvn.push_back(arg.get<std::string>());
  mvn.push_back("package");
  std::string shown = "mvn";
  for (size_t i = 1; i < mvn.size(); ++i) shown += " " + mvn[i];
  auto maven = step(mvn, checkout, {}, shown);
  if (!settings_path.empty()) fs::remove(settings_path, ec);
  if (!maven.ok()) return std::move(maven).error();
  if (maven->exit_code != 0) {
    std::string errors = MavenErrors(maven->output, checkout);
    return Error(ErrorCode::BUILD_FAILED,
                 fmt::format("mvn package failed (exit {}) at commit {}{}{}", maven->exit_code,
                             commit.substr(0, 12), errors.empty() ? "" : ":\n", errors));
  }

  // 4. The artifacts, copied out of the checkout.
  std::vector<Artifact> artifacts = ScanArtifacts(checkout);
  Json items = Json::array();
  const fs::path kept = fs::path(BuildDir(project.id, build.id)) / "artifacts";
  for (Artifact& artifact : artifacts) {
    fs::path to = kept / (artifact.module == "." ? "_root" : artifact.module) / artifact.jar;
    fs::create_directories(to.parent_path(), ec);
    fs::copy_file(artifact.path, to, fs::copy_options::overwrite_existing, ec);
    if (ec) return Error(ErrorCode::INTERNAL, "cannot keep the built jars", "", ec.message());
    artifact.path = to.string();
    Json item = ArtifactJson(artifact);
    item["path"] = artifact.path;
    items.push_back(item);
  }
  masker.Add(fmt::format("[sluice] {} jar(s) built at commit {}\n", items.size(), commit));
  masker.Flush();
  auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  return Json{{"artifacts", items}, {"commit", commit}, {"duration_ms", took.count()}};
}

Result<Build> BuildService::Enqueue(const ProjectRow& project, std::optional<int64_t> user_id,
                                    bool tests) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows inserted,
      database_.Query("INSERT INTO builds (project_id, team_id, state, ref, commit_sha, params, "
                      "result, error, created_by, created_at) VALUES (?, ?, 'PENDING', ?, '', ?, "
                      "'', '', ?, ?) RETURNING id",
                      {project.id, project.team_id, project.ref, Json{{"tests", tests}}.dump(),
                       OptionalValue(user_id), ToUnixMillis(clock_.Now())}));
  int64_t id = inserted.Int(0, "id");
  Wake();
  return Get(id);
}

Result<Build> BuildService::Get(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM builds WHERE id = ?", kColumns), {id}));
  if (rows.empty()) return BuildNotFound(id);
  return ReadBuild(rows, 0);
}

Result<std::optional<Build>> BuildService::LatestSuccess(int64_t project_id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM builds WHERE project_id = ? AND state = "
                                  "'SUCCEEDED' ORDER BY id DESC LIMIT 1",
                                  kColumns),
                      {project_id}));
  if (rows.empty()) return std::optional<Build>();
  return std::optional<Build>(ReadBuild(rows, 0));
}

Result<ProjectJarFile> BuildService::ProjectJar(int64_t team_id, const Json& artifact,
                                                const std::atomic<bool>* cancel) {
  int64_t project_id = artifact.value("project_id", int64_t{0});
  std::string module = artifact.value("module", ".");
  std::string jar = artifact.value("jar", "");
  auto project = projects_.Get(project_id);
  if (!project.ok() || project->team_id != team_id) {
    return Error(ErrorCode::PROJECT_NOT_FOUND,
                 fmt::format("the application's project {} does not exist in its team", project_id),
                 "jar");
  }
  if (artifact.value("rebuild", false)) {
    SLUICE_ASSIGN_OR_RETURN(Build queued, Enqueue(*project, std::nullopt, false));
    const auto give_up = std::chrono::steady_clock::now() + projects_.options().build_timeout +
                         std::chrono::minutes(10);
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(Build now, Get(queued.id));
      if (now.state == "SUCCEEDED") break;
      if (now.Finished()) {
        std::string message = now.error.is_object() ? now.error.value("message", "") : "";
        return Error(ErrorCode::BUILD_FAILED,
                     fmt::format("the rebuild of project '{}' (build {}) ended {}: {}",
                                 project->name, now.id, now.state, message),
                     "jar");
      }
      if ((cancel != nullptr && cancel->load()) || std::chrono::steady_clock::now() > give_up) {
        return Error(
            ErrorCode::BUILD_TIMEOUT,
            fmt::format("gave up waiting for build {} of project '{}'", now.id, project->name),
            "jar");
      }
      std::this_thread::sleep_for(milliseconds(200));
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::optional<Build> latest, LatestSuccess(project_id));
  if (!latest) {
    return Error(ErrorCode::PROJECT_ARTIFACT_NOT_FOUND,
                 fmt::format("project '{}' has no successful build yet: build it first (or "
                             "deploy with \"rebuild\": true)",
                             project->name),
                 "jar");
  }
  std::string known;
  for (const Json& item : latest->result.value("artifacts", Json::array())) {
    if (item.value("module", "") == module && item.value("jar", "") == jar) {
      std::string path = item.value("path", "");
      std::error_code ec;
      if (path.empty() || !fs::exists(path, ec)) {
        return Error(ErrorCode::PROJECT_ARTIFACT_NOT_FOUND,
                     fmt::format("the jar {} of build {} is gone from the data folder: build the "
                                 "project again",
                                 jar, latest->id),
                     "jar");
      }
      return ProjectJarFile{path, latest->commit, latest->id};
    }
    known += (known.empty() ? "" : ", ") + item.value("module", "") + "/" + item.value("jar", "");
  }
  return Error(ErrorCode::PROJECT_ARTIFACT_NOT_FOUND,
               fmt::format("build {} of project '{}' has no jar {} in module {} (it has: {})",
                           latest->id, project->name, http::Echo(jar), http::Echo(module),
                           known.empty() ? "none" : known),
               "jar");
}

Result<Build> BuildService::Load(int64_t id, const Principal& principal, Action action) {
  SLUICE_ASSIGN_OR_RETURN(Build build, Get(id));
  SLUICE_RETURN_IF_ERROR(Authorize(principal, action, build.team_id, BuildNotFound(id)));
  return build;
}

BuildService::Answer BuildService::Create(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  Json body = Json::object();
  if (!request.body.empty()) {
    SLUICE_ASSIGN_OR_RETURN(body, ParseJsonObject(request.body));
  }
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"tests"}));
  SLUICE_ASSIGN_OR_RETURN(auto tests, OptionalBool(body, "tests"));
  SLUICE_ASSIGN_OR_RETURN(ProjectRow project, projects_.Load(id, principal, Action::kOperate));
  SLUICE_ASSIGN_OR_RETURN(Build build, Enqueue(project, principal.user_id, tests.value_or(false)));
  return http::Ok(build.ToJson(), fmt::format("build:{}", build.id), build.team_id, 202);
}

BuildService::Answer BuildService::List(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  SLUICE_ASSIGN_OR_RETURN(ProjectRow project, projects_.Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows count,
      database_.Query("SELECT COUNT(*) AS n FROM builds WHERE project_id = ?", {project.id}));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM builds WHERE project_id = ? ORDER BY id DESC "
                                  "LIMIT ? OFFSET ?",
                                  kColumns),
                      {project.id, page.limit, page.offset}));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) items.push_back(ReadBuild(rows, i).ToJson());
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

BuildService::Answer BuildService::GetRoute(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Build build, Load(id, principal, Action::kView));
  return http::Ok(build.ToJson());
}

BuildService::Answer BuildService::Log(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Build build, Load(id, principal, Action::kView));
  int64_t offset = 0;
  if (auto text = request.Query("offset")) {
    char* end = nullptr;
    long long value = std::strtoll(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || value < 0) {
      return Error(ErrorCode::INVALID_ARGUMENT, "'offset' must be a byte offset (>= 0)", "offset");
    }
    offset = value;
  }
  const std::string path = (fs::path(BuildDir(build.project_id, build.id)) / "build.log").string();
  if (request.Query("follow").value_or("0") == "1") {
    return BuildLogStreamAnswer(
        request, path, offset, [this, id] { return Get(id); }, log_written_, build_finished_,
        clock_, principal.token_expires_at);
  }
  std::string text;
  std::ifstream in(path, std::ios::binary);
  if (in) {
    in.seekg(offset);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
    if (text.size() > (4u << 20)) text.resize(4u << 20);
  }
  http::Response response = http::TextResponse(200, text, "text/plain; charset=utf-8");
  response.headers.emplace_back("X-Log-Offset",
                                std::to_string(offset + static_cast<int64_t>(text.size())));
  response.headers.emplace_back("X-Build-State", build.state);
  return response;
}

BuildService::Answer BuildService::Cancel(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Build build, Load(id, principal, Action::kOperate));
  if (build.Finished()) {
    return Error(ErrorCode::BUILD_WRONG_STATE,
                 fmt::format("build {} has ended ({}): nothing to cancel", id, build.state));
  }
  if (build.state == "PENDING") {
    Error cancelled(ErrorCode::BUILD_CANCELLED, "the build was cancelled before it started");
    SLUICE_RETURN_IF_ERROR(
        Finish(id, "CANCELLED", nullptr, apps::Operations::ErrorJson(cancelled)));
  } else {
    std::lock_guard lock(mutex_);
    auto found = cancels_.find(id);
    if (found == cancels_.end()) {
      return Error(ErrorCode::BUILD_WRONG_STATE,
                   fmt::format("build {} runs in another Sluice process", id));
    }
    *found->second = true;
  }
  SLUICE_ASSIGN_OR_RETURN(build, Get(id));
  return http::Ok(build.ToJson(), fmt::format("build:{}", id), build.team_id, 202);
}

BuildService::Answer BuildService::Artifacts(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(ProjectRow project, projects_.Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(std::optional<Build> latest, LatestSuccess(project.id));
  if (!latest) {
    return http::Ok({{"items", Json::array()}, {"build_id", nullptr}, {"commit", nullptr}});
  }
  Json items = Json::array();
  for (Json item : latest->result.value("artifacts", Json::array())) {
    item.erase("path");
    items.push_back(item);
  }
  return http::Ok({{"items", items}, {"build_id", latest->id}, {"commit", latest->commit}});
}

void BuildService::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  system::RouteTable route(router, guard, *this, "projects");
  Json build_schema = {{"type", "object"}};
  route("POST", "/api/v1/projects/{id}/builds", "build.create",
        "queue a build of the project's ref (202 with the PENDING build)",
        http::ObjectWith({{"tests", "boolean"}}), build_schema, 202, &BuildService::Create);
  route("GET", "/api/v1/projects/{id}/builds", "build.list",
        "the project's builds, newest first (commit, who, when, how long, result)", nullptr,
        http::ListOf(build_schema), 200, &BuildService::List, {"limit", "offset"});
  route("GET", "/api/v1/projects/{id}/artifacts", "project.artifacts",
        "the modules and jars of the newest successful build, with their main class", nullptr,
        {{"type", "object"}}, 200, &BuildService::Artifacts);
  route("GET", "/api/v1/builds/{id}", "build.get", "a build", nullptr, build_schema, 200,
        &BuildService::GetRoute);
  route("GET", "/api/v1/builds/{id}/log", "build.log",
        "the build's log from byte `offset` (X-Log-Offset: the next offset); with follow=1, "
        "server-sent events (`log` pieces with their offset as id, then `end` with the build) "
        "until the build has ended",
        nullptr, {{"type", "string"}}, 200, &BuildService::Log, {"offset", "follow"}, "text/plain");
  route("POST", "/api/v1/builds/{id}/cancel", "build.cancel", "cancel a queued or running build",
        nullptr, build_schema, 202, &BuildService::Cancel);
}

}  // namespace sluice::projects
