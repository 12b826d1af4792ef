#include "system/authorizer.h"

#include <fmt/format.h>

namespace sluice::system {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kDeveloper:
      return "developer";
    case Role::kOwner:
      return "owner";
  }
  return "viewer";
}

std::optional<Role> RoleFromName(std::string_view name) {
  if (name == "viewer") return Role::kViewer;
  if (name == "developer") return Role::kDeveloper;
  if (name == "owner") return Role::kOwner;
  return std::nullopt;
}

std::optional<Role> Principal::RoleIn(int64_t team_id) const {
  auto it = roles.find(team_id);
  if (it == roles.end()) return std::nullopt;
  return it->second;
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kView:
      return "view";
    case Action::kEdit:
      return "edit";
    case Action::kOperate:
      return "operate";
    case Action::kManageTeam:
      return "manage the team";
    case Action::kAdmin:
      return "administer";
  }
  return "act";
}

namespace {
Role MinimumRole(Action action) {
  switch (action) {
    case Action::kView:
      return Role::kViewer;
    case Action::kEdit:
    case Action::kOperate:
      return Role::kDeveloper;
    case Action::kManageTeam:
    case Action::kAdmin:
      return Role::kOwner;
  }
  return Role::kOwner;
}
}  // namespace

Status Authorize(const Principal& principal, Action action, std::optional<int64_t> team_id,
                 const Error& hidden) {
  if (principal.is_admin) return Status::Ok();
  if (action == Action::kAdmin) {
    return Error(ErrorCode::FORBIDDEN, "this needs a Sluice administrator");
  }
  if (!team_id) return Error(ErrorCode::FORBIDDEN, "this needs a Sluice administrator");
  std::optional<Role> role = principal.RoleIn(*team_id);
  if (!role) return hidden;
  if (static_cast<int>(*role) < static_cast<int>(MinimumRole(action))) {
    return Error(ErrorCode::FORBIDDEN,
                 fmt::format("your role in this team ({}) may not {}; ask a team owner",
                             RoleName(*role), ActionName(action)));
  }
  return Status::Ok();
}

}  // namespace sluice::system
