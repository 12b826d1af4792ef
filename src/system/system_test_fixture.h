// Test fixture for the system area: a real SQLite store in a fresh temporary folder, a FakeClock,
// the SystemModule bootstrapped with a known admin password and its routes behind a Dispatcher,
// so handler tests go through routing, authentication and auditing exactly like the server (no
// network). Header-only; used by *_test.cc files of this folder.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/json.h"
#include "http/dispatcher.h"
#include "http/metrics.h"
#include "http/router.h"
#include "store/database.h"
#include "store/migrations.h"
#include "system/credentials.h"
#include "system/system_module.h"

namespace sluice::system::testing {

inline constexpr char kAdminPassword[] = "admin-password-1";
// Users made with AddUser() all have this password (hashed once per test binary).
inline constexpr char kUserPassword[] = "user-password-1";

struct Answer {
  int status = 0;
  Json json;  // the parsed body; null when empty
  std::string body;
  std::string code() const {
    return json.is_object() && json.contains("error") ? json["error"]["code"].get<std::string>()
                                                      : "";
  }
};

class SystemTest : public ::testing::Test {
 protected:
  virtual SystemOptions Options() {
    SystemOptions options;
    options.data_dir = dir_.string();
    options.login_max_failures = 3;
    return options;
  }

  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);  // the access log of every call is noise here
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sluice-system-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = store::OpenDatabase("sqlite://" + (dir_ / "test.db").string());
    ASSERT_TRUE(db.ok()) << db.error().internal_detail;
    db_ = std::move(db).value();
    auto migrated = store::Migrate(*db_, store::SchemaMigrations(), clock_);
    ASSERT_TRUE(migrated.ok()) << migrated.error().internal_detail;
    module_ = std::make_unique<SystemModule>(*db_, clock_, Options());
    if (BootstrapOnSetUp()) {
      Status boot = module_->Bootstrap(std::string(kAdminPassword));
      ASSERT_TRUE(boot.ok()) << boot.error().message;
    }
    module_->RegisterRoutes(router_);
    dispatcher_ = std::make_unique<http::Dispatcher>(router_, metrics_);
  }

  void TearDown() override {
    dispatcher_.reset();
    module_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  virtual bool BootstrapOnSetUp() { return true; }

  // Sends one request. `body` is sent as JSON unless it is a string (sent as is) or null (none).
  Answer Call(const std::string& method, const std::string& target, const Json& body = nullptr,
              const std::string& token = "", const std::string& client_ip = "10.0.0.1") {
    http::Request request;
    request.method = method;
    auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) {
      request.query = http::ParseQueryString(target.substr(question + 1)).value();
    }
    if (body.is_string()) {
      request.body = body.get<std::string>();
    } else if (!body.is_null()) {
      request.body = body.dump();
    }
    if (!request.body.empty()) request.headers["content-type"] = "application/json";
    if (!token.empty()) request.headers["authorization"] = "Bearer " + token;
    request.client_ip = client_ip;
    http::Response response = dispatcher_->Dispatch(request);
    Answer answer;
    answer.status = response.status;
    answer.body = response.body;
    if (!response.body.empty()) answer.json = Json::parse(response.body, nullptr, false);
    return answer;
  }

  // Logs in and returns the session token (fails the test otherwise).
  std::string Login(const std::string& username, const std::string& password = kUserPassword) {
    Answer answer =
        Call("POST", "/api/v1/auth/login", {{"username", username}, {"password", password}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.status == 200 ? answer.json["token"].get<std::string>() : "";
  }
  const std::string& AdminToken() {
    if (admin_token_.empty()) admin_token_ = Login("admin", kAdminPassword);
    return admin_token_;
  }

  // Inserts a user directly (fast: the password hash is computed once). Returns the id.
  int64_t AddUser(const std::string& username, bool is_admin = false) {
    static const std::string hash = HashPassword(kUserPassword).value();
    auto rows = db_->Query(
        "INSERT INTO users (username, display_name, email, password_hash, is_admin, disabled, "
        "created_at, updated_at) VALUES (?, ?, '', ?, ?, 0, 0, 0) RETURNING id",
        {store::Value(username), store::Value(username + " display"), store::Value(hash),
         store::Value(int64_t{is_admin ? 1 : 0})});
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->Int(0, "id") : 0;
  }
  // Creates a team through the API (as admin). Returns the id.
  int64_t AddTeam(const std::string& name) {
    Answer answer = Call("POST", "/api/v1/teams", {{"name", name}}, AdminToken());
    EXPECT_EQ(answer.status, 201) << answer.body;
    return answer.status == 201 ? answer.json["id"].get<int64_t>() : 0;
  }
  void AddMember(int64_t team, int64_t user, const std::string& role) {
    Answer answer = Call("POST", "/api/v1/teams/" + std::to_string(team) + "/members",
                         {{"user_id", user}, {"role", role}}, AdminToken());
    EXPECT_EQ(answer.status, 201) << answer.body;
  }
  int64_t CountRows(const std::string& table, const std::string& where = "1=1") {
    auto rows = db_->Query("SELECT COUNT(*) AS n FROM " + table + " WHERE " + where);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->Int(0, "n") : -1;
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<SystemModule> module_;
  http::Router router_;
  http::Metrics metrics_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  std::string admin_token_;
};

}  // namespace sluice::system::testing
