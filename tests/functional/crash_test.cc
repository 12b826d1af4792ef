// Crash safety: kill -9 during a burst of writes; every answered write survives the restart, and
// the migrations do not run again.
#include <atomic>
#include <mutex>
#include <thread>

#include "fixture.h"

namespace sluice::testing {
namespace {

using CrashSafety = SluiceTest;

TEST_F(CrashSafety, AnsweredWritesSurviveKillNine) {
  admin();  // log in before the burst
  std::mutex mu;
  std::vector<std::pair<int64_t, std::string>> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  std::string base = server_->base_url();
  HttpClient& admin_client = admin();
  std::string token;
  {
    // Reuse the admin's session token in each writer.
    HttpResult me = admin_client.Get("/api/v1/me");
    ASSERT_EQ(me.status, 200);
  }
  HttpResult login = Anonymous().Post(
      "/api/v1/auth/login", {{"username", "admin"}, {"password", "admin-password-for-tests"}});
  ASSERT_EQ(login.status, 200);
  token = login.json()["token"];
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      HttpClient client(base);
      client.set_token(token);
      for (int i = 0; !stop.load(); ++i) {
        std::string name = "crash-" + std::to_string(w) + "-" + std::to_string(i);
        HttpResult created = client.Post("/api/v1/teams", {{"name", name}});
        if (created.status == 201) {
          std::lock_guard lock(mu);
          acknowledged.emplace_back(created.json()["id"].get<int64_t>(), name);
        } else if (created.status == 0) {
          return;  // the server is gone
        }
      }
    });
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard lock(mu);
        return acknowledged.size() >= 200;
      },
      std::chrono::seconds(60)));
  server_->Kill9();
  stop = true;
  for (auto& writer : writers) writer.join();

  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  EXPECT_NE(server_->log().find("(0 applied now)"), std::string::npos)
      << "the restart must not apply migrations again\n"
      << server_->log();
  HttpClient client(server_->base_url());
  HttpResult relogin = client.Post(
      "/api/v1/auth/login", {{"username", "admin"}, {"password", "admin-password-for-tests"}});
  ASSERT_EQ(relogin.status, 200);
  client.set_token(relogin.json()["token"]);
  size_t missing = 0;
  for (const auto& [id, name] : acknowledged) {
    HttpResult team = client.Get("/api/v1/teams/" + std::to_string(id));
    if (team.status != 200 || team.json()["name"] != name) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged writes";
  EXPECT_GE(client.Get("/api/v1/teams").json()["total"].get<int64_t>(),
            static_cast<int64_t>(acknowledged.size()) + 1);
}

}  // namespace
}  // namespace sluice::testing
