// A fixture that starts a fresh Sluice (and a fresh database) for each test, and helpers to make
// people quickly.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "harness.h"

namespace sluice::testing {

class SluiceTest : public ::testing::Test {
 protected:
  // Options for the server of this test; override to change them.
  virtual ServerOptions Options() { return {}; }

  void SetUp() override {
    // A database that is configured but unreachable fails the test; it never skips.
    try {
      ResetDatabase();
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    server_ = std::make_unique<SluiceProcess>(Options());
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }
  void TearDown() override { server_.reset(); }

  HttpClient& admin() { return server_->admin(); }
  HttpClient Anonymous() { return HttpClient(server_->base_url()); }

  // Creates a user (as admin) and returns its id.
  int64_t CreateUser(const std::string& username, const std::string& password = "password-123") {
    HttpResult created =
        admin().Post("/api/v1/users", {{"username", username}, {"password", password}});
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json().value("id", int64_t{0});
  }
  // Creates a team (as admin) and returns its id.
  int64_t CreateTeam(const std::string& name) {
    HttpResult created = admin().Post("/api/v1/teams", {{"name", name}});
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json().value("id", int64_t{0});
  }
  void AddMember(int64_t team_id, int64_t user_id, const std::string& role) {
    HttpResult added = admin().Post("/api/v1/teams/" + std::to_string(team_id) + "/members",
                                    {{"user_id", user_id}, {"role", role}});
    EXPECT_EQ(added.status, 201) << added.body;
  }
  // A client logged in as `username`.
  HttpClient LoggedIn(const std::string& username, const std::string& password = "password-123") {
    HttpClient client(server_->base_url());
    HttpResult login =
        client.Post("/api/v1/auth/login", {{"username", username}, {"password", password}});
    EXPECT_EQ(login.status, 200) << login.body;
    client.set_token(login.json().value("token", std::string()));
    return client;
  }
  int64_t UserCount() {
    HttpResult users = admin().Get("/api/v1/users?limit=1");
    EXPECT_EQ(users.status, 200) << users.body;
    return users.json().value("total", int64_t{-1});
  }

  std::unique_ptr<SluiceProcess> server_;
};

}  // namespace sluice::testing
