// Channels, rules, the restart policy and the outbox with a fake sender and a fake redeployer (no
// network): the API through the real router, the engine's passes called one by one with a fake
// clock. alerts_live_test.cc sends to real receivers; tests/functional/alerts_flink_test.cc runs
// the whole chain on real Flink.
#include <gtest/gtest.h>

#include <mutex>

#include "alerts/alerts_module.h"
#include "alerts/job_watcher.h"
#include "alerts/render.h"
#include "alerts/restarter.h"
#include "flink/flink_module.h"
#include "system/system_test_fixture.h"

namespace sluice::alerts {
namespace {

using system::testing::Answer;

class FakeSender final : public Sender {
 public:
  Status Send(const std::string& kind, const Json& config, const Json& facts) override {
    std::lock_guard lock(mutex);
    ++attempts;
    if (failures_left > 0) {
      --failures_left;
      return Error(ErrorCode::ALERT_DELIVERY_FAILED, "the webhook receiver answered HTTP 503");
    }
    sent.push_back({{"kind", kind}, {"config", config}, {"facts", facts}});
    return Status::Ok();
  }
  size_t Sent() {
    std::lock_guard lock(mutex);
    return sent.size();
  }
  std::mutex mutex;
  std::vector<Json> sent;
  int failures_left = 0;
  int attempts = 0;
};

class FakeRedeployer final : public Redeployer {
 public:
  Result<int64_t> Redeploy(int64_t app_id, const std::string& expected_state,
                           const std::string& restore, const std::string&) override {
    calls.push_back({app_id, restore});
    if (refuse) return Error(ErrorCode::APP_WRONG_STATE, "the application is RUNNING now");
    (void)expected_state;
    return static_cast<int64_t>(1000 + calls.size());
  }
  Result<int64_t> Cancel(int64_t app_id, const std::string& expected_state,
                         const std::string&) override {
    cancels.push_back({app_id, expected_state});
    if (refuse) return Error(ErrorCode::APP_WRONG_STATE, "the application is FAILED now");
    const int64_t op = static_cast<int64_t>(2000 + cancels.size());
    // As the real one: the app takes the operation.
    if (db) (void)db->Query("UPDATE apps SET operation_id = ? WHERE id = ?", {op, app_id});
    return op;
  }
  std::vector<std::pair<int64_t, std::string>> calls;
  std::vector<std::pair<int64_t, std::string>> cancels;
  bool refuse = false;
  store::Database* db = nullptr;
};

// Flink's checkpoint statistics and exception history, as the test sets them.
class FakeReader final : public FlinkJobReader {
 public:
  Result<flink::CheckpointStats> Checkpoints(int64_t, const std::string&) override {
    ++checkpoint_reads;
    if (unreachable) return Error(ErrorCode::CLUSTER_UNREACHABLE, "no address answered");
    flink::CheckpointStats stats;
    stats.raw = {{"history", history}};
    for (const Json& entry : history) {
      ++stats.total;
      if (entry["status"] == "FAILED") ++stats.failed;
      if (entry["status"] == "COMPLETED") {
        ++stats.completed;
        if (!stats.latest_completed || stats.latest_completed->id < entry["id"].get<int64_t>()) {
          stats.latest_completed =
              flink::CheckpointInfo{entry["id"].get<int64_t>(), "COMPLETED", false,
                                    entry["trigger_timestamp"].get<int64_t>(), "file:/chk/chk-1"};
        }
      }
    }
    return stats;
  }
  Result<flink::JobExceptionHistory> Exceptions(int64_t, const std::string&) override {
    ++exception_reads;
    return exceptions;
  }
  Result<std::optional<int64_t>> CheckpointInterval(int64_t, const std::string&) override {
    ++interval_reads;
    return interval;
  }
  // Newest first, as Flink answers.
  void Checkpoint(int64_t id, const std::string& status, int64_t at,
                  const std::string& message = "") {
    Json entry = {
        {"id", id}, {"status", status}, {"trigger_timestamp", at}, {"is_savepoint", false}};
    if (!message.empty()) entry["failure_message"] = message;
    history.insert(history.begin(), entry);
  }
  void Restart(int64_t at, const std::string& cause) {
    flink::FlinkExceptionEntry entry;
    entry.timestamp_ms = at;
    entry.stacktrace = cause;
    exceptions.entries.insert(exceptions.entries.begin(), entry);
    exceptions.root_cause_summary = cause;
  }
  Json history = Json::array();
  flink::JobExceptionHistory exceptions;
  std::optional<int64_t> interval = 1000;
  bool unreachable = false;
  int checkpoint_reads = 0;
  int exception_reads = 0;
  int interval_reads = 0;
};

class NullProbe final : public flink::ClusterProbe {
 public:
  Result<flink::ClusterProbeResult> Probe(const std::vector<std::string>&) override {
    return Error(ErrorCode::CLUSTER_UNREACHABLE, "not in this test");
  }
};

class AlertsTest : public system::testing::SystemTest {
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
    apps::AppsOptions apps_options;
    apps_options.actions.data_dir = dir_.string();
    apps_ = std::make_unique<apps::AppsModule>(*db_, clock_, *flink_, apps_options);
    apps_->RegisterRoutes(router_, module_->guard());
    auto sender = std::make_unique<FakeSender>();
    sender_ = sender.get();
    auto redeployer = std::make_unique<FakeRedeployer>();
    redeployer_ = redeployer.get();
    redeployer_->db = db_.get();
    auto reader = std::make_unique<FakeReader>();
    reader_ = reader.get();
    AlertsModuleOptions options;
    options.data_dir = dir_.string();
    options.engine.public_url = "http://sluice.example:8765";
    options.engine.restart_backoff = std::chrono::seconds(10);
    options.engine.restart_backoff_max = std::chrono::seconds(30);
    options.engine.retry_first = std::chrono::seconds(1);
    options.engine.retry_max = std::chrono::seconds(4);
    options.engine.delivery_threads = 1;
    alerts_ = std::make_unique<AlertsModule>(*db_, clock_, *apps_, options, std::move(sender),
                                             std::move(redeployer), std::move(reader));
    alerts_->RegisterRoutes(router_, module_->guard());
    team_ = AddTeam("data");
  }
  void TearDown() override {
    alerts_.reset();
    apps_.reset();
    flink_.reset();
    SystemTest::TearDown();
  }

  int64_t Channel(const std::string& name, const std::string& kind, Json config) {
    Answer created = Call("POST", "/api/v1/alert-channels",
                          {{"team_id", team_}, {"name", name}, {"kind", kind}, {"config", config}},
                          AdminToken());
    EXPECT_EQ(created.status, 201) << created.body;
    return created.status == 201 ? created.json["id"].get<int64_t>() : 0;
  }
  int64_t App(const std::string& name, Json policy, std::vector<int64_t> channels) {
    Json body = {{"name", name},
                 {"team_id", team_},
                 {"kind", "sql"},
                 {"target", {{"mode", "session"}, {"cluster_id", cluster_id_}}},
                 {"sql", "INSERT INTO k SELECT * FROM s;"},
                 {"alert_channel_ids", channels}};
    if (!policy.is_null()) body["restart_policy"] = policy;
    Answer created = Call("POST", "/api/v1/apps", body, AdminToken());
    EXPECT_EQ(created.status, 201) << created.body;
    int64_t id = created.status == 201 ? created.json["id"].get<int64_t>() : 0;
    EXPECT_TRUE(db_->Query("UPDATE apps SET state = 'RUNNING', job_id = 'abc', cluster_id = ?, "
                           "web_url = 'http://127.0.0.1:8081/#/job/running/abc/overview' WHERE id "
                           "= ?",
                           {cluster_id_, id})
                    .ok());
    return id;
  }
  // What the tracker writes when Flink reports `to`.
  void Move(int64_t app, const std::string& to, std::optional<int64_t> operation = std::nullopt,
            const std::string& last_error = "") {
    auto rows = db_->Query("SELECT state FROM apps WHERE id = ?", {app});
    ASSERT_TRUE(rows.ok());
    if (!last_error.empty()) {
      ASSERT_TRUE(
          db_->Query("UPDATE apps SET last_error = ? WHERE id = ?", {last_error, app}).ok());
    }
    auto moved = apps_->journal().Move(
        {app, rows->Text(0, "state"), to, "Flink reports " + to, "abc", operation, std::nullopt});
    ASSERT_TRUE(moved.ok() && *moved);
  }
  void Pass() {
    ASSERT_TRUE(alerts_->engine().Follow().ok());
    ASSERT_TRUE(alerts_->engine().RunDueRestarts().ok());
    ASSERT_TRUE(alerts_->engine().DeliverDue().ok());
  }
  Json Alerts(const std::string& query = "") {
    return Call("GET", "/api/v1/alerts?limit=100" + query, nullptr, AdminToken()).json;
  }
  void Advance(std::chrono::milliseconds by) { clock_.Advance(by); }
  int64_t NowMs() { return ToUnixMillis(clock_.Now()); }
  void Watch() {
    ASSERT_TRUE(alerts_->watcher().Pass().ok());
    Pass();
  }
  Answer AppRules(int64_t app, Json rules, Json maintenance = Json::array()) {
    return Call("PUT", "/api/v1/apps/" + std::to_string(app) + "/alert-settings",
                {{"rules", rules}, {"maintenance", maintenance}}, AdminToken());
  }

  std::unique_ptr<flink::FlinkModule> flink_;
  std::unique_ptr<apps::AppsModule> apps_;
  std::unique_ptr<AlertsModule> alerts_;
  FakeSender* sender_ = nullptr;
  FakeRedeployer* redeployer_ = nullptr;
  FakeReader* reader_ = nullptr;
  int64_t cluster_id_ = 0;
  int64_t team_ = 0;
};

TEST(AlertsRenderTest, SignaturesMatchTheToolsAlgorithms) {
  // Vectors from Python's hmac/hashlib/base64 with the tools' documented recipes.
  EXPECT_EQ(LarkSign(1700000000, "SEC123"), "j/tImR0k8vYXRsYw0+GHVQkV1v/J/8obOuMU7PE/KDo=");
  EXPECT_EQ(DingTalkSign(1700000000000, "SEC123"), "lkcPI1uoxBY1gUnCnnPH1Kkru0Hqjo7rFpA3haIVhEQ=");
  EXPECT_EQ(HmacSha256Hex("k", "body"),
            "c6d811ef3aeb02437cd423f1abe13209041864630bdc4e2c04def5c7b0031a23");
}

TEST(AlertsRenderTest, EachToolGetsItsOwnCardFormat) {
  Json facts = {{"rule", "failed"},
                {"title", "orders FAILED"},
                {"summary", "application orders failed"},
                {"app", "orders"},
                {"team", "data"},
                {"state", "FAILED"},
                {"since", "2026-12-01T22:00:00.000Z"},
                {"restart", 3},
                {"max_restarts", 3},
                {"exception", "java.lang.ArithmeticException: / by zero\n\tat Foo.bar"},
                {"sluice_url", "http://s/apps/1"},
                {"flink_url", "http://f/#/job/running/abc/overview"}};
  WebhookPost lark = RenderLark({{"url", "http://r/lark"}, {"secret", "S"}}, facts, 1700000000123);
  Json body = Json::parse(lark.body);
  EXPECT_EQ(body["msg_type"], "interactive");
  EXPECT_EQ(body["card"]["header"]["title"]["content"], "orders FAILED");
  EXPECT_EQ(body["timestamp"], "1700000000");
  EXPECT_EQ(body["sign"], LarkSign(1700000000, "S"));
  std::string content = body["card"]["elements"][0]["text"]["content"];
  EXPECT_NE(content.find("3 of 3"), std::string::npos) << content;
  EXPECT_NE(content.find("/ by zero"), std::string::npos) << content;
  EXPECT_NE(content.find("FAILED since 2026-12-01T22:00:00.000Z"), std::string::npos);
  EXPECT_EQ(body["card"]["elements"][1]["actions"][0]["url"], "http://s/apps/1");
  EXPECT_EQ(body["card"]["elements"][1]["actions"][1]["url"],
            "http://f/#/job/running/abc/overview");

  WebhookPost ding = RenderDingTalk({{"url", "http://r/dingtalk?access_token=T"}, {"secret", "S"}},
                                    facts, 1700000000123);
  EXPECT_NE(ding.url.find("?access_token=T&timestamp=1700000000123&sign="), std::string::npos);
  EXPECT_EQ(Json::parse(ding.body)["msgtype"], "actionCard");
  EXPECT_EQ(Json::parse(ding.body)["actionCard"]["btns"].size(), 2u);

  EXPECT_EQ(Json::parse(RenderWeCom({{"url", "http://r/wecom"}}, facts).body)["msgtype"],
            "markdown");
  Json slack = Json::parse(RenderSlack({{"url", "http://r/slack"}}, facts).body);
  EXPECT_EQ(slack["blocks"][0]["type"], "header");
  EXPECT_EQ(slack["blocks"][1]["text"]["text"].get<std::string>().find("**"), std::string::npos);
  WebhookPost hook = RenderWebhook(
      {{"url", "http://r/webhook"}, {"headers", {{"X-Test-Token", "t"}}}, {"secret", "k"}}, facts);
  EXPECT_EQ(Json::parse(hook.body)["alert"]["app"], "orders");
  bool signed_ok = false;
  for (const auto& [name, value] : hook.headers) {
    if (name == "X-Sluice-Signature")
      signed_ok = value == "sha256=" + HmacSha256Hex("k", hook.body);
  }
  EXPECT_TRUE(signed_ok);

  EmailMessage mail = RenderEmail({}, facts);
  EXPECT_EQ(mail.subject, "[Sluice] orders FAILED");
  EXPECT_NE(mail.text.find("Restarts: 3 of 3"), std::string::npos);
  EXPECT_NE(mail.html.find("<a href=\"http://s/apps/1\""), std::string::npos);
  EXPECT_NE(mail.html.find("/ by zero"), std::string::npos);

  // A template replaces the default layout.
  Json templated = {
      {"url", "http://r/slack"},
      {"template", {{"title", "{{app}} is {{ state }}"}, {"text", "see {{sluice_url}}"}}}};
  Json custom = Json::parse(RenderSlack(templated, facts).body);
  EXPECT_EQ(custom["text"], "orders is FAILED");
  EXPECT_EQ(custom["blocks"][1]["text"]["text"], "see http://s/apps/1");
}

TEST_F(AlertsTest, BadChannelsAreRefusedWhenSaved) {
  struct Case {
    std::string kind;
    Json config;
    std::string code;
    std::string field;
  };
  auto parse = [](const char* text) { return Json::parse(text); };
  std::vector<Case> cases = {
      {"lark", parse(R"({"url": "not a url"})"), "ALERT_CHANNEL_INVALID", "config.url"},
      {"slack", parse(R"({"url": "ftp://hooks.slack.com/x"})"), "ALERT_CHANNEL_INVALID",
       "config.url"},
      {"webhook", parse(R"({"url": "http://"})"), "ALERT_CHANNEL_INVALID", "config.url"},
      {"wecom", Json::object(), "ALERT_CHANNEL_INVALID", "config.url"},
      {"dingtalk", parse(R"({"url": "https://oapi.dingtalk.com/robot/send", "token": "x"})"),
       "ALERT_CHANNEL_INVALID", "config.token"},
      {"webhook", parse(R"({"url": "https://h/x", "template": {"text": "{{app} failed"}})"),
       "ALERT_TEMPLATE_INVALID", "config.template.text"},
      {"webhook", parse(R"({"url": "https://h/x", "template": {"title": "{{nope}}"}})"),
       "ALERT_TEMPLATE_INVALID", "config.template.title"},
      {"email", parse(R"({"smtp_url": "http://mail", "from": "a@b", "to": ["c@d"]})"),
       "ALERT_CHANNEL_INVALID", "config.smtp_url"},
      {"email", parse(R"({"smtp_url": "smtp://mail:25", "from": "a@b", "to": ["nobody"]})"),
       "ALERT_CHANNEL_INVALID", "config.to"},
      {"email",
       parse(
           R"({"smtp_url": "smtps://mail:465", "tls": "starttls", "from": "a@b", "to": ["c@d"]})"),
       "ALERT_CHANNEL_INVALID", "config.tls"},
      {"pager", parse(R"({"url": "https://h/x"})"), "ALERT_CHANNEL_INVALID", "kind"},
  };
  for (const Case& c : cases) {
    Answer answer = Call(
        "POST", "/api/v1/alert-channels",
        {{"team_id", team_}, {"name", "c"}, {"kind", c.kind}, {"config", c.config}}, AdminToken());
    EXPECT_EQ(answer.status, 400) << c.config.dump() << answer.body;
    EXPECT_EQ(answer.code(), c.code) << answer.body;
    EXPECT_EQ(answer.json["error"].value("field", ""), c.field) << answer.body;
  }
  EXPECT_EQ(Call("GET", "/api/v1/alert-channels", nullptr, AdminToken()).json["total"], 0);
  // The message names the problem.
  Answer bad = Call("POST", "/api/v1/alert-channels",
                    {{"team_id", team_},
                     {"name", "c"},
                     {"kind", "webhook"},
                     {"config", {{"url", "https://h/x"}, {"template", {{"text", "{{apps}}"}}}}}},
                    AdminToken());
  EXPECT_NE(bad.json["error"]["message"].get<std::string>().find("unknown placeholder {{apps}}"),
            std::string::npos)
      << bad.body;
}

TEST_F(AlertsTest, SecretsAreSealedAndMaskedAndKeptWhenSentBackMasked) {
  int64_t id = Channel("lark", "lark",
                       {{"url", "https://open.feishu.cn/open-apis/bot/v2/hook/TOKEN123"},
                        {"secret", "SIGNING-SECRET"}});
  Answer got = Call("GET", "/api/v1/alert-channels/" + std::to_string(id), nullptr, AdminToken());
  EXPECT_EQ(got.json["config"]["url"], "https://open.feishu.cn/******");
  EXPECT_EQ(got.json["config"]["secret"], "******");
  EXPECT_EQ(got.body.find("TOKEN123"), std::string::npos);
  EXPECT_EQ(got.body.find("SIGNING-SECRET"), std::string::npos);
  auto stored = db_->Query("SELECT config FROM alert_channels WHERE id = ?", {id});
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->Text(0, "config").find("TOKEN123"), std::string::npos);
  EXPECT_EQ(stored->Text(0, "config").find("SIGNING-SECRET"), std::string::npos);
  // What the console sends back (masked) keeps the secrets; a template is added.
  Json config = got.json["config"];
  config["template"] = {{"title", "{{app}}: {{rule}}"}};
  Answer patched = Call("PATCH", "/api/v1/alert-channels/" + std::to_string(id),
                        {{"config", config}}, AdminToken());
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto loaded = alerts_->channels().Load(id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->config["url"], "https://open.feishu.cn/open-apis/bot/v2/hook/TOKEN123");
  EXPECT_EQ(loaded->config["secret"], "SIGNING-SECRET");
  // The list masks too; a viewer of another team sees nothing.
  Answer list = Call("GET", "/api/v1/alert-channels", nullptr, AdminToken());
  EXPECT_EQ(list.json["total"], 1);
  EXPECT_EQ(list.body.find("TOKEN123"), std::string::npos);
  int64_t other = AddTeam("other");
  AddMember(other, AddUser("olga"), "owner");
  std::string olga = Login("olga", system::testing::kUserPassword);
  EXPECT_EQ(Call("GET", "/api/v1/alert-channels/" + std::to_string(id), nullptr, olga).code(),
            "ALERT_CHANNEL_NOT_FOUND");
  EXPECT_EQ(Call("GET", "/api/v1/alert-channels", nullptr, olga).json["total"], 0);
}

TEST_F(AlertsTest, TestSendAnswersTheReceiversReason) {
  int64_t id = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  sender_->failures_left = 1;
  Answer failed =
      Call("POST", "/api/v1/alert-channels/" + std::to_string(id) + "/test", nullptr, AdminToken());
  EXPECT_EQ(failed.status, 502) << failed.body;
  EXPECT_EQ(failed.code(), "ALERT_DELIVERY_FAILED");
  EXPECT_NE(failed.body.find("HTTP 503"), std::string::npos);
  Answer ok =
      Call("POST", "/api/v1/alert-channels/" + std::to_string(id) + "/test", nullptr, AdminToken());
  EXPECT_EQ(ok.status, 200) << ok.body;
  ASSERT_EQ(sender_->Sent(), 1u);
  EXPECT_EQ(sender_->sent[0]["facts"]["rule"], "test");
  EXPECT_EQ(sender_->sent[0]["config"]["url"], "https://hooks.example/x");
}

TEST_F(AlertsTest, FailedWithoutPolicyAlertsEachChannelOnceWithTheFacts) {
  int64_t lark = Channel("lark", "lark", {{"url", "https://open.feishu.cn/hook/T"}});
  int64_t mail = Channel("mail", "email",
                         {{"smtp_url", "smtp://127.0.0.1:25"},
                          {"from", "sluice@example.com"},
                          {"to", {"oncall@example.com"}}});
  int64_t app = App("orders", nullptr, {lark, mail});
  Move(app, "FAILED", std::nullopt,
       "java.lang.ArithmeticException: / by zero\n\tat a\n\tat b\n\tat c\n\tat d\n\tat e\n\tat "
       "f\n\tat g\n\tat h\n\tat i");
  Pass();
  ASSERT_EQ(sender_->Sent(), 2u);
  Json facts = sender_->sent[0]["facts"];
  EXPECT_EQ(facts["rule"], "failed");
  EXPECT_EQ(facts["app"], "orders");
  EXPECT_EQ(facts["team"], "data");
  EXPECT_EQ(facts["state"], "FAILED");
  EXPECT_EQ(facts["sluice_url"], "http://sluice.example:8765/apps/" + std::to_string(app));
  EXPECT_EQ(facts["flink_url"], "http://127.0.0.1:8081/#/job/running/abc/overview");
  std::string exception = facts["exception"];
  EXPECT_NE(exception.find("/ by zero"), std::string::npos);
  EXPECT_EQ(exception.find("at i"), std::string::npos) << "only the first lines";
  Json history = Alerts();
  ASSERT_EQ(history["total"], 2);
  for (const Json& alert : history["items"]) {
    EXPECT_EQ(alert["state"], "DELIVERED");
    EXPECT_EQ(alert["attempts"], 1);
    EXPECT_EQ(alert["rule"], "failed");
  }
  // Passes again (the re-read window) send nothing more.
  Pass();
  Pass();
  EXPECT_EQ(sender_->Sent(), 2u);
  // Failing again within the quiet time: recorded SUPPRESSED, not sent.
  ASSERT_TRUE(db_->Query("UPDATE apps SET state = 'RUNNING' WHERE id = ?", {app}).ok());
  Move(app, "FAILED");
  Pass();
  EXPECT_EQ(sender_->Sent(), 2u);
  EXPECT_EQ(Alerts("&state=SUPPRESSED")["total"], 2);
  // After it, alerts again.
  Advance(std::chrono::minutes(11));
  ASSERT_TRUE(db_->Query("UPDATE apps SET state = 'RUNNING' WHERE id = ?", {app}).ok());
  Move(app, "FAILED");
  Pass();
  EXPECT_EQ(sender_->Sent(), 4u);
}

TEST_F(AlertsTest, RestartPolicyRestartsExactlyMaxTimesWithBackOffThenAlertsOnce) {
  int64_t hook = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  int64_t slack = Channel("slack", "slack", {{"url", "https://hooks.slack.com/services/X"}});
  int64_t app = App("orders", {{"max_restarts", 2}, {"window_minutes", 30}}, {hook, slack});
  ASSERT_TRUE(db_->Query("INSERT INTO app_savepoints (app_id, job_id, kind, path, created_at) "
                         "VALUES (?, 'abc', 'checkpoint', 'file:///tmp/chk-3', 1)",
                         {app})
                  .ok());
  // First failure: restart 1 of 2, after the back-off (10 s), from the newest checkpoint.
  Move(app, "FAILED");
  Pass();
  EXPECT_TRUE(redeployer_->calls.empty());
  Advance(std::chrono::seconds(9));
  Pass();
  EXPECT_TRUE(redeployer_->calls.empty());
  Advance(std::chrono::seconds(1));
  Pass();
  ASSERT_EQ(redeployer_->calls.size(), 1u);
  EXPECT_EQ(redeployer_->calls[0], std::make_pair(app, std::string("latest")));
  EXPECT_EQ(sender_->Sent(), 0u) << "no alert while restarts are left";
  // Second failure: restart 2 of 2 after twice the back-off.
  ASSERT_TRUE(db_->Query("UPDATE apps SET state = 'RUNNING' WHERE id = ?", {app}).ok());
  Move(app, "FAILED");
  Pass();
  Advance(std::chrono::seconds(19));
  Pass();
  EXPECT_EQ(redeployer_->calls.size(), 1u);
  Advance(std::chrono::seconds(1));
  Pass();
  EXPECT_EQ(redeployer_->calls.size(), 2u);
  // Third failure: used up. One alert per channel, no restart.
  ASSERT_TRUE(db_->Query("UPDATE apps SET state = 'RUNNING' WHERE id = ?", {app}).ok());
  Move(app, "FAILED");
  Pass();
  Advance(std::chrono::minutes(5));
  Pass();
  EXPECT_EQ(redeployer_->calls.size(), 2u);
  ASSERT_EQ(sender_->Sent(), 2u);
  EXPECT_EQ(sender_->sent[0]["facts"]["rule"], "restarts_exhausted");
  EXPECT_EQ(sender_->sent[0]["facts"]["restart"], 2);
  EXPECT_EQ(sender_->sent[0]["facts"]["max_restarts"], 2);
  // Each restart is an event and a row of /restarts.
  Json restarts =
      Call("GET", "/api/v1/apps/" + std::to_string(app) + "/restarts", nullptr, AdminToken()).json;
  ASSERT_EQ(restarts["total"], 2);
  EXPECT_EQ(restarts["items"][0]["state"], "QUEUED");
  EXPECT_EQ(restarts["items"][0]["attempt"], 2);
  Json events = Call("GET", "/api/v1/apps/" + std::to_string(app) + "/events?limit=100", nullptr,
                     AdminToken())
                    .json;
  int restart_events = 0;
  for (const Json& e : events["items"]) restart_events += e["kind"] == "restart";
  EXPECT_EQ(restart_events, 2);
  // Outside the window the policy has restarts again.
  Advance(std::chrono::minutes(31));
  ASSERT_TRUE(db_->Query("UPDATE apps SET state = 'RUNNING' WHERE id = ?", {app}).ok());
  Move(app, "FAILED");
  Pass();
  Advance(std::chrono::seconds(10));
  Pass();
  EXPECT_EQ(redeployer_->calls.size(), 3u);
}

TEST_F(AlertsTest, ARestartTheAppNoLongerNeedsIsSkipped) {
  int64_t app = App("orders", {{"max_restarts", 3}, {"window_minutes", 30}}, {});
  Move(app, "FAILED");
  Pass();
  redeployer_->refuse = true;  // a person deployed it meanwhile
  Advance(std::chrono::seconds(10));
  Pass();
  ASSERT_EQ(redeployer_->calls.size(), 1u);
  EXPECT_EQ(redeployer_->calls[0].second, "none") << "no restore point: from scratch";
  Json restarts =
      Call("GET", "/api/v1/apps/" + std::to_string(app) + "/restarts", nullptr, AdminToken()).json;
  EXPECT_EQ(restarts["items"][0]["state"], "SKIPPED");
  EXPECT_NE(restarts["items"][0]["detail"].get<std::string>().find("RUNNING now"),
            std::string::npos);
}

TEST_F(AlertsTest, LostAndCancelledOutsideSluiceAlertButAStopDoesNot) {
  int64_t hook = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  int64_t a = App("a", nullptr, {hook});
  int64_t b = App("b", nullptr, {hook});
  int64_t c = App("c", nullptr, {hook});
  Move(a, "LOST");
  Move(b, "CANCELED");      // no operation: outside Sluice
  Move(c, "CANCELED", 77);  // a stop operation of Sluice
  Pass();
  ASSERT_EQ(sender_->Sent(), 2u);
  std::set<std::string> rules;
  for (const Json& s : sender_->sent) rules.insert(s["facts"]["rule"].get<std::string>());
  EXPECT_EQ(rules, (std::set<std::string>{"lost", "cancelled"}));
}

TEST_F(AlertsTest, TeamDefaultsAppOverridesAndMaintenanceWindows) {
  int64_t hook = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  // Bad settings are refused, naming the field.
  Answer bad = Call("PUT", "/api/v1/teams/" + std::to_string(team_) + "/alert-settings",
                    {{"rules", {{"failed", "yes"}}}}, AdminToken());
  EXPECT_EQ(bad.code(), "ALERT_RULES_INVALID");
  EXPECT_EQ(bad.json["error"]["field"], "rules.failed");
  EXPECT_EQ(Call("PUT", "/api/v1/teams/" + std::to_string(team_) + "/alert-settings",
                 {{"channel_ids", {9999}}}, AdminToken())
                .code(),
            "ALERT_CHANNEL_NOT_FOUND");
  Answer set = Call("PUT", "/api/v1/teams/" + std::to_string(team_) + "/alert-settings",
                    {{"rules", {{"lost", false}}}, {"channel_ids", {hook}}}, AdminToken());
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json["rules"]["failed"], true);
  // Apps without channels of their own use the team's; the team turned LOST off.
  int64_t a = App("a", nullptr, {});
  int64_t b = App("b", nullptr, {});
  Move(a, "LOST");
  Pass();
  EXPECT_EQ(sender_->Sent(), 0u);
  // b overrides: LOST on; and b has a maintenance window now.
  Answer window = Call("PUT", "/api/v1/apps/" + std::to_string(b) + "/alert-settings",
                       {{"rules", {{"lost", true}}},
                        {"maintenance",
                         {{{"from", FormatRfc3339(clock_.Now() - std::chrono::minutes(1))},
                           {"until", FormatRfc3339(clock_.Now() + std::chrono::minutes(30))},
                           {"note", "upgrade"}}}}},
                       AdminToken());
  ASSERT_EQ(window.status, 200) << window.body;
  EXPECT_EQ(Call("PUT", "/api/v1/apps/" + std::to_string(b) + "/alert-settings",
                 {{"maintenance", {{{"from", "2026-12-01T10:00:00Z"}, {"until", "yesterday"}}}}},
                 AdminToken())
                .json["error"]["field"],
            "maintenance[0]");
  Move(b, "LOST");
  Pass();
  EXPECT_EQ(sender_->Sent(), 0u);
  EXPECT_EQ(Alerts("&state=SILENCED")["total"], 1);
  // After the window it alerts.
  Advance(std::chrono::minutes(31));
  ASSERT_TRUE(db_->Query("UPDATE apps SET state = 'RUNNING' WHERE id = ?", {b}).ok());
  Move(b, "LOST");
  Pass();
  ASSERT_EQ(sender_->Sent(), 1u);
  EXPECT_EQ(sender_->sent[0]["facts"]["app"], "b");
}

TEST_F(AlertsTest, FailedDeliveriesAreRetriedWithBackOffAndSurviveANewEngine) {
  int64_t hook = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  int64_t app = App("orders", nullptr, {hook});
  sender_->failures_left = 3;
  Move(app, "FAILED");
  Pass();
  Json pending = Alerts()["items"][0];
  EXPECT_EQ(pending["state"], "PENDING");
  EXPECT_EQ(pending["attempts"], 1);
  EXPECT_NE(pending["last_error"].get<std::string>().find("HTTP 503"), std::string::npos);
  // Not before its time: 1 s, then 2 s, then 4 s (the cap).
  Pass();
  EXPECT_EQ(sender_->attempts, 1);
  Advance(std::chrono::seconds(1));
  Pass();
  EXPECT_EQ(sender_->attempts, 2);
  Advance(std::chrono::seconds(1));
  Pass();
  EXPECT_EQ(sender_->attempts, 2);
  Advance(std::chrono::seconds(1));
  Pass();
  EXPECT_EQ(sender_->attempts, 3);
  // A new module on the same store (Sluice restarted) delivers what is pending, once.
  alerts_.reset();
  auto sender = std::make_unique<FakeSender>();
  FakeSender* second = sender.get();
  AlertsModuleOptions options;
  options.data_dir = dir_.string();
  alerts_ = std::make_unique<AlertsModule>(*db_, clock_, *apps_, options, std::move(sender),
                                           std::make_unique<FakeRedeployer>());
  Advance(std::chrono::seconds(4));
  ASSERT_TRUE(alerts_->engine().Follow().ok());
  ASSERT_TRUE(alerts_->engine().DeliverDue().ok());
  ASSERT_EQ(second->Sent(), 1u);
  EXPECT_EQ(second->sent[0]["facts"]["rule"], "failed");
  ASSERT_TRUE(alerts_->engine().Follow().ok());
  ASSERT_TRUE(alerts_->engine().DeliverDue().ok());
  EXPECT_EQ(second->Sent(), 1u);
  auto rows = db_->Query("SELECT state, attempts FROM alerts");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->Text(0, "state"), "DELIVERED");
  EXPECT_EQ(rows->Int(0, "attempts"), 4);
}

TEST_F(AlertsTest, AClusterLostAlertsEachTeamWithTheJobsAffected) {
  int64_t hook = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  ASSERT_EQ(Call("PUT", "/api/v1/teams/" + std::to_string(team_) + "/alert-settings",
                 {{"channel_ids", {hook}}}, AdminToken())
                .status,
            200);
  App("a", nullptr, {});
  App("b", nullptr, {});
  ASSERT_TRUE(alerts_->engine().Follow().ok());  // the cursor starts here
  ASSERT_TRUE(db_->Query("INSERT INTO cluster_events (cluster_id, at, from_state, to_state, "
                         "detail) VALUES (?, 1, 'RUNNING', 'LOST', 'no address answered')",
                         {cluster_id_})
                  .ok());
  Pass();
  ASSERT_EQ(sender_->Sent(), 1u);
  Json facts = sender_->sent[0]["facts"];
  EXPECT_EQ(facts["rule"], "cluster");
  EXPECT_EQ(facts["cluster"], "remote-a");
  EXPECT_EQ(facts["affected_jobs"], 2);
}

TEST_F(AlertsTest, TheRealRedeployerQueuesTheSameDurableDeploy) {
  int64_t app = App("orders", nullptr, {});
  AppsRedeployer redeployer(*db_, apps_->operations(), apps_->journal(), nullptr);
  auto wrong = redeployer.Redeploy(app, "FAILED", "latest", "restart 1 of 1");
  EXPECT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::APP_WRONG_STATE);
  Move(app, "FAILED");
  auto op = redeployer.Redeploy(app, "FAILED", "latest", "restart 1 of 1");
  ASSERT_TRUE(op.ok()) << op.error().message;
  auto operation = apps_->operations().Get(*op);
  ASSERT_TRUE(operation.ok());
  EXPECT_EQ(operation->kind, "deploy");
  EXPECT_EQ(operation->state, "PENDING");
  EXPECT_EQ(operation->params["restore"], "latest");
  Json shown = Call("GET", "/api/v1/apps/" + std::to_string(app), nullptr, AdminToken()).json;
  EXPECT_EQ(shown["operation"]["id"], *op) << shown.dump();
  // One operation at a time.
  auto again = redeployer.Redeploy(app, "FAILED", "latest", "restart 1 of 1");
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::APP_OPERATION_IN_FLIGHT);
}

TEST_F(AlertsTest, CheckpointAndRestartRulesAreValidatedNamingTheField) {
  const std::string team = "/api/v1/teams/" + std::to_string(team_) + "/alert-settings";
  // Off unless set; true takes the defaults.
  Answer shown = Call("GET", team, nullptr, AdminToken());
  EXPECT_EQ(shown.json["rules"]["checkpoint_failures"], false) << shown.body;
  EXPECT_EQ(shown.json["rules"]["flink_restarts"], false);
  Answer set = Call("PUT", team,
                    {{"rules",
                      {{"checkpoint_failures", true},
                       {"checkpoint_stale", {{"minutes", 15}}},
                       {"flink_restarts", {{"restarts", 5}}}}}},
                    AdminToken());
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json["rules"]["checkpoint_failures"],
            (Json{{"failures", 3}, {"window_minutes", 10}, {"action", "alert"}}));
  EXPECT_EQ(set.json["rules"]["checkpoint_stale"], (Json{{"minutes", 15}}));
  EXPECT_EQ(set.json["rules"]["flink_restarts"], (Json{{"restarts", 5}, {"window_minutes", 10}}));
  EXPECT_EQ(Call("GET", team, nullptr, AdminToken()).json["rules"]["checkpoint_stale"]["minutes"],
            15);
  struct Case {
    Json rules;
    std::string code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{{"checkpoint_failures", {{"failures", 0}}}},
       "ALERT_RULES_INVALID",
       "rules.checkpoint_failures.failures"},
      {{{"checkpoint_failures", {{"window_minutes", "ten"}}}},
       "ALERT_RULES_INVALID",
       "rules.checkpoint_failures.window_minutes"},
      {{{"checkpoint_failures", {{"action", "reboot"}}}},
       "RESTART_POLICY_INVALID",
       "rules.checkpoint_failures.action"},
      {{{"checkpoint_failures", {{"failurs", 2}}}},
       "ALERT_RULES_INVALID",
       "rules.checkpoint_failures.failurs"},
      {{{"checkpoint_stale", "yes"}}, "ALERT_RULES_INVALID", "rules.checkpoint_stale"},
      {{{"checkpoint_stale", {{"minutes", 0}}}},
       "ALERT_RULES_INVALID",
       "rules.checkpoint_stale.minutes"},
      {{{"flink_restarts", {{"restarts", -1}}}},
       "ALERT_RULES_INVALID",
       "rules.flink_restarts.restarts"},
      {{{"flink_restarts", {{"window_minutes", 100000}}}},
       "ALERT_RULES_INVALID",
       "rules.flink_restarts.window_minutes"},
      {{{"checkpoints", true}}, "ALERT_RULES_INVALID", "rules.checkpoints"},
  };
  int64_t app = App("orders", nullptr, {});
  for (const Case& c : cases) {
    Answer bad = Call("PUT", team, {{"rules", c.rules}}, AdminToken());
    EXPECT_EQ(bad.status, 400) << c.rules.dump() << " " << bad.body;
    EXPECT_EQ(bad.code(), c.code) << bad.body;
    EXPECT_EQ(bad.json["error"]["field"], c.field) << bad.body;
    Answer bad_app = AppRules(app, c.rules);
    EXPECT_EQ(bad_app.json["error"]["field"], c.field) << bad_app.body;
  }
  // Nothing changed.
  EXPECT_EQ(Call("GET", team, nullptr, AdminToken()).json["rules"], set.json["rules"]);
  // The restart policy's own errors name the field too.
  Answer policy = Call("POST", "/api/v1/apps",
                       {{"name", "p"},
                        {"team_id", team_},
                        {"kind", "sql"},
                        {"target", {{"mode", "session"}, {"cluster_id", cluster_id_}}},
                        {"sql", "INSERT INTO k SELECT * FROM s;"},
                        {"restart_policy", {{"max_restarts", 3}, {"window_minutes", 0}}}},
                       AdminToken());
  EXPECT_EQ(policy.status, 400) << policy.body;
  EXPECT_EQ(policy.code(), "RESTART_POLICY_INVALID");
  EXPECT_EQ(policy.json["error"]["field"], "restart_policy.window_minutes");
}

TEST_F(AlertsTest, CheckpointFailuresAlertAtTheThresholdWithinTheWindowOncePerQuietTime) {
  int64_t hook = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  int64_t app = App("orders", nullptr, {hook});
  int64_t other = App("quiet", nullptr, {hook});  // no watched rule: never read
  (void)other;
  ASSERT_EQ(
      AppRules(app, {{"checkpoint_failures", {{"failures", 2}, {"window_minutes", 5}}}}).status,
      200);
  const int64_t now = NowMs();
  reader_->Checkpoint(1, "COMPLETED", now - 20 * 60'000);
  reader_->Checkpoint(2, "FAILED", now - 10 * 60'000, "too old to count");
  reader_->Checkpoint(3, "FAILED", now - 60'000, "IO-problem detected.");
  Watch();
  EXPECT_EQ(reader_->checkpoint_reads, 1) << "only the app with the rule is read";
  EXPECT_EQ(reader_->exception_reads, 0);
  EXPECT_EQ(sender_->Sent(), 0u) << "one failure within 5 minutes is below the threshold";
  reader_->Checkpoint(4, "FAILED", now - 1'000,
                      "An Exception occurred while triggering the checkpoint. IO-problem "
                      "detected.");
  Watch();
  ASSERT_EQ(sender_->Sent(), 1u);
  Json facts = sender_->sent[0]["facts"];
  EXPECT_EQ(facts["rule"], "checkpoint_failures");
  EXPECT_EQ(facts["failed_checkpoints"], 2);
  EXPECT_EQ(facts["window_minutes"], 5);
  EXPECT_EQ(facts["title"], "orders: 2 checkpoints failed in 5 minutes");
  std::string summary = facts["summary"];
  EXPECT_NE(summary.find("IO-problem detected"), std::string::npos) << summary;
  EXPECT_NE(summary.find("checkpoint 4"), std::string::npos) << summary;
  EXPECT_NE(summary.find("newest completed checkpoint is 1"), std::string::npos) << summary;
  EXPECT_EQ(facts["sluice_url"], "http://sluice.example:8765/apps/" + std::to_string(app));
  EXPECT_TRUE(redeployer_->cancels.empty()) << "action alert does not restart";
  // Still failing: no new alert (and no SUPPRESSED row per look) within the quiet time.
  reader_->Checkpoint(5, "FAILED", now, "IO-problem detected.");
  Advance(std::chrono::minutes(1));
  Watch();
  EXPECT_EQ(sender_->Sent(), 1u);
  EXPECT_EQ(Alerts("&rule=checkpoint_failures")["total"], 1);
  // After the quiet time (10 minutes), still failing: alerts again.
  Advance(std::chrono::minutes(10));
  reader_->Checkpoint(6, "FAILED", NowMs() - 2'000, "IO-problem detected.");
  reader_->Checkpoint(7, "FAILED", NowMs() - 1'000, "IO-problem detected.");
  Watch();
  EXPECT_EQ(sender_->Sent(), 2u);
  // A cluster that does not answer is skipped, not an error.
  reader_->unreachable = true;
  Advance(std::chrono::minutes(11));
  Watch();
  EXPECT_EQ(sender_->Sent(), 2u);
}

TEST_F(AlertsTest, FlinksReasonsInWatchedAlertsHaveTheAppsSecretsMasked) {
  int64_t hook = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  const std::string secret = "hunter2-very-secret";
  Answer created = Call("POST", "/api/v1/apps",
                        {{"name", "masked"},
                         {"team_id", team_},
                         {"kind", "sql"},
                         {"target", {{"mode", "session"}, {"cluster_id", cluster_id_}}},
                         {"sql", "INSERT INTO k SELECT * FROM s;"},
                         {"options", {{"s3.secret-key", secret}}},
                         {"alert_channel_ids", {hook}}},
                        AdminToken());
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t app = created.json["id"];
  ASSERT_TRUE(db_->Query("UPDATE apps SET state = 'RUNNING', job_id = 'abc', cluster_id = ?, "
                         "deployed_version = 1 WHERE id = ?",
                         {cluster_id_, app})
                  .ok());
  ASSERT_EQ(AppRules(app, {{"checkpoint_failures", {{"failures", 1}, {"window_minutes", 5}}},
                           {"flink_restarts", {{"restarts", 1}, {"window_minutes", 5}}}})
                .status,
            200);
  const int64_t now = NowMs();
  reader_->Checkpoint(1, "FAILED", now - 1'000, "S3 refused the key " + secret);
  reader_->Restart(now - 3'000, "java.io.IOException: bad key " + secret);
  reader_->Restart(now - 2'000, "java.io.IOException: bad key " + secret);
  Watch();
  ASSERT_EQ(sender_->Sent(), 2u);
  for (const Json& sent : sender_->sent) {
    const std::string text = sent.dump();
    EXPECT_EQ(text.find(secret), std::string::npos) << text;
    EXPECT_NE(text.find("******"), std::string::npos) << "masked, not dropped: " << text;
  }
  EXPECT_EQ(Alerts().dump().find(secret), std::string::npos);
}

TEST_F(AlertsTest, CheckpointAlertsAreSilencedInMaintenanceAndFollowTeamDefaults) {
  int64_t hook = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  ASSERT_EQ(Call("PUT", "/api/v1/teams/" + std::to_string(team_) + "/alert-settings",
                 {{"rules", {{"checkpoint_failures", {{"failures", 1}}}}}, {"channel_ids", {hook}}},
                 AdminToken())
                .status,
            200);
  int64_t a = App("a", nullptr, {});
  int64_t b = App("b", nullptr, {});
  // b turns it off; a is in maintenance.
  ASSERT_EQ(AppRules(b, {{"checkpoint_failures", false}}).status, 200);
  ASSERT_EQ(AppRules(a, Json::object(),
                     {{{"from", FormatRfc3339(clock_.Now() - std::chrono::minutes(1))},
                       {"until", FormatRfc3339(clock_.Now() + std::chrono::minutes(30))}}})
                .status,
            200);
  reader_->Checkpoint(1, "FAILED", NowMs() - 1'000, "IO-problem detected.");
  Watch();
  EXPECT_EQ(sender_->Sent(), 0u);
  EXPECT_EQ(reader_->checkpoint_reads, 1) << "b has the rule off: not read";
  Json silenced = Alerts("&state=SILENCED");
  ASSERT_EQ(silenced["total"], 1) << silenced.dump();
  EXPECT_EQ(silenced["items"][0]["app_id"], a);
  EXPECT_EQ(silenced["items"][0]["rule"], "checkpoint_failures");
}

TEST_F(AlertsTest, NoCompletedCheckpointForNMinutesAlertsOnlyWithCheckpointingOn) {
  int64_t hook = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  int64_t app = App("orders", nullptr, {hook});
  ASSERT_TRUE(db_->Query("UPDATE apps SET state_changed_at = ? WHERE id = ?", {NowMs(), app}).ok());
  ASSERT_EQ(AppRules(app, {{"checkpoint_stale", {{"minutes", 10}}}}).status, 200);
  reader_->Checkpoint(1, "COMPLETED", NowMs());
  Advance(std::chrono::minutes(9));
  Watch();
  EXPECT_EQ(sender_->Sent(), 0u) << "9 minutes since the last completed checkpoint";
  reader_->Checkpoint(2, "FAILED", NowMs(), "Checkpoint expired before completing.");
  Advance(std::chrono::minutes(2));
  Watch();
  ASSERT_EQ(sender_->Sent(), 1u);
  Json facts = sender_->sent[0]["facts"];
  EXPECT_EQ(facts["rule"], "checkpoint_stale");
  EXPECT_EQ(facts["title"], "orders: no completed checkpoint for 11 minutes");
  std::string summary = facts["summary"];
  EXPECT_NE(summary.find("Checkpoint expired before completing"), std::string::npos) << summary;
  EXPECT_NE(summary.find("1000 ms"), std::string::npos) << summary;
  EXPECT_EQ(reader_->interval_reads, 1) << "the interval is read once per job";
  // Still stale a minute later: nothing; after the quiet time (10 minutes): again.
  Advance(std::chrono::minutes(1));
  Watch();
  EXPECT_EQ(sender_->Sent(), 1u);
  Advance(std::chrono::minutes(10));
  Watch();
  ASSERT_EQ(sender_->Sent(), 2u);
  EXPECT_EQ(sender_->sent[1]["facts"]["title"], "orders: no completed checkpoint for 22 minutes");
  // A new completed checkpoint resets it; a job without periodic checkpoints never alerts.
  Advance(std::chrono::minutes(11));
  reader_->Checkpoint(3, "COMPLETED", NowMs());
  Watch();
  EXPECT_EQ(sender_->Sent(), 2u);
  int64_t off = App("no-checkpoints", nullptr, {hook});
  ASSERT_EQ(AppRules(off, {{"checkpoint_stale", {{"minutes", 10}}}}).status, 200);
  ASSERT_TRUE(db_->Query("UPDATE apps SET job_id = 'def' WHERE id = ?", {off}).ok());
  reader_->interval = std::nullopt;
  Advance(std::chrono::minutes(30));
  reader_->history = Json::array();
  ASSERT_TRUE(db_->Query("UPDATE apps SET state = 'FINISHED' WHERE id = ?", {app}).ok());
  Watch();
  EXPECT_EQ(sender_->Sent(), 2u);
  EXPECT_EQ(Alerts("&rule=checkpoint_stale")["total"], 2);
}

TEST_F(AlertsTest, FlinkRestartingTheJobMoreThanKTimesInMMinutesAlerts) {
  int64_t hook = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  int64_t app = App("orders", nullptr, {hook});
  ASSERT_EQ(AppRules(app, {{"flink_restarts", {{"restarts", 2}, {"window_minutes", 10}}}}).status,
            200);
  reader_->Restart(NowMs() - 30 * 60'000, "too old");
  reader_->Restart(NowMs() - 5 * 60'000, "java.lang.IllegalStateException: boom");
  reader_->Restart(NowMs() - 60'000, "java.lang.IllegalStateException: boom");
  Watch();
  EXPECT_EQ(reader_->exception_reads, 1);
  EXPECT_EQ(reader_->checkpoint_reads, 0) << "no checkpoint rule: no checkpoint read";
  EXPECT_EQ(sender_->Sent(), 0u) << "2 restarts within 10 minutes is not more than 2";
  reader_->Restart(NowMs() - 1'000, "java.lang.IllegalStateException: boom at 40");
  Watch();
  ASSERT_EQ(sender_->Sent(), 1u);
  Json facts = sender_->sent[0]["facts"];
  EXPECT_EQ(facts["rule"], "flink_restarts");
  EXPECT_EQ(facts["flink_restarts"], 3);
  EXPECT_EQ(facts["title"], "orders: Flink restarted the job 3 times in 10 minutes");
  EXPECT_NE(facts["summary"].get<std::string>().find("boom at 40"), std::string::npos);
  EXPECT_EQ(facts["exception"], "java.lang.IllegalStateException: boom at 40");
}

TEST_F(AlertsTest, CheckpointFailuresWithRestartCancelThenRedeployFromTheNewestCheckpointOnce) {
  int64_t hook = Channel("hook", "webhook", {{"url", "https://hooks.example/x"}});
  int64_t app = App("orders", nullptr, {hook});
  ASSERT_EQ(AppRules(app, {{"checkpoint_failures",
                            {{"failures", 2}, {"window_minutes", 5}, {"action", "restart"}}}})
                .status,
            200);
  ASSERT_TRUE(db_->Query("INSERT INTO app_savepoints (app_id, job_id, kind, path, created_at, "
                         "operation_id) VALUES (?, 'abc', 'checkpoint', 'file:/chk/chk-1', 1, "
                         "NULL)",
                         {app})
                  .ok());
  reader_->Checkpoint(1, "COMPLETED", NowMs() - 60'000);
  reader_->Checkpoint(2, "FAILED", NowMs() - 2'000, "IO-problem detected.");
  reader_->Checkpoint(3, "FAILED", NowMs() - 1'000, "IO-problem detected.");
  Watch();
  // First the running job is cancelled (a stop operation), and one alert says so.
  ASSERT_EQ(redeployer_->cancels.size(), 1u);
  EXPECT_EQ(redeployer_->cancels[0], (std::pair<int64_t, std::string>{app, "RUNNING"}));
  EXPECT_TRUE(redeployer_->calls.empty());
  ASSERT_EQ(sender_->Sent(), 1u);
  EXPECT_NE(sender_->sent[0]["facts"]["summary"].get<std::string>().find("deploys it again"),
            std::string::npos);
  Json restarts =
      Call("GET", "/api/v1/apps/" + std::to_string(app) + "/restarts", nullptr, AdminToken()).json;
  ASSERT_EQ(restarts["total"], 1) << restarts.dump();
  EXPECT_EQ(restarts["items"][0]["state"], "STOPPING");
  EXPECT_EQ(restarts["items"][0]["operation_id"], 2001);
  // While the stop runs, nothing more.
  Watch();
  EXPECT_TRUE(redeployer_->calls.empty());
  // The job ended CANCELED: the deploy from the newest checkpoint is queued, once.
  ASSERT_TRUE(db_->Query("UPDATE apps SET operation_id = NULL WHERE id = ?", {app}).ok());
  Move(app, "CANCELED", 2001);
  Watch();
  ASSERT_EQ(redeployer_->calls.size(), 1u);
  EXPECT_EQ(redeployer_->calls[0], (std::pair<int64_t, std::string>{app, "latest"}));
  Watch();
  EXPECT_EQ(redeployer_->calls.size(), 1u);
  restarts =
      Call("GET", "/api/v1/apps/" + std::to_string(app) + "/restarts", nullptr, AdminToken()).json;
  EXPECT_EQ(restarts["items"][0]["state"], "QUEUED");
  // Not an alert for the cancel Sluice made, and not a second restart within the window for the
  // new job failing the same way.
  EXPECT_EQ(Alerts("&rule=cancelled")["total"], 0);
  ASSERT_TRUE(
      db_->Query("UPDATE apps SET state = 'RUNNING', job_id = 'abd' WHERE id = ?", {app}).ok());
  reader_->Checkpoint(4, "FAILED", NowMs(), "IO-problem detected.");
  Watch();
  EXPECT_EQ(redeployer_->cancels.size(), 1u);
  // Checkpoint restarts do not use up the restart policy's budget.
  auto counted =
      db_->Query("SELECT COUNT(*) AS n FROM app_restarts WHERE source NOT LIKE 'checkpoint:%'");
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->Int(0, "n"), 0);
}

}  // namespace
}  // namespace sluice::alerts
