// What deploy, stop and savepoint operations do (operations.h holds their rows; the worker in
// apps_module.h claims them and calls Run here).
//
// Deploy (session mode), in this order, so that a crash at any point can be reconciled:
//   1. If the app's previous job may still run, ask its cluster: a job still listed and not
//      ended refuses the deploy (APP_JOB_STILL_RUNNING); an unreachable cluster refuses it too,
//      since nothing could be verified. A job never runs twice.
//   2. Choose the Flink job id, and store it with state DEPLOYING before anything is submitted.
//   3. Write the work folder <data>/apps/<app>/deploys/<operation>/: script.sql (kind sql, team
//      variables replaced), job.jar (the SQL runner or the app's jar, dependencies in lib/),
//      start.log.
//   4. Run the environment's own `bin/flink run` (flink::Submitter) with the properties of
//      job_package.h plus $internal.pipeline.job-id, and keep its output as the start log (secret
//      variable values masked).
//   5. Success: the app stays DEPLOYING until the tracker sees the job. Failure: the cluster is
//      asked once more for the job id (the CLI may have got the job in before it failed); when it
//      is not there, the app returns to its previous state with `last_error` set.
// Stop: cancel, or stop with a savepoint (optionally draining), then wait until the job has
// ended. Savepoint: trigger one while running and wait for it. Savepoints are recorded in
// app_savepoints and are what restore "latest" picks (with retained checkpoints the tracker
// records when a job ends).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apps/job_gateway.h"
#include "apps/journal.h"
#include "apps/operations.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "flink/clusters.h"
#include "flink/flink_envs.h"
#include "flink/submitter.h"
#include "store/database.h"

namespace sluice::apps {

// What a deploy needs from the team's resources and variables (the resources area implements
// it; tests give a fake).
class DeployInputs {
 public:
  virtual ~DeployInputs() = default;
  struct Expanded {
    std::string text;
    std::vector<std::string> secrets;  // secret values used, to be masked in logs and answers
  };
  // Replaces ${name} with the team's variables. INVALID_ARGUMENT / VARIABLE_UNKNOWN naming an
  // unknown variable.
  virtual Result<Expanded> Expand(int64_t team_id, std::string_view text) = 0;
  // Local jar files for `dependencies` ({"maven": [...], "resources": [...]}); DEPENDENCY_* errors.
  virtual Result<std::vector<std::string>> DependencyJars(int64_t team_id, const Json& dependencies,
                                                          const std::atomic<bool>* cancel) = 0;
  // The local file of an uploaded jar of the team. NOT_FOUND-like errors for others.
  virtual Result<std::string> ResourceJar(int64_t team_id, int64_t resource_id) = 0;
  // A jar a project build made (the projects area): `artifact` is the spec's
  // jar.project_artifact {"project_id","module","jar","rebuild"?}. The newest successful build's
  // jar, after a new build when "rebuild" is true. PROJECT_* / BUILD_* errors.
  struct ProjectJar {
    std::string path;
    std::string commit;  // the Git commit it was built from
    int64_t build_id = 0;
  };
  virtual Result<ProjectJar> ProjectArtifact(int64_t team_id, const Json& artifact,
                                             const std::atomic<bool>* cancel) = 0;
};

// Inputs for a Sluice without resources: no variables, no dependencies.
class NoDeployInputs final : public DeployInputs {
 public:
  Result<Expanded> Expand(int64_t team_id, std::string_view text) override;
  Result<std::vector<std::string>> DependencyJars(int64_t team_id, const Json& dependencies,
                                                  const std::atomic<bool>* cancel) override;
  Result<std::string> ResourceJar(int64_t team_id, int64_t resource_id) override;
  Result<ProjectJar> ProjectArtifact(int64_t team_id, const Json& artifact,
                                     const std::atomic<bool>* cancel) override;
};

struct ActionOptions {
  std::string data_dir;       // absolute
  std::string runner_jar;     // the SQL runner (scripts/provision/runner.sh); "" = no SQL
  std::string savepoint_dir;  // URI; "" = file://<data_dir>/savepoints
  std::chrono::milliseconds submit_timeout{std::chrono::minutes(3)};
  std::chrono::milliseconds savepoint_timeout{std::chrono::minutes(10)};
  std::chrono::milliseconds stop_timeout{std::chrono::minutes(2)};  // cancel until ended
  std::chrono::milliseconds poll_interval{200};
  // How long a savepoint waits for a just-started job's tasks to run.
  std::chrono::milliseconds tasks_start_timeout{std::chrono::seconds(60)};
  // How the executor pauses between polls; empty: sleep. Tests return at once.
  std::function<void(std::chrono::milliseconds)> sleep;
};

class ActionExecutor {
 public:
  // Every reference must outlive the executor.
  ActionExecutor(store::Database& database, const Clock& clock, Journal& journal,
                 Operations& operations, flink::FlinkEnvs& envs, flink::ClusterService& clusters,
                 JobGateway& gateway, flink::Submitter& submitter, DeployInputs& inputs,
                 ActionOptions options);

  // Runs a claimed (RUNNING) operation to its end and records SUCCEEDED or FAILED. Never throws.
  void Run(const Operation& operation);
  // Makes running and future runs give up soon (server shutdown).
  void Cancel() { cancel_ = true; }

  // The folder savepoints of app `app_id` go to.
  std::string SavepointTarget(int64_t app_id) const;
  // The start log of the app's newest deploy ("" when there is none).
  std::string LatestStartLog(int64_t app_id);
  // `text` (Flink's exception text, say) with the app's secrets masked: the secret variable
  // values its deployed version uses, and the values of settings with secret names.
  std::string MaskForApp(int64_t app_id, std::string text);
  // Stops the app's application cluster once its job has ended (nothing for other clusters).
  void ReleaseApplicationCluster(int64_t cluster_id);
  // The same, done by the cluster worker soon; returns at once (for the tracker's cycle).
  void ReleaseApplicationClusterSoon(int64_t cluster_id);
  // Records a savepoint or retained checkpoint once (the same path is not recorded twice).
  // `taken_at_ms` orders restore points ("latest" is the newest); 0 means now.
  Status RecordSavepoint(int64_t app_id, const std::string& job_id, const std::string& kind,
                         const std::string& path, std::optional<int64_t> operation_id,
                         int64_t taken_at_ms = 0);
  // Records the newest restore point an ended job left (its newest completed checkpoint, or a
  // newer savepoint) when its files are still there; nothing when Flink does not answer. Called
  // by the tracker when it sees a job end, and by a cancel that saw the end first.
  void RecordNewestRetained(int64_t app_id, int64_t cluster_id, const std::string& job_id);

 private:
  // What a deploy in application mode starts.
  struct ApplicationStart {
    int64_t app_id = 0;
    std::string app_name;
    int64_t version = 0;
    int64_t flink_env_id = 0;
    std::string flink_home;
    int64_t cluster_id = 0;
    std::string job_id;
    std::map<std::string, std::string> properties;
    std::string job_jar;
    std::string main_class;
    std::vector<std::string> program_args;
    std::optional<std::string> restore_path;
    std::string log_path;
    bool allow_non_restored_state = false;
    std::optional<int> parallelism;
  };
  Result<Json> Deploy(const Operation& operation);
  // Application mode: starts the app's cluster with the job and waits until its JobManager lists
  // the job (or the cluster fails, or submit_timeout passes).
  Result<Json> StartApplication(const Operation& operation, const ApplicationStart& start,
                                const std::vector<std::string>& secrets);
  Result<Json> Stop(const Operation& operation);
  Result<Json> Savepoint(const Operation& operation);
  // Runs `attempt` again (every 500 ms, up to tasks_start_timeout) while Flink refuses a
  // savepoint because the job's tasks are not all running yet.
  Result<std::string> RetryWhileTasksStart(const std::function<Result<std::string>()>& attempt);
  // Polls the cluster until the job has ended (or is gone); answers its last state.
  Result<std::string> WaitUntilEnded(int64_t cluster_id, const std::string& job_id);
  // Whether the cluster lists `job_id`, and in which state ("" when not listed).
  Result<std::string> ListedState(int64_t cluster_id, const std::string& job_id);
  void Pause(std::chrono::milliseconds duration) const;
  std::string DeployFolder(int64_t app_id, int64_t operation_id) const;

  store::Database& database_;
  const Clock& clock_;
  Journal& journal_;
  Operations& operations_;
  flink::FlinkEnvs& envs_;
  flink::ClusterService& clusters_;
  JobGateway& gateway_;
  flink::Submitter& submitter_;
  DeployInputs& inputs_;
  ActionOptions options_;
  std::atomic<bool> cancel_{false};
};

// Replaces each of `secrets` (non-empty values) in `text` with "******".
std::string MaskSecrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace sluice::apps
