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
  EXPECT_EQ(Anonymous()
                .Post("/api/v1/auth/login",
                      {{"username", "admin"}, {"password", "admin-password-for-tests"}})
                .status,
            401);

  // A restart neither makes a new password nor prints the old one again.
  ASSERT_EQ(server_->Stop(), 0);
  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  std::string again;
  std::ifstream(path) >> again;
  EXPECT_EQ(again, password);
  std::string log = server_->log();
  EXPECT_EQ(log.find(password), log.rfind(password)) << "printed exactly once";
  EXPECT_EQ(LoggedIn("admin", password).Get("/api/v1/me").status, 200);
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
  EXPECT_EQ(
      owner.Patch(members + "/" + std::to_string(outsider_id), {{"role", "developer"}}).status,
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
  HttpResult created =
      developer.Post("/api/v1/tokens", {{"name", "ci pipeline"}, {"team_id", team}});
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
  auto soon = std::chrono::system_clock::now() + std::chrono::seconds(3);
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
  HttpResult wrong = first.Post("/api/v1/me/password", {{"current_password", "nope-nope-1"},
                                                        {"new_password", "new-password-1"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.json()["error"]["field"], "current_password");
  EXPECT_EQ(first
                .Post("/api/v1/me/password",
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
  // Now "second" is the only administrator: it can neither delete nor demote itself.
  HttpResult delete_last = other.Delete("/api/v1/users/" + std::to_string(second));
  EXPECT_EQ(delete_last.status, 409) << delete_last.body;
  EXPECT_EQ(delete_last.error_code(), "LAST_ADMIN");
  EXPECT_EQ(
      other.Patch("/api/v1/users/" + std::to_string(second), {{"is_admin", false}}).error_code(),
      "LAST_ADMIN");
  Json still = other.Get("/api/v1/users/" + std::to_string(second)).json();
  EXPECT_EQ(still["is_admin"], true) << "read back: nothing changed";
  EXPECT_EQ(still["disabled"], false);
  // With two administrators again, one may delete the other (not themselves: CONFLICT).
  EXPECT_EQ(other.Patch("/api/v1/users/1", {{"is_admin", true}}).status, 200);
  EXPECT_EQ(other.Delete("/api/v1/users/" + std::to_string(second)).error_code(), "CONFLICT");
  EXPECT_EQ(admin().Delete("/api/v1/users/" + std::to_string(second)).status, 204);
  EXPECT_EQ(admin().Get("/api/v1/users/" + std::to_string(second)).status, 404);
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
  HttpResult locked =
      client.Post("/api/v1/auth/login", {{"username", "target"}, {"password", "right-password-1"}});
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

// Every field of the contract is present with the right type.
void ExpectUserShape(const Json& user) {
  for (const char* key :
       {"id", "username", "display_name", "email", "is_admin", "disabled", "created_at"}) {
    EXPECT_TRUE(user.contains(key)) << key << " missing in " << user.dump();
  }
  EXPECT_TRUE(user["id"].is_number_integer()) << user.dump();
  EXPECT_TRUE(user["is_admin"].is_boolean()) << user.dump();
  EXPECT_TRUE(user["disabled"].is_boolean()) << user.dump();
  EXPECT_FALSE(user.contains("password")) << user.dump();
  EXPECT_FALSE(user.contains("password_hash")) << user.dump();
}

TEST_F(People, LoginAnswersTokenExpiryAndUser) {
  HttpResult login = Anonymous().Post(
      "/api/v1/auth/login", {{"username", "admin"}, {"password", "admin-password-for-tests"}});
  ASSERT_EQ(login.status, 200) << login.body;
  Json body = login.json();
  EXPECT_TRUE(body["token"].is_string());
  EXPECT_TRUE(body["expires_at"].is_string());
  EXPECT_EQ(body["user"]["username"], "admin");
  EXPECT_EQ(body["user"]["is_admin"], true);
  ExpectUserShape(body["user"]);
  HttpResult unknown =
      Anonymous().Post("/api/v1/auth/login", {{"username", "ghost"}, {"password", "whatever-12"}});
  HttpResult wrong =
      Anonymous().Post("/api/v1/auth/login", {{"username", "admin"}, {"password", "whatever-12"}});
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.error_code(), "INVALID_CREDENTIALS");
  EXPECT_EQ(wrong.error_code(), "INVALID_CREDENTIALS");
  EXPECT_EQ(unknown.json()["error"]["message"], wrong.json()["error"]["message"])
      << "an unknown user and a wrong password must be indistinguishable";
}

TEST_F(People, UsersCanBeCreatedReadChangedAndDeleted) {
  HttpResult created = admin().Post("/api/v1/users", {{"username", "carol"},
                                                      {"password", "carol-password-1"},
                                                      {"display_name", "Carol C."},
                                                      {"email", "carol@example.com"}});
  ASSERT_EQ(created.status, 201) << created.body;
  Json carol = created.json();
  ExpectUserShape(carol);
  EXPECT_EQ(carol["display_name"], "Carol C.");
  EXPECT_EQ(carol["email"], "carol@example.com");
  EXPECT_EQ(carol["is_admin"], false);
  std::string path = "/api/v1/users/" + carol["id"].dump();
  EXPECT_EQ(admin().Get(path).json()["username"], "carol");

  HttpResult duplicate =
      admin().Post("/api/v1/users", {{"username", "carol"}, {"password", "carol-password-2"}});
  EXPECT_EQ(duplicate.status, 409) << duplicate.body;
  EXPECT_EQ(UserCount(), 2);

  HttpResult listed = admin().Get("/api/v1/users");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.json()["total"], 2);
  EXPECT_EQ(listed.json()["items"].size(), 2u);
  EXPECT_EQ(admin().Get("/api/v1/users?limit=1&offset=1").json()["items"].size(), 1u);

  HttpResult patched = admin().Patch(path, {{"display_name", "Carol"}});
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(admin().Get(path).json()["display_name"], "Carol");

  // A user reads themselves but may not make themselves an administrator.
  HttpClient self = LoggedIn("carol", "carol-password-1");
  EXPECT_EQ(self.Get(path).status, 200);
  EXPECT_EQ(self.Patch(path, {{"is_admin", true}}).status, 403);
  EXPECT_EQ(admin().Get(path).json()["is_admin"], false);
  EXPECT_EQ(self.Delete("/api/v1/users/1").status, 403);
  EXPECT_EQ(admin().Get("/api/v1/users/1").status, 200);

  EXPECT_EQ(admin().Delete(path).status, 204);
  HttpResult gone = admin().Get(path);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.error_code(), "USER_NOT_FOUND");
  EXPECT_EQ(self.Get("/api/v1/me").status, 401) << "a deleted user's sessions end";
  EXPECT_EQ(
      Anonymous()
          .Post("/api/v1/auth/login", {{"username", "carol"}, {"password", "carol-password-1"}})
          .status,
      401);
  EXPECT_EQ(UserCount(), 1);
}

TEST_F(People, TeamsAndMembersCanBeManaged) {
  Json teams = admin().Get("/api/v1/teams").json();
  ASSERT_EQ(teams["total"], 1);
  EXPECT_EQ(teams["items"][0]["name"], "default");

  HttpResult created =
      admin().Post("/api/v1/teams", {{"name", "streaming"}, {"description", "Kafka jobs"}});
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t team = created.json()["id"];
  EXPECT_EQ(created.json()["name"], "streaming");
  EXPECT_EQ(created.json()["description"], "Kafka jobs");
  std::string path = "/api/v1/teams/" + std::to_string(team);
  HttpResult duplicate = admin().Post("/api/v1/teams", {{"name", "streaming"}});
  EXPECT_EQ(duplicate.status, 409) << duplicate.body;
  EXPECT_EQ(admin().Get("/api/v1/teams").json()["total"], 2);

  EXPECT_EQ(admin().Patch(path, {{"name", "streams"}}).status, 200);
  EXPECT_EQ(admin().Get(path).json()["name"], "streams");
  EXPECT_EQ(admin().Get(path).json()["description"], "Kafka jobs");

  int64_t user = CreateUser("mia");
  HttpResult added = admin().Post(path + "/members", {{"username", "mia"}, {"role", "developer"}});
  ASSERT_EQ(added.status, 201) << added.body;
  HttpResult again = admin().Post(path + "/members", {{"user_id", user}, {"role", "viewer"}});
  EXPECT_EQ(again.status, 409) << again.body;
  Json members = admin().Get(path + "/members").json();
  ASSERT_EQ(members["total"], 1);
  Json mia = members["items"][0];
  for (const char* key : {"user_id", "username", "display_name", "role", "created_at"}) {
    EXPECT_TRUE(mia.contains(key)) << key << " missing in " << mia.dump();
  }
  EXPECT_EQ(mia["user_id"], user);
  EXPECT_EQ(mia["role"], "developer");

  std::string member = path + "/members/" + std::to_string(user);
  EXPECT_EQ(admin().Patch(member, {{"role", "owner"}}).status, 200);
  EXPECT_EQ(admin().Get(path + "/members").json()["items"][0]["role"], "owner");
  HttpClient client = LoggedIn("mia");
  Json me = client.Get("/api/v1/me").json();
  ASSERT_EQ(me["teams"].size(), 1u) << me.dump();
  EXPECT_EQ(me["teams"][0]["id"], team);
  EXPECT_EQ(me["teams"][0]["role"], "owner");

  EXPECT_EQ(admin().Delete(member).status, 204);
  EXPECT_EQ(admin().Get(path + "/members").json()["total"], 0);
  EXPECT_EQ(client.Get(path).status, 404) << "no longer a member";

  EXPECT_EQ(admin().Delete(path).status, 204);
  HttpResult gone = admin().Get(path);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.error_code(), "TEAM_NOT_FOUND");
  EXPECT_EQ(admin().Get("/api/v1/teams").json()["total"], 1);
}

TEST_F(People, TokenAnswersCarryTheContractFieldsAndTheSecretOnce) {
  HttpResult created = admin().Post("/api/v1/tokens", {{"name", "deploy"}, {"team_id", 1}});
  ASSERT_EQ(created.status, 201) << created.body;
  Json token = created.json();
  for (const char* key : {"id", "name", "team_id", "prefix", "created_at", "expires_at", "token"}) {
    EXPECT_TRUE(token.contains(key)) << key << " missing in " << token.dump();
  }
  EXPECT_EQ(token["name"], "deploy");
  EXPECT_EQ(token["team_id"], 1);
  std::string secret = token["token"];
  std::string prefix = token["prefix"];
  EXPECT_FALSE(prefix.empty());
  EXPECT_EQ(secret.rfind(prefix, 0), 0u) << "the prefix identifies the token";
  EXPECT_LT(prefix.size(), secret.size()) << "the prefix is not the whole secret";
  Json listed = admin().Get("/api/v1/tokens").json();
  ASSERT_EQ(listed["total"], 1);
  EXPECT_EQ(listed["items"][0]["prefix"], prefix);
  EXPECT_EQ(listed.dump().find(secret), std::string::npos);
  HttpClient api(server_->base_url());
  api.set_token(secret);
  Json me = api.Get("/api/v1/me").json();
  EXPECT_EQ(me["token"]["kind"], "api");
  EXPECT_EQ(me["token"]["team_id"], 1);
  EXPECT_EQ(api.Post("/api/v1/auth/login", {{"username", "admin"}, {"password", "x"}}).status, 401);
}

TEST_F(People, AuditEntriesHaveEveryFieldAndTheRequestId) {
  HttpResult created = admin().Post("/api/v1/teams", {{"name", "audited-team"}});
  ASSERT_EQ(created.status, 201);
  std::string request_id = created.headers["x-request-id"];
  ASSERT_FALSE(request_id.empty());
  HttpResult failed = admin().Post("/api/v1/teams", {{"name", "audited-team"}});
  ASSERT_EQ(failed.status, 409);
  HttpResult audit = admin().Get("/api/v1/audit?limit=100");
  ASSERT_EQ(audit.status, 200) << audit.body;
  Json body = audit.json();
  EXPECT_TRUE(body["total"].is_number_integer());
  Json match, conflict;
  for (const auto& item : body["items"]) {
    for (const char* key : {"id", "at", "actor", "actor_id", "action", "target", "team_id",
                            "outcome", "status", "request_id", "client_ip"}) {
      EXPECT_TRUE(item.contains(key)) << key << " missing in " << item.dump();
    }
    if (item["request_id"] == request_id) match = item;
    if (item["request_id"] == failed.headers["x-request-id"]) conflict = item;
  }
  ASSERT_FALSE(match.is_null()) << "the mutation's X-Request-Id is in the audit log";
  EXPECT_EQ(match["action"], "team.create");
  EXPECT_EQ(match["outcome"], "success");
  EXPECT_EQ(match["status"], 201);
  EXPECT_EQ(match["actor_id"], 1);
  EXPECT_EQ(match["client_ip"], "127.0.0.1");
  EXPECT_EQ(match["target"], "team:" + created.json()["id"].dump());
  ASSERT_FALSE(conflict.is_null()) << "refused mutations are audited too";
  EXPECT_EQ(conflict["action"], "team.create");
  EXPECT_EQ(conflict["outcome"], "failure");
  EXPECT_EQ(conflict["status"], 409);
  // Reading is not a mutation: the audit list itself and GETs are not recorded.
  EXPECT_EQ(admin().Get("/api/v1/audit?action=audit.list").json()["total"], 0);
}

}  // namespace
}  // namespace sluice::testing
