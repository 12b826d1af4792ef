// The people API end to end against the real server: roles, team isolation, tokens, audit.
#include <sys/stat.h>

#include <fstream>

#include "fixture.h"

namespace sluice::testing {
namespace {

using People = SluiceTest;

TEST_F(People, FirstAdminFromEnvironmentOwnsTheDefaultTeam) {
  HttpResult me = admin().Get("/api/v1/me");
  ASSERT_EQ(me.status, 200) << me.body;
  Json body = me.json();
  EXPECT_EQ(body["username"], "admin");
  EXPECT_EQ(body["is_admin"], true);
  ASSERT_EQ(body["teams"].size(), 1u);
  EXPECT_EQ(body["teams"][0]["name"], "default");
  EXPECT_EQ(body["teams"][0]["role"], "owner");
  EXPECT_EQ(body["token"]["kind"], "session");
  EXPECT_FALSE(std::filesystem::exists(server_->data_dir() + "/admin-password"))
      << "no password file when the password came from the environment";
}

class GeneratedPassword : public SluiceTest {
  ServerOptions Options() override {
    ServerOptions options;
    options.admin_password = "";
    return options;
  }
};

TEST_F(GeneratedPassword, IsPrintedAndWrittenForTheOwnerOnly) {
  std::string path = server_->data_dir() + "/admin-password";
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::string password;
  std::ifstream(path) >> password;
  EXPECT_GE(password.size(), 16u);
  EXPECT_NE(server_->log().find(password), std::string::npos) << "printed once at first start";
  HttpClient client = LoggedIn("admin", password);
  EXPECT_EQ(client.Get("/api/v1/me").status, 200);
}

TEST_F(People, RolesAreEnforcedAndOtherTeamsAreInvisible) {
  int64_t team = CreateTeam("analytics");
  int64_t other = CreateTeam("payments");
  int64_t viewer_id = CreateUser("vera");
  int64_t developer_id = CreateUser("dev");
  int64_t owner_id = CreateUser("olga");
  int64_t outsider_id = CreateUser("otto");
  AddMember(team, viewer_id, "viewer");
  AddMember(team, developer_id, "developer");
  AddMember(team, owner_id, "owner");
  AddMember(other, outsider_id, "owner");
  std::string members = "/api/v1/teams/" + std::to_string(team) + "/members";

  HttpClient viewer = LoggedIn("vera");
  EXPECT_EQ(viewer.Get("/api/v1/teams/" + std::to_string(team)).status, 200);
  EXPECT_EQ(viewer.Get(members).json()["total"], 3);
  HttpResult refused = viewer.Post(members, {{"user_id", outsider_id}, {"role", "viewer"}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.error_code(), "FORBIDDEN");
  EXPECT_EQ(admin().Get(members).json()["total"], 3) << "nothing changed";
  EXPECT_EQ(viewer.Post("/api/v1/tokens", {{"name", "ci"}, {"team_id", team}}).status, 403);

  HttpClient developer = LoggedIn("dev");
  EXPECT_EQ(developer.Post("/api/v1/tokens", {{"name", "ci"}, {"team_id", team}}).status, 201);
  EXPECT_EQ(developer.Patch("/api/v1/teams/" + std::to_string(team), {{"description", "x"}}).status,
            403);
  EXPECT_EQ(developer.Post("/api/v1/teams", {{"name", "mine"}}).status, 403);
  EXPECT_EQ(developer.Get("/api/v1/users").status, 403);
  EXPECT_EQ(developer.Get("/api/v1/audit").status, 403);

  HttpClient owner = LoggedIn("olga");
  HttpResult added = owner.Post(members, {{"username", "otto"}, {"role", "viewer"}});
  EXPECT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(owner.Patch(members + "/" + std::to_string(outsider_id), {{"role", "developer"}}).status,
            200);
  EXPECT_EQ(owner.Delete(members + "/" + std::to_string(outsider_id)).status, 204);
  EXPECT_EQ(owner.Delete("/api/v1/teams/" + std::to_string(team)).status, 403)
      << "deleting a team needs an administrator";

  // The outsider cannot tell the team exists: its ids answer like missing ones.
  HttpClient outsider = LoggedIn("otto");
  HttpResult hidden = outsider.Get("/api/v1/teams/" + std::to_string(team));
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.error_code(), "TEAM_NOT_FOUND");
  HttpResult missing = outsider.Get("/api/v1/teams/999999");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error_code(), "TEAM_NOT_FOUND");
  EXPECT_EQ(outsider.Get(members).status, 404);
  EXPECT_EQ(outsider.Post(members, {{"user_id", outsider_id}, {"role", "owner"}}).status, 404);
  EXPECT_EQ(outsider.Post("/api/v1/tokens", {{"name", "x"}, {"team_id", team}}).status, 404);
  Json listed = outsider.Get("/api/v1/teams").json();
  ASSERT_EQ(listed["total"], 1);
  EXPECT_EQ(listed["items"][0]["name"], "payments");
  EXPECT_EQ(admin().Get(members).json()["total"], 3);
}

TEST_F(People, ApiTokenActsOnlyInItsTeamAndCanBeRevoked) {
  int64_t team = CreateTeam("analytics");
  int64_t dev_id = CreateUser("dev");
  AddMember(team, dev_id, "developer");
  AddMember(1, dev_id, "developer");
  HttpClient developer = LoggedIn("dev");
  HttpResult created = developer.Post(
      "/api/v1/tokens", {{"name", "ci pipeline"}, {"team_id", team}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string secret = created.json()["token"];
  int64_t token_id = created.json()["id"];
  EXPECT_EQ(secret.rfind("slt_", 0), 0u);

  HttpClient ci(server_->base_url());
  ci.set_token(secret);
  Json me = ci.Get("/api/v1/me").json();
  EXPECT_EQ(me["token"]["kind"], "api");
  ASSERT_EQ(me["teams"].size(), 1u);
  EXPECT_EQ(me["teams"][0]["id"], team);
  EXPECT_EQ(ci.Get("/api/v1/teams/1").status, 404) << "the default team is outside the token";
  EXPECT_EQ(ci.Post("/api/v1/tokens", {{"name", "x"}, {"team_id", team}}).status, 403);

  Json listed = developer.Get("/api/v1/tokens").json();
  ASSERT_EQ(listed["total"], 1);
  EXPECT_FALSE(listed["items"][0].contains("token")) << "secrets are shown once";
  EXPECT_EQ(listed.dump().find(secret), std::string::npos);

  EXPECT_EQ(developer.Delete("/api/v1/tokens/" + std::to_string(token_id)).status, 204);
  HttpResult revoked = ci.Get("/api/v1/me");
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(revoked.error_code(), "TOKEN_REVOKED");
}

TEST_F(People, AnAdminsApiTokenHasNoAdminPowers) {
  HttpResult created = admin().Post("/api/v1/tokens", {{"name", "ops"}, {"team_id", 1}});
  ASSERT_EQ(created.status, 201) << created.body;
  HttpClient token(server_->base_url());
  token.set_token(created.json()["token"]);
  EXPECT_EQ(token.Get("/api/v1/users").status, 403);
  EXPECT_EQ(token.Post("/api/v1/teams", {{"name", "sneaky"}}).status, 403);
  EXPECT_EQ(admin().Get("/api/v1/teams").json()["total"], 1);
}

TEST_F(People, TokensExpire) {
  int64_t dev_id = CreateUser("dev");
  AddMember(1, dev_id, "developer");
  HttpClient developer = LoggedIn("dev");
  auto soon = std::chrono::system_clock::now() + std::chrono::seconds(2);
  std::time_t t = std::chrono::system_clock::to_time_t(soon);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  HttpResult created =
      developer.Post("/api/v1/tokens", {{"name", "short"}, {"team_id", 1}, {"expires_at", text}});
  ASSERT_EQ(created.status, 201) << created.body;
  HttpClient token(server_->base_url());
  token.set_token(created.json()["token"]);
  EXPECT_EQ(token.Get("/api/v1/me").status, 200);
  std::string code;
  EXPECT_TRUE(WaitFor(
      [&] {
        code = token.Get("/api/v1/me").error_code();
        return !code.empty();
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(code, "TOKEN_EXPIRED");
  HttpResult past = developer.Post(
      "/api/v1/tokens", {{"name", "past"}, {"team_id", 1}, {"expires_at", "2001-01-01T00:00:00Z"}});
  EXPECT_EQ(past.status, 400);
  EXPECT_EQ(past.json()["error"]["field"], "expires_at");
}

TEST_F(People, LogoutAndPasswordChangeEndSessions) {
  CreateUser("dev", "old-password-1");
  HttpClient first = LoggedIn("dev", "old-password-1");
  HttpClient second = LoggedIn("dev", "old-password-1");
  HttpResult wrong = first.Post("/api/v1/me/password",
                                {{"current_password", "nope-nope-1"}, {"new_password", "new-password-1"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.json()["error"]["field"], "current_password");
  EXPECT_EQ(first.Post("/api/v1/me/password",
                       {{"current_password", "old-password-1"}, {"new_password", "new-password-1"}})
                .status,
            204);
  EXPECT_EQ(first.Get("/api/v1/me").status, 200) << "the session that changed it stays";
  EXPECT_EQ(second.Get("/api/v1/me").status, 401) << "other sessions end";
  EXPECT_EQ(Anonymous()
                .Post("/api/v1/auth/login", {{"username", "dev"}, {"password", "old-password-1"}})
                .status,
            401);
  HttpClient third = LoggedIn("dev", "new-password-1");
  EXPECT_EQ(third.Post("/api/v1/auth/logout", nullptr).status, 204);
  HttpResult after = third.Get("/api/v1/me");
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.error_code(), "TOKEN_REVOKED");
}

TEST_F(People, TheLastAdminStays) {
  HttpResult demote = admin().Patch("/api/v1/users/1", {{"is_admin", false}});
  EXPECT_EQ(demote.status, 409);
  EXPECT_EQ(demote.error_code(), "LAST_ADMIN");
  EXPECT_EQ(admin().Patch("/api/v1/users/1", {{"disabled", true}}).error_code(), "LAST_ADMIN");
  EXPECT_EQ(admin().Get("/api/v1/users/1").json()["is_admin"], true);
  int64_t second = CreateUser("second");
  EXPECT_EQ(admin().Patch("/api/v1/users/" + std::to_string(second), {{"is_admin", true}}).status,
            200);
  HttpClient other = LoggedIn("second");
  EXPECT_EQ(other.Patch("/api/v1/users/1", {{"is_admin", false}}).status, 200);
  EXPECT_EQ(other.Delete("/api/v1/users/" + std::to_string(second)).error_code(), "CONFLICT");
}

TEST_F(People, DisablingAUserEndsTheirAccess) {
  int64_t id = CreateUser("leaver");
  HttpClient leaver = LoggedIn("leaver");
  EXPECT_EQ(admin().Patch("/api/v1/users/" + std::to_string(id), {{"disabled", true}}).status, 200);
  EXPECT_EQ(leaver.Get("/api/v1/me").status, 401);
  EXPECT_EQ(Anonymous()
                .Post("/api/v1/auth/login", {{"username", "leaver"}, {"password", "password-123"}})
                .status,
            401);
}

class Throttled : public SluiceTest {
  ServerOptions Options() override {
    ServerOptions options;
    options.extra_env["SLUICE_LOGIN_MAX_FAILURES"] = "3";
    return options;
  }
};

TEST_F(Throttled, RepeatedFailuresAnswer429EvenForTheRightPassword) {
  CreateUser("target", "right-password-1");
  HttpClient client = Anonymous();
  for (int i = 0; i < 3; ++i) {
    HttpResult wrong =
        client.Post("/api/v1/auth/login", {{"username", "target"}, {"password", "wrong-pass"}});
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.error_code(), "INVALID_CREDENTIALS");
  }
  HttpResult locked = client.Post("/api/v1/auth/login",
                                  {{"username", "target"}, {"password", "right-password-1"}});
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.error_code(), "TOO_MANY_ATTEMPTS");
  // An unknown user and a wrong password answer alike.
  HttpResult unknown =
      client.Post("/api/v1/auth/login", {{"username", "nobody"}, {"password", "whatever-1"}});
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.json()["error"]["message"], "wrong user name or password");
}

TEST_F(People, AuditRecordsChangesAndRefusalsWithoutSecrets) {
  int64_t id = CreateUser("audited", "secret-password-9");
  HttpClient user = LoggedIn("audited", "secret-password-9");
  EXPECT_EQ(user.Post("/api/v1/teams", {{"name", "nope"}}).status, 403);
  EXPECT_EQ(Anonymous()
                .Post("/api/v1/auth/login", {{"username", "audited"}, {"password", "bad-guess-1"}})
                .status,
            401);
  HttpResult token = admin().Post("/api/v1/tokens", {{"name", "t"}, {"team_id", 1}});
  ASSERT_EQ(token.status, 201);
  HttpResult audit = admin().Get("/api/v1/audit?limit=100");
  ASSERT_EQ(audit.status, 200) << audit.body;
  Json items = audit.json()["items"];
  auto find = [&](const std::string& action, const std::string& outcome) {
    for (const auto& item : items) {
      if (item["action"] == action && item["outcome"] == outcome) return item;
    }
    return Json();
  };
  Json created = find("user.create", "success");
  ASSERT_FALSE(created.is_null()) << items.dump();
  EXPECT_EQ(created["actor"], "admin");
  EXPECT_EQ(created["target"], "user:" + std::to_string(id));
  EXPECT_FALSE(find("team.create", "denied").is_null());
  Json failed_login = find("auth.login", "denied");
  ASSERT_FALSE(failed_login.is_null());
  EXPECT_EQ(failed_login["actor"], "audited");
  EXPECT_FALSE(find("token.create", "success").is_null());
  std::string text = audit.body;
  EXPECT_EQ(text.find("secret-password-9"), std::string::npos);
  EXPECT_EQ(text.find("bad-guess-1"), std::string::npos);
  EXPECT_EQ(text.find(token.json()["token"].get<std::string>()), std::string::npos);
  EXPECT_EQ(server_->log().find("secret-password-9"), std::string::npos);
  EXPECT_EQ(server_->log().find(token.json()["token"].get<std::string>()), std::string::npos);
  EXPECT_EQ(admin().Get("/api/v1/audit?action=user.create").json()["total"], 1);
}

}  // namespace
}  // namespace sluice::testing
