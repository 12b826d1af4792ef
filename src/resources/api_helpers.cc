#include "resources/api_helpers.h"

#include <fmt/format.h>

#include <cstdlib>

#include "http/answers.h"

namespace sluice::resources {

Error TeamHidden(int64_t team_id) {
  return Error(ErrorCode::TEAM_NOT_FOUND, fmt::format("no team with id {}", team_id), "team_id");
}

Result<std::optional<std::string>> TeamScope(const system::Principal& principal,
                                             const http::Request& request,
                                             std::vector<store::Value>& params) {
  std::string where = " WHERE 1 = 1";
  if (!principal.is_admin) {
    if (principal.roles.empty()) return std::optional<std::string>();
    std::string teams;
    for (const auto& [team, role] : principal.roles) {
      teams += teams.empty() ? "?" : ", ?";
      params.emplace_back(team);
    }
    where += " AND team_id IN (" + teams + ")";
  }
  if (auto team = request.Query("team_id")) {
    char* end = nullptr;
    long long id = std::strtoll(team->c_str(), &end, 10);
    if (team->empty() || *end != '\0' || id <= 0) {
      return Error(ErrorCode::INVALID_ARGUMENT, "'team_id' must be a team id", "team_id");
    }
    where += " AND team_id = ?";
    params.emplace_back(static_cast<int64_t>(id));
  }
  return std::optional<std::string>(where);
}

std::string Shown(std::string_view text) { return http::Echo(text); }

}  // namespace sluice::resources
