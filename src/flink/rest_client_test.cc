// FlinkRestClient against a fake HttpClient: the request each method sends (method, path, body),
// how answers in the shapes Flink 1.x and 2.x send are read, failover between JobManagers, what is
// (never) sent twice, id validation and the mapping of Flink's errors.
#include "flink/rest_client.h"

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>

namespace sluice::flink {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Kind = http::ClientFailure::Kind;

constexpr const char* kA = "http://jm-a:8081";
constexpr const char* kB = "http://jm-b:8081";
constexpr const char* kJob = "7684be6004e4e955c2a558a9bc463f65";
constexpr const char* kTrigger = "b3a5d5e3c7f24f6c9a4bd1e1cf3a4c1d";

// A pretend set of JobManagers. Answers by "METHOD /path?query" whatever the address, except for
// addresses told to fail; records every request.
class FakeFlink final : public http::HttpClient {
 public:
  // Answers `method` on `path` (with its query) with `status` and `body` from now on.
  void On(const std::string& method, const std::string& path, int status, std::string body) {
    routes_[method + " " + path].clear();
    Then(method, path, status, std::move(body));
  }
  // Queues another answer after the ones given so far; the last one keeps being answered.
  void Then(const std::string& method, const std::string& path, int status, std::string body) {
    http::ClientResponse response;
    response.status = status;
    response.body = std::move(body);
    routes_[method + " " + path].push_back(std::move(response));
  }
  // The next `times` requests to `base` fail with `kind` (-1: every request).
  void Fail(const std::string& base, Kind kind, int times = -1) {
    failures_[base].push_back({kind, times});
  }

  http::ClientResult Send(const http::ClientRequest& request) override {
    requests.push_back(request);
    for (auto& [base, queue] : failures_) {
      if (!request.url.starts_with(base + "/") || queue.empty()) continue;
      Failure& failure = queue.front();
      Kind kind = failure.kind;
      if (failure.times > 0 && --failure.times == 0) queue.pop_front();
      return http::ClientFailure{kind, FailureMessage(kind, base)};
    }
    auto it = routes_.find(request.method + " " + PathOf(request.url));
    if (it == routes_.end()) {
      // What Flink's router answers for a path it has no handler for.
      http::ClientResponse missing;
      missing.status = 404;
      missing.body = Json{{"errors", {"Not found: " + PathOf(request.url)}}}.dump();
      return missing;
    }
    http::ClientResponse response = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return response;
  }

  // "http://jm-a:8081/jobs/x?y=1" -> "/jobs/x?y=1"
  static std::string PathOf(const std::string& url) {
    size_t start = url.find('/', url.find("://") + 3);
    return start == std::string::npos ? "/" : url.substr(start);
  }
  static std::string Header(const http::ClientRequest& request, const std::string& name) {
    for (const auto& [n, v] : request.headers) {
      if (n == name) return v;
    }
    return "";
  }
  const http::ClientRequest& last() const { return requests.back(); }
  Json LastBody() const { return Json::parse(requests.back().body); }

  std::vector<http::ClientRequest> requests;

 private:
  static std::string FailureMessage(Kind kind, const std::string& base) {
    switch (kind) {
      case Kind::kCouldNotConnect:
        return "Failed to connect to " +
               base.substr(base.rfind('@') == std::string::npos ? 7 : base.rfind('@') + 1) +
               ": Connection refused";
      case Kind::kTimeout:
        return "no answer within 10000 ms";
      default:
        return "Recv failure: Connection reset by peer";
    }
  }
  struct Failure {
    Kind kind;
    int times;
  };
  std::map<std::string, std::deque<http::ClientResponse>> routes_;
  std::map<std::string, std::deque<Failure>> failures_;
};

// ---- realistic answers (shapes from Flink's REST docs and real 1.20 / 2.0 clusters)

const char* kConfig120 = R"({"refresh-interval":3000,"timezone-name":"Coordinated Universal Time",
  "timezone-offset":0,"flink-version":"1.20.1","flink-revision":"3a3ad80 @ 2025-02-05T23:21:32+01:00",
  "features":{"web-submit":true,"web-cancel":true,"web-rescale":false,"web-history":false}})";

const char* kOverview = R"({"taskmanagers":2,"taskmanagers-blocked":0,"slots-total":8,
  "slots-available":6,"slots-free-and-blocked":0,"jobs-running":1,"jobs-finished":3,
  "jobs-cancelled":1,"jobs-failed":2,"flink-version":"1.20.1","flink-commit":"3a3ad80"})";

const char* kJobsOverview = R"({"jobs":[
  {"jid":"7684be6004e4e955c2a558a9bc463f65","name":"orders-enrichment","start-time":1732521600000,
   "end-time":-1,"duration":3600000,"state":"RUNNING","last-modification":1732521601234,
   "tasks":{"running":3,"canceling":0,"canceled":0,"total":3,"created":0,"scheduled":0,
            "deploying":0,"reconciling":0,"finished":0,"initializing":0,"failed":0}},
  {"jid":"0a1b2c3d4e5f60718293a4b5c6d7e8f9","name":"nightly-batch","start-time":1732500000000,
   "end-time":1732503600000,"duration":3600000,"state":"FINISHED","last-modification":1732503600000,
   "tasks":{"running":0,"canceling":0,"canceled":0,"total":2,"created":0,"scheduled":0,
            "deploying":0,"reconciling":0,"finished":2,"initializing":0,"failed":0}}]})";

// Flink 1.20, as a real cluster answers for the tiny job run with --fail-after 10 --restarts 1:
// the legacy top-level fields next to exceptionHistory. The newest failure is the global one that
// ended the job (no task: null fields are left out), wrapping the task's exception; the older one
// is the task failure that used the one restart.
const char* kExceptions1x = R"json({
  "root-exception":"org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=1, backoffTimeMS=1000)\n\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:219)\n\tat org.apache.flink.runtime.scheduler.DefaultScheduler.recordTaskFailure(DefaultScheduler.java:286)\nCaused by: java.lang.IllegalStateException: sluice-tiny-job: failing on purpose after 10 records\n\tat dev.sluice.testjob.TinyJob$Step.map(TinyJob.java:123)\n\tat dev.sluice.testjob.TinyJob$Step.map(TinyJob.java:111)\n",
  "timestamp":1732521700040,
  "all-exceptions":[
    {"exception":"java.lang.IllegalStateException: sluice-tiny-job: failing on purpose after 10 records\n\tat dev.sluice.testjob.TinyJob$Step.map(TinyJob.java:123)\n",
     "task":"Source: sequence -> step -> discard: Writer (1/1)",
           "location" : "localhost:44217",
           "endpoint" : "localhost:44217",
           "timestamp" : 1732521700005,
           "taskManagerId" : "localhost:33695-16903c"
}],
  "truncated":false,
  "exceptionHistory":{
  "entries":[
    {"exceptionName":"org.apache.flink.runtime.JobException",
     "stacktrace":"org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=1, backoffTimeMS=1000)\n\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:219)\n\tat org.apache.flink.runtime.scheduler.DefaultScheduler.recordTaskFailure(DefaultScheduler.java:286)\nCaused by: java.lang.IllegalStateException: sluice-tiny-job: failing on purpose after 10 records\n\tat dev.sluice.testjob.TinyJob$Step.map(TinyJob.java:123)\n\tat dev.sluice.testjob.TinyJob$Step.map(TinyJob.java:111)\n",
     "timestamp":1732521700040,
     "failureLabels":{},
     "concurrentExceptions":[
       {"exceptionName":"java.lang.IllegalStateException",
        "stacktrace":"java.lang.IllegalStateException: sluice-tiny-job: failing on purpose after 10 records\n\tat dev.sluice.testjob.TinyJob$Step.map(TinyJob.java:123)\n",
        "timestamp":1732521700005,"failureLabels":{"type":"USER"},
        "taskName":"Source: sequence -> step -> discard: Writer (1/1) - execution #1",
        "location":"localhost:44217","endpoint":"localhost:44217",
        "taskManagerId":"localhost:33695-16903c"}]},
    {"exceptionName":"java.lang.IllegalStateException",
     "stacktrace":"java.lang.IllegalStateException: sluice-tiny-job: failing on purpose after 10 records\n\tat dev.sluice.testjob.TinyJob$Step.map(TinyJob.java:123)\n",
     "timestamp":1732521698002,"failureLabels":{},
     "taskName":"Source: sequence -> step -> discard: Writer (1/1) - execution #0",
     "location":"localhost:44217","endpoint":"localhost:44217",
     "taskManagerId":"localhost:33695-16903c","concurrentExceptions":[]}],
  "truncated":false
}
})json";

// Flink 2.0: exceptionHistory only, and no `location`.
const char* kExceptions2x = R"json({"exceptionHistory":{"entries":[
    {"exceptionName":"org.apache.flink.runtime.JobException",
     "stacktrace":"org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=1, backoffTimeMS=1000)\n\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:219)\n\tat org.apache.flink.runtime.scheduler.DefaultScheduler.recordTaskFailure(DefaultScheduler.java:286)\nCaused by: java.lang.IllegalStateException: sluice-tiny-job: failing on purpose after 10 records\n\tat dev.sluice.testjob.TinyJob$Step.map(TinyJob.java:123)\n\tat dev.sluice.testjob.TinyJob$Step.map(TinyJob.java:111)\n",
     "timestamp":1732521700040,
     "failureLabels":{},
     "concurrentExceptions":[
       {"exceptionName":"java.lang.IllegalStateException",
        "stacktrace":"java.lang.IllegalStateException: sluice-tiny-job: failing on purpose after 10 records\n\tat dev.sluice.testjob.TinyJob$Step.map(TinyJob.java:123)\n",
        "timestamp":1732521700005,"failureLabels":{"type":"USER"},
        "taskName":"Source: sequence -> step -> discard: Writer (1/1) - execution #1",
        "endpoint":"localhost:44217","taskManagerId":"localhost:33695-16903c"}]},
    {"exceptionName":"java.lang.IllegalStateException",
     "stacktrace":"java.lang.IllegalStateException: sluice-tiny-job: failing on purpose after 10 records\n\tat dev.sluice.testjob.TinyJob$Step.map(TinyJob.java:123)\n",
     "timestamp":1732521698002,"failureLabels":{},
     "taskName":"Source: sequence -> step -> discard: Writer (1/1) - execution #0",
     "endpoint":"localhost:44217","taskManagerId":"localhost:33695-16903c",
     "concurrentExceptions":[]}],
  "truncated":true}})json";

const char* kCheckpoints = R"({
  "counts":{"restored":1,"total":12,"in_progress":1,"completed":10,"failed":1},
  "summary":{"checkpointed_size":{"min":1024,"max":4096,"avg":2048,"p50":2048},
             "state_size":{"min":1024,"max":4096,"avg":2048,"p50":2048},
             "end_to_end_duration":{"min":12,"max":340,"avg":40,"p50":30}},
  "latest":{
    "completed":{"className":"completed","id":11,"status":"COMPLETED","is_savepoint":false,
      "savepointFormat":null,"trigger_timestamp":1732521780000,"latest_ack_timestamp":1732521780040,
      "checkpointed_size":2048,"state_size":2048,"end_to_end_duration":40,"alignment_buffered":0,
      "processed_data":0,"persisted_data":0,"num_subtasks":3,"num_acknowledged_subtasks":3,
      "checkpoint_type":"CHECKPOINT","tasks":{},
      "external_path":"file:/var/sluice/checkpoints/7684be6004e4e955c2a558a9bc463f65/chk-11",
      "discarded":false},
    "savepoint":{"className":"completed","id":9,"status":"COMPLETED","is_savepoint":true,
      "savepointFormat":"CANONICAL","trigger_timestamp":1732521760000,
      "latest_ack_timestamp":1732521760100,"checkpointed_size":2048,"state_size":2048,
      "end_to_end_duration":100,"num_subtasks":3,"num_acknowledged_subtasks":3,
      "checkpoint_type":"SAVEPOINT","tasks":{},
      "external_path":"file:/var/sluice/savepoints/savepoint-7684be-5f3e2a1b9c8d","discarded":false},
    "failed":{"className":"failed","id":10,"status":"FAILED","is_savepoint":false,
      "trigger_timestamp":1732521770000,"latest_ack_timestamp":-1,"checkpointed_size":0,
      "state_size":0,"end_to_end_duration":600000,"num_subtasks":3,"num_acknowledged_subtasks":2,
      "checkpoint_type":"CHECKPOINT","tasks":{},"failure_timestamp":1732522370000,
      "failure_message":"Checkpoint expired before completing."},
    "restored":{"id":4,"restore_timestamp":1732521600500,"is_savepoint":true,
      "external_path":"file:/var/sluice/savepoints/savepoint-1b2c3d-0a9e8f7d6c5b"}},
  "history":[]})";

// Flink 1.18+: a RestHandlerException's whole stack trace as the one error.
const char* kJobNotFound =
    R"({"errors":["org.apache.flink.runtime.rest.NotFoundException: Job 7684be6004e4e955c2a558a9bc463f65 not found\n\tat org.apache.flink.runtime.rest.handler.job.AbstractExecutionGraphHandler.lambda$handleRequest$1(AbstractExecutionGraphHandler.java:99)\n\tat java.base/java.util.concurrent.CompletableFuture.uniExceptionally(CompletableFuture.java:990)\nCaused by: org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (7684be6004e4e955c2a558a9bc463f65)\n\tat org.apache.flink.runtime.dispatcher.Dispatcher.lambda$requestExecutionGraphInfo$59(Dispatcher.java:1094)\n\t... 36 more\n"]})";

// Flink 1.20 POST /jars/:id/run when main() throws.
const char* kRunFailed =
    R"({"errors":["org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\tat org.apache.flink.runtime.webmonitor.handlers.JarRunHandler.lambda$handleRequest$1(JarRunHandler.java:114)\n\tat java.base/java.util.concurrent.CompletableFuture.uniHandle(CompletableFuture.java:934)\nCaused by: java.util.concurrent.CompletionException: org.apache.flink.util.FlinkRuntimeException: Could not execute application.\n\tat java.base/java.util.concurrent.CompletableFuture.encodeThrowable(CompletableFuture.java:315)\n\t... 2 more\nCaused by: org.apache.flink.util.FlinkRuntimeException: Could not execute application.\n\tat org.apache.flink.client.deployment.application.DetachedApplicationRunner.tryExecuteJobs(DetachedApplicationRunner.java:88)\n\t... 3 more\nCaused by: org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: unknown argument --bogus (use --records N | --forever, --fail-after N, --restarts K, --sleep-ms MS, --parallelism P, --name NAME)\n\tat org.apache.flink.client.program.PackagedProgram.callMainMethod(PackagedProgram.java:373)\n\t... 5 more\nCaused by: java.lang.IllegalArgumentException: unknown argument --bogus (use --records N | --forever, --fail-after N, --restarts K, --sleep-ms MS, --parallelism P, --name NAME)\n\tat dev.sluice.testjob.TinyJob.main(TinyJob.java:71)\n\t... 12 more\n"]})";

// An unhandled exception in a handler (any version): a generic line, then the wrapped trace.
const char* kInternalError =
    R"({"errors":["Internal server error.","<Exception on server side:\norg.apache.flink.runtime.rest.handler.RestHandlerException: Internal server error while triggering savepoint operation with triggerId=b3a5d5e3c7f24f6c9a4bd1e1cf3a4c1d for job 7684be6004e4e955c2a558a9bc463f65.\n\tat org.apache.flink.runtime.rest.handler.job.savepoints.SavepointHandlers.createInternalServerError(SavepointHandlers.java:352)\nCaused by: org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint triggering task Source: sequence (1/1) of job 7684be6004e4e955c2a558a9bc463f65 is not being executed at the moment.\n\tat org.apache.flink.runtime.checkpoint.CheckpointCoordinator.lambda$startTriggeringCheckpoint$9(CheckpointCoordinator.java:712)\n\nEnd of exception on server side>"]})";

class FlinkRestClientTest : public ::testing::Test {
 protected:
  FlinkRestClientTest() {
    options_.connect_timeout = milliseconds(1'500);
    options_.request_timeout = milliseconds(7'000);
    options_.transfer_timeout = milliseconds(90'000);
    options_.run_timeout = milliseconds(45'000);
    options_.get_retries = 2;
    options_.retry_backoff = milliseconds(100);
    options_.max_retry_backoff = milliseconds(150);
    options_.sleep = [this](milliseconds pause) { pauses_.push_back(pause); };
  }
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sluice-rest-client-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  FlinkRestClient Client(std::vector<std::string> addresses = {kA}) {
    return FlinkRestClient(std::move(addresses), fake_, options_);
  }

  FakeFlink fake_;
  FlinkRestOptions options_;
  std::vector<milliseconds> pauses_;
  fs::path dir_;
};

// ---- the cluster

TEST_F(FlinkRestClientTest, ConfigIsAGetOfConfigWithTheConfiguredTimeouts) {
  fake_.On("GET", "/config", 200, kConfig120);
  auto client = Client();
  auto config = client.Config();
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->flink_version, "1.20.1");
  EXPECT_EQ(config->flink_revision, "3a3ad80 @ 2025-02-05T23:21:32+01:00");
  EXPECT_EQ(config->features["web-submit"], true);
  const http::ClientRequest& request = fake_.last();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "http://jm-a:8081/config");
  EXPECT_EQ(FakeFlink::Header(request, "Accept"), "application/json");
  EXPECT_TRUE(request.body.empty());
  EXPECT_EQ(request.connect_timeout, milliseconds(1'500));
  EXPECT_EQ(request.timeout, milliseconds(7'000));
}

TEST_F(FlinkRestClientTest, SomethingThatIsNotAJobManagerIsClusterNotFlink) {
  auto client = Client();
  fake_.On("GET", "/config", 200, R"({"refresh-interval":3000})");
  EXPECT_EQ(client.Config().error().code, ErrorCode::CLUSTER_NOT_FLINK);
  fake_.On("GET", "/overview", 200, "<html><body>Welcome to nginx!</body></html>");
  auto html = client.Overview();
  EXPECT_EQ(html.error().code, ErrorCode::CLUSTER_NOT_FLINK);
  EXPECT_NE(html.error().message.find("http://jm-a:8081"), std::string::npos);
  EXPECT_NE(html.error().internal_detail.find("nginx"), std::string::npos);
  fake_.On("GET", "/jobs/overview", 403, "<html>Forbidden</html>");
  EXPECT_EQ(client.JobsOverview().error().code, ErrorCode::CLUSTER_NOT_FLINK);
  // A proxy whose JobManager is down speaks for it: that is "unreachable", not "not Flink".
  fake_.On("GET", "/taskmanagers", 503, "<html>Service Unavailable</html>");
  EXPECT_EQ(client.TaskManagers().error().code, ErrorCode::CLUSTER_UNREACHABLE);
}

TEST_F(FlinkRestClientTest, OverviewReadsCountsAndVersion) {
  fake_.On("GET", "/overview", 200, kOverview);
  auto client = Client();
  auto overview = client.Overview();
  ASSERT_TRUE(overview.ok()) << overview.error().message;
  EXPECT_EQ(overview->taskmanagers, 2);
  EXPECT_EQ(overview->slots_total, 8);
  EXPECT_EQ(overview->slots_available, 6);
  EXPECT_EQ(overview->jobs_running, 1);
  EXPECT_EQ(overview->jobs_finished, 3);
  EXPECT_EQ(overview->jobs_cancelled, 1);
  EXPECT_EQ(overview->jobs_failed, 2);
  EXPECT_EQ(overview->flink_version, "1.20.1");
  EXPECT_EQ(fake_.last().url, "http://jm-a:8081/overview");

  fake_.On("GET", "/overview", 200, R"({"taskmanagers":"2","slots-total":8})");
  EXPECT_EQ(client.Overview().error().code, ErrorCode::CLUSTER_NOT_FLINK);
}

TEST_F(FlinkRestClientTest, JobManagerConfigIsAMapAndSkipsOddEntries) {
  fake_.On(
      "GET", "/jobmanager/config", 200,
      R"([{"key":"rest.port","value":"8081"},{"key":"jobmanager.rpc.address","value":"localhost"},
               {"key":"broken"},42,{"key":"state.savepoints.dir","value":"file:///tmp/sp"}])");
  auto client = Client();
  auto config = client.JobManagerConfig();
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->size(), 3u);
  EXPECT_EQ(config->at("rest.port"), "8081");
  EXPECT_EQ(config->at("state.savepoints.dir"), "file:///tmp/sp");
}

TEST_F(FlinkRestClientTest, TaskManagersReadTheirSlotsAndHeartbeat) {
  fake_.On("GET", "/taskmanagers", 200, R"({"taskmanagers":[
    {"id":"localhost:38553-3c5f2a","path":"pekko.tcp://flink@localhost:38553/user/rpc/taskmanager_0",
     "dataPort":40123,"jmxPort":-1,"timeSinceLastHeartbeat":1732521790123,"slotsNumber":4,
     "freeSlots":3,"totalResource":{"cpuCores":4.0,"taskHeapMemory":383,"taskOffHeapMemory":0,
     "managedMemory":512,"networkMemory":128,"extendedResources":{}},
     "freeResource":{"cpuCores":3.0},"hardware":{"cpuCores":8,"physicalMemory":33554432000,
     "freeMemory":536870912,"managedMemory":536870912},"memoryConfiguration":{},"blocked":false}]})");
  auto client = Client();
  auto tms = client.TaskManagers();
  ASSERT_TRUE(tms.ok()) << tms.error().message;
  ASSERT_EQ(tms->size(), 1u);
  const TaskManagerInfo& tm = tms->front();
  EXPECT_EQ(tm.id, "localhost:38553-3c5f2a");
  EXPECT_EQ(tm.path, "pekko.tcp://flink@localhost:38553/user/rpc/taskmanager_0");
  EXPECT_EQ(tm.data_port, 40123);
  EXPECT_EQ(tm.slots_number, 4);
  EXPECT_EQ(tm.free_slots, 3);
  EXPECT_EQ(tm.last_heartbeat_ms, 1732521790123);
}

TEST_F(FlinkRestClientTest, ShutdownClusterIsADeleteOfCluster) {
  fake_.On("DELETE", "/cluster", 200, "{}");
  auto client = Client();
  ASSERT_TRUE(client.ShutdownCluster().ok());
  EXPECT_EQ(fake_.last().method, "DELETE");
  EXPECT_EQ(fake_.last().url, "http://jm-a:8081/cluster");
}

// ---- jobs

TEST_F(FlinkRestClientTest, JobsOverviewReadsEachJob) {
  fake_.On("GET", "/jobs/overview", 200, kJobsOverview);
  auto client = Client();
  auto jobs = client.JobsOverview();
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].id, kJob);
  EXPECT_EQ((*jobs)[0].name, "orders-enrichment");
  EXPECT_EQ((*jobs)[0].state, "RUNNING");
  EXPECT_EQ((*jobs)[0].start_time_ms, 1732521600000);
  EXPECT_EQ((*jobs)[0].end_time_ms, -1);
  EXPECT_EQ((*jobs)[0].duration_ms, 3600000);
  EXPECT_EQ((*jobs)[1].state, "FINISHED");
  EXPECT_EQ((*jobs)[1].end_time_ms, 1732503600000);
}

TEST_F(FlinkRestClientTest, JobDetailsReadsTheHeadAndKeepsTheRest) {
  fake_.On("GET", std::string("/jobs/") + kJob, 200,
           R"({"jid":"7684be6004e4e955c2a558a9bc463f65","name":"orders-enrichment",
               "isStoppable":false,"state":"RUNNING","job-type":"STREAMING",
               "start-time":1732521600000,"end-time":-1,"duration":3600000,"maxParallelism":-1,
               "now":1732525200000,"timestamps":{"RUNNING":1732521600100,"CREATED":1732521600000},
               "vertices":[{"id":"cbc357ccb763df2852fee8c4fc7d55f2","name":"Source: sequence",
                            "parallelism":1,"status":"RUNNING"}],
               "status-counts":{"RUNNING":3},"plan":{"jid":"7684be6004e4e955c2a558a9bc463f65"}})");
  auto client = Client();
  auto details = client.JobDetails(kJob);
  ASSERT_TRUE(details.ok()) << details.error().message;
  EXPECT_EQ(details->job.id, kJob);
  EXPECT_EQ(details->job.state, "RUNNING");
  EXPECT_EQ(details->job.name, "orders-enrichment");
  EXPECT_EQ(details->raw["vertices"][0]["name"], "Source: sequence");
}

TEST_F(FlinkRestClientTest, UnknownJobIsJobNotFoundWithFlinksReasonAndTheTraceOnlyInTheDetail) {
  fake_.On("GET", std::string("/jobs/") + kJob, 404, kJobNotFound);
  auto client = Client();
  auto details = client.JobDetails(kJob);
  ASSERT_FALSE(details.ok());
  const Error& error = details.error();
  EXPECT_EQ(error.code, ErrorCode::FLINK_JOB_NOT_FOUND);
  EXPECT_EQ(error.message, std::string("Flink has no job ") + kJob);
  EXPECT_EQ(error.field, "job_id");
  EXPECT_NE(error.internal_detail.find("AbstractExecutionGraphHandler.java:99"), std::string::npos);

  fake_.On("PATCH", std::string("/jobs/") + kJob + "?mode=cancel", 404,
           R"({"errors":["Job could not be found."]})");
  EXPECT_EQ(client.CancelJob(kJob).error().code, ErrorCode::FLINK_JOB_NOT_FOUND);
}

TEST_F(FlinkRestClientTest, ExceptionsOfBothVersionsBecomeTheSameHistory) {
  std::string path = std::string("/jobs/") + kJob + "/exceptions?maxExceptions=5";
  fake_.On("GET", path, 200, kExceptions1x);
  auto client = Client();
  auto v1 = client.JobExceptions(kJob, 5);
  ASSERT_TRUE(v1.ok()) << v1.error().message;
  EXPECT_EQ(fake_.last().url, "http://jm-a:8081" + path);

  FakeFlink fake2;
  fake2.On("GET", path, 200, kExceptions2x);
  FlinkRestClient client2({kA}, fake2, options_);
  auto v2 = client2.JobExceptions(kJob, 5);
  ASSERT_TRUE(v2.ok()) << v2.error().message;

  for (const JobExceptionHistory* history : {&*v1, &*v2}) {
    EXPECT_EQ(history->root_cause_summary,
              "org.apache.flink.runtime.JobException: Recovery is suppressed by "
              "FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=1, "
              "backoffTimeMS=1000) (caused by IllegalStateException: sluice-tiny-job: failing on "
              "purpose after 10 records)");
    EXPECT_NE(history->root_cause.find("TinyJob.java:123"), std::string::npos);
    EXPECT_EQ(history->timestamp_ms, 1732521700040);
    ASSERT_EQ(history->entries.size(), 2u);
    const FlinkExceptionEntry& newest = history->entries[0];
    EXPECT_EQ(newest.exception_name, "org.apache.flink.runtime.JobException");
    EXPECT_EQ(newest.task_name, "");  // a global failure: no task
    EXPECT_EQ(newest.endpoint, "");
    EXPECT_EQ(newest.task_manager_id, "");
    ASSERT_EQ(newest.concurrent_exceptions.size(), 1u);
    const FlinkExceptionEntry& task = newest.concurrent_exceptions[0];
    EXPECT_EQ(task.exception_name, "java.lang.IllegalStateException");
    EXPECT_EQ(task.task_name, "Source: sequence -> step -> discard: Writer (1/1) - execution #1");
    EXPECT_EQ(task.endpoint, "localhost:44217");
    EXPECT_EQ(task.task_manager_id, "localhost:33695-16903c");
    EXPECT_EQ(task.timestamp_ms, 1732521700005);
    EXPECT_EQ(task.failure_labels.at("type"), "USER");
    const FlinkExceptionEntry& older = history->entries[1];
    EXPECT_EQ(older.exception_name, "java.lang.IllegalStateException");
    EXPECT_EQ(older.task_name, "Source: sequence -> step -> discard: Writer (1/1) - execution #0");
    EXPECT_EQ(older.endpoint, "localhost:44217");  // `location` before 1.19, `endpoint` since
    EXPECT_TRUE(older.concurrent_exceptions.empty());
  }
  EXPECT_FALSE(v1->truncated);
  EXPECT_TRUE(v2->truncated);
}

TEST_F(FlinkRestClientTest, ExceptionsWithoutAnyFailureAreEmpty) {
  auto client = Client();
  std::string path = std::string("/jobs/") + kJob + "/exceptions?maxExceptions=20";
  fake_.On("GET", path, 200,
           R"({"root-exception":null,"timestamp":null,"all-exceptions":[],"truncated":false,
               "exceptionHistory":{"entries":[],"truncated":false}})");
  auto none = client.JobExceptions(kJob);
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(none->root_cause, "");
  EXPECT_FALSE(none->timestamp_ms.has_value());
  EXPECT_TRUE(none->entries.empty());

  // A 1.x answer with only the legacy fields still yields the root cause and the entries.
  fake_.On("GET", path, 200,
           R"json({"root-exception":"java.io.IOException: disk full\n\tat x.Y(Y.java:1)",
      "timestamp":1732521000000,"all-exceptions":[{"exception":"java.io.IOException: disk full",
      "task":"sink (1/1)","location":"tm-1:4000","timestamp":1732521000000,"taskManagerId":"tm-1"}],
      "truncated":false})json");
  auto legacy = client.JobExceptions(kJob);
  ASSERT_TRUE(legacy.ok()) << legacy.error().message;
  EXPECT_EQ(legacy->root_cause_summary, "java.io.IOException: disk full");
  EXPECT_EQ(legacy->timestamp_ms, 1732521000000);
  ASSERT_EQ(legacy->entries.size(), 1u);
  EXPECT_EQ(legacy->entries[0].exception_name, "java.io.IOException");
  EXPECT_EQ(legacy->entries[0].endpoint, "tm-1:4000");

  EXPECT_EQ(client.JobExceptions(kJob, 0).error().code, ErrorCode::INVALID_ARGUMENT);
}

TEST_F(FlinkRestClientTest, CheckpointsReadCountsAndTheLatestOfEachKind) {
  fake_.On("GET", std::string("/jobs/") + kJob + "/checkpoints", 200, kCheckpoints);
  auto client = Client();
  auto stats = client.Checkpoints(kJob);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_TRUE(stats->available);
  EXPECT_EQ(stats->total, 12);
  EXPECT_EQ(stats->completed, 10);
  EXPECT_EQ(stats->failed, 1);
  EXPECT_EQ(stats->in_progress, 1);
  EXPECT_EQ(stats->restored, 1);
  ASSERT_TRUE(stats->latest_completed.has_value());
  EXPECT_EQ(stats->latest_completed->id, 11);
  EXPECT_EQ(stats->latest_completed->external_path,
            "file:/var/sluice/checkpoints/7684be6004e4e955c2a558a9bc463f65/chk-11");
  EXPECT_EQ(stats->latest_completed->timestamp_ms, 1732521780000);
  ASSERT_TRUE(stats->latest_savepoint.has_value());
  EXPECT_TRUE(stats->latest_savepoint->is_savepoint);
  ASSERT_TRUE(stats->latest_failed.has_value());
  EXPECT_EQ(stats->latest_failed->status, "FAILED");
  ASSERT_TRUE(stats->restored_from.has_value());
  EXPECT_EQ(stats->restored_from->timestamp_ms, 1732521600500);
  EXPECT_EQ(stats->raw["summary"]["state_size"]["max"], 4096);
}

TEST_F(FlinkRestClientTest, CheckpointsWithoutStatisticsAreUnavailableNotAnError) {
  fake_.On("GET", std::string("/jobs/") + kJob + "/checkpoints", 404,
           R"({"errors":["Checkpointing has not been enabled."]})");
  auto client = Client();
  auto stats = client.Checkpoints(kJob);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_FALSE(stats->available);
  EXPECT_FALSE(stats->latest_completed.has_value());

  fake_.On("GET", std::string("/jobs/") + kJob + "/checkpoints", 404, kJobNotFound);
  EXPECT_EQ(client.Checkpoints(kJob).error().code, ErrorCode::FLINK_JOB_NOT_FOUND);
}

TEST_F(FlinkRestClientTest, CancelIsAPatchWithModeCancel) {
  fake_.On("PATCH", std::string("/jobs/") + kJob + "?mode=cancel", 202, "{}");
  auto client = Client();
  ASSERT_TRUE(client.CancelJob(kJob).ok());
  EXPECT_EQ(fake_.last().method, "PATCH");
  EXPECT_EQ(fake_.last().url, std::string(kA) + "/jobs/" + kJob + "?mode=cancel");
  EXPECT_TRUE(fake_.last().body.empty());
}

// ---- savepoints

TEST_F(FlinkRestClientTest, TriggerSavepointPostsTheKebabCaseBody) {
  fake_.On("POST", std::string("/jobs/") + kJob + "/savepoints", 202,
           R"({"request-id":"b3a5d5e3c7f24f6c9a4bd1e1cf3a4c1d"})");
  auto client = Client();
  auto trigger = client.TriggerSavepoint(kJob, "file:///var/sluice/savepoints", true);
  ASSERT_TRUE(trigger.ok()) << trigger.error().message;
  EXPECT_EQ(*trigger, kTrigger);
  EXPECT_EQ(fake_.last().method, "POST");
  EXPECT_EQ(FakeFlink::Header(fake_.last(), "Content-Type"), "application/json");
  EXPECT_EQ(fake_.LastBody(), Json({{"target-directory", "file:///var/sluice/savepoints"},
                                    {"cancel-job", true},
                                    {"formatType", "CANONICAL"}}));

  // No directory: the cluster's default, so the key is left out. A chosen trigger id is sent.
  ASSERT_TRUE(client.TriggerSavepoint(kJob, "", false, SavepointFormat::kNative, kTrigger).ok());
  EXPECT_EQ(fake_.LastBody(),
            Json({{"cancel-job", false}, {"formatType", "NATIVE"}, {"triggerId", kTrigger}}));
  EXPECT_EQ(client.TriggerSavepoint(kJob, "", false, SavepointFormat::kNative, "../x").error().code,
            ErrorCode::INVALID_ARGUMENT);
}

TEST_F(FlinkRestClientTest, StopWithSavepointPostsTheCamelCaseBody) {
  fake_.On("POST", std::string("/jobs/") + kJob + "/stop", 202,
           R"({"request-id":"b3a5d5e3c7f24f6c9a4bd1e1cf3a4c1d"})");
  auto client = Client();
  auto trigger = client.StopWithSavepoint(kJob, "s3://bucket/savepoints", true);
  ASSERT_TRUE(trigger.ok()) << trigger.error().message;
  EXPECT_EQ(*trigger, kTrigger);
  Json body = fake_.LastBody();
  EXPECT_EQ(body, Json({{"targetDirectory", "s3://bucket/savepoints"},
                        {"drain", true},
                        {"formatType", "CANONICAL"}}));
  EXPECT_FALSE(body.contains("target-directory"));
}

TEST_F(FlinkRestClientTest, SavepointStatusReadsProgressLocationAndFailure) {
  std::string path = std::string("/jobs/") + kJob + "/savepoints/" + kTrigger;
  auto client = Client();
  fake_.On("GET", path, 200, R"({"status":{"id":"IN_PROGRESS"},"operation":null})");
  auto running = client.SavepointStatus(kJob, kTrigger);
  ASSERT_TRUE(running.ok()) << running.error().message;
  EXPECT_TRUE(running->in_progress);
  EXPECT_EQ(fake_.last().url, std::string(kA) + path);

  fake_.On(
      "GET", path, 200,
      R"({"status":{"id":"COMPLETED"},"operation":{"location":"file:/var/sluice/savepoints/savepoint-7684be-5f3e2a1b9c8d"}})");
  auto done = client.SavepointStatus(kJob, kTrigger);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->succeeded());
  EXPECT_EQ(done->location, "file:/var/sluice/savepoints/savepoint-7684be-5f3e2a1b9c8d");

  // 1.x: class, stack-trace and the serialized throwable.
  fake_.On("GET", path, 200, R"({"status":{"id":"COMPLETED"},"operation":{"failure-cause":{
      "class":"java.util.concurrent.CompletionException",
      "stack-trace":"java.util.concurrent.CompletionException: java.util.concurrent.CompletionException: org.apache.flink.runtime.checkpoint.CheckpointException: Task has failed.\n\tat org.apache.flink.runtime.scheduler.stopwithsavepoint.StopWithSavepointTerminationHandlerImpl.handleAnyExecutionNotFinished(StopWithSavepointTerminationHandlerImpl.java:235)\nCaused by: org.apache.flink.runtime.checkpoint.CheckpointException: Task has failed.\n\tat org.apache.flink.runtime.messages.checkpoint.SerializedCheckpointException.unwrap(SerializedCheckpointException.java:51)\nCaused by: java.io.IOException: No space left on device\n\t... 9 more\n",
      "serialized-throwable":"rO0ABXNyAC1vcmcuYXBhY2hlLmZsaW5rLnV0aWwuU2VyaWFsaXplZFRocm93YWJsZQ=="}}})");
  auto failed = client.SavepointStatus(kJob, kTrigger);
  ASSERT_TRUE(failed.ok());
  EXPECT_FALSE(failed->in_progress);
  EXPECT_FALSE(failed->succeeded());
  EXPECT_EQ(failed->failure_message,
            "Task has failed. (caused by IOException: No space left on device)");
  EXPECT_NE(failed->failure_detail.find("StopWithSavepointTerminationHandlerImpl"),
            std::string::npos);

  // Versions after 2.0 add a plain message.
  fake_.On("GET", path, 200, R"({"status":{"id":"COMPLETED"},"operation":{"failure-cause":{
      "class":"org.apache.flink.runtime.checkpoint.CheckpointException",
      "message":"Checkpoint Coordinator is suspending.","stack-trace":"org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint Coordinator is suspending.\n\tat x.Y(Y.java:1)\n",
      "serialized-throwable":"rO0="}}})");
  EXPECT_EQ(client.SavepointStatus(kJob, kTrigger)->failure_message,
            "Checkpoint Coordinator is suspending.");
}

TEST_F(FlinkRestClientTest, AnUnknownTriggerIsNotFoundRatherThanAnUnknownJob) {
  std::string path = std::string("/jobs/") + kJob + "/savepoints/" + kTrigger;
  fake_.On(
      "GET", path, 404,
      R"({"errors":["org.apache.flink.runtime.rest.handler.RestHandlerException: There is no savepoint operation with triggerId=b3a5d5e3c7f24f6c9a4bd1e1cf3a4c1d for job 7684be6004e4e955c2a558a9bc463f65.\n\tat org.apache.flink.runtime.rest.handler.job.savepoints.SavepointHandlers$SavepointStatusHandler.lambda$handleRequest$0(SavepointHandlers.java:312)\n"]})");
  auto client = Client();
  auto status = client.SavepointStatus(kJob, kTrigger);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(status.error().field, "trigger_id");
}

TEST_F(FlinkRestClientTest, WaitForSavepointPollsWithTheInjectedSleepUntilDone) {
  std::string path = std::string("/jobs/") + kJob + "/savepoints/" + kTrigger;
  fake_.On("GET", path, 200, R"({"status":{"id":"IN_PROGRESS"}})");
  fake_.Then("GET", path, 200, R"({"status":{"id":"IN_PROGRESS"}})");
  fake_.Then("GET", path, 200,
             R"({"status":{"id":"COMPLETED"},"operation":{"location":"file:/sp/savepoint-1"}})");
  auto client = Client();
  auto location =
      client.WaitForSavepoint(kJob, kTrigger, std::chrono::seconds(60), milliseconds(250));
  ASSERT_TRUE(location.ok()) << location.error().message;
  EXPECT_EQ(*location, "file:/sp/savepoint-1");
  EXPECT_EQ(fake_.requests.size(), 3u);
  EXPECT_EQ(pauses_, (std::vector<milliseconds>{milliseconds(250), milliseconds(250)}));
}

TEST_F(FlinkRestClientTest, WaitForSavepointGivesUpAfterItsTimeoutAndReportsFailures) {
  std::string path = std::string("/jobs/") + kJob + "/savepoints/" + kTrigger;
  fake_.On("GET", path, 200, R"({"status":{"id":"IN_PROGRESS"}})");
  auto client = Client();
  auto slow = client.WaitForSavepoint(kJob, kTrigger, milliseconds(1000), milliseconds(400));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, ErrorCode::CLUSTER_TIMEOUT);
  // 400 + 400 + 200 ms of pauses: the budget, never more.
  EXPECT_EQ(pauses_,
            (std::vector<milliseconds>{milliseconds(400), milliseconds(400), milliseconds(200)}));
  EXPECT_EQ(fake_.requests.size(), 4u);

  FakeFlink failing;
  failing.On("GET", path, 200, R"({"status":{"id":"COMPLETED"},"operation":{"failure-cause":{
      "class":"org.apache.flink.runtime.checkpoint.CheckpointException",
      "stack-trace":"org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing.\n\tat x.Y(Y.java:1)\n"}}})");
  FlinkRestClient client2({kA}, failing, options_);
  auto failed = client2.WaitForSavepoint(kJob, kTrigger, std::chrono::seconds(10));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::FLINK_REJECTED);
  EXPECT_NE(failed.error().message.find("Checkpoint expired before completing."), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().internal_detail.find("x.Y(Y.java:1)"), std::string::npos);
}

// ---- logs

TEST_F(FlinkRestClientTest, LogsAreListedAndFetchedAsText) {
  fake_.On(
      "GET", "/jobmanager/logs", 200,
      R"({"logs":[{"name":"flink-root-standalonesession-0-host.log","size":40213,"mtime":1732521790000},
                       {"name":"flink-root-standalonesession-0-host.out","size":0}]})");
  fake_.On("GET", "/jobmanager/log", 200,
           "2024-11-25 08:00:00,000 INFO  Starting StandaloneSessionClusterEntrypoint\n");
  fake_.On("GET", "/jobmanager/logs/flink-root-standalonesession-0-host.log", 200, "log text");
  auto client = Client();
  auto list = client.JobManagerLogList();
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "flink-root-standalonesession-0-host.log");
  EXPECT_EQ((*list)[0].size, 40213);
  EXPECT_EQ((*list)[0].mtime_ms, 1732521790000);
  EXPECT_FALSE((*list)[1].mtime_ms.has_value());

  auto log = client.JobManagerLog();
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("StandaloneSessionClusterEntrypoint"), std::string::npos);
  EXPECT_EQ(fake_.last().timeout, milliseconds(90'000));  // the transfer timeout
  EXPECT_EQ(*client.JobManagerLogFile("flink-root-standalonesession-0-host.log"), "log text");
  EXPECT_EQ(client.JobManagerLogFile("../../etc/passwd").error().code, ErrorCode::INVALID_ARGUMENT);
}

TEST_F(FlinkRestClientTest, TaskManagerIdsArePercentEncodedInPaths) {
  fake_.On("GET", "/taskmanagers/localhost%3A38553-3c5f2a/logs", 200,
           R"({"logs":[{"name":"flink-root-taskexecutor-0-host.log","size":1234}]})");
  fake_.On("GET", "/taskmanagers/localhost%3A38553-3c5f2a/log", 200, "tm log");
  auto client = Client();
  auto list = client.TaskManagerLogList("localhost:38553-3c5f2a");
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ(list->at(0).name, "flink-root-taskexecutor-0-host.log");
  EXPECT_EQ(*client.TaskManagerLog("localhost:38553-3c5f2a"), "tm log");
  EXPECT_EQ(client.TaskManagerLog("a/b").error().code, ErrorCode::INVALID_ARGUMENT);
}

// ---- jars

TEST_F(FlinkRestClientTest, UploadJarSendsOneJarfilePartAndAnswersTheBasename) {
  fs::path jar = dir_ / "tiny-job-1.20.5.jar";
  std::ofstream(jar) << "PK";
  fake_.On(
      "POST", "/jars/upload", 200,
      R"({"filename":"/tmp/flink-web-5e1f/flink-web-upload/3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9_tiny-job-1.20.5.jar","status":"success"})");
  auto client = Client();
  auto jar_id = client.UploadJar(jar.string());
  ASSERT_TRUE(jar_id.ok()) << jar_id.error().message;
  EXPECT_EQ(*jar_id, "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9_tiny-job-1.20.5.jar");
  const http::ClientRequest& request = fake_.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, std::string(kA) + "/jars/upload");
  EXPECT_TRUE(request.body.empty());
  ASSERT_TRUE(request.upload.has_value());
  EXPECT_EQ(request.upload->field_name, "jarfile");
  EXPECT_EQ(request.upload->path, jar.string());
  EXPECT_EQ(request.upload->filename, "tiny-job-1.20.5.jar");
  EXPECT_EQ(request.upload->content_type, "application/x-java-archive");
  EXPECT_EQ(request.timeout, milliseconds(90'000));
}

TEST_F(FlinkRestClientTest, UploadJarRefusesMissingAndNonJarFilesWithoutSending) {
  auto client = Client();
  EXPECT_EQ(client.UploadJar((dir_ / "absent.jar").string()).error().code,
            ErrorCode::INVALID_ARGUMENT);
  fs::path zip = dir_ / "job.zip";
  std::ofstream(zip) << "PK";
  EXPECT_EQ(client.UploadJar(zip.string()).error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_TRUE(fake_.requests.empty());
}

TEST_F(FlinkRestClientTest, RunJarSendsProgramArgsListOnlyAndAnswersTheJobId) {
  const std::string jar = "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9_tiny-job.jar";
  fake_.On("POST", "/jars/" + jar + "/run", 200, R"({"jobid":"7684be6004e4e955c2a558a9bc463f65"})");
  auto client = Client();
  RunJarRequest request;
  request.entry_class = "dev.sluice.testjob.TinyJob";
  request.program_args = {"--forever", "--name", "orders enrichment"};
  request.parallelism = 2;
  request.savepoint_path = "file:/sp/savepoint-1";
  request.allow_non_restored_state = true;
  request.flink_configuration = {{"pipeline.name", "orders"}};
  request.job_id = kJob;
  auto job_id = client.RunJar(jar, request);
  ASSERT_TRUE(job_id.ok()) << job_id.error().message;
  EXPECT_EQ(*job_id, kJob);
  EXPECT_EQ(fake_.last().timeout, milliseconds(45'000));  // the run timeout
  Json body = fake_.LastBody();
  EXPECT_EQ(body, Json({{"entryClass", "dev.sluice.testjob.TinyJob"},
                        {"programArgsList", {"--forever", "--name", "orders enrichment"}},
                        {"parallelism", 2},
                        {"savepointPath", "file:/sp/savepoint-1"},
                        {"allowNonRestoredState", true},
                        {"flinkConfiguration", {{"pipeline.name", "orders"}}},
                        {"jobId", kJob}}));
  EXPECT_FALSE(body.contains("programArgs"));

  // Nothing set: an empty object (Flink rejects unknown or 2.0-removed fields).
  ASSERT_TRUE(client.RunJar(jar, RunJarRequest{}).ok());
  EXPECT_EQ(fake_.LastBody(), Json::object());
}

TEST_F(FlinkRestClientTest, AFailedRunIsRejectedWithTheRootCauseInOneLine) {
  fake_.On("POST", "/jars/j.jar/run", 500, kRunFailed);
  auto client = Client();
  auto run = client.RunJar("j.jar", RunJarRequest{.program_args = {"--bogus"}});
  ASSERT_FALSE(run.ok());
  const Error& error = run.error();
  EXPECT_EQ(error.code, ErrorCode::FLINK_REJECTED);
  EXPECT_NE(error.message.find("Could not execute application. (caused by "
                               "IllegalArgumentException: unknown argument --bogus"),
            std::string::npos)
      << error.message;
  EXPECT_EQ(error.message.find('\n'), std::string::npos);
  EXPECT_EQ(error.message.find("\tat "), std::string::npos);
  EXPECT_NE(error.internal_detail.find("TinyJob.java:71"), std::string::npos);
}

TEST_F(FlinkRestClientTest, DeleteJarIsADelete) {
  fake_.On("DELETE", "/jars/j.jar", 200, "{}");
  auto client = Client();
  ASSERT_TRUE(client.DeleteJar("j.jar").ok());
  EXPECT_EQ(fake_.last().method, "DELETE");
  EXPECT_EQ(fake_.last().url, std::string(kA) + "/jars/j.jar");
  fake_.On(
      "DELETE", "/jars/gone.jar", 400,
      R"({"errors":["org.apache.flink.runtime.rest.handler.RestHandlerException: File gone.jar does not exist in /tmp/flink-web-5e1f/flink-web-upload.\n\tat org.apache.flink.runtime.webmonitor.handlers.JarDeleteHandler.lambda$handleRequest$0(JarDeleteHandler.java:80)\n"]})");
  auto gone = client.DeleteJar("gone.jar");
  EXPECT_EQ(gone.error().code, ErrorCode::FLINK_REJECTED);
  EXPECT_EQ(gone.error().message,
            "Flink refused to delete the jar gone.jar (HTTP 400): File gone.jar does not exist in "
            "/tmp/flink-web-5e1f/flink-web-upload.");
}

// ---- JobManager HA and resending

TEST_F(FlinkRestClientTest, ARefusedFirstAddressFailsOverToTheSecondAndRemembersIt) {
  fake_.Fail(kA, Kind::kCouldNotConnect);
  fake_.On("GET", "/overview", 200, kOverview);
  auto client = Client({kA, kB});
  EXPECT_EQ(client.active_address(), kA);
  ASSERT_TRUE(client.Overview().ok());
  ASSERT_EQ(fake_.requests.size(), 2u);
  EXPECT_EQ(fake_.requests[0].url, std::string(kA) + "/overview");
  EXPECT_EQ(fake_.requests[1].url, std::string(kB) + "/overview");
  EXPECT_EQ(client.active_address(), kB);
  EXPECT_TRUE(pauses_.empty());  // moving on to another address needs no pause

  // The next call starts where the last answer came from.
  ASSERT_TRUE(client.Overview().ok());
  EXPECT_EQ(fake_.requests.size(), 3u);
  EXPECT_EQ(fake_.requests[2].url, std::string(kB) + "/overview");
}

TEST_F(FlinkRestClientTest, APostIsSentToTheNextAddressOnlyWhenNothingWasSent) {
  fake_.On("POST", std::string("/jobs/") + kJob + "/savepoints", 202,
           R"({"request-id":"b3a5d5e3c7f24f6c9a4bd1e1cf3a4c1d"})");
  {
    fake_.Fail(kA, Kind::kCouldNotConnect, 1);
    auto client = Client({kA, kB});
    ASSERT_TRUE(client.TriggerSavepoint(kJob, "", false).ok());
    EXPECT_EQ(fake_.requests.size(), 2u);
    EXPECT_EQ(client.active_address(), kB);
  }
  fake_.requests.clear();
  {
    // Connected, then no answer: Flink may be taking the savepoint. Never send it again.
    fake_.Fail(kA, Kind::kTimeout, 1);
    auto client = Client({kA, kB});
    auto trigger = client.TriggerSavepoint(kJob, "", false);
    ASSERT_FALSE(trigger.ok());
    EXPECT_EQ(trigger.error().code, ErrorCode::CLUSTER_TIMEOUT);
    EXPECT_NE(trigger.error().message.find("check before trying again"), std::string::npos);
    ASSERT_EQ(fake_.requests.size(), 1u);
    EXPECT_EQ(fake_.requests[0].url.rfind(kA, 0), 0u);
    EXPECT_TRUE(pauses_.empty());
  }
  fake_.requests.clear();
  {
    fake_.Fail(kA, Kind::kOther, 1);
    auto client = Client({kA, kB});
    auto run = client.RunJar("j.jar", RunJarRequest{});
    EXPECT_EQ(run.error().code, ErrorCode::CLUSTER_UNREACHABLE);
    EXPECT_EQ(fake_.requests.size(), 1u);
  }
}

TEST_F(FlinkRestClientTest, PatchAndDeleteAreNotResentAfterContactEither) {
  fake_.Fail(kA, Kind::kTimeout);
  auto client = Client({kA, kB});
  EXPECT_EQ(client.CancelJob(kJob).error().code, ErrorCode::CLUSTER_TIMEOUT);
  EXPECT_EQ(client.DeleteJar("j.jar").error().code, ErrorCode::CLUSTER_TIMEOUT);
  EXPECT_EQ(client.ShutdownCluster().error().code, ErrorCode::CLUSTER_TIMEOUT);
  EXPECT_EQ(fake_.requests.size(), 3u);
}

TEST_F(FlinkRestClientTest, AGetIsRetriedWithABoundedBackoff) {
  fake_.Fail(kA, Kind::kTimeout, 2);
  fake_.On("GET", "/jobs/overview", 200, kJobsOverview);
  auto client = Client({kA});
  auto jobs = client.JobsOverview();
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  EXPECT_EQ(fake_.requests.size(), 3u);
  // 100 ms, then doubled but capped at 150 ms.
  EXPECT_EQ(pauses_, (std::vector<milliseconds>{milliseconds(100), milliseconds(150)}));
}

TEST_F(FlinkRestClientTest, NoAddressAnsweringIsUnreachableNamingThemWithoutPasswords) {
  fake_.Fail("http://admin:s3cret@jm-a:8081", Kind::kCouldNotConnect);
  fake_.Fail(kB, Kind::kCouldNotConnect);
  auto client = Client({"http://admin:s3cret@jm-a:8081/", "jm-b:8081"});
  auto overview = client.Overview();
  ASSERT_FALSE(overview.ok());
  const Error& error = overview.error();
  EXPECT_EQ(error.code, ErrorCode::CLUSTER_UNREACHABLE);
  EXPECT_NE(error.message.find("http://jm-a:8081, http://jm-b:8081"), std::string::npos)
      << error.message;
  EXPECT_EQ(error.message.find("s3cret"), std::string::npos);
  EXPECT_EQ(error.internal_detail.find("s3cret"), std::string::npos);
  EXPECT_NE(error.message.find("Connection refused"), std::string::npos);
  // A GET: one round plus get_retries more over both addresses.
  EXPECT_EQ(fake_.requests.size(), 6u);
  EXPECT_EQ(pauses_.size(), 2u);

  // A POST makes one round only.
  fake_.requests.clear();
  EXPECT_EQ(client.RunJar("j.jar", RunJarRequest{}).error().code, ErrorCode::CLUSTER_UNREACHABLE);
  EXPECT_EQ(fake_.requests.size(), 2u);
}

TEST_F(FlinkRestClientTest, TimeoutsEverywhereAreClusterTimeout) {
  fake_.Fail(kA, Kind::kTimeout);
  fake_.Fail(kB, Kind::kCouldNotConnect);
  auto client = Client({kA, kB});
  auto config = client.Config();
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::CLUSTER_TIMEOUT);
}

TEST_F(FlinkRestClientTest, NoAddressAtAllIsUnreachable) {
  auto client = Client({});
  EXPECT_EQ(client.Config().error().code, ErrorCode::CLUSTER_UNREACHABLE);
  EXPECT_EQ(client.active_address(), "");
}

// ---- ids and odd answers

TEST_F(FlinkRestClientTest, BadIdsAreRefusedBeforeAnythingIsSent) {
  auto client = Client();
  for (const std::string& bad :
       {std::string(""), std::string("7684be6004e4e955c2a558a9bc463f6"),  // 31 digits
        std::string("7684be6004e4e955c2a558a9bc463f65/../../cluster"),
        std::string("zz84be6004e4e955c2a558a9bc463f65"), std::string("../overview")}) {
    EXPECT_EQ(client.JobDetails(bad).error().code, ErrorCode::INVALID_ARGUMENT) << bad;
    EXPECT_EQ(client.CancelJob(bad).error().field, "job_id") << bad;
    EXPECT_EQ(client.TriggerSavepoint(bad, "", false).error().code, ErrorCode::INVALID_ARGUMENT);
  }
  for (const std::string& bad : {std::string(""), std::string("a/b"), std::string(".."),
                                 std::string("x\ny"), std::string("x\\y"), std::string(300, 'a')}) {
    EXPECT_EQ(client.SavepointStatus(kJob, bad).error().field, "trigger_id") << bad;
    EXPECT_EQ(client.RunJar(bad, {}).error().field, "jar_id") << bad;
    EXPECT_EQ(client.DeleteJar(bad).error().code, ErrorCode::INVALID_ARGUMENT) << bad;
  }
  EXPECT_EQ(client.RunJar("j.jar", RunJarRequest{.job_id = "nope"}).error().code,
            ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(client.RunJar("j.jar", RunJarRequest{.parallelism = 0}).error().code,
            ErrorCode::INVALID_ARGUMENT);
  EXPECT_TRUE(fake_.requests.empty());
  // Upper-case hex is a job id too; odd but safe characters in other ids are encoded.
  EXPECT_TRUE(ValidateJobId("7684BE6004E4E955C2A558A9BC463F65").ok());
  fake_.On("DELETE", "/jars/a%20b%3F.jar", 200, "{}");
  EXPECT_TRUE(client.DeleteJar("a b?.jar").ok());
}

TEST_F(FlinkRestClientTest, OddAnswersNeverThrow) {
  const std::vector<std::string> odd = {
      "",
      "null",
      "42",
      "\"text\"",
      "[]",
      "[1,2]",
      "{}",
      "{\"jobs\":42}",
      "{\"jobs\":[42,null]}",
      "{\"taskmanagers\":{\"id\":1}}",
      "{\"logs\":[{\"name\":7}]}",
      "{\"status\":\"COMPLETED\"}",
      "{\"status\":{\"id\":7}}",
      "{\"counts\":[]}",
      "{\"counts\":{},\"latest\":{\"completed\":[]}}",
      "{\"exceptionHistory\":{\"entries\":[1,{\"failureLabels\":[],\"concurrentExceptions\":{}}]}}",
      "{\"root-exception\":5,\"all-exceptions\":{}}",
      "{\"filename\":\"\"}",
      "{\"filename\":\"/a/..\"}",
      "{\"jobid\":7}",
      "{\"request-id\":null}",
      "\xff\xfe",
      "{\"errors\":42}",
      "{\"errors\":[7,null]}",
      "{\"flink-version\":[]}",
      "{\"jid\":1,\"state\":{}}",
      "{\"taskmanagers\":1e400}"};
  fs::path jar = dir_ / "j.jar";
  std::ofstream(jar) << "PK";
  for (int status : {200, 404, 500}) {
    for (const std::string& body : odd) {
      FakeFlink fake;
      for (const char* method : {"GET", "POST", "PATCH", "DELETE"}) {
        for (const std::string& path :
             {std::string("/config"), std::string("/overview"), std::string("/jobmanager/config"),
              std::string("/taskmanagers"), std::string("/cluster"), std::string("/jobs/overview"),
              "/jobs/" + std::string(kJob), "/jobs/" + std::string(kJob) + "?mode=cancel",
              "/jobs/" + std::string(kJob) + "/exceptions?maxExceptions=20",
              "/jobs/" + std::string(kJob) + "/checkpoints",
              "/jobs/" + std::string(kJob) + "/savepoints", "/jobs/" + std::string(kJob) + "/stop",
              "/jobs/" + std::string(kJob) + "/savepoints/" + kTrigger,
              std::string("/jobmanager/logs"), std::string("/jobmanager/log"),
              std::string("/taskmanagers/tm/logs"), std::string("/jars/upload"),
              std::string("/jars/j.jar/run"), std::string("/jars/j.jar")}) {
          fake.On(method, path, status, body);
        }
      }
      FlinkRestClient client({kA}, fake, options_);
      SCOPED_TRACE(testing::Message() << "HTTP " << status << " " << body);
      EXPECT_NO_THROW({
        (void)client.Config();
        (void)client.Overview();
        (void)client.JobManagerConfig();
        (void)client.TaskManagers();
        (void)client.ShutdownCluster();
        (void)client.JobsOverview();
        (void)client.JobDetails(kJob);
        (void)client.JobExceptions(kJob);
        (void)client.Checkpoints(kJob);
        (void)client.CancelJob(kJob);
        (void)client.TriggerSavepoint(kJob, "", false);
        (void)client.StopWithSavepoint(kJob, "", false);
        (void)client.SavepointStatus(kJob, kTrigger);
        (void)client.WaitForSavepoint(kJob, kTrigger, milliseconds(10));
        (void)client.JobManagerLogList();
        (void)client.JobManagerLog();
        (void)client.TaskManagerLogList("tm");
        (void)client.UploadJar(jar.string());
        (void)client.RunJar("j.jar", RunJarRequest{.program_args = {"\xff bad utf-8"}});
        (void)client.DeleteJar("j.jar");
      });
      // Whatever the body, a 200 for /config without a version is not Flink.
      if (status == 200) {
        EXPECT_FALSE(client.Config().ok());
      }
    }
  }
}

TEST(FlinkErrorReason, PicksTheMeaningfulLine) {
  EXPECT_EQ(FlinkErrorReason(R"({"errors":["Not found: /nope"]})"), "Not found: /nope");
  EXPECT_EQ(FlinkErrorReason(kInternalError),
            "Internal server error while triggering savepoint operation with "
            "triggerId=b3a5d5e3c7f24f6c9a4bd1e1cf3a4c1d for job 7684be6004e4e955c2a558a9bc463f65. "
            "(caused by CheckpointException: Checkpoint triggering task Source: sequence (1/1) of "
            "job 7684be6004e4e955c2a558a9bc463f65 is not being executed at the moment.)");
  EXPECT_EQ(FlinkErrorReason(R"({"errors":["Internal server error."]})"), "Internal server error.");
  // A Caused by that only repeats the message adds nothing.
  EXPECT_EQ(
      FlinkErrorReason(
          R"({"errors":["java.util.concurrent.CompletionException: java.lang.IllegalStateException: boom\nCaused by: java.lang.IllegalStateException: boom\n"]})"),
      "boom");
  EXPECT_EQ(FlinkErrorReason(R"({"errors":[]})"), "Flink gave no reason");
  EXPECT_EQ(FlinkErrorReason("<html>"), std::nullopt);
  EXPECT_EQ(FlinkErrorReason(R"({"error":"x"})"), std::nullopt);
  std::string longer = Json{{"errors", {std::string(1000, 'y')}}}.dump();
  EXPECT_LE(FlinkErrorReason(longer)->size(), 503u);
}

}  // namespace
}  // namespace sluice::flink
