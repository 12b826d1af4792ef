// The people routes: login and logout, /me, users, teams, members, API tokens and the audit log.
// Contract: docs/api.md and the OpenAPI document; permission rules: authorizer.h.
#pragma once

#include "common/clock.h"
#include "http/router.h"
#include "store/database.h"
#include "system/api_guard.h"
#include "system/authenticator.h"

namespace sluice::system {

class PeopleApi {
 public:
  // All references must outlive the routes.
  PeopleApi(store::Database& database, const Clock& clock, Authenticator& authenticator,
            const ApiGuard& guard)
      : database_(database), clock_(clock), authenticator_(authenticator), guard_(guard) {}

  void Register(http::Router& router);

 private:
  using Answer = Result<http::Response>;
  Answer Login(http::Request& request);
  Answer Logout(http::Request& request, const Principal& principal);
  Answer Me(http::Request& request, const Principal& principal);
  Answer ChangeOwnPassword(http::Request& request, const Principal& principal);
  Answer ListUsers(http::Request& request, const Principal& principal);
  Answer CreateUser(http::Request& request, const Principal& principal);
  Answer GetUser(http::Request& request, const Principal& principal);
  Answer UpdateUser(http::Request& request, const Principal& principal);
  Answer DeleteUser(http::Request& request, const Principal& principal);
  Answer ListTeams(http::Request& request, const Principal& principal);
  Answer CreateTeam(http::Request& request, const Principal& principal);
  Answer GetTeam(http::Request& request, const Principal& principal);
  Answer UpdateTeam(http::Request& request, const Principal& principal);
  Answer DeleteTeam(http::Request& request, const Principal& principal);
  Answer ListMembers(http::Request& request, const Principal& principal);
  Answer AddMember(http::Request& request, const Principal& principal);
  Answer UpdateMember(http::Request& request, const Principal& principal);
  Answer RemoveMember(http::Request& request, const Principal& principal);
  Answer ListTokens(http::Request& request, const Principal& principal);
  Answer CreateToken(http::Request& request, const Principal& principal);
  Answer DeleteToken(http::Request& request, const Principal& principal);
  Answer ListAudit(http::Request& request, const Principal& principal);

  Result<Json> LoadUser(int64_t id);
  Result<Json> LoadTeam(int64_t id, const Principal& principal);

  store::Database& database_;
  const Clock& clock_;
  Authenticator& authenticator_;
  const ApiGuard& guard_;
};

// Input rules, exposed for tests. INVALID_ARGUMENT naming `field` when broken.
Status ValidateUsername(std::string_view name, std::string_view field = "username");
Status ValidateTeamName(std::string_view name, std::string_view field = "name");
Status ValidateText(std::string_view text, size_t max, std::string_view field);

}  // namespace sluice::system
