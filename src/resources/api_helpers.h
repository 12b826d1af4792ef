// Pieces shared by the resources area's routes (internal to src/resources).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/message.h"
#include "store/database.h"
#include "system/authorizer.h"

namespace sluice::resources {

// What a team id the caller may not see answers: the same as a team that does not exist.
Error TeamHidden(int64_t team_id);

// The WHERE clause of a team-scoped list: the caller's teams (all for admins) and the optional
// ?team_id= filter. nullopt when the caller is in no team (the list is empty).
// INVALID_ARGUMENT for a team_id that is not an id.
Result<std::optional<std::string>> TeamScope(const system::Principal& principal,
                                             const http::Request& request,
                                             std::vector<store::Value>& params);

// The bytes of a user's text in a message, clipped (http::Echo).
std::string Shown(std::string_view text);

}  // namespace sluice::resources
