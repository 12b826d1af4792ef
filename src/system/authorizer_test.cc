#include "system/authorizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::system {
namespace {

constexpr int64_t kTeam = 7;
constexpr int64_t kOtherTeam = 8;

// Expected answers.
enum class Want { kOk, kForbidden, kHidden };

Principal Member(std::optional<Role> role, bool admin = false) {
  Principal p;
  p.user_id = 42;
  p.username = "someone";
  p.is_admin = admin;
  if (role) p.roles[kTeam] = *role;
  return p;
}

// An API token of a user who is an owner of both teams, scoped to kOtherTeam: the Authenticator
// leaves only that team in `roles` and never sets is_admin.
Principal TokenForOtherTeam() {
  Principal p = Member(std::nullopt);
  p.token_kind = TokenKind::kApi;
  p.token_team_id = kOtherTeam;
  p.roles[kOtherTeam] = Role::kOwner;
  return p;
}

struct Case {
  std::string who;
  Principal principal;
  // view, edit, operate, manage team, admin
  std::vector<Want> want;
};

TEST(Authorize, TheFullMatrix) {
  const Want O = Want::kOk, F = Want::kForbidden, H = Want::kHidden;
  const std::vector<Action> actions = {Action::kView, Action::kEdit, Action::kOperate,
                                       Action::kManageTeam, Action::kAdmin};
  const std::vector<Case> cases = {
      {"admin (no role in the team)", Member(std::nullopt, true), {O, O, O, O, O}},
      {"admin who is also a viewer", Member(Role::kViewer, true), {O, O, O, O, O}},
      {"owner", Member(Role::kOwner), {O, O, O, O, F}},
      {"developer", Member(Role::kDeveloper), {O, O, O, F, F}},
      {"viewer", Member(Role::kViewer), {O, F, F, F, F}},
      {"non-member", Member(std::nullopt), {H, H, H, H, F}},
      {"API token of another team", TokenForOtherTeam(), {H, H, H, H, F}},
  };
  const Error hidden(ErrorCode::APP_NOT_FOUND, "no application with id 3");
  for (const Case& c : cases) {
    for (size_t i = 0; i < actions.size(); ++i) {
      SCOPED_TRACE(c.who + " / " + std::string(ActionName(actions[i])));
      Status status = Authorize(c.principal, actions[i], kTeam, hidden);
      switch (c.want[i]) {
        case Want::kOk:
          EXPECT_TRUE(status.ok());
          break;
        case Want::kForbidden:
          ASSERT_FALSE(status.ok());
          EXPECT_EQ(status.error().code, ErrorCode::FORBIDDEN);
          break;
        case Want::kHidden:
          ASSERT_FALSE(status.ok());
          EXPECT_EQ(status.error().code, ErrorCode::APP_NOT_FOUND) << "caller's error, as given";
          EXPECT_EQ(status.error().message, hidden.message);
          break;
      }
    }
  }
}

TEST(Authorize, TheTokenActsInItsOwnTeam) {
  Principal token = TokenForOtherTeam();
  Error hidden(ErrorCode::TEAM_NOT_FOUND, "no team");
  EXPECT_TRUE(Authorize(token, Action::kManageTeam, kOtherTeam, hidden).ok());
  EXPECT_EQ(Authorize(token, Action::kAdmin, kOtherTeam, hidden).error().code,
            ErrorCode::FORBIDDEN);
}

TEST(Authorize, TeamActionsWithoutATeamNeedAnAdmin) {
  Error hidden(ErrorCode::TEAM_NOT_FOUND, "no team");
  for (Action action : {Action::kView, Action::kEdit, Action::kManageTeam, Action::kAdmin}) {
    EXPECT_EQ(Authorize(Member(Role::kOwner), action, std::nullopt, hidden).error().code,
              ErrorCode::FORBIDDEN);
    EXPECT_TRUE(Authorize(Member(std::nullopt, true), action, std::nullopt, hidden).ok());
  }
}

TEST(Authorize, ForbiddenMessagesNameTheRoleButNoInternals) {
  Status status = Authorize(Member(Role::kViewer), Action::kOperate, kTeam, Error());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("viewer"), std::string::npos);
  EXPECT_TRUE(status.error().internal_detail.empty());
}

TEST(Roles, NamesRoundTripAndUnknownOnesAreRejected) {
  for (Role role : {Role::kViewer, Role::kDeveloper, Role::kOwner}) {
    EXPECT_EQ(RoleFromName(RoleName(role)), role);
  }
  EXPECT_FALSE(RoleFromName("admin").has_value()) << "admin is system-wide, not a team role";
  EXPECT_FALSE(RoleFromName("Owner").has_value());
  EXPECT_FALSE(RoleFromName("").has_value());
}

}  // namespace
}  // namespace sluice::system
