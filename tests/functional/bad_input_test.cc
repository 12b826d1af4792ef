// Bad input: each answered with the right status and error code, and nothing changed (read back).
#include <cstdio>
#include <cstring>
#include <functional>

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
  int64_t user = CreateUser("member");
  AddMember(1, user, "viewer");
  const std::string member = "/api/v1/teams/1/members/" + std::to_string(user);
  struct Case {
    std::string method;
    std::string path;
    Json body;
    std::string field;
    std::string code = "INVALID_ARGUMENT";
  };
  const std::vector<Case> cases = {
      {"POST", "/api/v1/users", {{"password", "password-123"}}, "username"},
      {"POST", "/api/v1/users", {{"username", 42}, {"password", "password-123"}}, "username"},
      {"POST", "/api/v1/users", {{"username", "ok"}}, "password"},
      {"POST", "/api/v1/users", {{"username", "ok"}, {"password", true}}, "password"},
      {"POST",
       "/api/v1/users",
       {{"username", "ok"}, {"password", "short"}},
       "password",
       "WEAK_PASSWORD"},
      {"POST",
       "/api/v1/users",
       {{"username", "ok"}, {"password", "password-123"}, {"is_admin", "yes"}},
       "is_admin"},
      {"POST",
       "/api/v1/users",
       {{"username", "ok"}, {"password", "password-123"}, {"display_name", 7}},
       "display_name"},
      {"POST",
       "/api/v1/users",
       {{"username", "ok"}, {"password", "password-123"}, {"email", Json::array()}},
       "email"},
      {"POST",
       "/api/v1/users",
       {{"username", "ok"}, {"password", "password-123"}, {"surprise", 1}},
       "surprise"},
      {"POST", "/api/v1/users", {{"username", nullptr}, {"password", "password-123"}}, "username"},
      {"PATCH", "/api/v1/users/1", {{"disabled", "no"}}, "disabled"},
      {"PATCH", "/api/v1/users/1", {{"display_name", 1.5}}, "display_name"},
      {"POST", "/api/v1/teams", Json::object(), "name"},
      {"POST", "/api/v1/teams", {{"name", 5}}, "name"},
      {"POST", "/api/v1/teams", {{"name", ""}}, "name"},
      {"POST", "/api/v1/teams", {{"name", "fine"}, {"description", false}}, "description"},
      {"PATCH", "/api/v1/teams/1", {{"name", Json::object()}}, "name"},
      {"POST", "/api/v1/teams/1/members", {{"user_id", user}}, "role"},
      {"POST", "/api/v1/teams/1/members", {{"user_id", user}, {"role", "god"}}, "role"},
      {"POST", "/api/v1/teams/1/members", {{"user_id", "one"}, {"role", "viewer"}}, "user_id"},
      {"PATCH", member, Json::object(), "role"},
      {"PATCH", member, {{"role", 3}}, "role"},
      {"POST", "/api/v1/tokens", {{"team_id", 1}}, "name"},
      {"POST", "/api/v1/tokens", {{"name", "x"}}, "team_id"},
      {"POST", "/api/v1/tokens", {{"name", "x"}, {"team_id", "1"}}, "team_id"},
      {"POST", "/api/v1/tokens", {{"name", "x"}, {"team_id", 1}, {"expires_at", 5}}, "expires_at"},
      {"POST",
       "/api/v1/tokens",
       {{"name", "x"}, {"team_id", 1}, {"expires_at", "tomorrow"}},
       "expires_at"},
      {"POST", "/api/v1/auth/login", {{"username", "admin"}}, "password"},
      {"POST", "/api/v1/auth/login", {{"password", "x"}}, "username"},
      {"POST", "/api/v1/me/password", {{"new_password", "password-456"}}, "current_password"},
      {"POST",
       "/api/v1/me/password",
       {{"current_password", "admin-password-for-tests"}},
       "new_password"},
  };
  for (const auto& c : cases) {
    HttpResult result = admin().Raw(c.method, c.path, c.body.dump());
    std::string where = c.method + " " + c.path + " " + c.body.dump();
    EXPECT_EQ(result.status, 400) << where << ": " << result.body;
    EXPECT_EQ(result.error_code(), c.code) << where << ": " << result.body;
    EXPECT_EQ(result.json()["error"]["field"], c.field) << where << ": " << result.body;
  }
  // Read back: nothing was created or changed.
  EXPECT_EQ(UserCount(), 2);
  Json admin_user = admin().Get("/api/v1/users/1").json();
  EXPECT_EQ(admin_user["disabled"], false);
  EXPECT_EQ(admin_user["display_name"], admin().Get("/api/v1/me").json()["display_name"]);
  EXPECT_EQ(admin().Get("/api/v1/teams").json()["total"], 1);
  EXPECT_EQ(admin().Get("/api/v1/teams/1").json()["name"], "default");
  EXPECT_EQ(admin().Get("/api/v1/teams/1/members").json()["total"], 2);
  EXPECT_EQ(admin().Get("/api/v1/tokens").json()["total"], 0);
  EXPECT_EQ(LoggedIn("admin", "admin-password-for-tests").Get("/api/v1/me").status, 200)
      << "the admin password did not change";
  Json members = admin().Get("/api/v1/teams/1/members").json();
  for (const auto& item : members["items"]) {
    if (item["user_id"] == user) {
      EXPECT_EQ(item["role"], "viewer");
    }
  }
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

std::string UrlEncode(const std::string& text) {
  std::string encoded;
  for (unsigned char c : text) {
    char buf[4];
    std::snprintf(buf, sizeof(buf), "%%%02X", c);
    encoded += buf;
  }
  return encoded;
}

// Many failed logins with hostile strings: keep the login throttle out of the way.
class Injection : public SluiceTest {
  ServerOptions Options() override {
    ServerOptions options;
    options.extra_env["SLUICE_LOGIN_MAX_FAILURES"] = "1000";
    return options;
  }
};

// Each hostile string goes, one field at a time, into every string field of every POST and PATCH
// and into every query parameter the OpenAPI document lists. Each answer is a clean 4xx or a
// success whose value reads back as the exact literal; never a 5xx, and nothing is destroyed.
TEST_F(Injection, HostileStringsInEveryFieldAreInertLiterals) {
  int64_t team = CreateTeam("target-team");
  int64_t user = CreateUser("target-user");
  AddMember(team, user, "viewer");
  CreateUser("pw-user", "pw-user-password-1");
  HttpClient pw_user = LoggedIn("pw-user", "pw-user-password-1");
  std::string pw_current = "pw-user-password-1";
  int64_t expected_users = 3;
  int64_t expected_teams = 2;
  const std::string team_path = "/api/v1/teams/" + std::to_string(team);
  const std::string user_path = "/api/v1/users/" + std::to_string(user);
  const std::string member_path = team_path + "/members/" + std::to_string(user);

  // Every GET route with its query parameters, from the OpenAPI document.
  Json paths = Anonymous().Get("/api/v1/openapi.json").json()["paths"];
  std::vector<std::pair<std::string, std::string>> queries;  // (path, parameter)
  for (const auto& [path, operations] : paths.items()) {
    if (!operations.contains("get")) continue;
    for (const auto& parameter : operations["get"].value("parameters", Json::array())) {
      if (parameter.value("in", "") != "query") continue;
      std::string concrete = path;
      for (const char* param : {"{id}", "{user_id}"}) {
        auto pos = concrete.find(param);
        if (pos != std::string::npos)
          concrete.replace(pos, std::strlen(param), std::to_string(team));
      }
      queries.emplace_back(concrete, parameter["name"].get<std::string>());
    }
  }
  for (const char* expected : {"/api/v1/users limit", "/api/v1/users offset", "/api/v1/users q",
                               "/api/v1/teams q", "/api/v1/audit actor", "/api/v1/audit action"}) {
    bool found = false;
    for (const auto& [path, name] : queries) found |= (path + " " + name) == expected;
    EXPECT_TRUE(found) << "the OpenAPI document lists no query parameter " << expected;
  }

  int n = 0;
  for (const std::string& hostile : kHostileStrings) {
    ++n;
    const std::string tag = std::to_string(n);
    const std::string encoded = UrlEncode(hostile);
    std::vector<std::pair<std::string, HttpResult>> results;
    auto record = [&](const std::string& where, HttpResult result) -> HttpResult {
      results.emplace_back(where, result);
      return result;
    };
    auto timed = [&](const std::string& where,
                     const std::function<HttpResult()>& call) -> HttpResult {
      auto started = std::chrono::steady_clock::now();
      HttpResult result = record(where, call());
      auto took = std::chrono::steady_clock::now() - started;
      // "1; SELECT pg_sleep(5)" spliced into SQL would take 5 s.
      EXPECT_LT(took, std::chrono::seconds(4)) << where << " with " << hostile;
      return result;
    };

    // POST /api/v1/users, one field at a time.
    if (timed("users.username", [&] {
          return admin().Post("/api/v1/users",
                              {{"username", hostile}, {"password", "password-123"}});
        }).status == 201) {
      ADD_FAILURE() << "a hostile username was accepted: " << hostile;
      ++expected_users;
    }
    {
      std::string name = "inj-pw-" + tag;
      std::string password = hostile + "-padding";
      HttpResult r = timed("users.password", [&] {
        return admin().Post("/api/v1/users", {{"username", name}, {"password", password}});
      });
      if (r.status == 201) {
        ++expected_users;
        EXPECT_EQ(Anonymous()
                      .Post("/api/v1/auth/login", {{"username", name}, {"password", password}})
                      .status,
                  200)
            << "the password is stored as the literal " << hostile;
      }
    }
    for (const char* field : {"display_name", "email"}) {
      std::string name = std::string("inj-") + (field[0] == 'd' ? "dn-" : "em-") + tag;
      HttpResult r = timed(std::string("users.") + field, [&] {
        return admin().Post("/api/v1/users",
                            {{"username", name}, {"password", "password-123"}, {field, hostile}});
      });
      if (r.status == 201) {
        ++expected_users;
        EXPECT_EQ(admin().Get("/api/v1/users/" + r.json()["id"].dump()).json()[field], hostile);
      }
    }
    // PATCH /api/v1/users/{id}.
    for (const char* field : {"display_name", "email"}) {
      if (timed(std::string("patch user.") + field, [&] {
            return admin().Patch(user_path, {{field, hostile}});
          }).status == 200) {
        EXPECT_EQ(admin().Get(user_path).json()[field], hostile) << field;
      }
    }
    if (timed("patch user.password", [&] {
          return admin().Patch(user_path, {{"password", hostile + "-padding"}});
        }).status == 200) {
      EXPECT_EQ(Anonymous()
                    .Post("/api/v1/auth/login",
                          {{"username", "target-user"}, {"password", hostile + "-padding"}})
                    .status,
                200);
    }
    // POST /api/v1/me/password.
    record("me.current_password",
           pw_user.Post("/api/v1/me/password",
                        {{"current_password", hostile}, {"new_password", "another-pass-1"}}));
    EXPECT_NE(results.back().second.status, 204) << "a wrong current password was accepted";
    if (timed("me.new_password", [&] {
          return pw_user.Post("/api/v1/me/password", {{"current_password", pw_current},
                                                      {"new_password", hostile + "-padding"}});
        }).status == 204) {
      pw_current = hostile + "-padding";
    }
    // POST and PATCH /api/v1/teams.
    if (timed("teams.name", [&] {
          return admin().Post("/api/v1/teams", {{"name", hostile}});
        }).status == 201) {
      ADD_FAILURE() << "a hostile team name was accepted: " << hostile;
      ++expected_teams;
    }
    {
      HttpResult r = timed("teams.description", [&] {
        return admin().Post("/api/v1/teams",
                            {{"name", "inj-team-" + tag}, {"description", hostile}});
      });
      if (r.status == 201) {
        ++expected_teams;
        EXPECT_EQ(admin().Get("/api/v1/teams/" + r.json()["id"].dump()).json()["description"],
                  hostile);
      }
    }
    EXPECT_EQ(timed("patch team.name",
                    [&] {
                      return admin().Patch(team_path, {{"name", hostile}});
                    })
                  .status,
              400);
    if (timed("patch team.description", [&] {
          return admin().Patch(team_path, {{"description", hostile}});
        }).status == 200) {
      EXPECT_EQ(admin().Get(team_path).json()["description"], hostile);
    }
    // Members.
    timed("members.username", [&] {
      return admin().Post(team_path + "/members", {{"username", hostile}, {"role", "viewer"}});
    });
    {
      HttpResult r = timed("members.role", [&] {
        return admin().Post(team_path + "/members", {{"user_id", user}, {"role", hostile}});
      });
      EXPECT_EQ(r.status, 400) << r.body;
      EXPECT_EQ(r.json()["error"]["field"], "role") << r.body;
    }
    EXPECT_EQ(timed("patch member.role",
                    [&] {
                      return admin().Patch(member_path, {{"role", hostile}});
                    })
                  .status,
              400);
    // Tokens.
    {
      HttpResult r = timed("tokens.name", [&] {
        return admin().Post("/api/v1/tokens", {{"name", hostile}, {"team_id", team}});
      });
      if (r.status == 201) {
        HttpResult listed = admin().Get("/api/v1/tokens?limit=100");
        bool found = false;
        Json items = listed.json()["items"];  // a named copy: the loop must not dangle
        for (const auto& item : items) {
          found |= item["id"] == r.json()["id"] && item["name"] == hostile;
        }
        EXPECT_TRUE(found) << "token name read back as the literal " << hostile << "\n"
                           << r.body << "\n"
                           << listed.body;
      }
    }
    EXPECT_EQ(timed("tokens.expires_at",
                    [&] {
                      return admin().Post(
                          "/api/v1/tokens",
                          {{"name", "t"}, {"team_id", team}, {"expires_at", hostile}});
                    })
                  .status,
              400);
    // Login.
    EXPECT_EQ(timed("login.username",
                    [&] {
                      return Anonymous().Post("/api/v1/auth/login", {{"username", hostile},
                                                                     {"password", "password-123"}});
                    })
                  .status,
              401);
    EXPECT_EQ(timed("login.password",
                    [&] {
                      return Anonymous().Post("/api/v1/auth/login",
                                              {{"username", "admin"}, {"password", hostile}});
                    })
                  .status,
              401);
    // Every query parameter, and ids in paths.
    for (const auto& [path, name] : queries) {
      timed(path + "?" + name, [&] { return admin().Get(path + "?" + name + "=" + encoded); });
    }
    timed("GET /users/{id}", [&] { return admin().Get("/api/v1/users/" + encoded); });
    timed("GET /teams/{id}", [&] { return admin().Get("/api/v1/teams/" + encoded); });
    timed("PATCH /teams/{id}/members/{user_id}", [&] {
      return admin().Patch(team_path + "/members/" + encoded, {{"role", "viewer"}});
    });
    timed("DELETE /tokens/{id}", [&] { return admin().Delete("/api/v1/tokens/" + encoded); });

    for (const auto& [where, result] : results) {
      EXPECT_GT(result.status, 0) << where << ": " << result.transport_error;
      EXPECT_LT(result.status, 500) << where << " with " << hostile << ": " << result.body;
    }
  }

  // Nothing was destroyed or added behind our back; the tables answer as before.
  EXPECT_EQ(UserCount(), expected_users);
  EXPECT_EQ(admin().Get("/api/v1/teams").json()["total"], expected_teams);
  EXPECT_EQ(admin().Get(team_path).json()["name"], "target-team");
  EXPECT_EQ(admin().Get(team_path + "/members").json()["total"], 1);
  EXPECT_EQ(admin().Get(team_path + "/members").json()["items"][0]["role"], "viewer");
  EXPECT_EQ(admin().Get("/api/v1/users?q=target").json()["total"], 1);
  // Wildcards are literals in q: as LIKE patterns these would match "target-user".
  EXPECT_EQ(admin().Get("/api/v1/users?q=t%25t").json()["total"], 0) << "% is a literal in q";
  EXPECT_EQ(admin().Get("/api/v1/users?q=targ_t").json()["total"], 0) << "_ is a literal in q";
  EXPECT_EQ(admin().Get("/api/v1/teams?q=t%25t").json()["total"], 0) << "% is a literal in q";
  EXPECT_EQ(LoggedIn("pw-user", pw_current).Get("/api/v1/me").status, 200);
  EXPECT_EQ(LoggedIn("admin", "admin-password-for-tests").Get("/api/v1/me").status, 200);
  EXPECT_GT(expected_users, 3) << "some hostile free text must round-trip, not all be refused";
}

TEST_F(BadInput, PathTraversalInNamesIsRejected) {
  for (const char* name : {"../../etc/passwd", "..", "a/b", "/root", ".hidden"}) {
    HttpResult user =
        admin().Post("/api/v1/users", {{"username", name}, {"password", "password-123"}});
    EXPECT_EQ(user.status, 400) << name;
    EXPECT_EQ(user.json()["error"]["field"], "username");
    HttpResult team = admin().Post("/api/v1/teams", {{"name", name}});
    EXPECT_EQ(team.status, 400) << name;
    EXPECT_EQ(team.json()["error"]["field"], "name");
    HttpResult rename = admin().Patch("/api/v1/teams/1", {{"name", name}});
    EXPECT_EQ(rename.status, 400) << name;
    EXPECT_EQ(rename.json()["error"]["field"], "name");
  }
  EXPECT_EQ(admin().Get("/api/v1/teams/1").json()["name"], "default");
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
    HttpResult result =
        client.Raw("POST", "/api/v1/teams", R"({"name":"sneaky"})", {{"Authorization", header}});
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
  EXPECT_EQ(
      curious.Delete("/api/v1/tokens/" + std::to_string(admin_token.json()["id"].get<int64_t>()))
          .error_code(),
      "TOKEN_NOT_FOUND");
  EXPECT_EQ(admin().Get(base).json()["name"], "secret");
  EXPECT_EQ(admin().Get(base + "/members").json()["total"], 0);
  EXPECT_EQ(admin().Get("/api/v1/tokens").json()["items"][0]["revoked_at"], nullptr);
}

}  // namespace
}  // namespace sluice::testing
