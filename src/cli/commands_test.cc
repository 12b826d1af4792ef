// The client commands end to end against a fake transport: request shapes, output, errors,
// exit codes and the saved login.
#include "cli/commands.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/output.h"
#include "cli/testing_commands.h"
#include "cli/testing_fakes.h"

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPassword = "correct horse battery";

const char* kMe = R"({"id":1,"username":"admin","display_name":"Administrator","email":"",
  "is_admin":true,"disabled":false,"created_at":"2026-11-01T00:00:00.000Z",
  "teams":[{"id":1,"name":"default","role":"owner"},{"id":2,"name":"analytics","role":"viewer"}],
  "token":{"kind":"session","expires_at":"2026-11-25T12:00:00.000Z","team_id":null}})";

const char* kTeams = R"({"items":[
  {"id":1,"name":"default","description":"Created at the first start","created_at":"2026-11-01T00:00:00.000Z","role":"owner"},
  {"id":2,"name":"analytics","description":"","created_at":"2026-11-24T23:00:00.000Z"}],"total":2})";

// ---- login and the saved credentials

TEST_F(CliCommands, LoginWithPasswordStdinPostsCredentialsAndSavesAnOwnerOnlyFile) {
  transport_.On("POST", "/api/v1/auth/login", 200,
                R"({"token":"sls_fresh-secret","expires_at":"2026-11-25T12:00:00.000Z",
                    "user":{"id":1,"username":"admin","display_name":"Administrator"}})");
  stdin_ = std::string(kPassword) + "\n";
  ASSERT_EQ(Run({"login", "--server", "http://sluice.test:8765/", "--username", "admin",
                 "--password-stdin"}),
            0)
      << Err();

  ASSERT_EQ(transport_.requests().size(), 1u);
  const http::ClientRequest& request = transport_.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://sluice.test:8765/api/v1/auth/login");
  EXPECT_EQ(Auth(0), "");
  EXPECT_EQ(Json::parse(request.body), Json({{"username", "admin"}, {"password", kPassword}}));

  struct stat st {};
  ASSERT_EQ(::stat(CredentialsFile().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::ifstream in(CredentialsFile());
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(Json::parse(text.str()), Json({{"server", "http://sluice.test:8765"},
                                           {"token", "sls_fresh-secret"},
                                           {"username", "admin"},
                                           {"expires_at", "2026-11-25T12:00:00.000Z"}}));

  EXPECT_EQ(Out(),
            "Logged in to http://sluice.test:8765 as admin; the session expires in 12 hours.\n"
            "Saved the login in " +
                CredentialsFile().string() + ".\n");
  for (const std::string& shown : {Out(), Err()}) {
    EXPECT_EQ(shown.find("sls_fresh-secret"), std::string::npos);
    EXPECT_EQ(shown.find(kPassword), std::string::npos);
  }
}

TEST_F(CliCommands, LoginJsonOutputLeavesTheTokenOut) {
  transport_.On("POST", "/api/v1/auth/login", 200,
                R"({"token":"sls_fresh-secret","expires_at":"2026-11-25T12:00:00.000Z",
                    "user":{"id":1,"username":"admin"}})");
  stdin_ = kPassword;
  ASSERT_EQ(Run({"login", "--server", kServer, "-u", "admin", "--password-stdin", "-o", "json"}),
            0);
  Json shown = Json::parse(Out());
  EXPECT_FALSE(shown.contains("token"));
  EXPECT_EQ(shown["user"]["username"], "admin");
  EXPECT_EQ(shown["expires_at"], "2026-11-25T12:00:00.000Z");
}

TEST_F(CliCommands, LoginPromptsOnATerminalWithoutEchoingThePassword) {
  transport_.On(
      "POST", "/api/v1/auth/login", 200,
      R"({"token":"t","expires_at":"2026-11-25T12:00:00.000Z","user":{"username":"bob"}})");
  interactive_ = true;
  answers_ = {"bob", kPassword};
  ASSERT_EQ(Run({"login", "--server", kServer}), 0) << Err();
  ASSERT_EQ(console_->prompts.size(), 2u);
  EXPECT_EQ(console_->prompts[0], std::make_pair(std::string("Username: "), false));
  EXPECT_EQ(console_->prompts[1], std::make_pair(std::string("Password: "), true));
  EXPECT_EQ(Json::parse(transport_.last().body),
            Json({{"username", "bob"}, {"password", kPassword}}));
}

TEST_F(CliCommands, LoginWithoutATerminalNeedsPasswordStdin) {
  EXPECT_EQ(Run({"login", "--server", kServer, "--username", "admin"}), kExitUsage);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_NE(Err().find("--password-stdin"), std::string::npos);
  EXPECT_EQ(Run({"login", "--server", kServer, "--password-stdin"}), kExitUsage);  // no --username
  EXPECT_EQ(Run({"login", "--username", "admin", "--password-stdin"}), kExitUsage);  // no server
  EXPECT_NE(Err().find("--server"), std::string::npos);
  EXPECT_FALSE(fs::exists(CredentialsFile()));
}

TEST_F(CliCommands, LoginWithAWrongPasswordIsAnApiError) {
  transport_.On("POST", "/api/v1/auth/login", 401,
                ErrorBody("INVALID_CREDENTIALS", "wrong user name or password", "req-9"));
  stdin_ = "nope\n";
  EXPECT_EQ(Run({"login", "--server", kServer, "-u", "admin", "--password-stdin"}), 1);
  EXPECT_EQ(Err(), "error: wrong user name or password (INVALID_CREDENTIALS, request req-9)\n");
  EXPECT_EQ(Out(), "");
  EXPECT_FALSE(fs::exists(CredentialsFile()));
}

TEST_F(CliCommands, LoginPasswordFileReadsTheFirstLine) {
  transport_.On("POST", "/api/v1/auth/login", 200, R"({"token":"t","expires_at":null})");
  fs::path file = dir_ / "pw";
  { std::ofstream(file) << kPassword << "\nignored\n"; }
  ASSERT_EQ(Run({"login", "--server", kServer, "-u", "admin", "--password-file", file.string()}), 0)
      << Err();
  EXPECT_EQ(Json::parse(transport_.last().body)["password"], kPassword);
  EXPECT_NE(Out().find("expires never"), std::string::npos);
}

// ---- which credentials a command uses

TEST_F(CliCommands, WhoamiUsesTheSavedLogin) {
  SaveLogin();
  transport_.On("GET", "/api/v1/me", 200, kMe);
  ASSERT_EQ(Run({"whoami"}), 0) << Err();
  EXPECT_EQ(transport_.last().url, std::string(kServer) + "/api/v1/me");
  EXPECT_EQ(Auth(0), std::string("Bearer ") + kSavedToken);
  EXPECT_EQ(Out(),
            "Server:  http://sluice.test:8765\n"
            "User:    admin (id 1)\n"
            "Name:    Administrator\n"
            "Email:   -\n"
            "Admin:   yes\n"
            "Token:   session, expires in 12 hours\n"
            "\n"
            "TEAM ID  TEAM       ROLE\n"
            "1        default    owner\n"
            "2        analytics  viewer\n");
  EXPECT_EQ(Out().find(kSavedToken), std::string::npos);
}

TEST_F(CliCommands, WhoamiJsonPrintsTheApisJson) {
  SaveLogin();
  transport_.On("GET", "/api/v1/me", 200, kMe);
  ASSERT_EQ(Run({"whoami", "--output", "json"}), 0);
  EXPECT_EQ(Out(), Json::parse(kMe).dump(2) + "\n");
}

TEST_F(CliCommands, NotLoggedInExitsFour) {
  EXPECT_EQ(Run({"whoami"}), kExitNotLoggedIn);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_EQ(Err(),
            "error: not logged in: log in with `sluice login --server URL`, or set SLUICE_SERVER "
            "and SLUICE_TOKEN\n");
}

TEST_F(CliCommands, TheSavedTokenIsNeverSentToAnotherServer) {
  SaveLogin();
  EXPECT_EQ(Run({"whoami", "--server", "http://elsewhere.test"}), kExitNotLoggedIn);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_NE(Err().find("not logged in to http://elsewhere.test"), std::string::npos);
}

TEST_F(CliCommands, FlagsAndEnvironmentOverrideTheSavedLogin) {
  SaveLogin();
  transport_.On("GET", "/api/v1/me", 200, kMe);
  // Flags after the subcommand reach the client options too.
  ASSERT_EQ(Run({"whoami", "--server", "http://ci.test/", "--token", "sla_flag"}), 0) << Err();
  EXPECT_EQ(transport_.last().url, "http://ci.test/api/v1/me");
  EXPECT_EQ(Auth(0), "Bearer sla_flag");

  env_["SLUICE_SERVER"] = "http://env.test";
  env_["SLUICE_TOKEN"] = "sla_env";
  ASSERT_EQ(Run({"whoami"}), 0) << Err();
  EXPECT_EQ(transport_.last().url, "http://env.test/api/v1/me");
  EXPECT_EQ(Auth(1), "Bearer sla_env");

  // The flag beats the environment; a token alone goes to the saved server.
  env_.erase("SLUICE_SERVER");
  ASSERT_EQ(Run({"--token", "sla_flag2", "whoami"}), 0) << Err();
  EXPECT_EQ(transport_.last().url, std::string(kServer) + "/api/v1/me");
  EXPECT_EQ(Auth(2), "Bearer sla_flag2");
}

TEST_F(CliCommands, EnvironmentAloneNeedsNoSavedLogin) {
  env_["SLUICE_SERVER"] = "http://env.test";
  env_["SLUICE_TOKEN"] = "sla_env";
  transport_.On("GET", "/api/v1/me", 200, kMe);
  EXPECT_EQ(Run({"whoami"}), 0) << Err();
  EXPECT_FALSE(fs::exists(CredentialsFile()));
}

TEST_F(CliCommands, AnExpiredSavedLoginIsNotUsed) {
  SaveLogin(kServer, "2026-11-24T23:00:00.000Z");
  EXPECT_EQ(Run({"team", "list"}), kExitNotLoggedIn);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_NE(Err().find("expired 1 hour ago"), std::string::npos);
}

TEST_F(CliCommands, ATokenTheServerRejectsExitsFourWithAHint) {
  SaveLogin();
  transport_.On("GET", "/api/v1/me", 401,
                ErrorBody("TOKEN_REVOKED", "the token was revoked", "r-5"));
  EXPECT_EQ(Run({"whoami"}), kExitNotLoggedIn);
  EXPECT_EQ(Err(),
            "error: the token was revoked (TOKEN_REVOKED, request r-5)\n"
            "hint: the server no longer accepts this token; log in with `sluice login --server "
            "URL`, or set SLUICE_SERVER and SLUICE_TOKEN\n");
}

TEST_F(CliCommands, AnUnreachableServerExitsThree) {
  SaveLogin();
  transport_.SetUnreachable("Connection refused");
  EXPECT_EQ(Run({"user", "list"}), kExitUnreachable);
  EXPECT_EQ(Err(),
            "error: cannot reach the server at http://sluice.test:8765: Connection refused\n");
}

TEST_F(CliCommands, AFileOthersCanReadIsReportedButStillUsed) {
  SaveLogin();
  ASSERT_EQ(::chmod(CredentialsFile().c_str(), 0644), 0);
  transport_.On("GET", "/api/v1/me", 200, kMe);
  EXPECT_EQ(Run({"whoami"}), 0);
  EXPECT_NE(Err().find("can be read by other users"), std::string::npos);
}

// ---- logout

TEST_F(CliCommands, LogoutRevokesTheSessionAndDeletesTheFile) {
  SaveLogin();
  transport_.On("POST", "/api/v1/auth/logout", 204, "");
  ASSERT_EQ(Run({"logout"}), 0) << Err();
  EXPECT_EQ(transport_.last().method, "POST");
  EXPECT_EQ(transport_.last().url, std::string(kServer) + "/api/v1/auth/logout");
  EXPECT_EQ(Auth(0), std::string("Bearer ") + kSavedToken);
  EXPECT_FALSE(fs::exists(CredentialsFile()));
  EXPECT_EQ(Out(), "Logged out of http://sluice.test:8765.\n");

  EXPECT_EQ(Run({"logout"}), 0);  // again: nothing to do
  EXPECT_EQ(Out(), "Not logged in; nothing to do.\n");
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(CliCommands, LogoutOfARejectedSessionStillForgetsIt) {
  SaveLogin();
  transport_.On("POST", "/api/v1/auth/logout", 401, ErrorBody("TOKEN_EXPIRED", "expired", "r"));
  EXPECT_EQ(Run({"logout"}), 0) << Err();
  EXPECT_FALSE(fs::exists(CredentialsFile()));
}

TEST_F(CliCommands, LogoutWithTheServerDownForgetsTheLoginAndSaysSo) {
  SaveLogin();
  transport_.SetUnreachable("Connection refused");
  EXPECT_EQ(Run({"logout"}), kExitUnreachable);
  EXPECT_FALSE(fs::exists(CredentialsFile()));
  EXPECT_NE(Err().find("the session stays valid on the server"), std::string::npos);
}

// ---- users

TEST_F(CliCommands, UserListTableAndJson) {
  SaveLogin();
  const char* users = R"({"items":[
    {"id":1,"username":"admin","display_name":"Administrator","email":"","is_admin":true,"disabled":false,"created_at":"2026-11-01T00:00:00.000Z"},
    {"id":7,"username":"alice","display_name":"Alice","email":"alice@example.com","is_admin":false,"disabled":true,"created_at":"2026-11-24T22:00:00.000Z"}],
    "total":9})";
  transport_.On("GET", "/api/v1/users", 200, users);
  ASSERT_EQ(Run({"user", "list", "--limit", "2", "-q", "a"}), 0) << Err();
  EXPECT_EQ(FakeHttpClient::QueryOf(transport_.last().url), "limit=2&q=a");
  EXPECT_EQ(Out(),
            "ID  USERNAME  NAME           EMAIL              ADMIN  DISABLED  CREATED\n"
            "1   admin     Administrator  -                  yes    no        24 days ago\n"
            "7   alice     Alice          alice@example.com  no     yes       2 hours ago\n"
            "(2 of 9 users; see more with --offset 2)\n");

  ASSERT_EQ(Run({"-o", "json", "user", "list"}), 0);
  EXPECT_EQ(Json::parse(Out()), Json::parse(users));
}

TEST_F(CliCommands, UserCreateSendsTheFieldsAndNeverPrintsThePassword) {
  SaveLogin();
  transport_.On("POST", "/api/v1/users", 201,
                R"({"id":8,"username":"bob","display_name":"Bob","email":"b@x","is_admin":true})");
  stdin_ = std::string(kPassword) + "\r\n";
  ASSERT_EQ(Run({"user", "create", "--username", "bob", "--password-stdin", "--display-name", "Bob",
                 "--email", "b@x", "--admin"}),
            0)
      << Err();
  EXPECT_EQ(transport_.last().method, "POST");
  EXPECT_EQ(Json::parse(transport_.last().body), Json({{"username", "bob"},
                                                       {"password", kPassword},
                                                       {"display_name", "Bob"},
                                                       {"email", "b@x"},
                                                       {"is_admin", true}}));
  EXPECT_EQ(Out(), "Created user bob (id 8).\n");
  EXPECT_EQ(Err().find(kPassword), std::string::npos);
}

TEST_F(CliCommands, UserCreateOnATerminalAsksTwiceAndChecks) {
  SaveLogin();
  interactive_ = true;
  answers_ = {"one password", "another"};
  EXPECT_EQ(Run({"user", "create", "--username", "bob"}), kExitUsage);
  EXPECT_EQ(Err(), "error: the two passwords differ\n");
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CliCommands, UserShowByNameLooksTheNameUp) {
  SaveLogin();
  transport_.On(
      "GET", "/api/v1/users", 200,
      R"({"items":[{"id":70,"username":"alicia"},{"id":7,"username":"alice"}],"total":2})");
  transport_.On(
      "GET", "/api/v1/users/7", 200,
      R"({"id":7,"username":"alice","display_name":"Alice","email":"a@x","is_admin":false,"disabled":false,"created_at":"2026-11-24T00:00:00.000Z"})");
  ASSERT_EQ(Run({"user", "show", "alice"}), 0) << Err();
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(FakeHttpClient::QueryOf(transport_.requests()[0].url), "limit=1000&offset=0&q=alice");
  EXPECT_EQ(transport_.last().url, std::string(kServer) + "/api/v1/users/7");
  EXPECT_EQ(Out(),
            "ID:        7\n"
            "Username:  alice\n"
            "Name:      Alice\n"
            "Email:     a@x\n"
            "Admin:     no\n"
            "Disabled:  no\n"
            "Created:   24 hours ago\n");
}

TEST_F(CliCommands, UserUpdateSendsOnlyWhatWasGiven) {
  SaveLogin();
  transport_.On("PATCH", "/api/v1/users/7", 200, R"({"id":7,"username":"alice"})");
  ASSERT_EQ(Run({"user", "update", "7", "--email", "", "--no-admin", "--disable"}), 0) << Err();
  EXPECT_EQ(transport_.last().method, "PATCH");
  EXPECT_EQ(Json::parse(transport_.last().body),
            Json({{"email", ""}, {"is_admin", false}, {"disabled", true}}));
  EXPECT_EQ(Out(), "Updated user alice (id 7).\n");

  EXPECT_EQ(Run({"user", "update", "7"}), kExitUsage);
  EXPECT_NE(Err().find("nothing to change"), std::string::npos);
  EXPECT_EQ(Run({"user", "update", "7", "--admin", "--no-admin"}), kExitUsage);
}

TEST_F(CliCommands, UserDelete) {
  SaveLogin();
  transport_.On("DELETE", "/api/v1/users/7", 204, "");
  ASSERT_EQ(Run({"user", "delete", "7"}), 0) << Err();
  EXPECT_EQ(transport_.last().method, "DELETE");
  EXPECT_EQ(Out(), "Deleted user 7.\n");
}

TEST_F(CliCommands, ApiErrorsPrintCodeAndRequestIdAndExitOne) {
  SaveLogin();
  transport_.On(
      "DELETE", "/api/v1/users/1", 409,
      ErrorBody("CONFLICT", "you cannot delete yourself; ask another administrator", "7f3a"));
  EXPECT_EQ(Run({"user", "delete", "1"}), kExitApiError);
  EXPECT_EQ(Out(), "");
  EXPECT_EQ(Err(),
            "error: you cannot delete yourself; ask another administrator (CONFLICT, request "
            "7f3a)\n");
}

// ---- teams and members

TEST_F(CliCommands, TeamListTable) {
  SaveLogin();
  transport_.On("GET", "/api/v1/teams", 200, kTeams);
  ASSERT_EQ(Run({"team", "list"}), 0) << Err();
  EXPECT_EQ(Out(),
            "ID  NAME       YOUR ROLE  DESCRIPTION                 CREATED\n"
            "1   default    owner      Created at the first start  24 days ago\n"
            "2   analytics  -          -                           1 hour ago\n");
}

TEST_F(CliCommands, TeamCreateAndShow) {
  SaveLogin();
  transport_.On("POST", "/api/v1/teams", 201, R"({"id":3,"name":"data eng","description":"d"})");
  ASSERT_EQ(Run({"team", "create", "data eng", "--description", "d"}), 0) << Err();
  EXPECT_EQ(Json::parse(transport_.last().body),
            Json({{"name", "data eng"}, {"description", "d"}}));
  EXPECT_EQ(Out(), "Created team data eng (id 3).\n");

  transport_.On("GET", "/api/v1/teams", 200, kTeams);
  transport_.On(
      "GET", "/api/v1/teams/2", 200,
      R"({"id":2,"name":"analytics","description":"","created_at":"2026-11-24T23:00:00.000Z"})");
  ASSERT_EQ(Run({"team", "show", "analytics"}), 0) << Err();
  EXPECT_EQ(Out(),
            "ID:           2\n"
            "Name:         analytics\n"
            "Description:  -\n"
            "Your role:    -\n"
            "Created:      1 hour ago\n");
}

TEST_F(CliCommands, AnUnknownTeamNameIsTeamNotFound) {
  SaveLogin();
  transport_.On("GET", "/api/v1/teams", 200, kTeams);
  EXPECT_EQ(Run({"team", "delete", "nope"}), kExitApiError);
  EXPECT_EQ(Err(), "error: no team named 'nope' that you can see (TEAM_NOT_FOUND)\n");
  EXPECT_EQ(transport_.requests().size(), 1u);  // nothing deleted
}

TEST_F(CliCommands, TeamNameLookupReadsEveryPage) {
  SaveLogin();
  // Every page answers the same two teams and a total of 5: the lookup keeps paging (offsets
  // 0, 2, 4) until it has seen `total` items, then gives up without a match.
  transport_.On("GET", "/api/v1/teams", 200,
                R"({"items":[{"id":1,"name":"default"},{"id":2,"name":"analytics"}],"total":5})");
  EXPECT_EQ(Run({"team", "show", "zeta"}), kExitApiError);
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(FakeHttpClient::QueryOf(transport_.requests()[2].url), "limit=1000&offset=4&q=zeta");
}

TEST_F(CliCommands, MemberAddByNamesAndByIds) {
  SaveLogin();
  transport_.On("GET", "/api/v1/teams", 200, kTeams);
  transport_.On("POST", "/api/v1/teams/2/members", 201,
                R"({"user_id":7,"username":"alice","role":"developer"})");
  ASSERT_EQ(Run({"team", "member", "add", "analytics", "alice", "--role", "developer"}), 0)
      << Err();
  EXPECT_EQ(transport_.last().url, std::string(kServer) + "/api/v1/teams/2/members");
  EXPECT_EQ(Json::parse(transport_.last().body),
            Json({{"username", "alice"}, {"role", "developer"}}));
  EXPECT_EQ(Out(), "Added alice to team analytics as developer.\n");

  size_t before = transport_.requests().size();
  ASSERT_EQ(Run({"team", "member", "add", "2", "7", "--role", "viewer"}), 0) << Err();
  EXPECT_EQ(transport_.requests().size(), before + 1);  // ids need no lookup
  EXPECT_EQ(Json::parse(transport_.last().body), Json({{"user_id", 7}, {"role", "viewer"}}));
}

TEST_F(CliCommands, MemberRolesAreCheckedBeforeAnyRequest) {
  SaveLogin();
  EXPECT_EQ(Run({"team", "member", "add", "2", "7", "--role", "boss"}), kExitUsage);
  EXPECT_EQ(Run({"team", "member", "add", "2", "7"}), kExitUsage);  // --role is required
  EXPECT_EQ(Run({"team", "member", "set-role", "2", "7"}), kExitUsage);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_EQ(Err().rfind("error: ", 0), 0u);
}

TEST_F(CliCommands, MemberSetRoleAndRemoveFindTheMemberInTheTeam) {
  SaveLogin();
  transport_.On("GET", "/api/v1/teams", 200, kTeams);
  transport_.On("GET", "/api/v1/teams/2/members", 200,
                R"({"items":[{"user_id":7,"username":"alice","role":"viewer"}],"total":1})");
  transport_.On("PATCH", "/api/v1/teams/2/members/7", 200,
                R"({"user_id":7,"username":"alice","role":"owner"})");
  transport_.On("DELETE", "/api/v1/teams/2/members/7", 204, "");
  ASSERT_EQ(Run({"team", "member", "set-role", "analytics", "alice", "owner"}), 0) << Err();
  EXPECT_EQ(Json::parse(transport_.last().body), Json({{"role", "owner"}}));
  EXPECT_EQ(Out(), "alice is now owner in team analytics.\n");

  ASSERT_EQ(Run({"team", "member", "remove", "analytics", "alice"}), 0) << Err();
  EXPECT_EQ(transport_.last().method, "DELETE");
  EXPECT_EQ(transport_.last().url, std::string(kServer) + "/api/v1/teams/2/members/7");

  EXPECT_EQ(Run({"team", "member", "remove", "analytics", "bob"}), kExitApiError);
  EXPECT_EQ(Err(), "error: 'bob' is not a member of team analytics (MEMBER_NOT_FOUND)\n");
}

TEST_F(CliCommands, MemberListTable) {
  SaveLogin();
  transport_.On(
      "GET", "/api/v1/teams/2/members", 200,
      R"({"items":[{"user_id":7,"username":"alice","display_name":"Alice","role":"viewer","created_at":"2026-11-24T23:59:00.000Z"}],"total":1})");
  ASSERT_EQ(Run({"team", "member", "list", "2"}), 0) << Err();
  EXPECT_EQ(Out(),
            "USER ID  USERNAME  NAME   ROLE    SINCE\n"
            "7        alice     Alice  viewer  1 minute ago\n");
}

// ---- API tokens

const char* kCreatedToken = R"({"id":5,"name":"ci","team_id":2,"prefix":"sla_AbCd",
  "created_at":"2026-11-25T00:00:00.000Z","expires_at":null,"token":"sla_AbCdTHE-SECRET"})";

TEST_F(CliCommands, TokenCreatePrintsTheSecretAloneOnStdout) {
  SaveLogin();
  transport_.On("GET", "/api/v1/teams", 200, kTeams);
  transport_.On("POST", "/api/v1/tokens", 201, kCreatedToken);
  ASSERT_EQ(Run({"token", "create", "--name", "ci", "--team", "analytics"}), 0) << Err();
  EXPECT_EQ(Json::parse(transport_.last().body), Json({{"name", "ci"}, {"team_id", 2}}));
  EXPECT_EQ(Out(), "sla_AbCdTHE-SECRET\n");
  EXPECT_EQ(Err(),
            "Created API token 5 ('ci') for team analytics; it expires never.\n"
            "This is the only time the secret is shown; store it now:\n");
}

TEST_F(CliCommands, TokenCreateJsonAndExpiry) {
  SaveLogin();
  transport_.On("POST", "/api/v1/tokens", 201, kCreatedToken);
  ASSERT_EQ(Run({"token", "create", "--name", "ci", "--team", "2", "--expires-at",
                 "2027-01-31T00:00:00Z", "-o", "json"}),
            0)
      << Err();
  EXPECT_EQ(Json::parse(transport_.last().body)["expires_at"], "2027-01-31T00:00:00Z");
  EXPECT_EQ(Json::parse(Out()), Json::parse(kCreatedToken));

  EXPECT_EQ(Run({"token", "create", "--name", "ci", "--team", "2", "--expires-at", "tomorrow"}),
            kExitUsage);
  EXPECT_NE(Err().find("RFC 3339"), std::string::npos);
}

TEST_F(CliCommands, TokenListShowsPrefixesAndStatuses) {
  SaveLogin();
  transport_.On("GET", "/api/v1/tokens", 200, R"({"items":[
    {"id":5,"name":"ci","team_id":2,"user_id":1,"username":"admin","prefix":"sla_AbCd","created_at":"2026-11-24T00:00:00.000Z","expires_at":null,"last_used_at":null,"revoked_at":null},
    {"id":4,"name":"old","team_id":1,"user_id":1,"username":"admin","prefix":"sla_XyZw","created_at":"2026-10-01T00:00:00.000Z","expires_at":"2026-11-01T00:00:00.000Z","last_used_at":"2026-10-31T23:00:00.000Z","revoked_at":null},
    {"id":3,"name":"gone","team_id":1,"user_id":1,"username":"admin","prefix":"sla_Qq11","created_at":"2026-10-01T00:00:00.000Z","expires_at":null,"last_used_at":null,"revoked_at":"2026-11-24T00:00:00.000Z"}],"total":3})");
  ASSERT_EQ(Run({"token", "list"}), 0) << Err();
  EXPECT_EQ(Out(),
            "ID  NAME  TEAM ID  PREFIX    CREATED       EXPIRES      LAST USED    STATUS\n"
            "5   ci    2        sla_AbCd  24 hours ago  never        never        active\n"
            "4   old   1        sla_XyZw  2026-10-01    24 days ago  24 days ago  expired\n"
            "3   gone  1        sla_Qq11  2026-10-01    never        never        revoked\n");
  ASSERT_EQ(Run({"token", "list", "--all"}), 0) << Err();
  EXPECT_EQ(FakeHttpClient::QueryOf(transport_.last().url), "all=1");
  EXPECT_NE(Out().find("USER"), std::string::npos);
}

TEST_F(CliCommands, TokenRevoke) {
  SaveLogin();
  transport_.On("DELETE", "/api/v1/tokens/5", 204, "");
  ASSERT_EQ(Run({"token", "revoke", "5"}), 0) << Err();
  EXPECT_EQ(transport_.last().method, "DELETE");
  EXPECT_EQ(Out(), "Revoked API token 5.\n");
  EXPECT_EQ(Run({"token", "revoke", "five"}), kExitUsage);
}

// ---- secrets never leak

TEST_F(CliCommands, TheSavedTokenAppearsInNoOutput) {
  SaveLogin();
  transport_.On("GET", "/api/v1/me", 200, kMe);
  transport_.On("GET", "/api/v1/teams", 200, kTeams);
  transport_.On("GET", "/api/v1/users", 401,
                ErrorBody("TOKEN_EXPIRED", "the token has expired", "x"));
  for (auto args : std::vector<std::vector<std::string>>{{"whoami"},
                                                         {"whoami", "-o", "json"},
                                                         {"team", "list"},
                                                         {"user", "list"},
                                                         {"team", "show", "nope"}}) {
    Run(args);
    EXPECT_EQ(Out().find(kSavedToken), std::string::npos) << args[0];
    EXPECT_EQ(Err().find(kSavedToken), std::string::npos) << args[0];
  }
}

TEST_F(CliCommands, UsageErrorsExitTwoAndHelpExitsZero) {
  EXPECT_EQ(Run({"user"}), kExitUsage);  // a subcommand is required
  EXPECT_EQ(Run({"user", "list", "--output", "xml"}), kExitUsage);
  EXPECT_EQ(Run({"team", "create"}), kExitUsage);
  EXPECT_EQ(Run({"whoami", "--bogus"}), kExitUsage);
  EXPECT_EQ(Run({"token", "--help"}), 0);
  EXPECT_NE(Out().find("create"), std::string::npos);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST(CliParseId, DigitsOnly) {
  EXPECT_EQ(ParseId("42"), 42);
  EXPECT_EQ(ParseId("0"), std::nullopt);
  EXPECT_EQ(ParseId("4a"), std::nullopt);
  EXPECT_EQ(ParseId(""), std::nullopt);
  EXPECT_EQ(ParseId("9999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace sluice::cli
