// FlinkRestClient against a real Flink cluster. These tests are named FlinkRestLive* and need:
//
//   SLUICE_TEST_FLINK_REST   the JobManager's REST URL, e.g. http://127.0.0.1:18081 (several,
//                            comma-separated, for an HA cluster)
//   SLUICE_TEST_JOB_JAR      the tiny test job's jar (tests/flink-job; built by
//                            scripts/provision/test-job.sh into ~/.cache/sluice/test-jobs/)
//   SLUICE_TEST_SAVEPOINT_DIR  optional: where the cluster writes savepoints (a URI such as
//                            file:///tmp/sp or s3://...). Default: a fresh local temporary folder,
//                            which needs the cluster on this machine.
//
// Without the first two they FAIL, on purpose: a test stage that forgot to set them must not pass
// by skipping. The unit stage excludes them (--gtest_filter=-FlinkRestLive*); the Flink stage runs
// only them (--gtest_filter=FlinkRestLive*).
//
// The cluster needs one free slot per running job (two at most at a time here). Jobs these tests
// start are cancelled or stopped by them; a failed test may leave one running, named
// "sluice-rest-live-*".
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "flink/rest_client.h"
#include "http/client.h"

namespace sluice::flink {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kEntryClass = "dev.sluice.testjob.TinyJob";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    std::string part =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) out.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string RandomHex32() {
  std::random_device device;
  std::mt19937_64 rng(device());
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) out.push_back(digits[rng() % 16]);
  return out;
}

class FlinkRestLive : public ::testing::Test {
 protected:
  void SetUp() override {
    addresses_ = SplitComma(Env("SLUICE_TEST_FLINK_REST"));
    jar_ = Env("SLUICE_TEST_JOB_JAR");
    if (addresses_.empty() || jar_.empty()) {
      GTEST_FAIL() << "FlinkRestLive* tests need SLUICE_TEST_FLINK_REST (a Flink JobManager REST "
                      "URL, e.g. http://127.0.0.1:8081) and SLUICE_TEST_JOB_JAR (the tiny test "
                      "job, see scripts/provision/test-job.sh). Run them only in the Flink test "
                      "stage; exclude them elsewhere with --gtest_filter=-FlinkRestLive*";
    }
    ASSERT_TRUE(fs::is_regular_file(jar_)) << "SLUICE_TEST_JOB_JAR=" << jar_ << " is not a file";
    savepoint_dir_ = Env("SLUICE_TEST_SAVEPOINT_DIR");
    if (savepoint_dir_.empty()) {
      std::string pattern = (fs::temp_directory_path() / "sluice-rest-live-XXXXXX").string();
      ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
      local_dir_ = pattern;
      savepoint_dir_ = "file://" + local_dir_.string();
    }
    FlinkRestOptions options;
    options.request_timeout = seconds(30);
    client_ = std::make_unique<FlinkRestClient>(addresses_, http_, options);
  }

  void TearDown() override {
    if (!client_) return;  // SetUp failed before making one
    for (const std::string& job : jobs_to_cancel_) (void)client_->CancelJob(job);
    for (const std::string& jar : jars_to_delete_) (void)client_->DeleteJar(jar);
    if (!local_dir_.empty()) fs::remove_all(local_dir_);
  }

  std::string Upload() {
    auto jar_id = client_->UploadJar(jar_);
    EXPECT_TRUE(jar_id.ok()) << jar_id.error().message << " / " << jar_id.error().internal_detail;
    if (!jar_id.ok()) return "";
    jars_to_delete_.push_back(*jar_id);
    return *jar_id;
  }

  // Starts the tiny job; answers its id ("" on failure, with the test failed).
  std::string Run(const std::string& jar_id, std::vector<std::string> args,
                  const std::string& savepoint = "",
                  std::map<std::string, std::string> flink_configuration = {}) {
    RunJarRequest request;
    request.entry_class = kEntryClass;
    request.program_args = std::move(args);
    request.parallelism = 1;
    request.savepoint_path = savepoint;
    request.allow_non_restored_state = !savepoint.empty();
    request.flink_configuration = std::move(flink_configuration);
    request.job_id = RandomHex32();
    auto job_id = client_->RunJar(jar_id, request);
    EXPECT_TRUE(job_id.ok()) << job_id.error().message << " / " << job_id.error().internal_detail;
    if (!job_id.ok()) return "";
    EXPECT_EQ(*job_id, request.job_id);  // the chosen id is the one Flink uses
    jobs_to_cancel_.push_back(*job_id);
    return *job_id;
  }

  // Polls the job until `accept` holds for its details or `limit` passes. This waits for the real
  // cluster to get somewhere; it is not a fixed sleep standing in for synchronisation.
  template <typename Accept>
  bool WaitFor(const std::string& job_id, Accept accept, milliseconds limit = seconds(90)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto details = client_->JobDetails(job_id);
      if (details.ok() && accept(*details)) return true;
      std::this_thread::sleep_for(milliseconds(200));
    }
    return false;
  }
  bool WaitForState(const std::string& job_id, const std::string& state) {
    return WaitFor(job_id, [&](const JobDetailsInfo& d) { return d.job.state == state; });
  }
  // RUNNING with every task running: what a savepoint needs.
  bool WaitForAllTasksRunning(const std::string& job_id) {
    return WaitFor(job_id, [](const JobDetailsInfo& d) {
      if (d.job.state != "RUNNING") return false;
      const Json& vertices = d.raw.contains("vertices") ? d.raw["vertices"] : Json::array();
      if (!vertices.is_array() || vertices.empty()) return false;
      for (const Json& vertex : vertices) {
        if (!vertex.is_object() || vertex.value("status", "") != "RUNNING") return false;
      }
      return true;
    });
  }

  std::vector<std::string> addresses_;
  std::string jar_;
  std::string savepoint_dir_;
  fs::path local_dir_;
  http::CurlHttpClient http_;
  std::unique_ptr<FlinkRestClient> client_;
  std::vector<std::string> jobs_to_cancel_;
  std::vector<std::string> jars_to_delete_;
};

TEST_F(FlinkRestLive, ClusterAnswersLikeFlink) {
  auto config = client_->Config();
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_FALSE(config->flink_version.empty());
  EXPECT_TRUE(config->features.is_object());

  auto overview = client_->Overview();
  ASSERT_TRUE(overview.ok()) << overview.error().message;
  EXPECT_GE(overview->taskmanagers, 1);
  EXPECT_GE(overview->slots_total, 1);
  EXPECT_EQ(overview->flink_version, config->flink_version);

  auto jm_config = client_->JobManagerConfig();
  ASSERT_TRUE(jm_config.ok()) << jm_config.error().message;
  EXPECT_TRUE(jm_config->contains("rest.port") || jm_config->contains("rest.bind-port") ||
              jm_config->contains("jobmanager.rpc.address"));

  auto tms = client_->TaskManagers();
  ASSERT_TRUE(tms.ok()) << tms.error().message;
  ASSERT_FALSE(tms->empty());
  EXPECT_FALSE(tms->front().id.empty());
  EXPECT_GE(tms->front().slots_number, 1);
  EXPECT_GT(tms->front().data_port, 0);
  // The last heartbeat is a recent Unix time in ms, whatever Flink's field name says (0 right
  // after the TaskManager registered).
  int64_t now_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (tms->front().last_heartbeat_ms != 0) {
    EXPECT_NEAR(static_cast<double>(tms->front().last_heartbeat_ms), static_cast<double>(now_ms),
                120'000.0);
  }

  auto jobs = client_->JobsOverview();
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  EXPECT_NE(client_->active_address(), "");
}

TEST_F(FlinkRestLive, LogsOfTheJobManagerAndTaskManagers) {
  auto list = client_->JobManagerLogList();
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_FALSE(list->empty()) << "no log files: does the JobManager run with -Dlog.file?";
  auto log = client_->JobManagerLog();
  ASSERT_TRUE(log.ok()) << log.error().message;
  EXPECT_FALSE(log->empty());
  std::string log_name;
  for (const LogFileInfo& file : *list) {
    if (file.name.ends_with(".log")) log_name = file.name;
  }
  ASSERT_FALSE(log_name.empty());
  auto file = client_->JobManagerLogFile(log_name);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_FALSE(file->empty());

  auto tms = client_->TaskManagers();
  ASSERT_TRUE(tms.ok() && !tms->empty());
  auto tm_list = client_->TaskManagerLogList(tms->front().id);
  ASSERT_TRUE(tm_list.ok()) << tm_list.error().message;
  EXPECT_FALSE(tm_list->empty());
  auto tm_log = client_->TaskManagerLog(tms->front().id);
  ASSERT_TRUE(tm_log.ok()) << tm_log.error().message;
  EXPECT_FALSE(tm_log->empty());
}

TEST_F(FlinkRestLive, FailsOverFromAnAddressThatRefuses) {
  // A bound, never listening port refuses connections.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string dead = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  std::vector<std::string> with_dead_first = {dead};
  with_dead_first.insert(with_dead_first.end(), addresses_.begin(), addresses_.end());
  FlinkRestClient client(with_dead_first, http_);
  auto overview = client.Overview();
  ::close(fd);
  ASSERT_TRUE(overview.ok()) << overview.error().message;
  EXPECT_NE(client.active_address(), dead);
}

TEST_F(FlinkRestLive, UploadRunSavepointCancelRestoreAndStop) {
  std::string jar_id = Upload();
  ASSERT_FALSE(jar_id.empty());

  std::string job = Run(jar_id, {"--forever", "--sleep-ms", "5", "--name", "sluice-rest-live-a"});
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(WaitForAllTasksRunning(job)) << "job " << job << " did not start running";

  auto jobs = client_->JobsOverview();
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  bool listed = false;
  for (const JobSummary& summary : *jobs) {
    if (summary.id == job) {
      listed = true;
      EXPECT_EQ(summary.name, "sluice-rest-live-a");
      EXPECT_EQ(summary.state, "RUNNING");
      EXPECT_GT(summary.start_time_ms, 0);
      EXPECT_EQ(summary.end_time_ms, -1);
    }
  }
  EXPECT_TRUE(listed);

  auto checkpoints = client_->Checkpoints(job);
  ASSERT_TRUE(checkpoints.ok()) << checkpoints.error().message;
  EXPECT_TRUE(checkpoints->available);  // --forever checkpoints every 2 s

  auto exceptions = client_->JobExceptions(job, 10);
  ASSERT_TRUE(exceptions.ok()) << exceptions.error().message;
  EXPECT_TRUE(exceptions->root_cause.empty()) << exceptions->root_cause_summary;

  // A savepoint with a trigger id of our choosing, then cancel.
  std::string trigger_id = RandomHex32();
  auto trigger = client_->TriggerSavepoint(job, savepoint_dir_, /*cancel_job=*/false,
                                           SavepointFormat::kCanonical, trigger_id);
  ASSERT_TRUE(trigger.ok()) << trigger.error().message << " / " << trigger.error().internal_detail;
  EXPECT_EQ(*trigger, trigger_id);
  auto savepoint = client_->WaitForSavepoint(job, *trigger, seconds(90));
  ASSERT_TRUE(savepoint.ok()) << savepoint.error().message << " / "
                              << savepoint.error().internal_detail;
  EXPECT_NE(savepoint->find("savepoint-"), std::string::npos) << *savepoint;
  auto status = client_->SavepointStatus(job, *trigger);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_TRUE(status->succeeded());
  EXPECT_EQ(status->location, *savepoint);

  ASSERT_TRUE(client_->CancelJob(job).ok());
  EXPECT_TRUE(WaitForState(job, "CANCELED"));
  // The cancelled job's statistics come from its archive, which may lag the cancel a moment on
  // a loaded machine: poll with a deadline.
  auto after = client_->Checkpoints(job);
  for (auto deadline = std::chrono::steady_clock::now() + seconds(20);
       (!after.ok() || !after->latest_savepoint.has_value()) &&
       std::chrono::steady_clock::now() < deadline;
       after = client_->Checkpoints(job)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(after.ok()) << after.error().message;
  ASSERT_TRUE(after->latest_savepoint.has_value());
  EXPECT_EQ(after->latest_savepoint->external_path, *savepoint);

  // Restore from it, then stop with a savepoint.
  std::string restored =
      Run(jar_id, {"--forever", "--sleep-ms", "5", "--name", "sluice-rest-live-b"}, *savepoint);
  ASSERT_FALSE(restored.empty());
  ASSERT_TRUE(WaitForAllTasksRunning(restored));
  auto restored_stats = client_->Checkpoints(restored);
  ASSERT_TRUE(restored_stats.ok()) << restored_stats.error().message;
  ASSERT_TRUE(restored_stats->restored_from.has_value());
  EXPECT_TRUE(restored_stats->restored_from->is_savepoint);
  EXPECT_EQ(restored_stats->restored_from->external_path, *savepoint);

  auto stop = client_->StopWithSavepoint(restored, savepoint_dir_, /*drain=*/false);
  ASSERT_TRUE(stop.ok()) << stop.error().message << " / " << stop.error().internal_detail;
  auto final_savepoint = client_->WaitForSavepoint(restored, *stop, seconds(90));
  ASSERT_TRUE(final_savepoint.ok()) << final_savepoint.error().message;
  EXPECT_NE(*final_savepoint, *savepoint);
  EXPECT_TRUE(WaitForState(restored, "FINISHED"));

  ASSERT_TRUE(client_->DeleteJar(jar_id).ok());
  jars_to_delete_.clear();
  EXPECT_EQ(client_->DeleteJar(jar_id).error().code, ErrorCode::FLINK_REJECTED);
}

TEST_F(FlinkRestLive, AFailingJobReportsItsExceptionAndFlinksErrorsAreMapped) {
  std::string jar_id = Upload();
  ASSERT_FALSE(jar_id.empty());

  std::string failing = Run(jar_id, {"--fail-after", "5", "--name", "sluice-rest-live-fail"});
  ASSERT_FALSE(failing.empty());
  ASSERT_TRUE(WaitForState(failing, "FAILED"));
  auto exceptions = client_->JobExceptions(failing, 5);
  ASSERT_TRUE(exceptions.ok()) << exceptions.error().message;
  EXPECT_NE(exceptions->root_cause_summary.find("failing on purpose after 5 records"),
            std::string::npos)
      << exceptions->root_cause_summary;
  EXPECT_TRUE(exceptions->timestamp_ms.has_value());
  ASSERT_FALSE(exceptions->entries.empty());
  // The newest entry is Flink's global "Recovery is suppressed" failure; the task's own exception
  // is among its concurrent exceptions (or an entry of its own).
  bool task_failure_seen = false;
  for (const FlinkExceptionEntry& entry : exceptions->entries) {
    std::vector<const FlinkExceptionEntry*> all = {&entry};
    for (const FlinkExceptionEntry& concurrent : entry.concurrent_exceptions) {
      all.push_back(&concurrent);
    }
    for (const FlinkExceptionEntry* e : all) {
      if (e->exception_name == "java.lang.IllegalStateException") {
        task_failure_seen = true;
        EXPECT_NE(e->task_name.find("step"), std::string::npos) << e->task_name;
        EXPECT_FALSE(e->task_manager_id.empty());
        EXPECT_FALSE(e->endpoint.empty());
      }
    }
  }
  EXPECT_TRUE(task_failure_seen);

  // A batch job keeps no checkpoint statistics (and flinkConfiguration reaches the job).
  std::string bounded = Run(jar_id, {"--records", "10", "--name", "sluice-rest-live-bounded"}, "",
                            {{"execution.runtime-mode", "BATCH"}});
  ASSERT_FALSE(bounded.empty());
  ASSERT_TRUE(WaitForState(bounded, "FINISHED"));
  auto checkpoints = client_->Checkpoints(bounded);
  ASSERT_TRUE(checkpoints.ok()) << checkpoints.error().message;
  EXPECT_FALSE(checkpoints->available);

  // main() throwing: Flink's reason, in one line.
  auto bad_run = client_->RunJar(
      jar_id, RunJarRequest{.entry_class = kEntryClass, .program_args = {"--bogus"}});
  ASSERT_FALSE(bad_run.ok());
  EXPECT_EQ(bad_run.error().code, ErrorCode::FLINK_REJECTED);
  EXPECT_NE(bad_run.error().message.find("unknown argument --bogus"), std::string::npos)
      << bad_run.error().message;
  EXPECT_EQ(bad_run.error().message.find('\n'), std::string::npos);

  std::string unknown = RandomHex32();
  EXPECT_EQ(client_->JobDetails(unknown).error().code, ErrorCode::FLINK_JOB_NOT_FOUND);
  EXPECT_EQ(client_->JobExceptions(unknown).error().code, ErrorCode::FLINK_JOB_NOT_FOUND);
  EXPECT_EQ(client_->CancelJob(unknown).error().code, ErrorCode::FLINK_JOB_NOT_FOUND);
  EXPECT_EQ(client_->SavepointStatus(failing, RandomHex32()).error().code, ErrorCode::NOT_FOUND);
  // A savepoint of a job that is not running: Flink takes the trigger, then fails it.
  auto trigger = client_->TriggerSavepoint(failing, savepoint_dir_, false);
  if (trigger.ok()) {
    auto refused = client_->WaitForSavepoint(failing, *trigger, seconds(30));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::FLINK_JOB_NOT_FOUND) << refused.error().message;
  } else {
    EXPECT_EQ(trigger.error().code, ErrorCode::FLINK_JOB_NOT_FOUND) << trigger.error().message;
  }
}

}  // namespace
}  // namespace sluice::flink
