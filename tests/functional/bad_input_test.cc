// Bad input: each answered with the right status and error code, and nothing changed (read back).
#include "fixture.h"

namespace sluice::testing {
namespace {

using BadInput = SluiceTest;

const std::vector<std::string> kHostileStrings = {
    "x' OR '1'='1",
    "'; DROP TABLE users; --",
    "1; SELECT pg_sleep(5)",
    "\" OR \"\"=\"",
    "admin'--",
    "%' UNION SELECT password_hash FROM users --",
    "../../etc/passwd",
    "\\x00\\n",
    std::string("nul\0byte", 8),
    "robert'); DELETE FROM teams WHERE ('1'='1",
};

TEST_F(BadInput, MalformedJsonIsBadJson) {
  for (const char* body : {"{", "not json", "[1,2]", "{\"username\":}", "\"a string\""}) {
    HttpResult result = admin().Raw("POST", "/api/v1/users", body);
    EXPECT_EQ(result.status, 400) << body;
    EXPECT_EQ(result.error_code(), "BAD_JSON") << body;
  }
  EXPECT_EQ(UserCount(), 1);
}

TEST_F(BadInput, WrongTypesAndMissingFieldsNameTheField) {
  struct Case {
    Json body;
    std::string field;
  };
  std::vector<Case> cases = {
      {{{"password", "password-123"}}, "username"},
      {{{"username", 42}, {"password", "password-123"}}, "username"},
      {{{"username", "ok"}, {"password", true}}, "password"},
      {{{"username", "ok"}, {"password", "password-123"}, {"is_admin", "yes"}}, "is_admin"},
      {{{"username", "ok"}, {"password", "password-123"}, {"surprise", 1}}, "surprise"},
      {{{"username", "ok"}, {"password", "short"}}, "password"},
  };
  for (const auto& c : cases) {
    HttpResult result = admin().Post("/api/v1/users", c.body);
    EXPECT_EQ(result.status, 400) << c.body.dump();
    EXPECT_EQ(result.json()["error"]["field"], c.field) << result.body;
  }
  HttpResult role = admin().Post("/api/v1/teams/1/members", {{"user_id", 1}, {"role", "god"}});
  EXPECT_EQ(role.status, 400);
  EXPECT_EQ(role.json()["error"]["field"], "role");
  HttpResult team_id = admin().Post("/api/v1/tokens", {{"name", "x"}, {"team_id", "1"}});
  EXPECT_EQ(team_id.json()["error"]["field"], "team_id");
  EXPECT_EQ(UserCount(), 1);
  EXPECT_EQ(admin().Get("/api/v1/tokens").json()["total"], 0);
}

TEST_F(BadInput, HugeBodiesAre413AndTheServerStaysHealthy) {
  std::string huge(50 * 1024 * 1024, 'a');
  HttpResult result = admin().Raw("POST", "/api/v1/teams", huge);
  EXPECT_EQ(result.status, 413) << result.transport_error;
  EXPECT_EQ(result.error_code(), "BODY_TOO_LARGE");
  EXPECT_EQ(Anonymous().Get("/readyz").status, 200);
  EXPECT_EQ(admin().Get("/api/v1/teams").json()["total"], 1);
}

TEST_F(BadInput, UnknownRoutesAndMethodsAnswerJson) {
  HttpResult missing = admin().Get("/api/v1/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error_code(), "ROUTE_NOT_FOUND");
  EXPECT_FALSE(missing.headers["x-request-id"].empty());
  HttpResult method = admin().Raw("PUT", "/api/v1/users", "{}");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.error_code(), "METHOD_NOT_ALLOWED");
  EXPECT_NE(method.headers["allow"].find("POST"), std::string::npos);
  EXPECT_EQ(admin().Raw("DELETE", "/api/v1/me", "").status, 405);
  EXPECT_EQ(admin().Get("/api/v1/users/abc").json()["error"]["field"], "id");
}

TEST_F(BadInput, InjectionStringsInEveryFieldAreInertLiterals) {
  int64_t team = CreateTeam("target-team");
  int64_t user = CreateUser("target-user");
  AddMember(team, user, "viewer");
  for (const std::string& hostile : kHostileStrings) {
    std::vector<std::pair<std::string, HttpResult>> results;
    results.emplace_back("user.username", admin().Post("/api/v1/users",
                                                       {{"username", hostile}, {"password", "password-123"}}));
    results.emplace_back("user.password", admin().Post("/api/v1/users", {{"username", "inj"}, {"password", hostile + "-padding"}}));
    results.emplace_back("user.display", admin().Patch("/api/v1/users/" + std::to_string(user),
                                                       {{"display_name", hostile}, {"email", hostile}}));
    results.emplace_back("team.name", admin().Post("/api/v1/teams", {{"name", hostile}}));
    results.emplace_back("team.description",
                         admin().Patch("/api/v1/teams/" + std::to_string(team), {{"description", hostile}}));
    results.emplace_back("member.username",
                         admin().Post("/api/v1/teams/" + std::to_string(team) + "/members",
                                      {{"username", hostile}, {"role", "viewer"}}));
    results.emplace_back("member.role",
                         admin().Post("/api/v1/teams/" + std::to_string(team) + "/members",
                                      {{"user_id", user}, {"role", hostile}}));
    results.emplace_back("token.name", admin().Post("/api/v1/tokens", {{"name", hostile}, {"team_id", team}}));
    results.emplace_back("token.expires", admin().Post("/api/v1/tokens", {{"name", "t"}, {"team_id", team}, {"expires_at", hostile}}));
    results.emplace_back("login.username", Anonymous().Post("/api/v1/auth/login", {{"username", hostile}, {"password", hostile}}));
    std::string encoded;
    for (unsigned char c : hostile) {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      encoded += buf;
    }
    for (const char* path : {"/api/v1/users?q=", "/api/v1/users?limit=", "/api/v1/users?offset=",
                             "/api/v1/teams?q=", "/api/v1/audit?actor=", "/api/v1/audit?action=",
                             "/api/v1/tokens?all=", "/api/v1/teams/1/members?limit="}) {
      results.emplace_back(path, admin().Get(path + encoded));
    }
    results.emplace_back("path", admin().Get("/api/v1/users/" + encoded));
    for (const auto& [where, result] : results) {
      EXPECT_GT(result.status, 0) << where << ": " << result.transport_error;
      EXPECT_LT(result.status, 500) << where << " with " << hostile << ": " << result.body;
    }
  }
  // The literal round-trips where it is allowed (free text), and nothing was destroyed.
  Json team_now = admin().Get("/api/v1/teams/" + std::to_string(team)).json();
  EXPECT_EQ(team_now["description"], kHostileStrings.back());
  EXPECT_EQ(admin().Get("/api/v1/teams/" + std::to_string(team) + "/members").json()["total"], 1);
  // admin, target-user, and "inj", created with the first hostile password, which works as is.
  EXPECT_EQ(UserCount(), 3);
  EXPECT_EQ(Anonymous()
                .Post("/api/v1/auth/login",
                      {{"username", "inj"}, {"password", kHostileStrings[0] + "-padding"}})
                .status,
            200);
  EXPECT_EQ(admin().Get("/api/v1/teams").json()["total"], 2);
  EXPECT_EQ(admin().Get("/api/v1/users?q=target").json()["total"], 1);
  EXPECT_EQ(admin().Get("/api/v1/users?q=%25").json()["total"], 0) << "% is a literal in q";
}

TEST_F(BadInput, PathTraversalInNamesIsRejected) {
  for (const char* name : {"../../etc/passwd", "..", "a/b", "/root", ".hidden"}) {
    HttpResult user = admin().Post("/api/v1/users", {{"username", name}, {"password", "password-123"}});
    EXPECT_EQ(user.status, 400) << name;
    EXPECT_EQ(user.json()["error"]["field"], "username");
    HttpResult team = admin().Post("/api/v1/teams", {{"name", name}});
    EXPECT_EQ(team.status, 400) << name;
    EXPECT_EQ(team.json()["error"]["field"], "name");
  }
  EXPECT_EQ(UserCount(), 1);
  EXPECT_EQ(admin().Get("/api/v1/teams").json()["total"], 1);
}

TEST_F(BadInput, BadTokensAreRefusedAndChangeNothing) {
  HttpClient client = Anonymous();
  HttpResult none = client.Get("/api/v1/me");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.error_code(), "UNAUTHENTICATED");
  for (const char* header : {"Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Bearer sls_forged",
                             "Bearer ' OR 1=1 --", "bearer sls_x"}) {
    HttpResult result = client.Raw("POST", "/api/v1/teams", R"({"name":"sneaky"})",
                                   {{"Authorization", header}});
    EXPECT_EQ(result.status, 401) << header;
    EXPECT_EQ(result.error_code(), "UNAUTHENTICATED") << header;
  }
  std::string long_token = "Bearer sls_" + std::string(5000, 'a');
  EXPECT_EQ(client.Raw("GET", "/api/v1/me", "", {{"Authorization", long_token}}).status, 401);
  EXPECT_EQ(admin().Get("/api/v1/teams").json()["total"], 1);
}

TEST_F(BadInput, AnotherTeamsIdsAnswerNotFound) {
  int64_t secret_team = CreateTeam("secret");
  int64_t user = CreateUser("curious");
  HttpClient curious = LoggedIn("curious");
  std::string base = "/api/v1/teams/" + std::to_string(secret_team);
  EXPECT_EQ(curious.Get(base).error_code(), "TEAM_NOT_FOUND");
  EXPECT_EQ(curious.Patch(base, {{"name", "mine-now"}}).error_code(), "TEAM_NOT_FOUND");
  EXPECT_EQ(curious.Delete(base + "/members/1").error_code(), "TEAM_NOT_FOUND");
  EXPECT_EQ(curious.Post(base + "/members", {{"user_id", user}, {"role", "owner"}}).status, 404);
  EXPECT_EQ(curious.Get("/api/v1/users/1").status, 403);
  HttpResult admin_token = admin().Post("/api/v1/tokens", {{"name", "a"}, {"team_id", 1}});
  EXPECT_EQ(curious.Delete("/api/v1/tokens/" + std::to_string(admin_token.json()["id"].get<int64_t>()))
                .error_code(),
            "TOKEN_NOT_FOUND");
  EXPECT_EQ(admin().Get(base).json()["name"], "secret");
  EXPECT_EQ(admin().Get(base + "/members").json()["total"], 0);
  EXPECT_EQ(admin().Get("/api/v1/tokens").json()["items"][0]["revoked_at"], nullptr);
}

}  // namespace
}  // namespace sluice::testing
