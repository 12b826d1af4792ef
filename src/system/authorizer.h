// Who may do what: the one place permission decisions are made.
//
// Roles: `admin` is system-wide and may do everything. In a team, `owner` may do everything in
// that team including its membership; `developer` may view, edit and operate (deploy, stop);
// `viewer` may only view. Someone with no role in a team cannot tell its objects exist: the caller
// passes the "not found" error to answer with, so another team's ids look like missing ones.
//
// API tokens act as their user within the token's team only, and never with admin powers: a
// token handed to a CI pipeline must not be able to manage people or see other teams. (An
// administrator's API token acts as an owner of its one team: what the administrator could do
// there, and nothing system-wide.) The Authenticator builds Principal::roles accordingly, so this
// file needs no special case for tokens.
//
// Matrix (OK, F = FORBIDDEN, H = the caller's hidden/not-found error):
//              view  edit  operate  manage-team  admin
//   admin       OK    OK     OK         OK        OK
//   owner       OK    OK     OK         OK        F
//   developer   OK    OK     OK         F         F
//   viewer      OK    F      F          F         F
//   no role     H     H      H          H         F
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "system/credentials.h"

namespace sluice::system {

enum class Role { kViewer = 1, kDeveloper = 2, kOwner = 3 };
std::string_view RoleName(Role role);
std::optional<Role> RoleFromName(std::string_view name);

struct Principal {
  int64_t user_id = 0;
  std::string username;
  bool is_admin = false;  // effective: false for API tokens even when the user is an admin
  TokenKind token_kind = TokenKind::kSession;
  int64_t token_id = 0;
  std::optional<int64_t> token_team_id;  // API tokens: the one team they act in
  std::optional<TimePoint> token_expires_at;
  std::map<int64_t, Role> roles;  // team id -> role (API tokens: only their team)

  std::optional<Role> RoleIn(int64_t team_id) const;
};

enum class Action {
  kView,        // read a team's objects
  kEdit,        // create or change a team's objects (apps, resources, variables)
  kOperate,     // deploy, stop, savepoint
  kManageTeam,  // change the team itself and its members
  kAdmin,       // system-wide: users, teams, audit
};
std::string_view ActionName(Action action);

// OK when `principal` may do `action` (in `team_id` for team actions). Otherwise: `hidden` when
// the principal has no role in the team (pass the area's NOT_FOUND error), FORBIDDEN when the role
// is too low or the action needs an admin.
Status Authorize(const Principal& principal, Action action, std::optional<int64_t> team_id,
                 const Error& hidden);

}  // namespace sluice::system
