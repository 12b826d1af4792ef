#include "system/authenticator.h"

#include <gtest/gtest.h>

#include "system/system_test_fixture.h"

namespace sluice::system {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::kUserPassword;

class AuthenticatorTest : public testing::SystemTest {
 protected:
  Authenticator& auth() { return module_->authenticator(); }
  Result<Principal> As(const std::string& token) { return auth().Authenticate("Bearer " + token); }
  std::optional<int64_t> LastUsed(int64_t token_id) {
    auto rows =
        db_->Query("SELECT last_used_at FROM tokens WHERE id = ?", {store::Value(token_id)});
    return rows->OptionalInt(0, "last_used_at");
  }
};

TEST_F(AuthenticatorTest, LoginOpensASessionThatAuthenticates) {
  int64_t id = AddUser("alice");
  auto login = auth().Login("alice", kUserPassword, "10.0.0.1");
  ASSERT_TRUE(login.ok()) << login.error().message;
  EXPECT_EQ(login->token.substr(0, 4), "sls_");
  EXPECT_EQ(login->expires_at, clock_.Now() + hours(12));
  EXPECT_EQ(login->user["id"], id);
  EXPECT_FALSE(login->user.contains("password_hash"));
  // Only the hash is stored.
  EXPECT_EQ(CountRows("tokens", "token_hash = '" + HashToken(login->token) + "'"), 1);
  auto rows = db_->Query("SELECT token_hash, prefix FROM tokens");
  for (size_t i = 0; i < rows->size(); ++i) EXPECT_NE(rows->Text(i, "token_hash"), login->token);

  auto principal = As(login->token);
  ASSERT_TRUE(principal.ok()) << principal.error().message;
  EXPECT_EQ(principal->user_id, id);
  EXPECT_EQ(principal->username, "alice");
  EXPECT_FALSE(principal->is_admin);
  EXPECT_EQ(principal->token_kind, TokenKind::kSession);
  EXPECT_FALSE(principal->token_team_id.has_value());
  // The scheme is case-insensitive.
  EXPECT_TRUE(auth().Authenticate("bearer " + login->token).ok());
}

TEST_F(AuthenticatorTest, WrongPasswordUnknownUserAndDisabledUserAnswerAlike) {
  AddUser("alice");
  int64_t bob = AddUser("bob");
  ASSERT_TRUE(db_->Query("UPDATE users SET disabled = 1 WHERE id = ?", {store::Value(bob)}).ok());
  for (auto [name, password] : {std::pair{"alice", "wrong-password"},
                                {"nobody", "wrong-password"},
                                {"bob", kUserPassword}}) {
    auto login = auth().Login(name, password, "10.0.0.1");
    ASSERT_FALSE(login.ok()) << name;
    EXPECT_EQ(login.error().code, ErrorCode::INVALID_CREDENTIALS) << name;
    EXPECT_EQ(login.error().message, "wrong user name or password") << name;
  }
}

TEST_F(AuthenticatorTest, MissingMalformedAndUnknownTokensAreUnauthenticated) {
  for (const std::string& header :
       std::vector<std::string>{"", "Bearer", "Bearer ", "Basic YWRtaW46eA==", "sls_abc",
                                "Bearer sls_unknown", "Bearer " + std::string(300, 'x')}) {
    auto principal = auth().Authenticate(header);
    ASSERT_FALSE(principal.ok()) << header;
    EXPECT_EQ(principal.error().code, ErrorCode::UNAUTHENTICATED) << header;
  }
  EXPECT_EQ(auth().Authenticate("Bearer sls_unknown").error().message, "invalid token");
}

TEST_F(AuthenticatorTest, SessionsExpire) {
  AddUser("alice");
  std::string token = auth().Login("alice", kUserPassword, "")->token;
  clock_.Advance(hours(12) - seconds(1));
  EXPECT_TRUE(As(token).ok());
  clock_.Advance(seconds(1));
  EXPECT_EQ(As(token).error().code, ErrorCode::TOKEN_EXPIRED);
}

TEST_F(AuthenticatorTest, RevokedTokensAndDisabledUsersAreRefused) {
  int64_t id = AddUser("alice");
  std::string token = auth().Login("alice", kUserPassword, "")->token;
  int64_t token_id = As(token)->token_id;
  ASSERT_TRUE(auth().Revoke(token_id).ok());
  ASSERT_TRUE(auth().Revoke(token_id).ok()) << "idempotent";
  EXPECT_EQ(As(token).error().code, ErrorCode::TOKEN_REVOKED);

  std::string second = auth().Login("alice", kUserPassword, "")->token;
  ASSERT_TRUE(db_->Query("UPDATE users SET disabled = 1 WHERE id = ?", {store::Value(id)}).ok());
  EXPECT_EQ(As(second).error().code, ErrorCode::UNAUTHENTICATED);
}

TEST_F(AuthenticatorTest, LastUseIsWrittenAtMostOnceAMinute) {
  AddUser("alice");
  std::string token = auth().Login("alice", kUserPassword, "")->token;
  int64_t token_id = As(token)->token_id;
  int64_t first = LastUsed(token_id).value();
  EXPECT_EQ(first, ToUnixMillis(clock_.Now()));
  clock_.Advance(seconds(30));
  ASSERT_TRUE(As(token).ok());
  EXPECT_EQ(LastUsed(token_id), first) << "not rewritten within the minute";
  clock_.Advance(seconds(31));
  ASSERT_TRUE(As(token).ok());
  EXPECT_EQ(LastUsed(token_id), ToUnixMillis(clock_.Now()));
}

TEST_F(AuthenticatorTest, ThrottlingAnswers429EvenForTheRightPasswordUntilTheLockoutPasses) {
  AddUser("alice");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(auth().Login("alice", "wrong-password", "10.0.0.1").error().code,
              ErrorCode::INVALID_CREDENTIALS);
  }
  EXPECT_EQ(auth().Login("alice", kUserPassword, "10.0.0.9").error().code,
            ErrorCode::TOO_MANY_ATTEMPTS);
  clock_.Advance(seconds(300));
  EXPECT_TRUE(auth().Login("alice", kUserPassword, "10.0.0.9").ok());
}

TEST_F(AuthenticatorTest, ApiTokensActOnlyInTheirTeamAndNeverAsAdmin) {
  int64_t boss = AddUser("boss", /*is_admin=*/true);
  int64_t dev = AddUser("dev");
  int64_t team_a = AddTeam("a");
  int64_t team_b = AddTeam("b");
  AddMember(team_a, dev, "developer");
  AddMember(team_b, dev, "owner");
  auto make = [&](int64_t user, int64_t team) {
    NewToken token = GenerateToken(TokenKind::kApi);
    EXPECT_TRUE(db_->Query("INSERT INTO tokens (user_id, kind, name, team_id, token_hash, prefix, "
                           "created_at) VALUES (?, 'api', 't', ?, ?, ?, 0)",
                           {store::Value(user), store::Value(team), store::Value(token.hash),
                            store::Value(token.prefix)})
                    .ok());
    return token.secret;
  };
  auto dev_a = As(make(dev, team_a));
  ASSERT_TRUE(dev_a.ok());
  EXPECT_EQ(dev_a->token_kind, TokenKind::kApi);
  EXPECT_EQ(dev_a->token_team_id, team_a);
  EXPECT_EQ(dev_a->roles, (std::map<int64_t, Role>{{team_a, Role::kDeveloper}}))
      << "team b, where the user is an owner, is invisible to the token";

  auto boss_a = As(make(boss, team_a));
  ASSERT_TRUE(boss_a.ok());
  EXPECT_FALSE(boss_a->is_admin);
  EXPECT_EQ(boss_a->roles, (std::map<int64_t, Role>{{team_a, Role::kOwner}}));
}

}  // namespace
}  // namespace sluice::system
