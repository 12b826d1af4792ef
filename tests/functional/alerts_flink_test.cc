// Alerts and the restart policy through the real `sluice serve`, a real managed Flink 1.20.5
// cluster and real receivers on loopback (scripts/alerts/receivers.py: aiosmtpd for email, an
// HTTP receiver that verifies Lark's signature and the webhook's).
//
// A SQL job that fails at run time by itself (a division by zero when its sequence reaches 40, 10 s
// in, with Flink's own restarts off: restart-strategy none) and checkpoints every second. With
// restart_policy {max_restarts: 2}: FAILED, redeployed from the newest checkpoint exactly twice,
// then one alert on each channel and no more; never two of its jobs at once on the cluster. The
// webhook receiver is down when the alert is raised and Sluice is killed (-9) with it pending:
// after Sluice restarts and the receiver is up, it gets the alert, once.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "fixture.h"
#include "flink/process.h"
#include "flink/rest_client.h"
#include "flink_homes.h"
#include "http/client.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

class Receivers {
 public:
  Receivers(std::string log)
      : http_port_(FreePort()), smtp_port_(FreePort()), log_(std::move(log)) {}
  ~Receivers() { Stop(); }
  bool Start() {
    flink::SpawnSpec spec;
    spec.argv = {
        "/usr/bin/python3", std::string(SLUICE_SOURCE_DIR) + "/scripts/alerts/receivers.py",
        "--http-port",      std::to_string(http_port_),
        "--smtp-port",      std::to_string(smtp_port_),
        "--secret",         "SIGN-SECRET",
        "--token",          "TOKEN-1"};
    spec.output_path = log_;
    auto spawned = flink::Spawn(spec);
    if (!spawned.ok()) return false;
    process_ = *spawned;
    return WaitFor(
        [&] {
          http::CurlHttpClient client;
          auto answer = client.Send({"GET", Url("/healthz")});
          return answer.ok() && answer->status == 200;
        },
        std::chrono::seconds(20));
  }
  void Stop() {
    if (process_.pid) (void)flink::TerminateGroup(process_, std::chrono::seconds(5));
    process_ = {};
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }
  Json Records() const {
    http::CurlHttpClient client;
    auto answer = client.Send({"GET", Url("/records")});
    if (!answer.ok()) return Json::object();
    Json parsed = Json::parse(answer->body, nullptr, false);
    return parsed.is_discarded() ? Json::object() : parsed;
  }
  int smtp_port() const { return smtp_port_; }

 private:
  int http_port_;
  int smtp_port_;
  std::string log_;
  flink::ProcessIdentity process_;
};

std::string RunnerJar() {
  const char* jar = std::getenv("SLUICE_TEST_RUNNER_JAR");
  return jar ? jar : "";
}

// Fails by itself a few seconds after it starts, and again after each restore: the sequence
// resumes from the checkpoint, before 40.
constexpr char kFailingSql[] =
    "CREATE TABLE numbers (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '4',\n"
    "  'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '1000000');\n"
    "CREATE TABLE sink (x BIGINT) WITH ('connector' = 'blackhole');\n"
    "INSERT INTO sink SELECT 100 / (n - 40) FROM numbers;\n";

class AlertsFlinkTest : public SluiceTest {
 protected:
  ServerOptions Options() override {
    ServerOptions options;
    options.extra_args = {"--runner-jar", RunnerJar()};
    options.extra_env = {
        {"SLUICE_TRACKING_INTERVAL_MS", "500"}, {"SLUICE_JOB_LOST_SECONDS", "10"},
        {"SLUICE_CLUSTER_HEALTH_SECONDS", "1"}, {"SLUICE_RESTART_BACKOFF_MS", "300"},
        {"SLUICE_ALERT_RETRY_FIRST_MS", "200"}, {"SLUICE_ALERT_RETRY_MAX_MS", "500"}};
    return options;
  }
  void SetUp() override {
    ASSERT_FALSE(FlinkHomeOfVersion("1.20.5").empty())
        << "SLUICE_TEST_FLINK_HOMES has no Flink 1.20.5: run `make test`";
    ASSERT_TRUE(fs::exists(RunnerJar())) << "SLUICE_TEST_RUNNER_JAR is not set or missing";
    SluiceTest::SetUp();
  }
  void TearDown() override {
    if (server_ && cluster_ != 0) {
      (void)admin().Post("/api/v1/clusters/" + std::to_string(cluster_) + "/stop", nullptr);
    }
    SluiceTest::TearDown();
  }
  std::map<std::string, std::string> ClusterJobs() {
    http::CurlHttpClient curl;
    flink::FlinkRestClient rest({web_url_}, curl);
    std::map<std::string, std::string> out;
    auto jobs = rest.JobsOverview();
    if (jobs.ok()) {
      for (const auto& job : *jobs) out[job.id] = job.state;
    }
    return out;
  }
  int64_t cluster_ = 0;
  std::string web_url_;
};

bool Ended(const std::string& state) {
  return state == "FAILED" || state == "CANCELED" || state == "FINISHED";
}

TEST_F(AlertsFlinkTest, AFailingJobIsRestartedExactlyMaxTimesThenAlertsEachChannelOnce) {
  Receivers receivers((fs::path(server_->data_dir()).parent_path() / "receivers-a.log").string());
  ASSERT_TRUE(receivers.Start()) << "receivers did not start (python3-aiosmtpd?)";
  // The webhook's receiver starts only later: it is down when the alert is raised.
  Receivers late((fs::path(server_->data_dir()).parent_path() / "receivers-b.log").string());

  HttpResult env = admin().Post("/api/v1/flink-envs",
                                {{"name", "flink"}, {"home", FlinkHomeOfVersion("1.20.5")}});
  ASSERT_EQ(env.status, 201) << env.body;
  HttpResult created =
      admin().Post("/api/v1/clusters", {{"name", "local"},
                                        {"kind", "managed"},
                                        {"flink_env_id", env.json()["id"]},
                                        {"taskmanagers", 1},
                                        {"config",
                                         {{"taskmanager.numberOfTaskSlots", 2},
                                          {"jobmanager.memory.process.size", "1024m"},
                                          {"taskmanager.memory.process.size", "1280m"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  cluster_ = created.json()["id"];
  std::string cluster_path = "/api/v1/clusters/" + std::to_string(cluster_);
  ASSERT_EQ(admin().Post(cluster_path + "/start", nullptr).status, 202);
  int64_t team = admin().Get("/api/v1/teams").json()["items"][0]["id"];

  // Channels: a signed Lark bot, email with login, a signed webhook whose receiver is down.
  auto channel = [&](const std::string& name, const std::string& kind, Json config) {
    HttpResult made =
        admin().Post("/api/v1/alert-channels",
                     {{"team_id", team}, {"name", name}, {"kind", kind}, {"config", config}});
    EXPECT_EQ(made.status, 201) << made.body;
    return made.json().value("id", int64_t{0});
  };
  int64_t lark =
      channel("group", "lark", {{"url", receivers.Url("/lark")}, {"secret", "SIGN-SECRET"}});
  int64_t mail = channel("oncall", "email",
                         {{"smtp_url", "smtp://127.0.0.1:" + std::to_string(receivers.smtp_port())},
                          {"tls", "none"},
                          {"username", "alerts"},
                          {"password", "mail-password"},
                          {"from", "sluice@example.com"},
                          {"to", {"oncall@example.com"}}});
  int64_t hook = channel("hook", "webhook",
                         {{"url", late.Url("/webhook")},
                          {"headers", {{"X-Test-Token", "TOKEN-1"}}},
                          {"secret", "SIGN-SECRET"}});
  // Saving or testing bad input answers clearly.
  HttpResult bad_url =
      admin().Post("/api/v1/alert-channels", {{"team_id", team},
                                              {"name", "bad"},
                                              {"kind", "slack"},
                                              {"config", {{"url", "hooks.slack.com/no-scheme"}}}});
  EXPECT_EQ(bad_url.status, 400) << bad_url.body;
  EXPECT_EQ(bad_url.json()["error"]["field"], "config.url");
  HttpResult tested =
      admin().Post("/api/v1/alert-channels/" + std::to_string(hook) + "/test", nullptr);
  EXPECT_EQ(tested.status, 502) << tested.body;
  EXPECT_EQ(tested.json()["error"]["code"], "ALERT_DELIVERY_FAILED");
  HttpResult lark_test =
      admin().Post("/api/v1/alert-channels/" + std::to_string(lark) + "/test", nullptr);
  EXPECT_EQ(lark_test.status, 200) << lark_test.body;

  ASSERT_TRUE(
      WaitFor([&] { return admin().Get(cluster_path).json().value("state", "") == "RUNNING"; },
              std::chrono::minutes(3)));
  web_url_ = admin().Get(cluster_path).json().value("web_url", "");

  HttpResult app_created = admin().Post(
      "/api/v1/apps",
      {{"name", "divider"},
       {"team_id", team},
       {"kind", "sql"},
       {"target", {{"mode", "session"}, {"cluster_id", cluster_}}},
       {"sql", kFailingSql},
       {"parallelism", 1},
       {"config_yaml", "execution.checkpointing.interval: 500ms\nrestart-strategy.type: none\n"},
       {"restart_policy", {{"max_restarts", 2}, {"window_minutes", 30}}},
       {"alert_channel_ids", {lark, mail, hook}}});
  ASSERT_EQ(app_created.status, 201) << app_created.body;
  int64_t app = app_created.json()["id"];
  std::string app_path = "/api/v1/apps/" + std::to_string(app);
  ASSERT_EQ(admin().Post(app_path + "/deploy", Json::object()).status, 202);

  // Until the restarts are used up: never two live jobs on the cluster.
  size_t most_alive = 0;
  Json restarts;
  bool exhausted = WaitFor(
      [&] {
        size_t alive = 0;
        for (const auto& [id, state] : ClusterJobs()) alive += Ended(state) ? 0 : 1;
        most_alive = std::max(most_alive, alive);
        Json alerts = admin().Get("/api/v1/alerts?rule=restarts_exhausted").json();
        return alerts.value("total", 0) >= 3;
      },
      std::chrono::minutes(6));
  restarts = admin().Get(app_path + "/restarts").json();
  ASSERT_TRUE(exhausted) << restarts.dump() << admin().Get(app_path + "/events?limit=100").body;
  EXPECT_LE(most_alive, 1u);

  // Exactly two restarts, each a deploy that restored the newest checkpoint of the job before.
  ASSERT_EQ(restarts["total"], 2) << restarts.dump();
  for (const Json& restart : restarts["items"]) {
    EXPECT_EQ(restart["state"], "QUEUED") << restart.dump();
    Json op =
        admin()
            .Get("/api/v1/operations/" + std::to_string(restart["operation_id"].get<int64_t>()))
            .json();
    EXPECT_EQ(op["state"], "SUCCEEDED") << op.dump();
    EXPECT_NE(op["result"].value("restored_from", "").find("chk-"), std::string::npos) << op.dump();
  }
  std::map<std::string, std::string> jobs = ClusterJobs();
  EXPECT_EQ(jobs.size(), 3u) << "the first job and two restarts";
  for (const auto& [id, state] : jobs) EXPECT_EQ(state, "FAILED") << id;
  Json shown = admin().Get(app_path).json();
  EXPECT_EQ(shown["state"], "FAILED");

  // One alert on each channel: Lark and email delivered, the webhook pending (its receiver is
  // down) with the reason.
  ASSERT_TRUE(WaitFor(
      [&] {
        Json records = receivers.Records();
        return records["http"].size() >= 2 && records["smtp"].size() >= 1;  // test + alert
      },
      std::chrono::seconds(20)))
      << admin().Get("/api/v1/alerts").body << "\n"
      << receivers.Records().dump();
  Json pending = admin().Get("/api/v1/alerts?state=PENDING").json();
  ASSERT_EQ(pending["total"], 1) << pending.dump();
  EXPECT_EQ(pending["items"][0]["channel_id"], hook);
  EXPECT_NE(pending["items"][0]["last_error"].get<std::string>().find("did not answer"),
            std::string::npos);
  Json records = receivers.Records();
  const Json& card = records["http"][1]["body"]["card"];
  EXPECT_TRUE(records["http"][1]["verified"].get<bool>());
  std::string text = card["elements"][0]["text"]["content"];
  EXPECT_NE(text.find("2 of 2"), std::string::npos) << text;
  EXPECT_NE(text.find("ArithmeticException"), std::string::npos) << text;
  EXPECT_NE(card["elements"][1]["actions"][1]["url"].get<std::string>().find("/#/job/"),
            std::string::npos);
  EXPECT_NE(records["smtp"][0]["subject"].get<std::string>().find("divider FAILED"),
            std::string::npos);

  // Sluice is killed with the webhook's alert pending; the receiver comes up; after the restart
  // the alert arrives, once.
  server_->Kill9();
  ASSERT_TRUE(late.Start());
  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  ASSERT_TRUE(
      WaitFor([&] { return late.Records()["http"].size() >= 1; }, std::chrono::seconds(20)));
  ASSERT_TRUE(WaitFor(
      [&] { return admin().Get("/api/v1/alerts?state=PENDING").json().value("total", -1) == 0; },
      std::chrono::seconds(20)));
  Json hooked = late.Records();
  ASSERT_EQ(hooked["http"].size(), 1u) << hooked.dump();
  EXPECT_TRUE(hooked["http"][0]["verified"].get<bool>());
  EXPECT_EQ(hooked["http"][0]["body"]["alert"]["rule"], "restarts_exhausted");
  // No more alerts and no more restarts than these.
  EXPECT_EQ(receivers.Records()["http"].size(), 2u);
  EXPECT_EQ(receivers.Records()["smtp"].size(), 1u);
  EXPECT_EQ(admin().Get(app_path + "/restarts").json()["total"], 2);
  EXPECT_EQ(ClusterJobs().size(), 3u);
}

// The rules that look inside a running job (src/alerts/job_watcher.h), on both Flink versions, on
// one managed cluster:
//  - checkpoint_failures: a job checkpointing every 500 ms into a folder that becomes unwritable.
//    The folder is made unwritable after the job started (its parent replaced by a regular file):
//    a checkpoint folder that cannot be created at all (even tests running as root cannot create
//    a folder under a regular file) makes Flink refuse the job at submission ("Failed to create
//    checkpoint storage"), on 1.20.5 and 2.0.2 alike, so no checkpoint would ever fail. The
//    alert must reach the webhook receiver within a deadline.
//  - flink_restarts: a job failing 0.5 s after each start with Flink's own fixed-delay restarts
//    (1 s apart): more than 2 restarts in 5 minutes alert.
class AlertsWatchFlinkTest : public SluiceTest, public ::testing::WithParamInterface<std::string> {
 protected:
  ServerOptions Options() override {
    ServerOptions options;
    options.extra_args = {"--runner-jar", RunnerJar()};
    options.extra_env = {{"SLUICE_TRACKING_INTERVAL_MS", "500"},
                         {"SLUICE_CLUSTER_HEALTH_SECONDS", "1"},
                         {"SLUICE_ALERT_WATCH_MS", "1000"},
                         {"SLUICE_ALERT_RETRY_FIRST_MS", "200"},
                         {"SLUICE_ALERT_RETRY_MAX_MS", "500"}};
    return options;
  }
  void SetUp() override {
    ASSERT_FALSE(FlinkHomeOfVersion(GetParam()).empty())
        << "SLUICE_TEST_FLINK_HOMES has no Flink " << GetParam() << ": run `make test`";
    ASSERT_TRUE(fs::exists(RunnerJar())) << "SLUICE_TEST_RUNNER_JAR is not set or missing";
    SluiceTest::SetUp();
  }
  void TearDown() override {
    if (server_ && cluster_ != 0) {
      (void)admin().Post("/api/v1/clusters/" + std::to_string(cluster_) + "/stop", nullptr);
    }
    SluiceTest::TearDown();
  }
  // The alerts of `rule` the receiver got.
  static std::vector<Json> Received(const Receivers& receivers, const std::string& rule) {
    std::vector<Json> out;
    Json records = receivers.Records();
    if (!records.contains("http")) return out;
    for (const Json& record : records["http"]) {
      if (record["body"].is_object() && record["body"].contains("alert") &&
          record["body"]["alert"].value("rule", "") == rule) {
        out.push_back(record);
      }
    }
    return out;
  }
  int64_t cluster_ = 0;
};

TEST_P(AlertsWatchFlinkTest, FailingCheckpointsAndFlinkRestartsReachTheReceiverInTime) {
  const fs::path work = fs::path(server_->data_dir()).parent_path();
  Receivers receivers((work / "receivers-watch.log").string());
  ASSERT_TRUE(receivers.Start()) << "receivers did not start (python3-aiosmtpd?)";
  HttpResult env = admin().Post("/api/v1/flink-envs",
                                {{"name", "flink"}, {"home", FlinkHomeOfVersion(GetParam())}});
  ASSERT_EQ(env.status, 201) << env.body;
  HttpResult created =
      admin().Post("/api/v1/clusters", {{"name", "local"},
                                        {"kind", "managed"},
                                        {"flink_env_id", env.json()["id"]},
                                        {"taskmanagers", 1},
                                        {"config",
                                         {{"taskmanager.numberOfTaskSlots", 2},
                                          {"jobmanager.memory.process.size", "1024m"},
                                          {"taskmanager.memory.process.size", "1280m"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  cluster_ = created.json()["id"];
  const std::string cluster_path = "/api/v1/clusters/" + std::to_string(cluster_);
  ASSERT_EQ(admin().Post(cluster_path + "/start", nullptr).status, 202);
  int64_t team = admin().Get("/api/v1/teams").json()["items"][0]["id"];
  HttpResult hook =
      admin().Post("/api/v1/alert-channels", {{"team_id", team},
                                              {"name", "hook"},
                                              {"kind", "webhook"},
                                              {"config",
                                               {{"url", receivers.Url("/webhook")},
                                                {"headers", {{"X-Test-Token", "TOKEN-1"}}},
                                                {"secret", "SIGN-SECRET"}}}});
  ASSERT_EQ(hook.status, 201) << hook.body;
  // The team's defaults: both rules on, to the webhook.
  auto put = [&](const std::string& path, const Json& body) {
    return admin().Raw("PUT", path, body.dump(), {{"Content-Type", "application/json"}});
  };
  HttpResult settings = put("/api/v1/teams/" + std::to_string(team) + "/alert-settings",
                            {{"rules",
                              {{"checkpoint_failures", {{"failures", 2}, {"window_minutes", 5}}},
                               {"flink_restarts", {{"restarts", 2}, {"window_minutes", 5}}}}},
                             {"channel_ids", {hook.json()["id"]}}});
  ASSERT_EQ(settings.status, 200) << settings.body;
  // A bad setting is refused and names the field.
  HttpResult bad = put("/api/v1/teams/" + std::to_string(team) + "/alert-settings",
                       {{"rules", {{"checkpoint_failures", {{"action", "reboot"}}}}}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.json()["error"]["field"], "rules.checkpoint_failures.action");
  ASSERT_TRUE(
      WaitFor([&] { return admin().Get(cluster_path).json().value("state", "") == "RUNNING"; },
              std::chrono::minutes(3)));
  const std::string web_url = admin().Get(cluster_path).json().value("web_url", "");

  // Under this run's own data folder (removed with it).
  const fs::path folder = fs::path(server_->data_dir()) / "test-checkpoints";
  fs::create_directories(folder / "d");
  const std::string checkpoints = "file://" + (folder / "d" / "chk").string();
  auto app = [&](const std::string& name, const std::string& sql, const std::string& yaml) {
    HttpResult made =
        admin().Post("/api/v1/apps", {{"name", name},
                                      {"team_id", team},
                                      {"kind", "sql"},
                                      {"target", {{"mode", "session"}, {"cluster_id", cluster_}}},
                                      {"sql", sql},
                                      {"parallelism", 1},
                                      {"config_yaml", yaml}});
    EXPECT_EQ(made.status, 201) << made.body;
    int64_t id = made.json().value("id", int64_t{0});
    EXPECT_EQ(admin().Post("/api/v1/apps/" + std::to_string(id) + "/deploy", Json::object()).status,
              202);
    return id;
  };
  const int64_t steady = app(
      "steady",
      "CREATE TABLE numbers (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n"
      "CREATE TABLE sink (x BIGINT) WITH ('connector' = 'blackhole');\n"
      "INSERT INTO sink SELECT n FROM numbers;\n",
      "execution.checkpointing.interval: 500ms\n"
      "execution.checkpointing.tolerable-failed-checkpoints: 1000000\n"
      "state.checkpoints.dir: " +
          checkpoints + "\nexecution.checkpointing.dir: " + checkpoints + "\n");
  const int64_t flaky =
      app("flaky",
          "CREATE TABLE numbers (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = "
          "'10',\n  'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = "
          "'1000000');\n"
          "CREATE TABLE sink (x BIGINT) WITH ('connector' = 'blackhole');\n"
          "INSERT INTO sink SELECT 100 / (n - 5) FROM numbers;\n",
          "restart-strategy.type: fixed-delay\nrestart-strategy.fixed-delay.attempts: 1000\n"
          "restart-strategy.fixed-delay.delay: 1s\n");
  ASSERT_GT(steady, 0);
  ASSERT_GT(flaky, 0);

  // ---- checkpoint_failures: once a checkpoint completed, the folder goes.
  const std::string steady_path = "/api/v1/apps/" + std::to_string(steady);
  std::string job_id;
  http::CurlHttpClient curl;
  flink::FlinkRestClient rest({web_url}, curl);
  ASSERT_TRUE(WaitFor(
      [&] {
        Json shown = admin().Get(steady_path).json();
        if (shown.value("state", "") != "RUNNING") return false;
        job_id = shown.value("job_id", "");
        auto stats = rest.Checkpoints(job_id);
        return stats.ok() && stats->completed > 0;
      },
      std::chrono::minutes(3)))
      << admin().Get(steady_path + "/events?limit=50").body;
  EXPECT_TRUE(Received(receivers, "checkpoint_failures").empty());
  fs::rename(folder / "d", folder / "d.saved");
  { std::ofstream(folder / "d") << "a regular file where the checkpoint folder was\n"; }
  const auto broken = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return !Received(receivers, "checkpoint_failures").empty(); },
                      std::chrono::seconds(30)))
      << admin().Get("/api/v1/alerts").body;
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - broken);
  std::cout << "[ FIGURE ] Flink " << GetParam()
            << ": checkpoint folder broken -> checkpoint_failures alert received: " << took.count()
            << " ms\n";
  Json alert = Received(receivers, "checkpoint_failures")[0];
  EXPECT_TRUE(alert["verified"].get<bool>());
  EXPECT_EQ(alert["body"]["alert"]["app"], "steady");
  std::string summary = alert["body"]["alert"]["summary"];
  EXPECT_NE(summary.find("IO-problem"), std::string::npos) << summary;
  EXPECT_NE(summary.find(job_id), std::string::npos) << summary;
  EXPECT_GE(alert["body"]["alert"].value("failed_checkpoints", 0), 2) << alert.dump();

  // ---- flink_restarts: more than 2 restarts within 5 minutes.
  ASSERT_TRUE(WaitFor([&] { return !Received(receivers, "flink_restarts").empty(); },
                      std::chrono::seconds(90)))
      << admin().Get("/api/v1/alerts").body
      << admin().Get("/api/v1/apps/" + std::to_string(flaky) + "/events?limit=50").body;
  Json restarted = Received(receivers, "flink_restarts")[0];
  EXPECT_EQ(restarted["body"]["alert"]["app"], "flaky");
  EXPECT_GT(restarted["body"]["alert"].value("flink_restarts", 0), 2) << restarted.dump();
  EXPECT_NE(restarted["body"]["alert"]["summary"].get<std::string>().find("ArithmeticException"),
            std::string::npos)
      << restarted.dump();
  // One alert per condition within the quiet time, however often the watcher looks.
  EXPECT_EQ(Received(receivers, "checkpoint_failures").size(), 1u);
  EXPECT_EQ(Received(receivers, "flink_restarts").size(), 1u);
  EXPECT_EQ(admin().Get("/api/v1/alerts?rule=checkpoint_failures").json()["total"], 1);

  // ---- "action": "restart": the job is cancelled, then deployed again from its newest retained
  // checkpoint, through the same durable deploy (never two jobs of the app at once). The folder
  // is put back first, so that the new job can be submitted and the cancelled one leaves its
  // newest checkpoint; the failures stay in Flink's checkpoint history for a few seconds.
  fs::remove(folder / "d");
  fs::rename(folder / "d.saved", folder / "d");
  HttpResult restart_rule =
      put(steady_path + "/alert-settings",
          {{"rules",
            {{"checkpoint_failures",
              {{"failures", 2}, {"window_minutes", 5}, {"action", "restart"}}}}}});
  ASSERT_EQ(restart_rule.status, 200) << restart_rule.body;
  Json restarts;
  ASSERT_TRUE(WaitFor(
      [&] {
        restarts = admin().Get(steady_path + "/restarts").json();
        return restarts.value("total", 0) >= 1;
      },
      std::chrono::seconds(30)))
      << admin().Get(steady_path + "/events?limit=50").body;
  size_t most_alive = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        size_t alive = 0;
        auto jobs = rest.JobsOverview();
        if (jobs.ok()) {
          for (const auto& job : *jobs) {
            if (job.name.find("steady") != std::string::npos && !Ended(job.state)) ++alive;
          }
        }
        most_alive = std::max(most_alive, alive);
        restarts = admin().Get(steady_path + "/restarts").json();
        Json shown = admin().Get(steady_path).json();
        if (restarts["items"][0].value("state", "") != "QUEUED") return false;
        Json op = admin()
                      .Get("/api/v1/operations/" +
                           std::to_string(restarts["items"][0]["operation_id"].get<int64_t>()))
                      .json();
        return op.value("state", "") != "PENDING" && op.value("state", "") != "RUNNING" &&
               shown.value("state", "") == "RUNNING" && shown.value("job_id", "") != job_id;
      },
      std::chrono::minutes(2)))
      << restarts.dump() << admin().Get(steady_path + "/events?limit=50").body;
  EXPECT_LE(most_alive, 1u);
  ASSERT_EQ(restarts["total"], 1) << restarts.dump();
  Json deploy = admin()
                    .Get("/api/v1/operations/" +
                         std::to_string(restarts["items"][0]["operation_id"].get<int64_t>()))
                    .json();
  EXPECT_EQ(deploy["state"], "SUCCEEDED") << deploy.dump();
  EXPECT_NE(deploy["result"].value("restored_from", "").find(job_id + "/chk-"), std::string::npos)
      << deploy.dump();
}

INSTANTIATE_TEST_SUITE_P(Versions, AlertsWatchFlinkTest, ::testing::Values("1.20.5", "2.0.2"));

}  // namespace
}  // namespace sluice::testing
