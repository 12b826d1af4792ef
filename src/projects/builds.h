// Builds: durable operations (the `builds` table) that fetch a project, check out its ref and run
// Maven, each as a child process given an argument list (never a shell string):
//   git init (first build only), git config remote.origin.url, git fetch --prune --tags origin
//   +refs/heads/*:refs/remotes/origin/*, git rev-parse (branch, then tag, then commit),
//   git checkout -f --detach, git clean -ffd (ignored files such as target/ stay, so Maven's
//   incremental build and the checkout are reused), then
//   mvn -B -ntp [-s settings.xml] [-Dmaven.repo.local=...] [-DskipTests] <build_args> package.
//
// States: PENDING (queued) -> RUNNING -> SUCCEEDED | FAILED | CANCELLED, and INTERRUPTED for a
// build that was RUNNING when Sluice stopped or died: Start() marks those (and kills a Maven left
// running, found by its stored pid and start time) before any new build runs, so none is ever
// left RUNNING. `build_threads` builds run at once (never two of one project: they share the
// checkout); the rest wait.
//
// The log (<data>/projects/<id>/builds/<build>/build.log) is written as the processes print,
// with the project's secrets masked line by line; GET .../log?offset=N answers what follows byte
// N (X-Log-Offset: where to ask next; X-Build-State), and follow=1 streams it live as server-sent
// events until the build has ended (build_log_stream.h).
// A successful build copies its jars (artifacts.h) next to the log, so later builds never change
// what an app deploys.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/change_signal.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "http/router.h"
#include "projects/artifacts.h"
#include "projects/projects.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::projects {

struct Build {
  int64_t id = 0;
  int64_t project_id = 0;
  int64_t team_id = 0;
  std::string state;
  std::string ref;
  std::string commit;
  Json params = Json::object();  // {"tests": bool}
  Json result;                   // {"artifacts": [...], "duration_ms"} when SUCCEEDED
  Json error;                    // {"code","number","message"} when it did not succeed
  std::optional<int64_t> created_by;
  int64_t created_at = 0;
  std::optional<int64_t> started_at;
  std::optional<int64_t> finished_at;

  bool Finished() const { return state != "PENDING" && state != "RUNNING"; }
  // The API's object (artifact paths left out).
  Json ToJson() const;
};

// A project jar chosen for a deploy.
struct ProjectJarFile {
  std::string path;
  std::string commit;
  int64_t build_id = 0;
};

class BuildService {
 public:
  // Everything given must outlive the service.
  BuildService(store::Database& database, const Clock& clock, ProjectService& projects);
  ~BuildService();

  // Marks builds left RUNNING as INTERRUPTED (killing what they left running), then starts the
  // workers.
  Status Start();
  void Stop();
  // Marks RUNNING builds INTERRUPTED (Start does it first; tests call it alone).
  Status Reconcile();

  // Queues a build of the project's current ref. Answers the PENDING build.
  Result<Build> Enqueue(const ProjectRow& project, std::optional<int64_t> user_id, bool tests);
  // BUILD_NOT_FOUND when there is none.
  Result<Build> Get(int64_t id);
  // The newest SUCCEEDED build of the project, nullopt when none.
  Result<std::optional<Build>> LatestSuccess(int64_t project_id);
  // Claims and runs the oldest runnable PENDING build in the calling thread; false when none.
  bool RunOnePending();

  // The jar `artifact` ({"project_id","module","jar","rebuild"?}) names, from the project's
  // newest successful build (after a new build when "rebuild" is true, waiting for it).
  // PROJECT_NOT_FOUND (also for another team's project), PROJECT_ARTIFACT_NOT_FOUND, and the
  // build's error when a rebuild fails.
  Result<ProjectJarFile> ProjectJar(int64_t team_id, const Json& artifact,
                                    const std::atomic<bool>* cancel);

  bool HasRunningBuild(int64_t project_id);
  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

 private:
  using Answer = Result<http::Response>;
  Answer Create(http::Request& request, const system::Principal& principal);
  Answer List(http::Request& request, const system::Principal& principal);
  Answer GetRoute(http::Request& request, const system::Principal& principal);
  Answer Log(http::Request& request, const system::Principal& principal);
  Answer Cancel(http::Request& request, const system::Principal& principal);
  Answer Artifacts(http::Request& request, const system::Principal& principal);

  // Runs a claimed build to its end. Never throws.
  void Run(const Build& build);
  // The work itself: the result on success.
  Result<Json> Execute(const Build& build, std::atomic<bool>& cancel, const std::string& log_path);
  Status Finish(int64_t id, const std::string& state, const Json& result, const Json& error);
  Result<Build> Load(int64_t id, const system::Principal& principal, system::Action action);
  std::string BuildDir(int64_t project_id, int64_t build_id) const;
  void Loop();
  void Wake();

  store::Database& database_;
  const Clock& clock_;
  ProjectService& projects_;

  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool stopping_ = false;
  bool work_queued_ = false;
  std::set<int64_t> busy_projects_;
  std::map<int64_t, std::shared_ptr<std::atomic<bool>>> cancels_;  // running builds
  std::vector<std::thread> workers_;
  // Followers of build logs (BuildLogStream): a log was written to; a build ended.
  ChangeSignal log_written_;
  ChangeSignal build_finished_;
};

}  // namespace sluice::projects
