// Handler-level tests of the people routes, through the real router, dispatcher, guard and a
// SQLite store. Every rejected change is followed by a read-back proving nothing changed.
#include "system/people_api.h"

#include <gtest/gtest.h>

#include "system/system_test_fixture.h"

namespace sluice::system {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using testing::Answer;
using testing::kAdminPassword;
using testing::kUserPassword;

class PeopleApiTest : public testing::SystemTest {
 protected:
  // A team "data" with an owner, a developer and a viewer, and a second team "other".
  void SetUpTeams() {
    owner_id_ = AddUser("olivia");
    dev_id_ = AddUser("dev");
    viewer_id_ = AddUser("vic");
    outsider_id_ = AddUser("oscar");
    team_ = AddTeam("data");
    other_team_ = AddTeam("other");
    AddMember(team_, owner_id_, "owner");
    AddMember(team_, dev_id_, "developer");
    AddMember(team_, viewer_id_, "viewer");
    AddMember(other_team_, outsider_id_, "owner");
  }
  std::string TeamPath(int64_t team) { return "/api/v1/teams/" + std::to_string(team); }
  std::string Members(int64_t team) { return TeamPath(team) + "/members"; }
  Json GetUserRow(int64_t id) {
    return Call("GET", "/api/v1/users/" + std::to_string(id), nullptr, AdminToken()).json;
  }

  int64_t owner_id_ = 0, dev_id_ = 0, viewer_id_ = 0, outsider_id_ = 0;
  int64_t team_ = 0, other_team_ = 0;
};

// ---- login, logout, me

TEST_F(PeopleApiTest, LoginMeAndLogout) {
  Answer login =
      Call("POST", "/api/v1/auth/login", {{"username", "admin"}, {"password", kAdminPassword}});
  ASSERT_EQ(login.status, 200) << login.body;
  std::string token = login.json["token"];
  EXPECT_EQ(login.json["expires_at"], FormatRfc3339(clock_.Now() + hours(12)));
  for (const char* field :
       {"id", "username", "display_name", "email", "is_admin", "disabled", "created_at"}) {
    EXPECT_TRUE(login.json["user"].contains(field)) << field;
  }
  Answer me = Call("GET", "/api/v1/me", nullptr, token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json["username"], "admin");
  EXPECT_EQ(me.json["is_admin"], true);
  EXPECT_EQ(me.json["teams"], Json::parse(R"([{"id":1,"name":"default","role":"owner"}])"));
  EXPECT_EQ(me.json["token"]["kind"], "session");
  EXPECT_EQ(me.json["token"]["expires_at"], login.json["expires_at"]);
  EXPECT_TRUE(me.json["token"]["team_id"].is_null());

  Answer logout = Call("POST", "/api/v1/auth/logout", nullptr, token);
  EXPECT_EQ(logout.status, 204);
  Answer after = Call("GET", "/api/v1/me", nullptr, token);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.code(), "TOKEN_REVOKED");
}

TEST_F(PeopleApiTest, UnknownUserAndWrongPasswordGetTheSameAnswer) {
  AddUser("alice");
  Answer wrong =
      Call("POST", "/api/v1/auth/login", {{"username", "alice"}, {"password", "nope-nope"}});
  Answer unknown =
      Call("POST", "/api/v1/auth/login", {{"username", "nobody"}, {"password", "nope-nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.code(), "INVALID_CREDENTIALS");
  wrong.json["error"].erase("request_id");
  unknown.json["error"].erase("request_id");
  EXPECT_EQ(wrong.json, unknown.json);
}

TEST_F(PeopleApiTest, RepeatedFailuresAnswer429EvenWithTheRightPassword) {
  AddUser("alice");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Call("POST", "/api/v1/auth/login", {{"username", "alice"}, {"password", "nope-nope"}})
                  .status,
              401);
  }
  Answer locked =
      Call("POST", "/api/v1/auth/login", {{"username", "alice"}, {"password", kUserPassword}});
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.code(), "TOO_MANY_ATTEMPTS");
  clock_.Advance(seconds(300));
  EXPECT_FALSE(Login("alice").empty());
}

TEST_F(PeopleApiTest, LoginRejectsBadInput) {
  EXPECT_EQ(Call("POST", "/api/v1/auth/login", Json("{not json")).code(), "BAD_JSON");
  Answer unknown = Call("POST", "/api/v1/auth/login",
                        {{"username", "admin"}, {"password", kAdminPassword}, {"remember", true}});
  EXPECT_EQ(unknown.code(), "INVALID_ARGUMENT");
  EXPECT_EQ(unknown.json["error"]["field"], "remember");
  Answer type = Call("POST", "/api/v1/auth/login", {{"username", 7}, {"password", "x"}});
  EXPECT_EQ(type.code(), "INVALID_ARGUMENT");
  EXPECT_EQ(type.json["error"]["field"], "username");
}

TEST_F(PeopleApiTest, EveryRouteButLoginNeedsAToken) {
  for (const http::Route& route : router_.routes()) {
    std::string path = route.pattern;
    for (const char* param : {"{id}", "{user_id}"}) {
      if (auto at = path.find(param); at != std::string::npos) path.replace(at, strlen(param), "1");
    }
    Answer answer = Call(route.method, path, route.method == "GET" ? Json() : Json::object());
    if (route.pattern == "/api/v1/auth/login") {
      EXPECT_FALSE(route.doc.authenticated);
      EXPECT_NE(answer.status, 401);
    } else {
      EXPECT_TRUE(route.doc.authenticated) << route.pattern;
      EXPECT_EQ(answer.status, 401) << route.method << " " << route.pattern;
      EXPECT_EQ(answer.code(), "UNAUTHENTICATED");
    }
    EXPECT_EQ(route.doc.tag, "people") << route.pattern;
    EXPECT_FALSE(route.doc.summary.empty()) << route.pattern;
  }
  Answer garbage = Call("GET", "/api/v1/me", nullptr, "sls_not-a-real-token");
  EXPECT_EQ(garbage.status, 401);
  EXPECT_EQ(garbage.json["error"]["message"], "invalid token");
}

TEST_F(PeopleApiTest, ChangingTheOwnPasswordEndsOtherSessions) {
  AddUser("alice");
  std::string first = Login("alice");
  std::string second = Login("alice");
  Answer wrong =
      Call("POST", "/api/v1/me/password",
           {{"current_password", "not-it-at-all"}, {"new_password", "new-password-2"}}, first);
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.json["error"]["field"], "current_password");
  EXPECT_EQ(Call("GET", "/api/v1/me", nullptr, second).status, 200) << "nothing changed";
  Answer weak = Call("POST", "/api/v1/me/password",
                     {{"current_password", kUserPassword}, {"new_password", "short"}}, first);
  EXPECT_EQ(weak.code(), "WEAK_PASSWORD");

  Answer changed =
      Call("POST", "/api/v1/me/password",
           {{"current_password", kUserPassword}, {"new_password", "new-password-2"}}, first);
  EXPECT_EQ(changed.status, 204) << changed.body;
  EXPECT_EQ(Call("GET", "/api/v1/me", nullptr, first).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/me", nullptr, second).code(), "TOKEN_REVOKED");
  EXPECT_FALSE(Login("alice", "new-password-2").empty());
}

// ---- users

TEST_F(PeopleApiTest, AdminsCreateListAndUpdateUsers) {
  Answer created = Call("POST", "/api/v1/users",
                        {{"username", "carol"},
                         {"password", "carol-password"},
                         {"display_name", "Carol"},
                         {"email", "carol@example.com"}},
                        AdminToken());
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t id = created.json["id"];
  EXPECT_EQ(created.json["display_name"], "Carol");
  EXPECT_EQ(created.json["is_admin"], false);
  EXPECT_FALSE(created.json.contains("password"));
  EXPECT_FALSE(created.json.contains("password_hash"));

  Answer list = Call("GET", "/api/v1/users?q=car&limit=10", nullptr, AdminToken());
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json["total"], 1);
  EXPECT_EQ(list.json["items"][0]["username"], "carol");

  std::string carol = Login("carol", "carol-password");
  Answer self =
      Call("PATCH", "/api/v1/users/" + std::to_string(id), {{"display_name", "C."}}, carol);
  EXPECT_EQ(self.status, 200) << self.body;
  EXPECT_EQ(self.json["display_name"], "C.");
  EXPECT_EQ(Call("GET", "/api/v1/users/" + std::to_string(id), nullptr, carol).status, 200);
}

TEST_F(PeopleApiTest, UserCreationRejectsBadInputAndChangesNothing) {
  AddUser("alice");
  int64_t before = CountRows("users");
  struct Bad {
    Json body;
    std::string code;
    std::string field;
  };
  const std::vector<Bad> cases = {
      {{{"username", "alice"}, {"password", "long-enough"}}, "USER_EXISTS", "username"},
      {{{"username", "Alice"}, {"password", "long-enough"}}, "INVALID_ARGUMENT", "username"},
      {{{"username", "../etc"}, {"password", "long-enough"}}, "INVALID_ARGUMENT", "username"},
      {{{"username", "-x"}, {"password", "long-enough"}}, "INVALID_ARGUMENT", "username"},
      {{{"username", std::string(65, 'a')}, {"password", "long-enough"}},
       "INVALID_ARGUMENT",
       "username"},
      {{{"username", "bob"}, {"password", "short"}}, "WEAK_PASSWORD", "password"},
      {{{"username", "bob"}, {"password", "long-enough"}, {"admin", true}},
       "INVALID_ARGUMENT",
       "admin"},
      {{{"username", "bob"}, {"password", "long-enough"}, {"is_admin", "yes"}},
       "INVALID_ARGUMENT",
       "is_admin"},
      {{{"username", "bob"}}, "INVALID_ARGUMENT", "password"},
  };
  for (const Bad& bad : cases) {
    Answer answer = Call("POST", "/api/v1/users", bad.body, AdminToken());
    EXPECT_EQ(answer.code(), bad.code) << bad.body.dump();
    EXPECT_EQ(answer.json["error"].value("field", ""), bad.field) << bad.body.dump();
    EXPECT_EQ(answer.body.find("long-enough"), std::string::npos) << "no password echoed";
  }
  EXPECT_EQ(Call("POST", "/api/v1/users", Json("[1,2"), AdminToken()).code(), "BAD_JSON");
  EXPECT_EQ(CountRows("users"), before);
}

TEST_F(PeopleApiTest, NonAdminsCannotManageUsers) {
  int64_t alice = AddUser("alice");
  int64_t bob = AddUser("bob");
  std::string token = Login("alice");
  EXPECT_EQ(Call("GET", "/api/v1/users", nullptr, token).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/users", {{"username", "eve"}, {"password", "long-enough"}}, token)
                .status,
            403);
  EXPECT_EQ(Call("GET", "/api/v1/users/" + std::to_string(bob), nullptr, token).status, 403);
  EXPECT_EQ(Call("DELETE", "/api/v1/users/" + std::to_string(bob), nullptr, token).status, 403);
  Answer promote =
      Call("PATCH", "/api/v1/users/" + std::to_string(alice), {{"is_admin", true}}, token);
  EXPECT_EQ(promote.status, 403);
  EXPECT_EQ(GetUserRow(alice)["is_admin"], false);
  EXPECT_EQ(CountRows("users", "username = 'eve'"), 0);
  EXPECT_EQ(CountRows("users", "id = " + std::to_string(bob)), 1);
}

TEST_F(PeopleApiTest, TheLastEnabledAdminCannotBeRemovedDemotedOrDisabled) {
  const std::string admin_path = "/api/v1/users/1";
  for (const Json& change : {Json{{"is_admin", false}}, Json{{"disabled", true}}}) {
    Answer answer = Call("PATCH", admin_path, change, AdminToken());
    EXPECT_EQ(answer.status, 409) << change.dump();
    EXPECT_EQ(answer.code(), "LAST_ADMIN");
  }
  EXPECT_EQ(Call("DELETE", admin_path, nullptr, AdminToken()).code(), "LAST_ADMIN");
  Json admin = GetUserRow(1);
  EXPECT_EQ(admin["is_admin"], true);
  EXPECT_EQ(admin["disabled"], false);
  EXPECT_EQ(Call("GET", "/api/v1/me", nullptr, AdminToken()).status, 200);

  // A disabled second admin does not count; an enabled one does.
  int64_t second = AddUser("second", /*is_admin=*/true);
  ASSERT_EQ(
      Call("PATCH", "/api/v1/users/" + std::to_string(second), {{"disabled", true}}, AdminToken())
          .status,
      200);
  EXPECT_EQ(Call("PATCH", admin_path, {{"is_admin", false}}, AdminToken()).code(), "LAST_ADMIN");
  ASSERT_EQ(
      Call("PATCH", "/api/v1/users/" + std::to_string(second), {{"disabled", false}}, AdminToken())
          .status,
      200);
  EXPECT_EQ(Call("PATCH", admin_path, {{"is_admin", false}}, AdminToken()).status, 200);
  EXPECT_EQ(GetUserRow(1)["is_admin"], false);
}

TEST_F(PeopleApiTest, DisablingAUserRevokesAllTheirTokensAndDeletingRemovesThem) {
  SetUpTeams();
  std::string session = Login("dev");
  Answer token = Call("POST", "/api/v1/tokens", {{"name", "ci"}, {"team_id", team_}}, session);
  ASSERT_EQ(token.status, 201) << token.body;
  std::string api = token.json["token"];
  ASSERT_EQ(
      Call("PATCH", "/api/v1/users/" + std::to_string(dev_id_), {{"disabled", true}}, AdminToken())
          .status,
      200);
  EXPECT_EQ(Call("GET", "/api/v1/me", nullptr, session).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/me", nullptr, api).status, 401);
  EXPECT_EQ(CountRows("tokens", "user_id = " + std::to_string(dev_id_) + " AND revoked_at IS NULL"),
            0);
  EXPECT_EQ(
      Call("POST", "/api/v1/auth/login", {{"username", "dev"}, {"password", kUserPassword}}).code(),
      "INVALID_CREDENTIALS");
  EXPECT_EQ(
      Call("DELETE", "/api/v1/users/" + std::to_string(dev_id_), nullptr, AdminToken()).status,
      204);
  EXPECT_EQ(CountRows("tokens", "user_id = " + std::to_string(dev_id_)), 0);
  EXPECT_EQ(CountRows("team_members", "user_id = " + std::to_string(dev_id_)), 0);
  EXPECT_EQ(Call("GET", "/api/v1/users/" + std::to_string(dev_id_), nullptr, AdminToken()).code(),
            "USER_NOT_FOUND");
}

// ---- teams and members

TEST_F(PeopleApiTest, TeamNamesAreValidatedAndUnique) {
  int64_t before = CountRows("teams");
  for (const char* name : {"../etc", "", " lead", "a/b", "x\ny"}) {
    Answer answer = Call("POST", "/api/v1/teams", {{"name", name}}, AdminToken());
    EXPECT_EQ(answer.code(), "INVALID_ARGUMENT") << name;
    EXPECT_EQ(answer.json["error"]["field"], "name") << name;
  }
  EXPECT_EQ(Call("POST", "/api/v1/teams", {{"name", "default"}}, AdminToken()).code(),
            "TEAM_EXISTS");
  EXPECT_EQ(Call("POST", "/api/v1/teams", {{"name", 3}}, AdminToken()).code(), "INVALID_ARGUMENT");
  EXPECT_EQ(CountRows("teams"), before);
  Answer ok =
      Call("POST", "/api/v1/teams", {{"name", "Data Eng-2.x"}, {"description", "d"}}, AdminToken());
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.json["description"], "d");
}

TEST_F(PeopleApiTest, AnotherTeamsIdsLookLikeMissingOnes) {
  SetUpTeams();
  std::string dev = Login("dev");
  const std::string missing = "999";
  struct Probe {
    std::string method, suffix;
    Json body;
  };
  const std::vector<Probe> probes = {
      {"GET", "", nullptr},
      {"PATCH", "", {{"description", "mine now"}}},
      {"GET", "/members", nullptr},
      {"POST", "/members", {{"user_id", dev_id_}, {"role", "owner"}}},
      {"PATCH", "/members/" + std::to_string(outsider_id_), {{"role", "viewer"}}},
      {"DELETE", "/members/" + std::to_string(outsider_id_), nullptr},
  };
  for (const Probe& probe : probes) {
    Answer theirs = Call(probe.method, TeamPath(other_team_) + probe.suffix, probe.body, dev);
    Answer none = Call(probe.method, "/api/v1/teams/" + missing + probe.suffix, probe.body, dev);
    EXPECT_EQ(theirs.status, 404) << probe.method << probe.suffix;
    EXPECT_EQ(theirs.code(), "TEAM_NOT_FOUND") << probe.method << probe.suffix;
    EXPECT_EQ(none.code(), theirs.code()) << probe.method << probe.suffix;
  }
  Answer token = Call("POST", "/api/v1/tokens", {{"name", "x"}, {"team_id", other_team_}}, dev);
  EXPECT_EQ(token.code(), "TEAM_NOT_FOUND");
  // Nothing changed in the other team.
  Answer team = Call("GET", TeamPath(other_team_), nullptr, AdminToken());
  EXPECT_EQ(team.json["description"], "");
  Answer members = Call("GET", Members(other_team_), nullptr, AdminToken());
  EXPECT_EQ(members.json["total"], 1);
  EXPECT_EQ(members.json["items"][0]["role"], "owner");
  // And the team list shows only the caller's teams.
  Answer list = Call("GET", "/api/v1/teams", nullptr, dev);
  EXPECT_EQ(list.json["total"], 1);
  EXPECT_EQ(list.json["items"][0]["name"], "data");
  EXPECT_EQ(list.json["items"][0]["role"], "developer");
  EXPECT_EQ(Call("GET", "/api/v1/teams", nullptr, AdminToken()).json["total"], 3);
}

TEST_F(PeopleApiTest, RolesDecideWhoManagesATeam) {
  SetUpTeams();
  std::string viewer = Login("vic");
  std::string dev = Login("dev");
  std::string owner = Login("olivia");
  int64_t newcomer = AddUser("newcomer");

  Answer refused =
      Call("POST", Members(team_), {{"user_id", newcomer}, {"role", "viewer"}}, viewer);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.code(), "FORBIDDEN");
  EXPECT_EQ(Call("POST", Members(team_), {{"user_id", newcomer}, {"role", "viewer"}}, dev).status,
            403);
  EXPECT_EQ(Call("PATCH", TeamPath(team_), {{"description", "x"}}, dev).status, 403);
  EXPECT_EQ(
      Call("PATCH", Members(team_) + "/" + std::to_string(viewer_id_), {{"role", "owner"}}, viewer)
          .status,
      403);
  EXPECT_EQ(Call("DELETE", TeamPath(team_), nullptr, owner).status, 403) << "admins only";
  // Read back: nothing changed.
  Answer members = Call("GET", Members(team_), nullptr, viewer);
  ASSERT_EQ(members.status, 200);
  EXPECT_EQ(members.json["total"], 3);
  EXPECT_EQ(Call("GET", TeamPath(team_), nullptr, viewer).json["description"], "");

  // The owner manages members.
  Answer added =
      Call("POST", Members(team_), {{"username", "newcomer"}, {"role", "viewer"}}, owner);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.json["user_id"], newcomer);
  EXPECT_EQ(added.json["role"], "viewer");
  EXPECT_EQ(Call("POST", Members(team_), {{"user_id", newcomer}, {"role", "viewer"}}, owner).code(),
            "MEMBER_EXISTS");
  Answer bad_role =
      Call("PATCH", Members(team_) + "/" + std::to_string(newcomer), {{"role", "admin"}}, owner);
  EXPECT_EQ(bad_role.code(), "INVALID_ARGUMENT");
  EXPECT_EQ(bad_role.json["error"]["field"], "role");
  Answer promoted = Call("PATCH", Members(team_) + "/" + std::to_string(newcomer),
                         {{"role", "developer"}}, owner);
  EXPECT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(promoted.json["role"], "developer");
  EXPECT_EQ(Call("PATCH", TeamPath(team_), {{"description", "the data team"}}, owner).status, 200);
  EXPECT_EQ(Call("DELETE", Members(team_) + "/" + std::to_string(newcomer), nullptr, owner).status,
            204);
  EXPECT_EQ(Call("DELETE", Members(team_) + "/" + std::to_string(newcomer), nullptr, owner).code(),
            "MEMBER_NOT_FOUND");
  EXPECT_EQ(Call("GET", Members(team_), nullptr, owner).json["total"], 3);
}

TEST_F(PeopleApiTest, AdminsDeleteTeams) {
  SetUpTeams();
  EXPECT_EQ(Call("DELETE", TeamPath(other_team_), nullptr, AdminToken()).status, 204);
  EXPECT_EQ(Call("GET", TeamPath(other_team_), nullptr, AdminToken()).code(), "TEAM_NOT_FOUND");
  EXPECT_EQ(CountRows("team_members", "team_id = " + std::to_string(other_team_)), 0);
}

// ---- API tokens

TEST_F(PeopleApiTest, ApiTokensAreShownOnceAndActOnlyInTheirTeam) {
  SetUpTeams();
  std::string dev = Login("dev");
  Answer created = Call("POST", "/api/v1/tokens", {{"name", "ci"}, {"team_id", team_}}, dev);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string secret = created.json["token"];
  EXPECT_EQ(secret.substr(0, 4), "slt_");
  EXPECT_EQ(created.json["prefix"], secret.substr(0, 8));
  EXPECT_EQ(created.json["team_id"], team_);
  EXPECT_TRUE(created.json["expires_at"].is_null());

  Answer list = Call("GET", "/api/v1/tokens", nullptr, dev);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json["total"], 1);
  EXPECT_FALSE(list.json["items"][0].contains("token"));
  EXPECT_EQ(list.body.find(secret), std::string::npos);

  Answer me = Call("GET", "/api/v1/me", nullptr, secret);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json["token"]["kind"], "api");
  EXPECT_EQ(me.json["token"]["team_id"], team_);
  EXPECT_EQ(me.json["teams"].size(), 1u);
  EXPECT_EQ(Call("GET", TeamPath(team_), nullptr, secret).status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/tokens", {{"name", "x"}, {"team_id", team_}}, secret).status, 403)
      << "a token cannot mint tokens";
  EXPECT_EQ(Call("POST", "/api/v1/auth/logout", nullptr, secret).status, 400);

  // Someone else cannot see or revoke it; the owner can.
  std::string path = "/api/v1/tokens/" + std::to_string(created.json["id"].get<int64_t>());
  EXPECT_EQ(Call("DELETE", path, nullptr, Login("olivia")).code(), "TOKEN_NOT_FOUND");
  EXPECT_EQ(Call("GET", "/api/v1/me", nullptr, secret).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/tokens?all=1", nullptr, AdminToken()).json["total"], 1);
  EXPECT_EQ(Call("DELETE", path, nullptr, dev).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/me", nullptr, secret).code(), "TOKEN_REVOKED");
}

TEST_F(PeopleApiTest, AnAdminsApiTokenHasNoAdminPowers) {
  SetUpTeams();
  Answer created =
      Call("POST", "/api/v1/tokens", {{"name", "ci"}, {"team_id", team_}}, AdminToken());
  ASSERT_EQ(created.status, 201) << created.body;
  std::string secret = created.json["token"];
  EXPECT_EQ(Call("GET", "/api/v1/users", nullptr, secret).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/audit", nullptr, secret).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/teams", {{"name", "sneaky"}}, secret).status, 403);
  EXPECT_EQ(Call("GET", TeamPath(other_team_), nullptr, secret).code(), "TEAM_NOT_FOUND");
  EXPECT_EQ(Call("GET", "/api/v1/teams/1", nullptr, secret).code(), "TEAM_NOT_FOUND")
      << "even the default team, which the admin owns";
  Answer me = Call("GET", "/api/v1/me", nullptr, secret);
  EXPECT_EQ(me.json["is_admin"], false);
  EXPECT_EQ(me.json["teams"], Json::array({{{"id", team_}, {"name", "data"}, {"role", "owner"}}}));
  Answer teams = Call("GET", "/api/v1/teams", nullptr, secret);
  EXPECT_EQ(teams.json["total"], 1);
  // Within its team it acts as an owner: what the administrator could do there.
  EXPECT_EQ(Call("PATCH", TeamPath(team_), {{"description", "by ci"}}, secret).status, 200);
  EXPECT_EQ(CountRows("teams", "name = 'sneaky'"), 0);
}

TEST_F(PeopleApiTest, TokenCreationChecksRoleExpiryAndInput) {
  SetUpTeams();
  std::string viewer = Login("vic");
  std::string dev = Login("dev");
  EXPECT_EQ(Call("POST", "/api/v1/tokens", {{"name", "ci"}, {"team_id", team_}}, viewer).status,
            403);
  Answer past =
      Call("POST", "/api/v1/tokens",
           {{"name", "ci"}, {"team_id", team_}, {"expires_at", "2000-01-01T00:00:00Z"}}, dev);
  EXPECT_EQ(past.json["error"]["field"], "expires_at");
  Answer garbled = Call("POST", "/api/v1/tokens",
                        {{"name", "ci"}, {"team_id", team_}, {"expires_at", "tomorrow"}}, dev);
  EXPECT_EQ(garbled.json["error"]["field"], "expires_at");
  EXPECT_EQ(Call("POST", "/api/v1/tokens", {{"name", "ci"}, {"team_id", "1"}}, dev).code(),
            "INVALID_ARGUMENT");
  EXPECT_EQ(CountRows("tokens", "kind = 'api'"), 0);

  std::string expiry = FormatRfc3339(clock_.Now() + hours(1));
  Answer created = Call("POST", "/api/v1/tokens",
                        {{"name", "ci"}, {"team_id", team_}, {"expires_at", expiry}}, dev);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["expires_at"], expiry);
  std::string secret = created.json["token"];
  EXPECT_EQ(Call("GET", "/api/v1/me", nullptr, secret).status, 200);
  clock_.Advance(hours(1));
  EXPECT_EQ(Call("GET", "/api/v1/me", nullptr, secret).code(), "TOKEN_EXPIRED");
}

// ---- audit

TEST_F(PeopleApiTest, TheAuditLogRecordsChangesRefusalsAndFailedLoginsWithoutSecrets) {
  SetUpTeams();
  std::string viewer = Login("vic");
  Call("POST", Members(team_), {{"user_id", outsider_id_}, {"role", "viewer"}}, viewer);
  Call("POST", "/api/v1/auth/login", {{"username", "vic"}, {"password", "guess-number-1"}}, "",
       "192.0.2.7");
  Call("POST", "/api/v1/users", {{"username", "ann"}, {"password", "ann-password-1"}},
       AdminToken());
  Answer token = Call("POST", "/api/v1/tokens", {{"name", "t"}, {"team_id", team_}}, AdminToken());
  Call("POST", "/api/v1/teams", {{"name", "x"}}, "sls_forged");

  EXPECT_EQ(Call("GET", "/api/v1/audit", nullptr, viewer).status, 403);
  Answer audit = Call("GET", "/api/v1/audit?limit=100", nullptr, AdminToken());
  ASSERT_EQ(audit.status, 200) << audit.body;
  auto find = [&](const std::string& action, const std::string& outcome) {
    for (const Json& item : audit.json["items"]) {
      if (item["action"] == action && item["outcome"] == outcome) return item;
    }
    return Json();
  };
  Json denied = find("member.add", "denied");
  ASSERT_FALSE(denied.is_null()) << audit.body;
  EXPECT_EQ(denied["actor"], "vic");
  EXPECT_EQ(denied["actor_id"], viewer_id_);
  EXPECT_EQ(denied["status"], 403);
  EXPECT_EQ(denied["target"], Members(team_));
  Json login = find("auth.login", "denied");
  ASSERT_FALSE(login.is_null());
  EXPECT_EQ(login["actor"], "vic");
  EXPECT_TRUE(login["actor_id"].is_null());
  EXPECT_EQ(login["client_ip"], "192.0.2.7");
  EXPECT_EQ(login["status"], 401);
  Json created = find("user.create", "success");
  ASSERT_FALSE(created.is_null());
  EXPECT_EQ(created["actor"], "admin");
  EXPECT_EQ(created["target"], "user:" + std::to_string(CountRows("users")));
  EXPECT_EQ(created["status"], 201);
  EXPECT_EQ(created["request_id"].get<std::string>().size(), 16u);
  EXPECT_EQ(created["at"], FormatRfc3339(clock_.Now()));
  Json member = find("member.add", "success");
  ASSERT_FALSE(member.is_null());
  // Newest first: the last member added by SetUpTeams.
  EXPECT_EQ(member["team_id"], other_team_);
  EXPECT_EQ(member["target"],
            "team:" + std::to_string(other_team_) + "/member:" + std::to_string(outsider_id_));
  Json forged = find("team.create", "denied");
  ASSERT_FALSE(forged.is_null());
  EXPECT_EQ(forged["actor"], "anonymous");
  EXPECT_TRUE(find("me.get", "success").is_null()) << "reads are not audited";

  for (const char* secret : {"guess-number-1", "ann-password-1", kUserPassword, "sls_forged"}) {
    EXPECT_EQ(audit.body.find(secret), std::string::npos) << secret;
  }
  EXPECT_EQ(audit.body.find(token.json["token"].get<std::string>()), std::string::npos);

  Answer filtered =
      Call("GET", "/api/v1/audit?action=user.create&actor=admin", nullptr, AdminToken());
  EXPECT_EQ(filtered.json["total"], 1);
  Answer paged = Call("GET", "/api/v1/audit?limit=2&offset=1", nullptr, AdminToken());
  EXPECT_EQ(paged.json["items"].size(), 2u);
  EXPECT_EQ(paged.json["total"], audit.json["total"]);
}

TEST_F(PeopleApiTest, TheGuardAuditsAHandlerThatThrows) {
  http::Router router;
  router.Add(
      "POST", "/api/v1/boom", http::RouteDoc{.summary = "boom", .tag = "test"},
      module_->guard().Wrap("test.boom", [](http::Request&, const Principal&) -> http::Response {
        throw std::runtime_error("bug with sls_secret inside");
      }));
  http::Dispatcher dispatcher(router, metrics_);
  http::Request request;
  request.method = "POST";
  request.path = "/api/v1/boom";
  request.headers["authorization"] = "Bearer " + AdminToken();
  http::Response response = dispatcher.Dispatch(request);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("sls_secret"), std::string::npos);
  Answer audit = Call("GET", "/api/v1/audit?action=test.boom", nullptr, AdminToken());
  ASSERT_EQ(audit.json["total"], 1);
  EXPECT_EQ(audit.json["items"][0]["outcome"], "failure");
  EXPECT_EQ(audit.json["items"][0]["status"], 500);
}

TEST(Validation, NamesFollowTheDocumentedPatterns) {
  EXPECT_TRUE(ValidateUsername("a").ok());
  EXPECT_TRUE(ValidateUsername("a.b_c-9").ok());
  EXPECT_TRUE(ValidateUsername(std::string(64, 'a')).ok());
  for (const char* bad : {"", ".a", "A", "a b", "a/b", "é"}) {
    EXPECT_EQ(ValidateUsername(bad).error().field, "username") << bad;
  }
  EXPECT_FALSE(ValidateUsername(std::string(65, 'a')).ok());
  EXPECT_TRUE(ValidateTeamName("Data Eng 2.x").ok());
  for (const char* bad : {"", "../etc", " a", "a\tb", "a/b"}) {
    EXPECT_EQ(ValidateTeamName(bad).error().field, "name") << bad;
  }
}

}  // namespace
}  // namespace sluice::system
