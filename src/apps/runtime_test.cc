// Deploy, stop, savepoints and the tracker, through the API and the module's one-step hooks, with
// a fake cluster (JobGateway) and a fake Flink CLI (Submitter). The same behaviours run against
// real Flink in tests/functional/apps_flink_test.cc.
#include <gtest/gtest.h>
#include <zip.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "apps/apps_module.h"
#include "apps/event_stream.h"
#include "apps/job_package.h"
#include "flink/flink_module.h"
#include "system/system_test_fixture.h"

namespace sluice::apps {
namespace {

using system::testing::Answer;

// A cluster per id: its jobs, and whether it answers.
class FakeGateway final : public JobGateway {
 public:
  Result<std::vector<flink::JobSummary>> JobsOverview(int64_t cluster_id) override {
    if (before_overview) before_overview(cluster_id);
    std::lock_guard lock(mutex);
    ++overview_calls[cluster_id];
    if (unreachable.count(cluster_id)) {
      return Error(ErrorCode::CLUSTER_UNREACHABLE, "no address answered (connection refused)");
    }
    std::vector<flink::JobSummary> out;
    for (const auto& [id, state] : jobs[cluster_id]) {
      flink::JobSummary job;
      job.id = id;
      job.state = state;
      out.push_back(job);
    }
    return out;
  }
  Status CancelJob(int64_t cluster_id, const std::string& job_id) override {
    std::lock_guard lock(mutex);
    auto& cluster = jobs[cluster_id];
    if (!cluster.count(job_id)) return Error(ErrorCode::FLINK_JOB_NOT_FOUND, "no such job");
    cluster[job_id] = "CANCELED";
    cancels.push_back(job_id);
    return Status::Ok();
  }
  Result<std::string> StopWithSavepoint(int64_t cluster_id, const std::string& job_id,
                                        const std::string& target_dir, bool drain,
                                        std::chrono::milliseconds) override {
    std::lock_guard lock(mutex);
    jobs[cluster_id][job_id] = "FINISHED";
    last_drain = drain;
    return target_dir + "/savepoint-" + job_id.substr(0, 6);
  }
  Result<std::string> TriggerSavepoint(int64_t, const std::string& job_id,
                                       const std::string& target_dir,
                                       std::chrono::milliseconds) override {
    return target_dir + "/savepoint-live-" + job_id.substr(0, 6);
  }
  Result<flink::JobExceptionHistory> JobExceptions(int64_t, const std::string&) override {
    flink::JobExceptionHistory history;
    history.root_cause_summary = root_cause;
    return history;
  }
  Result<flink::CheckpointStats> Checkpoints(int64_t, const std::string& job_id) override {
    flink::CheckpointStats stats;
    stats.available = true;
    flink::CheckpointInfo info;
    info.status = "COMPLETED";
    info.id = 7;
    info.external_path =
        checkpoint_path.empty() ? "s3://bucket/checkpoints/" + job_id + "/chk-7" : checkpoint_path;
    info.timestamp_ms = 1700000000000;
    stats.latest_completed = info;
    return stats;
  }
  std::string WebUrl(int64_t) override { return "http://127.0.0.1:8081"; }
  std::string ActiveAddress(int64_t) override { return "http://127.0.0.1:8081"; }

  void Set(int64_t cluster, const std::string& job, const std::string& state) {
    std::lock_guard lock(mutex);
    jobs[cluster][job] = state;
  }
  int Overviews(int64_t cluster) {
    std::lock_guard lock(mutex);
    return overview_calls[cluster];
  }

  std::mutex mutex;
  std::map<int64_t, std::map<std::string, std::string>> jobs;
  std::set<int64_t> unreachable;
  std::map<int64_t, int> overview_calls;
  std::vector<std::string> cancels;
  bool last_drain = false;
  std::string root_cause = "java.lang.IllegalStateException: boom";
  std::string checkpoint_path;  // the latest completed checkpoint's path ("" = s3://.../chk-7)
  // Called before each overview (outside the lock): tests put jobs on clusters from here.
  std::function<void(int64_t)> before_overview;
};

// Flink's CLI: records the request and puts the job on the fake cluster, or fails as told.
class FakeSubmitter final : public flink::Submitter {
 public:
  FakeSubmitter(FakeGateway& gateway, int64_t cluster) : gateway_(gateway), cluster_(cluster) {}
  Result<flink::SubmitOutcome> Submit(const flink::SubmitRequest& request,
                                      const std::atomic<bool>*) override {
    std::lock_guard lock(mutex);
    requests.push_back(request);
    std::ofstream(request.log_path, std::ios::app) << "$ bin/flink run ...\n" << log_text;
    if (failure) return *failure;
    std::string job_id = request.dynamic_properties.at("$internal.pipeline.job-id");
    gateway_.Set(cluster_, job_id, "CREATED");
    return flink::SubmitOutcome{job_id, request.log_path, ""};
  }
  std::mutex mutex;
  std::vector<flink::SubmitRequest> requests;
  std::optional<Error> failure;
  std::string log_text = "Job has been submitted\n";

 private:
  FakeGateway& gateway_;
  int64_t cluster_;
};

class RuntimeTest : public system::testing::SystemTest {
 protected:
  void SetUp() override {
    SystemTest::SetUp();
    flink::FlinkOptions flink_options;
    flink_options.data_dir = dir_.string();
    flink_ = std::make_unique<flink::FlinkModule>(*db_, clock_, flink_options,
                                                  std::make_unique<NullProbe>());
    auto env = db_->Query(
        "INSERT INTO flink_envs (name, home, version, config_file, config_text, description, "
        "is_default, created_at, updated_at) VALUES ('flink', '/opt/flink', '1.20.5', "
        "'config.yaml', '', '', 1, 0, 0) RETURNING id");
    ASSERT_TRUE(env.ok());
    auto cluster = db_->Query(
        "INSERT INTO clusters (name, kind, flink_env_id, addresses, config, state, "
        "state_changed_at, created_at, updated_at) VALUES ('remote-a', 'remote', ?, "
        "'[\"http://127.0.0.1:8081\"]', '{}', 'RUNNING', 0, 0, 0) RETURNING id",
        {env->Int(0, "id")});
    ASSERT_TRUE(cluster.ok());
    cluster_id_ = cluster->Int(0, "id");
    runner_jar_ = (dir_ / "runner.jar").string();
    WriteZip(runner_jar_, "dev/sluice/runner/SqlRunner.class");

    auto gateway = std::make_unique<FakeGateway>();
    gateway_ = gateway.get();
    auto submitter = std::make_unique<FakeSubmitter>(*gateway_, cluster_id_);
    submitter_ = submitter.get();
    AppsOptions options;
    options.actions.data_dir = dir_.string();
    options.actions.runner_jar = runner_jar_;
    options.actions.sleep = [this](std::chrono::milliseconds d) { clock_.Advance(d); };
    options.tracker.lost_after = std::chrono::seconds(10);
    apps_ = std::make_unique<AppsModule>(*db_, clock_, *flink_, options, std::move(gateway),
                                         std::move(submitter));
    apps_->RegisterRoutes(router_, module_->guard());
    team_ = AddTeam("data");
  }
  void TearDown() override {
    apps_.reset();
    flink_.reset();
    SystemTest::TearDown();
  }

  class NullProbe final : public flink::ClusterProbe {
   public:
    Result<flink::ClusterProbeResult> Probe(const std::vector<std::string>&) override {
      return Error(ErrorCode::CLUSTER_UNREACHABLE, "not in this test");
    }
  };

  static void WriteZip(const std::string& path, const std::string& entry) {
    int error = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    ASSERT_NE(archive, nullptr);
    static const char kBytes[] = "class bytes";
    zip_source_t* source = zip_source_buffer(archive, kBytes, sizeof kBytes, 0);
    ASSERT_GE(zip_file_add(archive, entry.c_str(), source, 0), 0);
    ASSERT_EQ(zip_close(archive), 0);
  }

  int64_t CreateSqlApp(const std::string& name, Json extra = Json::object()) {
    Json body = {{"name", name},
                 {"team_id", team_},
                 {"kind", "sql"},
                 {"target", {{"mode", "session"}, {"cluster_id", cluster_id_}}},
                 {"sql",
                  "CREATE TABLE s (x INT) WITH ('connector' = 'datagen');\n"
                  "INSERT INTO k SELECT * FROM s;"}};
    for (auto& [key, value] : extra.items()) body[key] = value;
    Answer created = Call("POST", "/api/v1/apps", body, AdminToken());
    EXPECT_EQ(created.status, 201) << created.body;
    return created.status == 201 ? created.json["id"].get<int64_t>() : 0;
  }
  std::string AddUserWithRole(const std::string& name, int64_t team, const std::string& role) {
    AddMember(team, AddUser(name), role);
    return Login(name, system::testing::kUserPassword);
  }
  std::string Path(int64_t app, const std::string& suffix = "") {
    return "/api/v1/apps/" + std::to_string(app) + suffix;
  }
  Json GetApp(int64_t app) { return Call("GET", Path(app), nullptr, AdminToken()).json; }
  // Deploys through the API and runs the operation; answers the operation's final JSON.
  Json DeployAndRun(int64_t app, Json body = Json::object()) {
    Answer accepted = Call("POST", Path(app, "/deploy"), body, AdminToken());
    EXPECT_EQ(accepted.status, 202) << accepted.body;
    EXPECT_TRUE(apps_->RunOnePendingOperation());
    return Call("GET", "/api/v1/operations/" + std::to_string(accepted.json["id"].get<int64_t>()),
                nullptr, AdminToken())
        .json;
  }
  void Cycle() { ASSERT_TRUE(apps_->tracker().RunCycle().ok()); }
  std::vector<std::string> StateEvents(int64_t app) {
    std::vector<std::string> out;
    Json events = Call("GET", Path(app, "/events?limit=100"), nullptr, AdminToken()).json;
    for (const Json& e : events["items"]) {
      if (e["kind"] == "state")
        out.push_back(e["from"].get<std::string>() + ">" + e["to"].get<std::string>());
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

  std::unique_ptr<flink::FlinkModule> flink_;
  std::unique_ptr<AppsModule> apps_;
  FakeGateway* gateway_ = nullptr;
  FakeSubmitter* submitter_ = nullptr;
  int64_t cluster_id_ = 0;
  int64_t team_ = 0;
  std::string runner_jar_;
};

TEST_F(RuntimeTest, DeployChoosesTheJobIdFirstAndTheTrackerFollowsFlink) {
  int64_t app = CreateSqlApp(
      "orders",
      {{"parallelism", 3},
       {"config_yaml",
        "execution:\n  checkpointing:\n    interval: 10s\n"
        "pipeline.max-parallelism: 64\n"},
       {"options", {{"pipeline.max-parallelism", 128}, {"taskmanager.numberOfTaskSlots", 2}}},
       {"dynamic_properties", "-Dtaskmanager.numberOfTaskSlots=4\n"}});
  Json op = DeployAndRun(app);
  ASSERT_EQ(op["state"], "SUCCEEDED") << op.dump();
  Json deployed = GetApp(app);
  EXPECT_EQ(deployed["state"], "DEPLOYING");
  EXPECT_EQ(deployed["version"], 1);
  ASSERT_EQ(submitter_->requests.size(), 1u);
  const flink::SubmitRequest& request = submitter_->requests[0];
  // The id was chosen by Sluice, stored, and passed to Flink.
  EXPECT_EQ(request.dynamic_properties.at("$internal.pipeline.job-id"), deployed["job_id"]);
  EXPECT_EQ(op["result"]["job_id"], deployed["job_id"]);
  EXPECT_EQ(request.main_class, "dev.sluice.runner.SqlRunner");
  EXPECT_EQ(request.parallelism, 3);
  EXPECT_EQ(request.rest_address, "127.0.0.1");
  EXPECT_EQ(request.rest_port, 8081);
  // Precedence: config_yaml < options < dynamic properties.
  EXPECT_EQ(request.dynamic_properties.at("execution.checkpointing.interval"), "10s");
  EXPECT_EQ(request.dynamic_properties.at("pipeline.max-parallelism"), "128");
  EXPECT_EQ(request.dynamic_properties.at("taskmanager.numberOfTaskSlots"), "4");
  EXPECT_EQ(request.dynamic_properties.at("pipeline.name"), "orders");
  // The script handed to the runner is the app's SQL.
  ASSERT_GE(request.program_args.size(), 2u);
  std::ifstream script(request.program_args[1]);
  std::string text((std::istreambuf_iterator<char>(script)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("INSERT INTO k"), std::string::npos);

  Cycle();
  EXPECT_EQ(GetApp(app)["state"], "CREATED");
  gateway_->Set(cluster_id_, deployed["job_id"], "RUNNING");
  Cycle();
  EXPECT_EQ(GetApp(app)["state"], "RUNNING");
  EXPECT_EQ(StateEvents(app),
            (std::vector<std::string>{"NEW>DEPLOYING", "DEPLOYING>CREATED", "CREATED>RUNNING"}));
  // The start log is served.
  Answer log = Call("GET", Path(app, "/logs/start"), nullptr, AdminToken());
  EXPECT_EQ(log.status, 200);
  EXPECT_NE(log.body.find("Job has been submitted"), std::string::npos);
}

TEST_F(RuntimeTest, FollowersOfTheEventsAreWokenAfterEachCommittedChange) {
  std::atomic<int> wakeups{0};
  int subscription = apps_->journal().changed().Subscribe([&] { ++wakeups; });
  int64_t app = CreateSqlApp("woken");
  EXPECT_EQ(wakeups, 0);  // creating an app is not an event
  Json op = DeployAndRun(app);
  ASSERT_EQ(op["state"], "SUCCEEDED") << op.dump();
  int after_deploy = wakeups;
  EXPECT_GE(after_deploy, 1);  // at least NEW>DEPLOYING
  Cycle();                     // DEPLOYING>CREATED
  EXPECT_GT(wakeups, after_deploy);
  apps_->journal().changed().Unsubscribe(subscription);
  int before = wakeups;
  gateway_->Set(cluster_id_, GetApp(app)["job_id"], "RUNNING");
  Cycle();
  EXPECT_EQ(GetApp(app)["state"], "RUNNING");
  EXPECT_EQ(wakeups, before);
}

// The frames of an SSE text whose event is "app", as their JSON data.
std::vector<Json> AppFrames(const std::string& text) {
  std::vector<Json> out;
  size_t at = 0;
  while ((at = text.find("event: app\ndata: ", at)) != std::string::npos) {
    at += std::string("event: app\ndata: ").size();
    size_t end = text.find('\n', at);
    out.push_back(Json::parse(text.substr(at, end - at)));
  }
  return out;
}

TEST_F(RuntimeTest, TheEventStreamSendsNewEventsOfTheCallersTeamsOnly) {
  int64_t app = CreateSqlApp("streamed");
  int64_t other_team = AddTeam("elsewhere");
  system::Principal admin;
  admin.is_admin = true;
  system::Principal outsider;
  outsider.roles[other_team] = system::Role::kOwner;
  ChangeSignal& changed = apps_->journal().changed();
  std::atomic<int> wakes{0};
  AppEventStream all(*db_, changed, clock_, {}, true, std::nullopt);
  AppEventStream none(*db_, changed, clock_, {other_team}, false, std::nullopt);
  all.Start([&] { ++wakes; });
  none.Start([] {});
  // The first read says how to reconnect and starts at the newest event: nothing old is sent.
  std::string first = *all.Read();
  EXPECT_NE(first.find("retry: 3000"), std::string::npos);
  EXPECT_TRUE(AppFrames(first).empty());
  ASSERT_TRUE(none.Read().has_value());

  ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  EXPECT_GE(wakes, 1);
  std::vector<Json> frames = AppFrames(*all.Read());
  ASSERT_FALSE(frames.empty());
  bool saw_deploying = false;
  for (const Json& frame : frames) {
    EXPECT_EQ(frame["app_id"], app);
    EXPECT_EQ(frame["app"], "streamed");
    if (frame["kind"] == "state" && frame["to"] == "DEPLOYING") saw_deploying = true;
  }
  EXPECT_TRUE(saw_deploying);
  // Sent once: the look-back window does not repeat them.
  EXPECT_TRUE(AppFrames(*all.Read()).empty());
  EXPECT_TRUE(AppFrames(*none.Read()).empty());

  gateway_->Set(cluster_id_, GetApp(app)["job_id"], "RUNNING");
  Cycle();
  Cycle();
  frames = AppFrames(*all.Read());
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back()["to"], "RUNNING");
  EXPECT_EQ(frames.back()["state"], "RUNNING");
}

TEST_F(RuntimeTest, TheEventStreamReplaysWhatAReconnectingClientMissed) {
  int64_t app = CreateSqlApp("replayed");
  ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  Json events = Call("GET", Path(app, "/events?limit=100"), nullptr, AdminToken()).json;
  ASSERT_GE(events["items"].size(), 2u);
  // Newest first: the client had the oldest one only.
  int64_t oldest = events["items"].back()["id"];
  AppEventStream stream(*db_, apps_->journal().changed(), clock_, {team_}, false, oldest);
  stream.Start([] {});
  std::vector<Json> frames = AppFrames(*stream.Read());
  ASSERT_EQ(frames.size(), events["items"].size() - 1);
  for (const Json& frame : frames) EXPECT_GT(frame["id"].get<int64_t>(), oldest);

  // Idle: a comment at the heartbeat, nothing before it.
  stream.set_heartbeat(std::chrono::seconds(15));
  EXPECT_EQ(*stream.Read(), "");
  clock_.Advance(std::chrono::seconds(16));
  EXPECT_EQ(*stream.Read(), ": ping\n\n");
}

TEST_F(RuntimeTest, TheEventStreamRefusesAMalformedLastEventIdAndEndsWithTheToken) {
  system::Principal principal;
  principal.roles[team_] = system::Role::kViewer;
  principal.token_expires_at = clock_.Now() + std::chrono::minutes(1);
  http::Request request;
  request.headers["last-event-id"] = "12; DROP";
  auto refused = EventStreamAnswer(*db_, apps_->journal().changed(), clock_, request, principal);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::INVALID_ARGUMENT);
  request.headers["last-event-id"] = "12";
  auto answer = EventStreamAnswer(*db_, apps_->journal().changed(), clock_, request, principal);
  ASSERT_TRUE(answer.ok());
  ASSERT_NE(answer->stream, nullptr);
  EXPECT_EQ(answer->content_type.rfind("text/event-stream", 0), 0u);
  answer->stream->Start([] {});
  EXPECT_TRUE(answer->stream->Read().has_value());
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_FALSE(answer->stream->Read().has_value());
}

TEST_F(RuntimeTest, OneRequestPerClusterPerCycleHoweverManyJobs) {
  for (int i = 0; i < 5; ++i) {
    int64_t app = CreateSqlApp("app-" + std::to_string(i));
    ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  }
  int before = gateway_->Overviews(cluster_id_);
  Cycle();
  EXPECT_EQ(gateway_->Overviews(cluster_id_), before + 1);
  auto rows = db_->Query("SELECT COUNT(*) AS n FROM apps WHERE state = 'CREATED'");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int(0, "n"), 5);
}

TEST_F(RuntimeTest, AFailedStartReturnsToTheFormerStateWithTheCause) {
  int64_t app = CreateSqlApp("broken");
  submitter_->failure = Error(ErrorCode::SUBMIT_FAILED,
                              "Flink did not accept the job: Statement at line 1 failed: Could not "
                              "find any factory for identifier 'nosuch'");
  Json op = DeployAndRun(app);
  EXPECT_EQ(op["state"], "FAILED");
  EXPECT_EQ(op["error"]["code"], "APP_DEPLOY_FAILED");
  Json after = GetApp(app);
  EXPECT_EQ(after["state"], "NEW");
  EXPECT_TRUE(after["job_id"].is_null());
  EXPECT_NE(after["last_error"].get<std::string>().find("'nosuch'"), std::string::npos);
  EXPECT_TRUE(after["operation"].is_null());
  EXPECT_EQ(StateEvents(app), (std::vector<std::string>{"NEW>DEPLOYING", "DEPLOYING>NEW"}));
}

TEST_F(RuntimeTest, LostWhenUnseenForTheConfiguredTimeThenReattachedWithoutResubmitting) {
  int64_t app = CreateSqlApp("orders");
  ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  std::string job = GetApp(app)["job_id"];
  gateway_->Set(cluster_id_, job, "RUNNING");
  Cycle();
  ASSERT_EQ(GetApp(app)["state"], "RUNNING");

  gateway_->unreachable.insert(cluster_id_);
  Cycle();
  clock_.Advance(std::chrono::seconds(9));
  Cycle();
  EXPECT_EQ(GetApp(app)["state"], "RUNNING");  // not yet: 9 s < 10 s
  clock_.Advance(std::chrono::seconds(2));
  Cycle();
  Json lost = GetApp(app);
  EXPECT_EQ(lost["state"], "LOST");
  EXPECT_EQ(lost["job_id"], job);

  gateway_->unreachable.clear();
  Cycle();
  Json back = GetApp(app);
  EXPECT_EQ(back["state"], "RUNNING");
  EXPECT_EQ(back["job_id"], job);
  EXPECT_EQ(submitter_->requests.size(), 1u);  // nothing was submitted again
  Json events = Call("GET", Path(app, "/events"), nullptr, AdminToken()).json;
  EXPECT_NE(events["items"][0]["cause"].get<std::string>().find("re-attached"), std::string::npos);
}

TEST_F(RuntimeTest, AJobThatIsNotListedAnyMoreTurnsLost) {
  int64_t app = CreateSqlApp("orders");
  ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  std::string job = GetApp(app)["job_id"];
  gateway_->Set(cluster_id_, job, "RUNNING");
  Cycle();
  gateway_->jobs[cluster_id_].clear();
  Cycle();
  clock_.Advance(std::chrono::seconds(11));
  Cycle();
  EXPECT_EQ(GetApp(app)["state"], "LOST");
  Json events = Call("GET", Path(app, "/events"), nullptr, AdminToken()).json;
  EXPECT_NE(events["items"][0]["cause"].get<std::string>().find("not on its cluster"),
            std::string::npos);
}

TEST_F(RuntimeTest, ADeployIsRefusedWhileTheJobMayStillRun) {
  int64_t app = CreateSqlApp("orders");
  ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  std::string job = GetApp(app)["job_id"];
  gateway_->Set(cluster_id_, job, "RUNNING");
  Cycle();
  Answer again = Call("POST", Path(app, "/deploy"), Json::object(), AdminToken());
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.code(), "APP_WRONG_STATE");

  // Even when Sluice's state says the job ended, the cluster is asked before submitting.
  ASSERT_TRUE(db_->Query("UPDATE apps SET state = 'CANCELED' WHERE id = ?", {app}).ok());
  Json op = DeployAndRun(app);
  EXPECT_EQ(op["state"], "FAILED");
  EXPECT_EQ(op["error"]["code"], "APP_JOB_STILL_RUNNING");
  EXPECT_EQ(submitter_->requests.size(), 1u);
}

TEST_F(RuntimeTest, TwoActionsAtOnceTheSecondIsRefused) {
  int64_t app = CreateSqlApp("orders");
  Answer first = Call("POST", Path(app, "/deploy"), Json::object(), AdminToken());
  ASSERT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(first.json["state"], "PENDING");
  EXPECT_EQ(GetApp(app)["operation"]["id"], first.json["id"]);
  Answer second = Call("POST", Path(app, "/deploy"), Json::object(), AdminToken());
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(second.code(), "APP_OPERATION_IN_FLIGHT");
  auto rows = db_->Query("SELECT COUNT(*) AS n FROM operations");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int(0, "n"), 1);
}

TEST_F(RuntimeTest, StopWithASavepointThenRestoreLatest) {
  int64_t app = CreateSqlApp("orders");
  ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  std::string job = GetApp(app)["job_id"];
  gateway_->Set(cluster_id_, job, "RUNNING");
  Cycle();

  Answer stop =
      Call("POST", Path(app, "/stop"), {{"savepoint", true}, {"drain", true}}, AdminToken());
  ASSERT_EQ(stop.status, 202) << stop.body;
  ASSERT_TRUE(apps_->RunOnePendingOperation());
  Json op = Call("GET", "/api/v1/operations/" + std::to_string(stop.json["id"].get<int64_t>()),
                 nullptr, AdminToken())
                .json;
  ASSERT_EQ(op["state"], "SUCCEEDED") << op.dump();
  EXPECT_TRUE(gateway_->last_drain);
  std::string savepoint = op["result"]["savepoint"];
  EXPECT_NE(savepoint.find("/app-" + std::to_string(app)), std::string::npos);
  EXPECT_EQ(GetApp(app)["state"], "FINISHED");
  Json points = Call("GET", Path(app, "/savepoints"), nullptr, AdminToken()).json;
  ASSERT_EQ(points["total"], 1);
  EXPECT_EQ(points["items"][0]["path"], savepoint);
  EXPECT_EQ(points["items"][0]["kind"], "savepoint");

  Json redeploy = DeployAndRun(app, {{"restore", "latest"}, {"allow_non_restored_state", true}});
  ASSERT_EQ(redeploy["state"], "SUCCEEDED") << redeploy.dump();
  EXPECT_EQ(redeploy["result"]["restored_from"], savepoint);
  ASSERT_EQ(submitter_->requests.size(), 2u);
  EXPECT_EQ(submitter_->requests[1].savepoint_path, savepoint);
  EXPECT_TRUE(submitter_->requests[1].allow_non_restored_state);
  EXPECT_NE(GetApp(app)["job_id"], job);  // a new job, a new id
}

TEST_F(RuntimeTest, CancelOutsideSluiceAndRetainedCheckpointsAreRecorded) {
  int64_t app = CreateSqlApp("orders");
  ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  std::string job = GetApp(app)["job_id"];
  gateway_->Set(cluster_id_, job, "RUNNING");
  Cycle();
  gateway_->Set(cluster_id_, job, "CANCELED");
  Cycle();
  EXPECT_EQ(GetApp(app)["state"], "CANCELED");
  Json events = Call("GET", Path(app, "/events"), nullptr, AdminToken()).json;
  bool outside = false;
  for (const Json& e : events["items"]) {
    outside = outside || e["cause"].get<std::string>().find("outside Sluice") != std::string::npos;
  }
  EXPECT_TRUE(outside);
  Json points = Call("GET", Path(app, "/savepoints"), nullptr, AdminToken()).json;
  ASSERT_EQ(points["total"], 1);
  EXPECT_EQ(points["items"][0]["kind"], "checkpoint");
}

TEST_F(RuntimeTest, StaleCheckpointStatisticsRecordTheNewestLocalCheckpointLeft) {
  int64_t app = CreateSqlApp("orders");
  ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  std::string job = GetApp(app)["job_id"];
  // Flink's cached statistics name chk-7, which chk-9 subsumed (gone); chk-9 is what is left.
  const auto folder = dir_ / "chk" / job;
  std::filesystem::create_directories(folder / "chk-9");
  std::filesystem::create_directories(folder / "chk-8");  // no _metadata: not a restore point
  { std::ofstream(folder / "chk-9" / "_metadata") << "x"; }
  gateway_->checkpoint_path = "file:" + (folder / "chk-7").string();
  gateway_->Set(cluster_id_, job, "RUNNING");
  Cycle();
  gateway_->Set(cluster_id_, job, "CANCELED");
  Cycle();
  Json points = Call("GET", Path(app, "/savepoints"), nullptr, AdminToken()).json;
  ASSERT_EQ(points["total"], 1) << points.dump();
  EXPECT_EQ(points["items"][0]["path"], "file:" + (folder / "chk-9").string());
}

TEST_F(RuntimeTest, AFailedJobKeepsItsRootCause) {
  int64_t app = CreateSqlApp("orders");
  ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  std::string job = GetApp(app)["job_id"];
  gateway_->Set(cluster_id_, job, "FAILED");
  Cycle();
  Json failed = GetApp(app);
  EXPECT_EQ(failed["state"], "FAILED");
  EXPECT_NE(failed["last_error"].get<std::string>().find("boom"), std::string::npos);
}

TEST_F(RuntimeTest, RestoreLatestWithoutASavepointIsRefusedUpFront) {
  int64_t app = CreateSqlApp("orders");
  Answer answer = Call("POST", Path(app, "/deploy"), {{"restore", "latest"}}, AdminToken());
  EXPECT_EQ(answer.status, 422);
  EXPECT_EQ(answer.code(), "APP_NO_RESTORE_POINT");
  Answer bad = Call("POST", Path(app, "/deploy"), {{"restore", 7}}, AdminToken());
  EXPECT_EQ(bad.status, 400);
  Answer unknown = Call("POST", Path(app, "/deploy"), {{"bogus", true}}, AdminToken());
  EXPECT_EQ(unknown.status, 400);
  auto rows = db_->Query("SELECT COUNT(*) AS n FROM operations");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int(0, "n"), 0);
}

TEST_F(RuntimeTest, ViewersMayLookButNotAct) {
  int64_t app = CreateSqlApp("orders");
  std::string viewer = AddUserWithRole("vic", team_, "viewer");
  Answer deploy = Call("POST", Path(app, "/deploy"), Json::object(), viewer);
  EXPECT_EQ(deploy.status, 403);
  EXPECT_EQ(Call("GET", Path(app, "/events"), nullptr, viewer).status, 200);
  EXPECT_EQ(Call("GET", Path(app, "/savepoints"), nullptr, viewer).status, 200);
  std::string outsider = AddUserWithRole("oscar", AddTeam("other"), "owner");
  EXPECT_EQ(Call("GET", Path(app, "/events"), nullptr, outsider).status, 404);
  EXPECT_EQ(Call("POST", Path(app, "/deploy"), Json::object(), outsider).status, 404);
}

TEST_F(RuntimeTest, ReconcileKeepsADeployWhoseJobIsThereAndFailsTheRest) {
  int64_t app = CreateSqlApp("orders");
  int64_t other = CreateSqlApp("other");
  // A deploy that chose its id and submitted, then the process died.
  const std::string job = NewJobId();
  ASSERT_TRUE(db_->Query("INSERT INTO operations (team_id, app_id, kind, state, params, result, "
                         "error, created_at) VALUES (?, ?, 'deploy', 'RUNNING', ?, '', '', 0)",
                         {team_, app, Json{{"job_id", job}}.dump()})
                  .ok());
  ASSERT_TRUE(db_->Query("UPDATE apps SET state = 'DEPLOYING', job_id = ?, cluster_id = ?, "
                         "operation_id = 1 WHERE id = ?",
                         {job, cluster_id_, app})
                  .ok());
  ASSERT_TRUE(
      db_->Query("INSERT INTO operations (team_id, app_id, kind, state, params, result, "
                 "error, created_at) VALUES (?, ?, 'savepoint', 'RUNNING', '{}', '', '', 0)",
                 {team_, other})
          .ok());
  gateway_->Set(cluster_id_, job, "RUNNING");
  ASSERT_TRUE(apps_->tracker().Reconcile().ok());
  auto kept = apps_->operations().Get(1);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->state, "SUCCEEDED");
  auto failed = apps_->operations().Get(2);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->state, "FAILED");
  EXPECT_EQ(GetApp(app)["state"], "RUNNING");
  EXPECT_EQ(submitter_->requests.size(), 0u);
}

TEST(JobPackageTest, PropertiesFollowTheDocumentedPrecedence) {
  Json spec = {{"config_yaml", "a: yaml\nb: yaml\nc: yaml\nd: yaml\n"},
               {"options", {{"b", "options"}, {"c", "options"}, {"d", 5}}},
               {"dynamic_properties", "-Dc=dynamic\n-Dd=dynamic\n"}};
  auto properties = ComposeJobProperties(spec, {{"d", "sluice"}}, {{"a", "default"}, {"e", "x"}});
  ASSERT_TRUE(properties.ok());
  EXPECT_EQ(properties->at("a"), "yaml");  // defaults never win
  EXPECT_EQ(properties->at("b"), "options");
  EXPECT_EQ(properties->at("c"), "dynamic");
  EXPECT_EQ(properties->at("d"), "sluice");
  EXPECT_EQ(properties->at("e"), "x");
  auto bad = ComposeJobProperties({{"config_yaml", "a: [1, 2"}}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "config_yaml");
}

TEST_F(RuntimeTest, DependencyJarsAreNestedUnderLib) {
  std::string dep = (dir_ / "connector-1.0.jar").string();
  WriteZip(dep, "org/example/Connector.class");
  std::string out = (dir_ / "out" / "job.jar").string();
  ASSERT_TRUE(PackageJobJar(runner_jar_, {dep, dep}, out).ok());
  auto entries = ZipEntries(out);
  ASSERT_TRUE(entries.ok());
  std::set<std::string> names(entries->begin(), entries->end());
  EXPECT_TRUE(names.count("dev/sluice/runner/SqlRunner.class"));
  EXPECT_TRUE(names.count("lib/connector-1.0.jar"));
  EXPECT_TRUE(names.count("lib/1-connector-1.0.jar"));  // the same name twice is kept apart
  // Jars are compressed already: nested ones are stored, not deflated again.
  {
    int error = 0;
    zip_t* archive = zip_open(out.c_str(), ZIP_RDONLY, &error);
    ASSERT_NE(archive, nullptr);
    zip_stat_t stat;
    ASSERT_EQ(zip_stat(archive, "lib/connector-1.0.jar", 0, &stat), 0);
    EXPECT_EQ(stat.comp_method, ZIP_CM_STORE);
    EXPECT_EQ(stat.comp_size, stat.size);
    zip_discard(archive);
  }
  std::string not_zip = (dir_ / "plain.txt").string();
  std::ofstream(not_zip) << "not a zip";
  EXPECT_FALSE(PackageJobJar(not_zip, {dep}, out + ".2").ok());
}

TEST(JobPackageTest, JobIdsAre32HexDigitsAndDiffer) {
  std::string a = NewJobId();
  std::string b = NewJobId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(MaskSecretsTest, ReplacesEveryOccurrence) {
  EXPECT_EQ(MaskSecrets("pw=hunter2 again hunter2", {"hunter2", ""}), "pw=****** again ******");
}

TEST_F(RuntimeTest, ADeletedClusterDoesNotTrapItsApp) {
  int64_t app = CreateSqlApp("orphan");
  ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  std::string job = GetApp(app)["job_id"];
  gateway_->Set(cluster_id_, job, "RUNNING");
  Cycle();
  ASSERT_EQ(GetApp(app)["state"], "RUNNING");
  // The cluster is deleted from Sluice (by hand: the route refuses nothing for a remote one).
  ASSERT_TRUE(db_->Query("DELETE FROM clusters WHERE id = ?", {cluster_id_}).ok());
  gateway_->unreachable.insert(cluster_id_);
  Cycle();
  clock_.Advance(std::chrono::seconds(11));
  Cycle();
  ASSERT_EQ(GetApp(app)["state"], "LOST");
  // A stop lets it go, with the reason.
  Answer stop = Call("POST", Path(app, "/stop"), Json::object(), AdminToken());
  ASSERT_EQ(stop.status, 202) << stop.body;
  ASSERT_TRUE(apps_->RunOnePendingOperation());
  Json stopped = GetApp(app);
  EXPECT_EQ(stopped["state"], "FAILED");
  EXPECT_NE(stopped["last_error"].get<std::string>().find("was deleted"), std::string::npos);
  // A deploy to the deleted cluster says what to do.
  Json refused = DeployAndRun(app);
  EXPECT_EQ(refused["state"], "FAILED");
  EXPECT_NE(refused["error"]["message"].get<std::string>().find("change its 'target'"),
            std::string::npos)
      << refused.dump();
  // Another cluster as the target: the deploy goes ahead (the old job cannot be asked).
  auto env = db_->Query("SELECT id FROM flink_envs LIMIT 1");
  ASSERT_TRUE(env.ok() && !env->empty());
  auto other = db_->Query(
      "INSERT INTO clusters (name, kind, flink_env_id, addresses, config, state, "
      "state_changed_at, created_at, updated_at) VALUES ('remote-b', 'remote', ?, "
      "'[\"http://127.0.0.1:8082\"]', '{}', 'RUNNING', 0, 0, 0) RETURNING id",
      {env->Int(0, "id")});
  ASSERT_TRUE(other.ok()) << other.error().message;
  int64_t other_id = other->Int(0, "id");
  Answer patched =
      Call("PATCH", Path(app), {{"target", {{"mode", "session"}, {"cluster_id", other_id}}}},
           AdminToken());
  ASSERT_EQ(patched.status, 200) << patched.body;
  Json again = DeployAndRun(app);
  ASSERT_EQ(again["state"], "SUCCEEDED") << again.dump();
  EXPECT_EQ(GetApp(app)["cluster_id"], other_id);
  std::string events = Call("GET", Path(app, "/events?limit=100"), nullptr, AdminToken()).body;
  EXPECT_NE(events.find("cannot be checked"), std::string::npos);
}

TEST_F(RuntimeTest, SecretsInFlinkExceptionsAreMasked) {
  int64_t app = CreateSqlApp("leaky", {{"options", {{"s3.secret-key", "hunter2secret"}}}});
  ASSERT_EQ(DeployAndRun(app)["state"], "SUCCEEDED");
  std::string job = GetApp(app)["job_id"];
  gateway_->root_cause = "java.io.IOException: access denied for key hunter2secret";
  gateway_->Set(cluster_id_, job, "FAILED");
  Cycle();
  Json failed = GetApp(app);
  ASSERT_EQ(failed["state"], "FAILED");
  std::string error = failed["last_error"];
  EXPECT_EQ(error.find("hunter2secret"), std::string::npos) << error;
  EXPECT_NE(error.find("access denied for key ******"), std::string::npos) << error;
}

}  // namespace
}  // namespace sluice::apps

namespace sluice::apps {
namespace {

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// What a just-started script wrote, once it has (10 s at most).
std::string ReadWhenWritten(const std::filesystem::path& path) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string text;
  while ((text = ReadText(path)).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return text;
}

// Application mode with a fake Flink home whose scripts record their arguments and wait: the
// cluster's processes are real children, the JobManager's REST API is the fake gateway.
class ApplicationModeTest : public RuntimeTest {
 protected:
  void SetUp() override {
    RuntimeTest::SetUp();
    flink_->RegisterRoutes(router_, module_->guard());
    home_ = dir_ / "fake-flink";
    std::filesystem::create_directories(home_ / "bin");
    std::filesystem::create_directories(home_ / "conf");
    std::ofstream(home_ / "conf" / "log4j.properties") << "# log4j\n";
    for (const char* script : {"standalone-job.sh", "taskmanager.sh"}) {
      std::filesystem::path path = home_ / "bin" / script;
      std::ofstream(path)
          << "#!/bin/sh\necho \"$@\" > \"$FLINK_CONF_DIR/../args\"\nexec sleep 300\n";
      std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    }
    auto env = db_->Query(
        "INSERT INTO flink_envs (name, home, version, config_file, config_text, description, "
        "is_default, created_at, updated_at) VALUES ('fake', ?, '1.20.5', 'config.yaml', "
        "'taskmanager.numberOfTaskSlots: 1\n', '', 0, 0, 0) RETURNING id",
        {home_.string()});
    ASSERT_TRUE(env.ok());
    env_id_ = env->Int(0, "id");
    // The JobManager "starts the job" as soon as the deploy looks for it.
    gateway_->before_overview = [this](int64_t cluster) {
      if (cluster == cluster_id_ || !list_jobs_) return;
      auto rows = db_->Query("SELECT job_id FROM apps WHERE cluster_id = ? AND state = 'DEPLOYING'",
                             {cluster});
      if (!rows.ok() || rows->empty()) return;
      std::string job = rows->Text(0, "job_id");
      std::lock_guard lock(gateway_->mutex);
      gateway_->jobs[cluster].emplace(job, "CREATED");
    };
  }
  void TearDown() override {
    for (int64_t cluster : started_) (void)flink_->clusters().StopApplicationCluster(cluster);
    RuntimeTest::TearDown();
  }
  int64_t CreateApplicationApp(const std::string& name) {
    return CreateSqlApp(name, {{"target", {{"mode", "application"}}},
                               {"flink_env_id", env_id_},
                               {"parallelism", 2},
                               {"options", {{"s3.secret-key", "hunter2"}}}});
  }
  std::filesystem::path ClusterRoot(int64_t cluster) {
    return dir_ / "clusters" / std::to_string(cluster);
  }

  std::filesystem::path home_;
  int64_t env_id_ = 0;
  bool list_jobs_ = true;
  std::vector<int64_t> started_;
};

TEST_F(ApplicationModeTest, DeployStartsTheAppsOwnClusterThatEndsWithTheJob) {
  int64_t app = CreateApplicationApp("alone");
  Json op = DeployAndRun(app);
  ASSERT_EQ(op["state"], "SUCCEEDED") << op.dump();
  int64_t cluster = op["result"]["cluster_id"].get<int64_t>();
  started_.push_back(cluster);
  ASSERT_NE(cluster, cluster_id_);
  EXPECT_TRUE(submitter_->requests.empty());  // no CLI: the JobManager runs the job
  Json deployed = GetApp(app);
  std::string job = deployed["job_id"];
  EXPECT_EQ(deployed["cluster_id"], cluster);
  auto got = flink_->clusters().Get(cluster);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->kind, "application");
  EXPECT_EQ(got->name, "app:" + std::to_string(app));
  EXPECT_EQ(got->state, "STARTING");

  // The JobManager runs the standalone application entry point with the job jar and the
  // runner's arguments; the job id and the job's settings are in its configuration.
  std::filesystem::path root = ClusterRoot(cluster);
  std::string args = ReadWhenWritten(root / "jobmanager" / "args");
  EXPECT_NE(
      args.find("start-foreground --job-classname dev.sluice.runner.SqlRunner --jars file://"),
      std::string::npos)
      << args;
  EXPECT_NE(args.find("job.jar -- --script "), std::string::npos) << args;
  std::string config = ReadText(root / "jobmanager" / "conf" / "config.yaml");
  EXPECT_NE(config.find(job), std::string::npos) << config;
  EXPECT_NE(config.find("shutdown-on-application-finish: \"false\""), std::string::npos) << config;
  EXPECT_NE(config.find("parallelism.default: \"2\""), std::string::npos) << config;
  EXPECT_NE(config.find("numberOfTaskSlots: \"2\""), std::string::npos) << config;
  EXPECT_NE(ReadWhenWritten(root / "taskmanager-1" / "args").find("start-foreground"),
            std::string::npos);
  // Secret settings are not shown in the cluster's answer.
  Answer shown = Call("GET", "/api/v1/clusters/" + std::to_string(cluster), nullptr, AdminToken());
  EXPECT_EQ(shown.json["kind"], "application");
  EXPECT_EQ(shown.json["config"]["s3.secret-key"], "******");
  EXPECT_EQ(shown.body.find("hunter2"), std::string::npos);
  // Its processes are Sluice's alone: the cluster routes refuse to stop it.
  Answer refused =
      Call("POST", "/api/v1/clusters/" + std::to_string(cluster) + "/stop", nullptr, AdminToken());
  EXPECT_EQ(refused.status, 409) << refused.body;

  // The tracker follows it like any cluster.
  gateway_->Set(cluster, job, "RUNNING");
  Cycle();
  EXPECT_EQ(GetApp(app)["state"], "RUNNING");
  auto runtime = flink::ReadManagedRuntime(root.string());
  ASSERT_TRUE(runtime.has_value());
  ASSERT_TRUE(flink::IsAlive(runtime->jobmanager));

  // Stop with a savepoint: the savepoint is recorded and the cluster's processes are gone.
  Answer stop = Call("POST", Path(app, "/stop"), {{"savepoint", true}}, AdminToken());
  ASSERT_EQ(stop.status, 202) << stop.body;
  ASSERT_TRUE(apps_->RunOnePendingOperation());
  EXPECT_EQ(GetApp(app)["state"], "FINISHED");
  EXPECT_FALSE(flink::IsAlive(runtime->jobmanager));
  EXPECT_FALSE(flink::IsAlive(runtime->taskmanagers.at(0)));
  EXPECT_EQ(flink_->clusters().Get(cluster)->state, "STOPPED");
  // Reaped, not left as zombies of the server.
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(runtime->jobmanager.pid)));
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(runtime->taskmanagers[0].pid)));

  // Deploy again from the savepoint: the same cluster, a new job id, the restore point set.
  Json again = DeployAndRun(app, {{"restore", "latest"}});
  ASSERT_EQ(again["state"], "SUCCEEDED") << again.dump();
  EXPECT_EQ(again["result"]["cluster_id"], cluster);
  std::string second = GetApp(app)["job_id"];
  EXPECT_NE(second, job);
  config = ReadText(root / "jobmanager" / "conf" / "config.yaml");
  EXPECT_NE(config.find("savepoint-" + job.substr(0, 6)), std::string::npos) << config;
  EXPECT_NE(config.find(second), std::string::npos);

  // The job ends on its own (FAILED): the tracker records it and hands the cluster to the
  // cluster worker, which stops it (the tracking cycle does not wait for the JVMs).
  runtime = flink::ReadManagedRuntime(root.string());
  ASSERT_TRUE(runtime.has_value());
  gateway_->Set(cluster, second, "FAILED");
  Cycle();
  EXPECT_EQ(GetApp(app)["state"], "FAILED");
  EXPECT_TRUE(flink::IsAlive(runtime->jobmanager));
  flink_->clusters().Tick();
  EXPECT_FALSE(flink::IsAlive(runtime->jobmanager));
  EXPECT_EQ(flink_->clusters().Get(cluster)->state, "STOPPED");
}

TEST_F(ApplicationModeTest, ADeployBeforeTheWorkerReleasesTheClusterKeepsTheNewRun) {
  int64_t app = CreateApplicationApp("quick");
  Json op = DeployAndRun(app);
  ASSERT_EQ(op["state"], "SUCCEEDED") << op.dump();
  int64_t cluster = op["result"]["cluster_id"].get<int64_t>();
  started_.push_back(cluster);
  std::string job = GetApp(app)["job_id"];
  gateway_->Set(cluster, job, "FAILED");
  Cycle();
  ASSERT_EQ(GetApp(app)["state"], "FAILED");
  // Deployed again before the worker got to the release: the new run is not stopped.
  Json again = DeployAndRun(app);
  ASSERT_EQ(again["state"], "SUCCEEDED") << again.dump();
  auto runtime = flink::ReadManagedRuntime(ClusterRoot(cluster).string());
  ASSERT_TRUE(runtime.has_value());
  flink_->clusters().Tick();
  EXPECT_TRUE(flink::IsAlive(runtime->jobmanager));
  EXPECT_NE(flink_->clusters().Get(cluster)->state, "STOPPED");
}

TEST_F(ApplicationModeTest, AnAppWhoseClusterDiedCanBeStoppedAndDeployedAgain) {
  int64_t app = CreateApplicationApp("orphaned");
  Json op = DeployAndRun(app);
  ASSERT_EQ(op["state"], "SUCCEEDED") << op.dump();
  int64_t cluster = op["result"]["cluster_id"].get<int64_t>();
  started_.push_back(cluster);
  std::string job = GetApp(app)["job_id"];
  gateway_->Set(cluster, job, "RUNNING");
  Cycle();
  ASSERT_EQ(GetApp(app)["state"], "RUNNING");
  // Its processes end behind Sluice's back (as when they were gone at a restart).
  ASSERT_TRUE(flink_->clusters().StopApplicationCluster(cluster).ok());
  gateway_->unreachable.insert(cluster);
  Cycle();
  clock_.Advance(std::chrono::seconds(11));
  Cycle();
  ASSERT_EQ(GetApp(app)["state"], "LOST");
  Answer stop = Call("POST", Path(app, "/stop"), Json::object(), AdminToken());
  ASSERT_EQ(stop.status, 202) << stop.body;
  ASSERT_TRUE(apps_->RunOnePendingOperation());
  Json stopped = GetApp(app);
  EXPECT_EQ(stopped["state"], "FAILED");
  EXPECT_NE(stopped["last_error"].get<std::string>().find("is not running"), std::string::npos)
      << stopped.dump();
  gateway_->unreachable.erase(cluster);
  Json again = DeployAndRun(app);
  EXPECT_EQ(again["state"], "SUCCEEDED") << again.dump();
}

TEST_F(ApplicationModeTest, AJobManagerThatNeverListsTheJobFailsTheDeployAndStopsTheCluster) {
  list_jobs_ = false;
  int64_t app = CreateApplicationApp("silent");
  Json op = DeployAndRun(app);
  EXPECT_EQ(op["state"], "FAILED") << op.dump();
  EXPECT_EQ(op["error"]["code"], "APP_DEPLOY_FAILED");
  Json after = GetApp(app);
  EXPECT_EQ(after["state"], "NEW");
  EXPECT_NE(after["last_error"].get<std::string>().find("did not start job"), std::string::npos);
  auto cluster = flink_->clusters().FindByName("app:" + std::to_string(app));
  ASSERT_TRUE(cluster.ok() && cluster->has_value());
  started_.push_back((*cluster)->id);
  EXPECT_EQ((*cluster)->state, "STOPPED");
  EXPECT_FALSE(flink::ReadManagedRuntime(ClusterRoot((*cluster)->id).string()).has_value());
}

}  // namespace
}  // namespace sluice::apps
