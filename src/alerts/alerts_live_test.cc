// The real sender (libcurl) against real receivers on loopback: an SMTP server (aiosmtpd, from
// Debian's python3-aiosmtpd) with login, and an HTTP receiver that records the Lark, DingTalk,
// WeCom, Slack and webhook posts and verifies their signatures (scripts/alerts/receivers.py).
// Also: email over STARTTLS and SMTPS with a verified certificate, and a receiver that is down
// gets the alert once it is back (through the engine's outbox).
// Stage `alerts-live` of scripts/run-tests.sh; fails (never skips) when the receivers cannot run.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "alerts/alerts_module.h"
#include "alerts/delivery.h"
#include "flink/flink_module.h"
#include "flink/process.h"
#include "http/client.h"
#include "system/system_test_fixture.h"

namespace sluice::alerts {
namespace {

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

// SLUICE_ALERT_RECEIVERS, else scripts/alerts/receivers.py of the folder the tests run in (the
// source tree's root, as scripts/run-tests.sh runs them).
std::string ReceiversScript() {
  const char* given = std::getenv("SLUICE_ALERT_RECEIVERS");
  if (given && *given) return given;
  return std::filesystem::absolute("scripts/alerts/receivers.py").string();
}

// The receivers' process, on the given ports.
class Receivers {
 public:
  // `extra`: more arguments for receivers.py (the TLS servers').
  Receivers(int http_port, int smtp_port, std::string log, std::vector<std::string> extra = {})
      : http_port_(http_port),
        smtp_port_(smtp_port),
        log_(std::move(log)),
        extra_(std::move(extra)) {}
  ~Receivers() { Stop(); }
  bool Start() {
    flink::SpawnSpec spec;
    spec.argv = {"/usr/bin/python3", ReceiversScript(),
                 "--http-port",      std::to_string(http_port_),
                 "--smtp-port",      std::to_string(smtp_port_),
                 "--secret",         "SIGN-SECRET",
                 "--token",          "TOKEN-1",
                 "--user",           "alerts",
                 "--password",       "mail-password"};
    spec.argv.insert(spec.argv.end(), extra_.begin(), extra_.end());
    spec.output_path = log_;
    auto spawned = flink::Spawn(spec);
    if (!spawned.ok()) return false;
    process_ = *spawned;
    // Ready when it answers (polled with a deadline).
    http::CurlHttpClient client;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      http::ClientRequest request{"GET", Url("/healthz")};
      auto answer = client.Send(request);
      if (answer.ok() && answer->status == 200) return true;
      if (!flink::IsAlive(process_)) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
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
    if (!answer.ok()) return Json();
    return Json::parse(answer->body, nullptr, false);
  }
  int smtp_port() const { return smtp_port_; }

 private:
  int http_port_;
  int smtp_port_;
  std::string log_;
  std::vector<std::string> extra_;
  flink::ProcessIdentity process_;
};

Json Facts() {
  return {{"rule", "restarts_exhausted"},
          {"title", "orders FAILED: restarts used up (3 of 3)"},
          {"summary", "application orders failed again after 3 automatic restarts"},
          {"app", "orders"},
          {"team", "data"},
          {"state", "FAILED"},
          {"since", "2026-12-01T22:00:00.000Z"},
          {"restart", 3},
          {"max_restarts", 3},
          // One long line, as Flink's causes often are: mail must still keep SMTP's line limit.
          {"exception", "java.lang.ArithmeticException: / by zero in " + std::string(1500, 'z')},
          {"sluice_url", "http://127.0.0.1:8765/apps/1"},
          {"flink_url", "http://127.0.0.1:8081/#/job/running/abc/overview"}};
}

class AlertsLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sluice-alerts-live-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    receivers_ =
        std::make_unique<Receivers>(FreePort(), FreePort(), (dir_ / "receivers.log").string());
    ASSERT_TRUE(receivers_->Start()) << "the receivers did not start (python3-aiosmtpd installed? "
                                        "scripts/install-deps.sh test); see "
                                     << (dir_ / "receivers.log");
  }
  void TearDown() override {
    receivers_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<Receivers> receivers_;
};

TEST_F(AlertsLiveTest, EveryChannelKindReachesItsRealReceiverSigned) {
  CurlSender sender;
  Json facts = Facts();
  ASSERT_TRUE(
      sender.Send("lark", {{"url", receivers_->Url("/lark")}, {"secret", "SIGN-SECRET"}}, facts)
          .ok());
  ASSERT_TRUE(
      sender
          .Send("dingtalk",
                {{"url", receivers_->Url("/dingtalk?access_token=abc")}, {"secret", "SIGN-SECRET"}},
                facts)
          .ok());
  ASSERT_TRUE(sender.Send("wecom", {{"url", receivers_->Url("/wecom?key=k")}}, facts).ok());
  ASSERT_TRUE(sender.Send("slack", {{"url", receivers_->Url("/slack/T/B/X")}}, facts).ok());
  ASSERT_TRUE(sender
                  .Send("webhook",
                        {{"url", receivers_->Url("/webhook")},
                         {"headers", {{"X-Test-Token", "TOKEN-1"}}},
                         {"secret", "SIGN-SECRET"}},
                        facts)
                  .ok());
  Status mail =
      sender.Send("email",
                  {{"smtp_url", "smtp://127.0.0.1:" + std::to_string(receivers_->smtp_port())},
                   {"tls", "none"},
                   {"username", "alerts"},
                   {"password", "mail-password"},
                   {"from", "sluice@example.com"},
                   {"to", {"oncall@example.com", "lead@example.com"}}},
                  facts);
  ASSERT_TRUE(mail.ok()) << mail.error().message;

  Json records = receivers_->Records();
  ASSERT_EQ(records["http"].size(), 5u) << records.dump();
  std::set<std::string> kinds;
  for (const Json& post : records["http"]) {
    EXPECT_TRUE(post["verified"].get<bool>()) << post.dump();
    kinds.insert(post["kind"].get<std::string>());
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"lark", "dingtalk", "wecom", "slack", "webhook"}));
  ASSERT_EQ(records["smtp"].size(), 1u);
  const Json& message = records["smtp"][0];
  EXPECT_TRUE(message["authenticated"].get<bool>());
  EXPECT_EQ(message["subject"], "[Sluice] orders FAILED: restarts used up (3 of 3)");
  EXPECT_EQ(message["to"].size(), 2u);
  std::vector<std::string> parts = message["parts"];
  EXPECT_EQ(parts, (std::vector<std::string>{"multipart/mixed", "multipart/alternative",
                                             "text/plain", "text/html"}))
      << message.dump();
  EXPECT_NE(message["texts"]["text/plain"].get<std::string>().find("Restarts: 3 of 3"),
            std::string::npos);
  EXPECT_NE(message["texts"]["text/html"].get<std::string>().find("/ by zero"), std::string::npos);
}

TEST_F(AlertsLiveTest, WrongSecretsUnreachableHostsAndBadLoginsAreClearErrors) {
  CurlSender sender(
      CurlSenderOptions{std::chrono::milliseconds(1000), std::chrono::milliseconds(3000)});
  Status lark =
      sender.Send("lark", {{"url", receivers_->Url("/lark")}, {"secret", "WRONG"}}, Facts());
  ASSERT_FALSE(lark.ok());
  EXPECT_EQ(lark.error().code, ErrorCode::ALERT_DELIVERY_FAILED);
  EXPECT_NE(lark.error().message.find("refused the alert"), std::string::npos)
      << lark.error().message;
  EXPECT_NE(lark.error().message.find("sign match fail"), std::string::npos);
  Status ding = sender.Send(
      "dingtalk", {{"url", receivers_->Url("/dingtalk?access_token=a")}, {"secret", "WRONG"}},
      Facts());
  ASSERT_FALSE(ding.ok());
  EXPECT_NE(ding.error().message.find("sign not match"), std::string::npos);

  int closed = FreePort();
  Status smtp = sender.Send("email",
                            {{"smtp_url", "smtp://127.0.0.1:" + std::to_string(closed)},
                             {"tls", "none"},
                             {"from", "sluice@example.com"},
                             {"to", {"oncall@example.com"}}},
                            Facts());
  ASSERT_FALSE(smtp.ok());
  EXPECT_NE(smtp.error().message.find("SMTP server"), std::string::npos) << smtp.error().message;
  EXPECT_NE(smtp.error().message.find("onnect"), std::string::npos) << smtp.error().message;
  Status login =
      sender.Send("email",
                  {{"smtp_url", "smtp://127.0.0.1:" + std::to_string(receivers_->smtp_port())},
                   {"tls", "none"},
                   {"username", "alerts"},
                   {"password", "wrong"},
                   {"from", "sluice@example.com"},
                   {"to", {"oncall@example.com"}}},
                  Facts());
  ASSERT_FALSE(login.ok());
  EXPECT_NE(login.error().message.find("did not take the message"), std::string::npos)
      << login.error().message;
  EXPECT_EQ(login.error().message.find("wrong"), std::string::npos) << "never the password";
  Status starttls =
      sender.Send("email",
                  {{"smtp_url", "smtp://127.0.0.1:" + std::to_string(receivers_->smtp_port())},
                   {"tls", "starttls"},
                   {"from", "sluice@example.com"},
                   {"to", {"oncall@example.com"}}},
                  Facts());
  EXPECT_FALSE(starttls.ok()) << "STARTTLS required, the server offers none";
  EXPECT_EQ(receivers_->Records()["smtp"].size(), 0u);
}

// Email over TLS, both ways libcurl speaks it, against aiosmtpd with a certificate made for this
// test: STARTTLS on a server that refuses mail (and login) without it, and SMTPS. The
// certificate is checked: without `ca_file` naming it, the same send fails and says why.
TEST(AlertsLiveTlsTest, EmailOverStartTlsAndTlsWithLoginAndAVerifiedCertificate) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    ("sluice-alerts-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string cert = (dir / "cert.pem").string();
  const std::string key = (dir / "key.pem").string();
  auto made =
      flink::RunToCompletion({.argv = {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                       "-keyout", key, "-out", cert, "-days", "2", "-subj",
                                       "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
                              .new_session = false},
                             std::chrono::seconds(60));
  ASSERT_TRUE(made.ok() && made->exit_code == 0) << "openssl could not make a certificate";
  const int starttls_port = FreePort();
  const int smtps_port = FreePort();
  Receivers receivers(FreePort(), FreePort(), (dir / "receivers.log").string(),
                      {"--tls-cert", cert, "--tls-key", key, "--starttls-port",
                       std::to_string(starttls_port), "--smtps-port", std::to_string(smtps_port)});
  ASSERT_TRUE(receivers.Start()) << "see " << (dir / "receivers.log");

  CurlSender sender(
      CurlSenderOptions{std::chrono::milliseconds(2000), std::chrono::milliseconds(10000)});
  auto mail = [&](const std::string& url, const std::string& tls, bool with_ca) {
    Json config = {{"smtp_url", url},
                   {"tls", tls},
                   {"username", "alerts"},
                   {"password", "mail-password"},
                   {"from", "sluice@example.com"},
                   {"to", {"oncall@example.com"}}};
    if (with_ca) config["ca_file"] = cert;
    return sender.Send("email", config, Facts());
  };
  const std::string starttls_url = "smtp://127.0.0.1:" + std::to_string(starttls_port);
  const std::string smtps_url = "smtps://127.0.0.1:" + std::to_string(smtps_port);
  Status over_starttls = mail(starttls_url, "starttls", true);
  ASSERT_TRUE(over_starttls.ok()) << over_starttls.error().message;
  Status over_tls = mail(smtps_url, "tls", true);
  ASSERT_TRUE(over_tls.ok()) << over_tls.error().message;
  // A certificate nobody vouches for is refused, and the error says it is the certificate.
  Status unverified = mail(smtps_url, "tls", false);
  ASSERT_FALSE(unverified.ok());
  EXPECT_EQ(unverified.error().code, ErrorCode::ALERT_DELIVERY_FAILED);
  EXPECT_NE(unverified.error().message.find("certificate"), std::string::npos)
      << unverified.error().message;
  // The STARTTLS server takes nothing in the clear.
  Status in_clear = mail(starttls_url, "none", true);
  EXPECT_FALSE(in_clear.ok());

  Json records = receivers.Records();
  ASSERT_EQ(records["smtp"].size(), 2u) << records.dump();
  std::set<std::string> servers;
  for (const Json& message : records["smtp"]) {
    EXPECT_TRUE(message["tls"].get<bool>()) << message.dump();
    EXPECT_TRUE(message["authenticated"].get<bool>()) << message.dump();
    EXPECT_EQ(message["subject"], "[Sluice] orders FAILED: restarts used up (3 of 3)");
    servers.insert(message["server"].get<std::string>());
  }
  EXPECT_EQ(servers, (std::set<std::string>{"starttls", "smtps"}));
  receivers.Stop();
  std::filesystem::remove_all(dir);
}

class NullProbe final : public flink::ClusterProbe {
 public:
  Result<flink::ClusterProbeResult> Probe(const std::vector<std::string>&) override {
    return Error(ErrorCode::CLUSTER_UNREACHABLE, "not in this test");
  }
};

class AlertsLiveOutboxTest : public system::testing::SystemTest {};

TEST_F(AlertsLiveOutboxTest, AReceiverThatIsDownGetsTheAlertOnceItIsBack) {
  Receivers receivers(FreePort(), FreePort(), (dir_ / "receivers.log").string());
  flink::FlinkOptions flink_options;
  flink_options.data_dir = dir_.string();
  flink::FlinkModule flink(*db_, clock_, flink_options, std::make_unique<NullProbe>());
  apps::AppsOptions apps_options;
  apps_options.actions.data_dir = dir_.string();
  apps::AppsModule apps(*db_, clock_, flink, apps_options);
  apps.RegisterRoutes(router_, module_->guard());
  AlertsModuleOptions options;
  options.data_dir = dir_.string();
  options.engine.retry_first = std::chrono::milliseconds(100);
  options.engine.retry_max = std::chrono::milliseconds(200);
  options.sender.connect_timeout = std::chrono::milliseconds(500);
  AlertsModule alerts(*db_, clock_, apps, options);
  alerts.RegisterRoutes(router_, module_->guard());
  int64_t team = AddTeam("data");
  ASSERT_TRUE(db_->Query("INSERT INTO flink_envs (name, home, version, config_file, config_text, "
                         "description, is_default, created_at, updated_at) VALUES ('flink', "
                         "'/opt/flink', '1.20.5', 'config.yaml', '', '', 1, 0, 0)")
                  .ok());
  auto created = Call("POST", "/api/v1/alert-channels",
                      {{"team_id", team},
                       {"name", "group"},
                       {"kind", "lark"},
                       {"config", {{"url", receivers.Url("/lark")}, {"secret", "SIGN-SECRET"}}}},
                      AdminToken());
  ASSERT_EQ(created.status, 201) << created.body;
  auto app = Call("POST", "/api/v1/apps",
                  {{"name", "orders"},
                   {"team_id", team},
                   {"kind", "sql"},
                   {"target", {{"mode", "application"}}},
                   {"sql", "INSERT INTO k SELECT * FROM s;"},
                   {"alert_channel_ids", {created.json["id"]}}},
                  AdminToken());
  ASSERT_EQ(app.status, 201) << app.body;
  int64_t app_id = app.json["id"];
  ASSERT_TRUE(alerts.engine().Follow().ok());
  ASSERT_TRUE(
      db_->Query("UPDATE apps SET state = 'RUNNING', job_id = 'abc' WHERE id = ?", {app_id}).ok());
  auto moved = apps.journal().Move(
      {app_id, "RUNNING", "FAILED", "Flink reports FAILED", "abc", std::nullopt, std::nullopt});
  ASSERT_TRUE(moved.ok() && *moved);
  // The receiver is down: attempts fail, the alert stays PENDING with the reason.
  ASSERT_TRUE(alerts.engine().Follow().ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(alerts.engine().DeliverDue().ok());
    clock_.Advance(std::chrono::milliseconds(250));
  }
  auto row = db_->Query("SELECT state, attempts, last_error FROM alerts");
  ASSERT_TRUE(row.ok());
  ASSERT_EQ(row->size(), 1u);
  EXPECT_EQ(row->Text(0, "state"), "PENDING");
  EXPECT_EQ(row->Int(0, "attempts"), 3);
  EXPECT_NE(row->Text(0, "last_error").find("did not answer"), std::string::npos)
      << row->Text(0, "last_error");
  // Back: the next attempt delivers it, once.
  ASSERT_TRUE(receivers.Start());
  ASSERT_TRUE(alerts.engine().DeliverDue().ok());
  ASSERT_TRUE(alerts.engine().DeliverDue().ok());
  Json records = receivers.Records();
  ASSERT_EQ(records["http"].size(), 1u) << records.dump();
  EXPECT_TRUE(records["http"][0]["verified"].get<bool>());
  row = db_->Query("SELECT state, attempts FROM alerts");
  EXPECT_EQ(row->Text(0, "state"), "DELIVERED");
  EXPECT_EQ(row->Int(0, "attempts"), 4);
}

}  // namespace
}  // namespace sluice::alerts
