// A client of Flink's JobManager REST API (the dispatcher API,
// /work/shared/research/flink-runtime.md §3), for Flink 1.18 to 2.x: cluster health, jobs,
// exceptions, checkpoints, savepoints, logs, jar upload and run. Used by the cluster health worker,
// deploys and savepoints.
//
// JobManager HA. The client is given every JobManager address of one cluster. A call goes to the
// address that answered last (the first one at the start) and moves on to the next when that one
// cannot be connected to. What is sent again, and where:
//  - "could not connect" (nothing was sent): the next address, for every method;
//  - a GET that timed out or broke after connecting: the next address, and whole rounds over the
//    addresses are repeated up to `get_retries` times with a short backoff in between;
//  - a POST, PATCH or DELETE that timed out or broke after connecting: never sent again. Flink may
//    have acted on it (triggered a savepoint, started a job), so the caller decides; the error says
//    so. Client-chosen ids (TriggerSavepoint's `trigger_id`, RunJarRequest::job_id) let a caller
//    find out afterwards.
// Any HTTP answer, even an error status, counts as "answered" and makes that address the active
// one.
//
// Errors (every method; `message` is safe to show, `internal_detail` is for logs):
//  - CLUSTER_UNREACHABLE: no address answered; the message names the addresses tried (without
//    user:password) and the last reason.
//  - CLUSTER_TIMEOUT: an address was connected to but did not answer in time (or, for
//    WaitForSavepoint, the savepoint did not finish in time).
//  - FLINK_REJECTED: Flink answered 4xx/5xx. `message` holds Flink's reason: the first meaningful
//    line of its `{"errors":[...]}` (the exception message, without the Java class and without the
//    stack trace), followed by the deepest "Caused by" when there is one; `internal_detail` holds
//    the full text.
//  - FLINK_JOB_NOT_FOUND: Flink answered 404 to a /jobs/<id>... request: the job is unknown (never
//    ran here, or left the job store after `jobstore.expiration-time`).
//  - NOT_FOUND: SavepointStatus for a trigger id Flink does not know (unknown, or evicted from its
//    cache `rest.async.store-duration` after completing, 5 minutes by default).
//  - CLUSTER_NOT_FLINK: the address answered HTTP, but not like a Flink JobManager: a body that is
//    not JSON where JSON is due, JSON without the fields Flink always sends, or an error status
//    without Flink's `{"errors":[...]}` body.
//  - INVALID_ARGUMENT (field set): a bad id or argument, detected before anything is sent.
// No answer, however odd, makes a method throw.
//
// Thread-safe: one client may be shared by several threads, provided the HttpClient is too.
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

#include "common/json.h"
#include "common/result.h"
#include "http/client.h"

namespace sluice::flink {

struct FlinkRestOptions {
  std::chrono::milliseconds connect_timeout{3'000};
  std::chrono::milliseconds request_timeout{10'000};
  // Jar uploads and log downloads move more bytes than other calls.
  std::chrono::milliseconds transfer_timeout{300'000};
  // POST /jars/:id/run runs the job's main() inside the JobManager before it answers.
  std::chrono::milliseconds run_timeout{120'000};
  // Extra rounds over the addresses for a GET that got no answer (0: one round only).
  int get_retries = 2;
  // The pause before the first extra round; doubled for each further one, never above the max.
  std::chrono::milliseconds retry_backoff{200};
  std::chrono::milliseconds max_retry_backoff{2'000};
  // How the client pauses (GET backoff, savepoint polling). Empty: std::this_thread::sleep_for.
  // Tests inject one that records the pause and returns at once.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// GET /config.
struct FlinkConfigInfo {
  std::string flink_version;   // e.g. "1.20.1"
  std::string flink_revision;  // e.g. "3a3ad80 @ 2024-12-11T10:13:02+01:00"; "" when absent
  Json features;               // {"web-submit": true, ...}; {} when absent
};

// GET /overview.
struct ClusterOverview {
  int64_t taskmanagers = 0;
  int64_t slots_total = 0;
  int64_t slots_available = 0;
  int64_t jobs_running = 0;
  int64_t jobs_finished = 0;
  int64_t jobs_cancelled = 0;
  int64_t jobs_failed = 0;
  std::string flink_version;
};

// One job of GET /jobs/overview, and the head of GET /jobs/:id.
struct JobSummary {
  std::string id;  // 32 hex digits
  std::string name;
  std::string state;  // RUNNING, FAILED, CANCELED, FINISHED, RESTARTING, ... (Flink's JobStatus)
  int64_t start_time_ms = -1;  // Unix ms; -1 when not started
  int64_t end_time_ms = -1;    // Unix ms; -1 while the job has not ended
  int64_t duration_ms = 0;
};

struct JobDetailsInfo {
  JobSummary job;
  Json raw;  // the whole answer: vertices, timestamps, plan, ...
};

// One failure of a job, as Flink's exception history records it.
struct FlinkExceptionEntry {
  std::string exception_name;  // Java class, e.g. "java.lang.RuntimeException"
  std::string stacktrace;      // the full text, first line "class: message"
  int64_t timestamp_ms = 0;
  std::string task_name;  // "" for a failure of the whole job (global failover)
  std::string endpoint;   // "host:port" of the TaskManager (1.19+ `endpoint`, else `location`)
  std::string task_manager_id;  // "" when not from a task
  std::map<std::string, std::string> failure_labels;
  std::vector<FlinkExceptionEntry> concurrent_exceptions;  // only filled on top-level entries
};

// GET /jobs/:id/exceptions, the same whatever the Flink version: 1.x sends the legacy top-level
// `root-exception`/`timestamp`/`all-exceptions` and `exceptionHistory`; 2.x only the latter.
struct JobExceptionHistory {
  std::string root_cause;  // the most recent failure's full text; "" when none
  // Its first line and, when there is one, its deepest "Caused by" (the reason Flink's own
  // wrappers hide): "org.apache.flink.runtime.JobException: Recovery is suppressed by
  // NoRestartBackoffTimeStrategy (caused by IllegalStateException: boom)". At most 500 bytes.
  std::string root_cause_summary;
  std::optional<int64_t> timestamp_ms;       // when it happened
  std::vector<FlinkExceptionEntry> entries;  // newest first
  bool truncated = false;                    // Flink had more than were sent
};

struct CheckpointInfo {
  int64_t id = 0;
  std::string status;  // "COMPLETED", "FAILED", ...; "" for a restored one
  bool is_savepoint = false;
  int64_t timestamp_ms = 0;   // trigger time (restore time for `restored`)
  std::string external_path;  // where it was written; "" when not externalised
};

// GET /jobs/:id/checkpoints.
struct CheckpointStats {
  // False when Flink keeps no checkpoint statistics for the job: it answers 404 "Checkpointing
  // has not been enabled", e.g. for a batch job (not an error here). Everything else is then
  // empty. A streaming job whose periodic checkpoints are off still has statistics on 1.20,
  // with every count 0.
  bool available = true;
  int64_t total = 0;
  int64_t in_progress = 0;
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t restored = 0;
  std::optional<CheckpointInfo> latest_completed;
  std::optional<CheckpointInfo> latest_savepoint;
  std::optional<CheckpointInfo> latest_failed;
  std::optional<CheckpointInfo> restored_from;
  Json raw;  // the whole answer: summary, history, ...
};

enum class SavepointFormat { kCanonical, kNative };

// GET /jobs/:id/savepoints/:triggerid (savepoints and stop-with-savepoint alike).
struct SavepointProgress {
  bool in_progress = true;
  std::string location;         // when completed successfully
  std::string failure_message;  // when completed with a failure: one line
  std::string failure_detail;   // its stack trace, for logs
  bool succeeded() const { return !in_progress && failure_message.empty(); }
};

// One of GET /taskmanagers.
struct TaskManagerInfo {
  std::string id;    // e.g. "127.0.0.1:41231-3c5f2a"
  std::string path;  // Pekko/Akka address
  int64_t data_port = 0;
  int64_t slots_number = 0;
  int64_t free_slots = 0;
  // Flink's `timeSinceLastHeartbeat`. Despite its name it is the time of the last heartbeat, in
  // Unix ms; 0 for a TaskManager that registered but has not sent one yet.
  int64_t last_heartbeat_ms = 0;
};

// One of GET /jobmanager/logs and /taskmanagers/:id/logs.
struct LogFileInfo {
  std::string name;
  int64_t size = 0;
  std::optional<int64_t> mtime_ms;  // sent by newer versions only
};

// The body of POST /jars/:jarid/run. Only fields that are set are sent: Flink rejects fields it
// does not know (its JSON mapper is strict), so this sticks to fields every supported version has.
struct RunJarRequest {
  std::string entry_class;                // "" = the jar manifest's Main-Class
  std::vector<std::string> program_args;  // sent as programArgsList, never the 1.x string form
  std::optional<int> parallelism;
  std::string savepoint_path;             // "" = start without state
  bool allow_non_restored_state = false;  // sent with savepoint_path only
  // Per-job configuration (`flinkConfiguration`, Flink 1.18+), e.g. {"pipeline.name": "x"}.
  std::map<std::string, std::string> flink_configuration;
  // The job id to use (32 hex digits), "" to let Flink pick. Choosing it lets a caller whose run
  // request timed out check whether the job started.
  std::string job_id;
};

class FlinkRestClient {
 public:
  // `base_urls`: the JobManager REST addresses of one cluster, e.g. "http://jm-1:8081" (a missing
  // scheme means http; a path prefix is kept, trailing slashes dropped). `client` must outlive
  // this object. With no address, every call fails with CLUSTER_UNREACHABLE.
  FlinkRestClient(std::vector<std::string> base_urls, http::HttpClient& client,
                  FlinkRestOptions options = {});

  // The address that answered last (the first one before any call).
  std::string active_address() const;
  const std::vector<std::string>& addresses() const { return base_urls_; }

  // ---- the cluster
  // GET /config. CLUSTER_NOT_FLINK without `flink-version`: the probe for "is this Flink".
  Result<FlinkConfigInfo> Config();
  // GET /overview.
  Result<ClusterOverview> Overview();
  // GET /jobmanager/config: the JobManager's effective configuration, key to value.
  Result<std::map<std::string, std::string>> JobManagerConfig();
  // GET /taskmanagers.
  Result<std::vector<TaskManagerInfo>> TaskManagers();
  // DELETE /cluster: stops the whole cluster (in application mode, the application).
  Status ShutdownCluster();

  // ---- jobs
  // GET /jobs/overview.
  Result<std::vector<JobSummary>> JobsOverview();
  // GET /jobs/:id.
  Result<JobDetailsInfo> JobDetails(const std::string& job_id);
  // GET /jobs/:id/exceptions?maxExceptions=N (N >= 1; Flink's default is 20).
  Result<JobExceptionHistory> JobExceptions(const std::string& job_id, int max_exceptions = 20);
  // GET /jobs/:id/checkpoints.
  Result<CheckpointStats> Checkpoints(const std::string& job_id);
  // PATCH /jobs/:id?mode=cancel. Returns once Flink accepted it; the job is CANCELLING then.
  Status CancelJob(const std::string& job_id);

  // ---- savepoints
  // POST /jobs/:id/savepoints {"target-directory", "cancel-job", "formatType"[, "triggerId"]}.
  // `target_dir` "" uses the cluster's configured default. `trigger_id` "" lets Flink pick; a
  // chosen one (32 hex digits) can be polled even when this call timed out. Answers the trigger id.
  // Flink accepts a trigger for a job that is not running and fails the operation afterwards:
  // only SavepointStatus / WaitForSavepoint tell.
  Result<std::string> TriggerSavepoint(const std::string& job_id, const std::string& target_dir,
                                       bool cancel_job,
                                       SavepointFormat format = SavepointFormat::kCanonical,
                                       const std::string& trigger_id = "");
  // POST /jobs/:id/stop {"targetDirectory", "drain", "formatType"[, "triggerId"]}. `drain` sends
  // MAX_WATERMARK first (end of stream: event-time windows fire). Answers the trigger id.
  Result<std::string> StopWithSavepoint(const std::string& job_id, const std::string& target_dir,
                                        bool drain,
                                        SavepointFormat format = SavepointFormat::kCanonical,
                                        const std::string& trigger_id = "");
  // GET /jobs/:id/savepoints/:triggerid. A failed savepoint is a successful call answering a
  // progress with failure_message set.
  Result<SavepointProgress> SavepointStatus(const std::string& job_id,
                                            const std::string& trigger_id);
  // Polls SavepointStatus every `poll_interval` until it completes, and answers its location.
  // FLINK_REJECTED "the savepoint failed: ..." when it failed (FLINK_JOB_NOT_FOUND when it failed
  // because the job is not running: Flink accepts the trigger and fails it later). CLUSTER_TIMEOUT
  // when it has not completed after `timeout` of waiting (counted as the sum of the pauses between
  // polls, so no clock is needed; the time the polls take comes on top). Errors of a poll end the
  // wait.
  Result<std::string> WaitForSavepoint(
      const std::string& job_id, const std::string& trigger_id, std::chrono::milliseconds timeout,
      std::chrono::milliseconds poll_interval = std::chrono::milliseconds(500));

  // ---- logs (need `-Dlog.file` on the processes, as Flink's scripts set it)
  // GET /jobmanager/logs.
  Result<std::vector<LogFileInfo>> JobManagerLogList();
  // GET /jobmanager/log: the main log file, as text.
  Result<std::string> JobManagerLog();
  // GET /jobmanager/logs/:name.
  Result<std::string> JobManagerLogFile(const std::string& name);
  // GET /taskmanagers/:id/logs.
  Result<std::vector<LogFileInfo>> TaskManagerLogList(const std::string& taskmanager_id);
  // GET /taskmanagers/:id/log.
  Result<std::string> TaskManagerLog(const std::string& taskmanager_id);

  // ---- jars
  // POST /jars/upload, multipart with one part `jarfile` (application/x-java-archive). The local
  // file must exist and its name end in ".jar" (Flink refuses others). Answers the jar id: the
  // basename of the `filename` Flink answers ("<uuid>_<name>.jar").
  Result<std::string> UploadJar(const std::string& local_path);
  // POST /jars/:jarid/run. Answers the job id.
  Result<std::string> RunJar(const std::string& jar_id, const RunJarRequest& request);
  // DELETE /jars/:jarid.
  Status DeleteJar(const std::string& jar_id);

 private:
  struct Call;
  struct Answer {
    http::ClientResponse response;
    std::string address;  // the base URL that answered
  };

  // Sends `call` to the addresses by the HA rules above; an HTTP answer of any status is success.
  Result<Answer> Exchange(const Call& call);
  struct JsonAnswer {
    Json body;            // null for an empty body
    std::string address;  // the base URL that answered
  };
  // Exchange, then: 2xx -> the body parsed as JSON; else the mapped error.
  Result<JsonAnswer> CallJson(const Call& call);
  // Exchange, then: 2xx -> the body as is; else the mapped error.
  Result<std::string> CallText(const Call& call);
  Error HttpError(const Call& call, const Answer& answer) const;
  void Pause(std::chrono::milliseconds duration) const;
  Result<std::string> PostSavepoint(const std::string& job_id, const std::string& path, Json body,
                                    const std::string& trigger_id, const char* what);

  std::vector<std::string> base_urls_;
  http::HttpClient& client_;
  FlinkRestOptions options_;
  std::atomic<size_t> active_{0};
};

// A Flink job id: exactly 32 hex digits. INVALID_ARGUMENT naming `field` otherwise.
Status ValidateJobId(std::string_view id, std::string_view field = "job_id");
// An id Flink made up that goes into a URL path (trigger id, jar id, TaskManager id, log file
// name): non-empty, at most 256 bytes, no '/', '\', "..", or control characters. INVALID_ARGUMENT
// naming `field` otherwise. (It is percent-encoded as well.)
Status ValidatePathId(std::string_view id, std::string_view field);

// Flink's reason from an error answer's body: the first meaningful line of `{"errors":[...]}`
// (skipping "Internal server error." and the "<Exception on server side:" wrapper), without the
// leading Java class names, then " (caused by Class: message)" for the deepest "Caused by" when
// it adds something. nullopt when the body is not Flink's error shape. Clipped to 500 bytes.
std::optional<std::string> FlinkErrorReason(std::string_view body);

}  // namespace sluice::flink
