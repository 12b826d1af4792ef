// Crash safety: kill -9 during a burst of writes; every answered write survives the restart, and
// the migrations do not run again. Runs on whichever store SLUICE_TEST_DB_URL names (SQLite when
// unset), so scripts/run-tests.sh covers SQLite, PostgreSQL and MariaDB.
#include <atomic>
#include <mutex>
#include <thread>

#include "fixture.h"

namespace sluice::testing {
namespace {

using CrashSafety = SluiceTest;

TEST_F(CrashSafety, AnsweredWritesSurviveKillNine) {
  const int64_t migrations_before =
      QueryInt(server_->store_url(), "SELECT COUNT(*) FROM schema_migrations");
  ASSERT_GT(migrations_before, 0);
  // One session shared by the writers (logins are slow on purpose).
  HttpResult login = Anonymous().Post(
      "/api/v1/auth/login", {{"username", "admin"}, {"password", "admin-password-for-tests"}});
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string token = login.json()["token"];

  std::mutex mu;
  std::vector<std::pair<int64_t, std::string>> acknowledged;  // (id, name) of every 201
  std::vector<std::string> unexpected;  // answers other than 201 while the server was up
  std::atomic<bool> killed{false};
  std::vector<std::thread> writers;
  const std::string base = server_->base_url();
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      HttpClient client(base);
      client.set_token(token);
      for (int i = 0;; ++i) {
        std::string name = "crash-" + std::to_string(w) + "-" + std::to_string(i);
        HttpResult created = client.Post("/api/v1/teams", {{"name", name}});
        std::lock_guard lock(mu);
        if (created.status == 201) {
          acknowledged.emplace_back(created.json()["id"].get<int64_t>(), name);
        } else if (created.status == 0) {
          if (killed.load()) return;  // the server is gone
          unexpected.push_back("transport error before the kill: " + created.transport_error);
          return;
        } else {
          unexpected.push_back(std::to_string(created.status) + " " + created.body);
        }
        if (killed.load()) return;
      }
    });
  }
  // Mid-burst: once enough writes are answered, the writers are still going.
  bool enough = WaitFor(
      [&] {
        std::lock_guard lock(mu);
        return acknowledged.size() >= 200;
      },
      std::chrono::seconds(60));
  killed = true;
  server_->Kill9();
  for (auto& writer : writers) writer.join();
  ASSERT_TRUE(enough) << "only " << acknowledged.size() << " writes answered in 60 s";
  EXPECT_TRUE(unexpected.empty()) << unexpected.size()
                                  << " writes failed before the kill, first: " << unexpected[0];

  size_t log_before_restart = server_->log().size();
  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  EXPECT_EQ(Anonymous().Get("/readyz").status, 200);
  std::string restart_log = server_->log().substr(log_before_restart);
  EXPECT_NE(restart_log.find("(0 applied now)"), std::string::npos)
      << "the restart must not apply migrations again\n"
      << restart_log;
  EXPECT_EQ(QueryInt(server_->store_url(), "SELECT COUNT(*) FROM schema_migrations"),
            migrations_before);

  HttpClient client(server_->base_url());
  HttpResult relogin = client.Post(
      "/api/v1/auth/login", {{"username", "admin"}, {"password", "admin-password-for-tests"}});
  ASSERT_EQ(relogin.status, 200) << relogin.body;
  client.set_token(relogin.json()["token"]);
  size_t missing = 0;
  std::string first_missing;
  for (const auto& [id, name] : acknowledged) {
    HttpResult team = client.Get("/api/v1/teams/" + std::to_string(id));
    if (team.status != 200 || team.json()["name"] != name) {
      if (missing++ == 0) first_missing = name + ": " + team.body;
    }
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size()
                         << " acknowledged writes; first: " << first_missing;
  // The default team, every acknowledged one, and at most one per writer that was written but
  // not answered before the kill.
  int64_t total = client.Get("/api/v1/teams").json()["total"];
  EXPECT_GE(total, static_cast<int64_t>(acknowledged.size()) + 1);
  EXPECT_LE(total, static_cast<int64_t>(acknowledged.size()) + 1 + 4);
  // The session from before the crash is still valid: the sessions table survived too.
  HttpClient old_session(server_->base_url());
  old_session.set_token(token);
  EXPECT_EQ(old_session.Get("/api/v1/me").status, 200);
}

}  // namespace
}  // namespace sluice::testing
