#include "system/people_api.h"

#include <fmt/format.h>

#include "http/answers.h"
#include "system/credentials.h"

namespace sluice::system {

using http::Created;
using http::Echo;
using http::ListOf;
using http::NoContent;
using http::ObjectWith;
using http::Ok;
using store::Value;

namespace {

Error InvalidField(std::string_view field, std::string message) {
  return Error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::string(field));
}

Error UserNotFound(int64_t id) {
  return Error(ErrorCode::USER_NOT_FOUND, fmt::format("no user with id {}", id));
}
Error TeamNotFound(int64_t id) {
  return Error(ErrorCode::TEAM_NOT_FOUND, fmt::format("no team with id {}", id));
}

// Turns STORE_UNIQUE_VIOLATION into the domain's "exists" error.
Error MapUnique(Error error, ErrorCode exists, std::string message, std::string field) {
  if (error.code == ErrorCode::STORE_UNIQUE_VIOLATION) {
    return Error(exists, std::move(message), std::move(field), std::move(error.internal_detail));
  }
  return error;
}

std::string LikePattern(std::string_view q) {
  std::string out = "%";
  for (char c : q) {
    if (c == '%' || c == '_' || c == '!') out.push_back('!');
    out.push_back(c);
  }
  return out + "%";
}

Json TeamJson(const store::Rows& rows, size_t i) {
  Json team = {{"id", rows.Int(i, "id")},
               {"name", rows.Text(i, "name")},
               {"description", rows.Text(i, "description")},
               {"created_at", FormatRfc3339(FromUnixMillis(rows.Int(i, "created_at")))}};
  if (rows.ColumnIndex("role") >= 0 && !rows.IsNull(i, "role")) team["role"] = rows.Text(i, "role");
  return team;
}

Json TokenJson(const store::Rows& rows, size_t i) {
  auto time_or_null = [&](std::string_view column) -> Json {
    auto v = rows.OptionalInt(i, column);
    return v ? Json(FormatRfc3339(FromUnixMillis(*v))) : Json();
  };
  return {{"id", rows.Int(i, "id")},
          {"name", rows.Text(i, "name")},
          {"team_id", rows.IsNull(i, "team_id") ? Json() : Json(rows.Int(i, "team_id"))},
          {"user_id", rows.Int(i, "user_id")},
          {"username", rows.Text(i, "username")},
          {"prefix", rows.Text(i, "prefix")},
          {"created_at", time_or_null("created_at")},
          {"expires_at", time_or_null("expires_at")},
          {"last_used_at", time_or_null("last_used_at")},
          {"revoked_at", time_or_null("revoked_at")}};
}

const Json kUserSchema = {{"type", "object"},
                          {"properties",
                           {{"id", {{"type", "integer"}}},
                            {"username", {{"type", "string"}}},
                            {"display_name", {{"type", "string"}}},
                            {"email", {{"type", "string"}}},
                            {"is_admin", {{"type", "boolean"}}},
                            {"disabled", {{"type", "boolean"}}},
                            {"created_at", {{"type", "string"}, {"format", "date-time"}}}}}};
const Json kTeamSchema = {{"type", "object"},
                          {"properties",
                           {{"id", {{"type", "integer"}}},
                            {"name", {{"type", "string"}}},
                            {"description", {{"type", "string"}}},
                            {"role", {{"type", "string"}}}}}};

}  // namespace

Status ValidateUsername(std::string_view name, std::string_view field) {
  bool ok = !name.empty() && name.size() <= 64;
  for (size_t i = 0; ok && i < name.size(); ++i) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    ok = alnum || (i > 0 && (c == '.' || c == '_' || c == '-'));
  }
  if (!ok) {
    return InvalidField(field,
                        "a user name has 1 to 64 characters: lower-case letters, digits, and "
                        "'.', '_' or '-' after the first");
  }
  return Status::Ok();
}

Status ValidateTeamName(std::string_view name, std::string_view field) {
  bool ok = !name.empty() && name.size() <= 64;
  for (size_t i = 0; ok && i < name.size(); ++i) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    ok = alnum || (i > 0 && (c == '.' || c == '_' || c == '-' || c == ' '));
  }
  if (!ok) {
    return InvalidField(field,
                        "a team name has 1 to 64 characters: letters, digits, and '.', '_', "
                        "'-' or spaces after the first");
  }
  return Status::Ok();
}

Status ValidateText(std::string_view text, size_t max, std::string_view field) {
  if (text.size() > max) {
    return InvalidField(field, fmt::format("field '{}' has more than {} characters", field, max));
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return InvalidField(field, fmt::format("field '{}' contains control characters", field));
    }
  }
  return Status::Ok();
}

// ---- reads shared by several routes

Result<Json> PeopleApi::LoadUser(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(store::Rows rows, database_.Query("SELECT " + std::string(kUserColumns) +
                                                                " FROM users WHERE id = ?",
                                                            {Value(id)}));
  if (rows.empty()) return UserNotFound(id);
  return UserJson(rows, 0);
}

Result<Json> PeopleApi::LoadTeam(int64_t id, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kView, id, TeamNotFound(id)));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT id, name, description, created_at FROM teams WHERE id = ?",
                      {Value(id)}));
  if (rows.empty()) return TeamNotFound(id);
  Json team = TeamJson(rows, 0);
  if (auto role = principal.RoleIn(id)) team["role"] = RoleName(*role);
  return team;
}

namespace {

// The last-administrator rule, for transactions that may demote, disable or delete one: call
// LockAdministrators first and AdministratorRemains after the change. The no-op UPDATE takes the
// row locks of every administrator, so two administrators demoting each other at the same moment
// are serialised on PostgreSQL and MySQL (on SQLite a write transaction is serial already) and the
// second one sees the first one's change when it counts.
Status LockAdministrators(store::Connection& c) {
  SLUICE_RETURN_IF_ERROR(c.Query("UPDATE users SET is_admin = 1 WHERE is_admin = 1"));
  return Status::Ok();
}

// LAST_ADMIN (which rolls the transaction back) when no enabled administrator is left.
Status AdministratorRemains(store::Connection& c) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      c.Query("SELECT COUNT(*) AS n FROM users WHERE is_admin = 1 AND disabled = 0"));
  if (rows.Int(0, "n") == 0) {
    return Error(ErrorCode::LAST_ADMIN,
                 "this is the last enabled administrator; make another user an administrator "
                 "first");
  }
  return Status::Ok();
}

}  // namespace

// ---- auth and me

PeopleApi::Answer PeopleApi::Login(http::Request& request) {
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"username", "password"}));
  SLUICE_ASSIGN_OR_RETURN(std::string username, RequireString(body, "username"));
  SLUICE_ASSIGN_OR_RETURN(std::string password, RequireString(body, "password"));
  if (username.size() > 64 || password.size() > 256) {
    return Error(ErrorCode::INVALID_CREDENTIALS, "wrong user name or password");
  }
  SLUICE_ASSIGN_OR_RETURN(LoginResult result,
                          authenticator_.Login(username, password, request.client_ip));
  http::Response response = Ok({{"token", result.token},
                                {"expires_at", FormatRfc3339(result.expires_at)},
                                {"user", result.user}},
                               fmt::format("user:{}", result.user["id"].get<int64_t>()));
  return response;
}

PeopleApi::Answer PeopleApi::Logout(http::Request&, const Principal& principal) {
  if (principal.token_kind != TokenKind::kSession) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 "logout ends a login session; revoke an API token with DELETE "
                 "/api/v1/tokens/{id}");
  }
  SLUICE_RETURN_IF_ERROR(authenticator_.Revoke(principal.token_id));
  return NoContent(fmt::format("token:{}", principal.token_id));
}

PeopleApi::Answer PeopleApi::Me(http::Request&, const Principal& principal) {
  // One indexed query (users by key, team_members by user): this route is on every console page.
  std::string sql =
      "SELECT u.id, u.username, u.display_name, u.email, u.is_admin, u.disabled, u.created_at, "
      "u.updated_at, t.id AS team_id, t.name AS team_name";
  std::vector<Value> params;
  if (principal.token_team_id) {
    // An API token sees its one team, with the role it acts with there (Principal::roles).
    sql += " FROM users u LEFT JOIN teams t ON t.id = ? WHERE u.id = ?";
    params = {Value(*principal.token_team_id), Value(principal.user_id)};
  } else {
    sql +=
        ", m.role FROM users u LEFT JOIN team_members m ON m.user_id = u.id "
        "LEFT JOIN teams t ON t.id = m.team_id WHERE u.id = ? ORDER BY t.name";
    params = {Value(principal.user_id)};
  }
  SLUICE_ASSIGN_OR_RETURN(store::Rows rows, database_.Query(sql, params));
  if (rows.empty()) return UserNotFound(principal.user_id);
  Json user = UserJson(rows, 0);
  Json team_list = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows.IsNull(i, "team_id")) continue;
    int64_t team_id = rows.Int(i, "team_id");
    std::string role;
    if (principal.token_team_id) {
      auto effective = principal.RoleIn(team_id);
      if (!effective) continue;  // no longer a member: the token can do nothing
      role = RoleName(*effective);
    } else {
      role = rows.Text(i, "role");
    }
    team_list.push_back({{"id", team_id}, {"name", rows.Text(i, "team_name")}, {"role", role}});
  }
  user["teams"] = team_list;
  // An API token of an admin does not act as an admin; say so.
  user["is_admin"] = principal.is_admin;
  user["token"] = {
      {"kind", TokenKindName(principal.token_kind)},
      {"expires_at",
       principal.token_expires_at ? Json(FormatRfc3339(*principal.token_expires_at)) : Json()},
      {"team_id", principal.token_team_id ? Json(*principal.token_team_id) : Json()}};
  return Ok(user);
}

PeopleApi::Answer PeopleApi::ChangeOwnPassword(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"current_password", "new_password"}));
  SLUICE_ASSIGN_OR_RETURN(std::string current, RequireString(body, "current_password"));
  SLUICE_ASSIGN_OR_RETURN(std::string fresh, RequireString(body, "new_password"));
  SLUICE_RETURN_IF_ERROR(CheckPasswordPolicy(fresh, "new_password"));
  if (principal.token_kind != TokenKind::kSession) {
    return Error(ErrorCode::FORBIDDEN, "an API token cannot change its user's password");
  }
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT password_hash FROM users WHERE id = ?", {Value(principal.user_id)}));
  if (rows.empty() || !VerifyPassword(current, rows.Text(0, "password_hash"))) {
    return InvalidField("current_password", "the current password is wrong");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string hash, HashPassword(fresh));
  int64_t now = ToUnixMillis(clock_.Now());
  SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(
        c.Query("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                {Value(hash), Value(now), Value(principal.user_id)}));
    // Other sessions end: whoever else knew the old password is logged out.
    SLUICE_RETURN_IF_ERROR(c.Query(
        "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND kind = 'session' AND id <> ? "
        "AND revoked_at IS NULL",
        {Value(now), Value(principal.user_id), Value(principal.token_id)}));
    return Status::Ok();
  }));
  return NoContent(fmt::format("user:{}", principal.user_id));
}

// ---- users

PeopleApi::Answer PeopleApi::ListUsers(http::Request& request, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  std::string where;
  std::vector<Value> params;
  if (auto q = request.Query("q"); q && !q->empty()) {
    SLUICE_RETURN_IF_ERROR(ValidateText(*q, 64, "q"));
    where = " WHERE username LIKE ? ESCAPE '!' OR display_name LIKE ? ESCAPE '!'";
    params = {Value(LikePattern(*q)), Value(LikePattern(*q))};
  }
  SLUICE_ASSIGN_OR_RETURN(store::Rows count,
                          database_.Query("SELECT COUNT(*) AS n FROM users" + where, params));
  params.emplace_back(page.limit);
  params.emplace_back(page.offset);
  SLUICE_ASSIGN_OR_RETURN(store::Rows rows,
                          database_.Query("SELECT " + std::string(kUserColumns) + " FROM users" +
                                              where + " ORDER BY id LIMIT ? OFFSET ?",
                                          params));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) items.push_back(UserJson(rows, i));
  return Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

PeopleApi::Answer PeopleApi::CreateUser(http::Request& request, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(
      RejectUnknownFields(body, {"username", "password", "display_name", "email", "is_admin"}));
  SLUICE_ASSIGN_OR_RETURN(std::string username, RequireString(body, "username"));
  SLUICE_ASSIGN_OR_RETURN(std::string password, RequireString(body, "password"));
  SLUICE_ASSIGN_OR_RETURN(auto display_name, OptionalString(body, "display_name"));
  SLUICE_ASSIGN_OR_RETURN(auto email, OptionalString(body, "email"));
  SLUICE_ASSIGN_OR_RETURN(auto is_admin, OptionalBool(body, "is_admin"));
  SLUICE_RETURN_IF_ERROR(ValidateUsername(username));
  SLUICE_RETURN_IF_ERROR(CheckPasswordPolicy(password));
  SLUICE_RETURN_IF_ERROR(ValidateText(display_name.value_or(""), 255, "display_name"));
  SLUICE_RETURN_IF_ERROR(ValidateText(email.value_or(""), 255, "email"));
  SLUICE_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  int64_t now = ToUnixMillis(clock_.Now());
  auto inserted = database_.Query(
      "INSERT INTO users (username, display_name, email, password_hash, is_admin, disabled, "
      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id",
      {Value(username), Value(display_name.value_or("")), Value(email.value_or("")), Value(hash),
       Value(int64_t{is_admin.value_or(false) ? 1 : 0}), Value(now), Value(now)});
  if (!inserted.ok()) {
    return MapUnique(std::move(inserted).error(), ErrorCode::USER_EXISTS,
                     fmt::format("a user named '{}' already exists", Echo(username)), "username");
  }
  int64_t id = inserted->Int(0, "id");
  SLUICE_ASSIGN_OR_RETURN(Json user, LoadUser(id));
  return Created(user, fmt::format("user:{}", id));
}

PeopleApi::Answer PeopleApi::GetUser(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  if (id != principal.user_id) {
    SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  }
  SLUICE_ASSIGN_OR_RETURN(Json user, LoadUser(id));
  return Ok(user);
}

PeopleApi::Answer PeopleApi::UpdateUser(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  std::string target = fmt::format("user:{}", id);
  bool self = id == principal.user_id;
  if (!self) SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(
      RejectUnknownFields(body, {"display_name", "email", "password", "is_admin", "disabled"}));
  SLUICE_ASSIGN_OR_RETURN(auto display_name, OptionalString(body, "display_name"));
  SLUICE_ASSIGN_OR_RETURN(auto email, OptionalString(body, "email"));
  SLUICE_ASSIGN_OR_RETURN(auto password, OptionalString(body, "password"));
  SLUICE_ASSIGN_OR_RETURN(auto is_admin, OptionalBool(body, "is_admin"));
  SLUICE_ASSIGN_OR_RETURN(auto disabled, OptionalBool(body, "disabled"));
  if ((password || is_admin || disabled) && !principal.is_admin) {
    return Error(ErrorCode::FORBIDDEN,
                 "only an administrator may change a password, admin rights or the disabled "
                 "flag here; change your own password with POST /api/v1/me/password");
  }
  if (display_name) SLUICE_RETURN_IF_ERROR(ValidateText(*display_name, 255, "display_name"));
  if (email) SLUICE_RETURN_IF_ERROR(ValidateText(*email, 255, "email"));
  if (password) SLUICE_RETURN_IF_ERROR(CheckPasswordPolicy(*password));
  SLUICE_RETURN_IF_ERROR(LoadUser(id));
  bool may_lose_admin = (is_admin && !*is_admin) || (disabled && *disabled);
  std::optional<std::string> hash;
  if (password) {
    SLUICE_ASSIGN_OR_RETURN(hash, HashPassword(*password));
  }
  int64_t now = ToUnixMillis(clock_.Now());
  SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
    if (may_lose_admin) SLUICE_RETURN_IF_ERROR(LockAdministrators(c));
    std::string sets = "updated_at = ?";
    std::vector<Value> params = {Value(now)};
    if (display_name) {
      sets += ", display_name = ?";
      params.emplace_back(*display_name);
    }
    if (email) {
      sets += ", email = ?";
      params.emplace_back(*email);
    }
    if (hash) {
      sets += ", password_hash = ?";
      params.emplace_back(*hash);
    }
    if (is_admin) {
      sets += ", is_admin = ?";
      params.emplace_back(int64_t{*is_admin ? 1 : 0});
    }
    if (disabled) {
      sets += ", disabled = ?";
      params.emplace_back(int64_t{*disabled ? 1 : 0});
    }
    params.emplace_back(id);
    SLUICE_RETURN_IF_ERROR(c.Query("UPDATE users SET " + sets + " WHERE id = ?", params));
    if (may_lose_admin) SLUICE_RETURN_IF_ERROR(AdministratorRemains(c));
    if (hash || (disabled && *disabled)) {
      // A reset password or a disabled user ends their sessions (and, when disabled, tokens).
      std::string kinds = (disabled && *disabled) ? "" : " AND kind = 'session'";
      SLUICE_RETURN_IF_ERROR(c.Query(
          "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL" + kinds,
          {Value(now), Value(id)}));
    }
    return Status::Ok();
  }));
  SLUICE_ASSIGN_OR_RETURN(Json user, LoadUser(id));
  return Ok(user, target);
}

PeopleApi::Answer PeopleApi::DeleteUser(http::Request& request, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_RETURN_IF_ERROR(LoadUser(id));
  SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(LockAdministrators(c));
    // Explicit deletes: MySQL may run without cascading foreign keys in some set-ups.
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM tokens WHERE user_id = ?", {Value(id)}));
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM team_members WHERE user_id = ?", {Value(id)}));
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM users WHERE id = ?", {Value(id)}));
    SLUICE_RETURN_IF_ERROR(AdministratorRemains(c));
    if (id == principal.user_id) {
      // Checked after the last-admin rule so that the last administrator hears LAST_ADMIN.
      return Error(ErrorCode::CONFLICT, "you cannot delete yourself; ask another administrator");
    }
    return Status::Ok();
  }));
  return NoContent(fmt::format("user:{}", id));
}

// ---- teams

PeopleApi::Answer PeopleApi::ListTeams(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  std::string from;
  std::vector<Value> params;
  if (principal.is_admin) {
    from = " FROM teams t LEFT JOIN team_members m ON m.team_id = t.id AND m.user_id = ? WHERE 1=1";
    params.emplace_back(principal.user_id);
  } else if (principal.token_team_id) {
    // An API token sees its one team, while it has a role there (Principal::roles).
    from =
        " FROM teams t LEFT JOIN team_members m ON m.team_id = t.id AND m.user_id = ? "
        "WHERE t.id = ?";
    params.emplace_back(principal.user_id);
    params.emplace_back(*principal.token_team_id);
    if (!principal.RoleIn(*principal.token_team_id)) from += " AND 1 = 0";
  } else {
    from = " FROM teams t JOIN team_members m ON m.team_id = t.id WHERE m.user_id = ?";
    params.emplace_back(principal.user_id);
  }
  if (auto q = request.Query("q"); q && !q->empty()) {
    SLUICE_RETURN_IF_ERROR(ValidateText(*q, 64, "q"));
    from += " AND t.name LIKE ? ESCAPE '!'";
    params.emplace_back(LikePattern(*q));
  }
  SLUICE_ASSIGN_OR_RETURN(store::Rows count,
                          database_.Query("SELECT COUNT(*) AS n" + from, params));
  params.emplace_back(page.limit);
  params.emplace_back(page.offset);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows, database_.Query("SELECT t.id, t.name, t.description, t.created_at, m.role" +
                                            from + " ORDER BY t.name LIMIT ? OFFSET ?",
                                        params));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    Json team = TeamJson(rows, i);
    if (auto role = principal.RoleIn(rows.Int(i, "id"))) team["role"] = RoleName(*role);
    items.push_back(std::move(team));
  }
  return Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

PeopleApi::Answer PeopleApi::CreateTeam(http::Request& request, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"name", "description"}));
  SLUICE_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  SLUICE_RETURN_IF_ERROR(ValidateTeamName(name));
  SLUICE_RETURN_IF_ERROR(ValidateText(description.value_or(""), 1024, "description"));
  int64_t now = ToUnixMillis(clock_.Now());
  auto inserted = database_.Query(
      "INSERT INTO teams (name, description, created_at, updated_at) VALUES (?, ?, ?, ?) "
      "RETURNING id",
      {Value(name), Value(description.value_or("")), Value(now), Value(now)});
  if (!inserted.ok()) {
    return MapUnique(std::move(inserted).error(), ErrorCode::TEAM_EXISTS,
                     fmt::format("a team named '{}' already exists", Echo(name)), "name");
  }
  int64_t id = inserted->Int(0, "id");
  SLUICE_ASSIGN_OR_RETURN(Json team, LoadTeam(id, principal));
  return Created(team, fmt::format("team:{}", id), id);
}

PeopleApi::Answer PeopleApi::GetTeam(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Json team, LoadTeam(id, principal));
  return Ok(team);
}

PeopleApi::Answer PeopleApi::UpdateTeam(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kManageTeam, id, TeamNotFound(id)));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"name", "description"}));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  if (name) SLUICE_RETURN_IF_ERROR(ValidateTeamName(*name));
  if (description) SLUICE_RETURN_IF_ERROR(ValidateText(*description, 1024, "description"));
  SLUICE_ASSIGN_OR_RETURN(Json current, LoadTeam(id, principal));
  auto updated =
      database_.Query("UPDATE teams SET name = ?, description = ?, updated_at = ? WHERE id = ?",
                      {Value(name.value_or(current["name"].get<std::string>())),
                       Value(description.value_or(current["description"].get<std::string>())),
                       Value(ToUnixMillis(clock_.Now())), Value(id)});
  if (!updated.ok()) {
    return MapUnique(std::move(updated).error(), ErrorCode::TEAM_EXISTS,
                     fmt::format("a team named '{}' already exists", Echo(name.value_or(""))),
                     "name");
  }
  SLUICE_ASSIGN_OR_RETURN(Json team, LoadTeam(id, principal));
  return Ok(team, fmt::format("team:{}", id), id);
}

PeopleApi::Answer PeopleApi::DeleteTeam(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(Json team, LoadTeam(id, principal));
  SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM tokens WHERE team_id = ?", {Value(id)}));
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM team_members WHERE team_id = ?", {Value(id)}));
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM teams WHERE id = ?", {Value(id)}));
    return Status::Ok();
  }));
  return NoContent(fmt::format("team:{}", id), id);
}

// ---- members

PeopleApi::Answer PeopleApi::ListMembers(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Json team, LoadTeam(id, principal));
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows count,
      database_.Query("SELECT COUNT(*) AS n FROM team_members WHERE team_id = ?", {Value(id)}));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT m.user_id, u.username, u.display_name, m.role, m.created_at "
                      "FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = ? "
                      "ORDER BY u.username LIMIT ? OFFSET ?",
                      {Value(id), Value(page.limit), Value(page.offset)}));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    items.push_back({{"user_id", rows.Int(i, "user_id")},
                     {"username", rows.Text(i, "username")},
                     {"display_name", rows.Text(i, "display_name")},
                     {"role", rows.Text(i, "role")},
                     {"created_at", FormatRfc3339(FromUnixMillis(rows.Int(i, "created_at")))}});
  }
  return Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

namespace {
Result<Role> ReadRole(const Json& body) {
  SLUICE_ASSIGN_OR_RETURN(std::string name, RequireString(body, "role"));
  auto role = RoleFromName(name);
  if (!role) return InvalidField("role", "role must be one of owner, developer, viewer");
  return *role;
}
}  // namespace

PeopleApi::Answer PeopleApi::AddMember(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t team_id, http::PathId(request, "id"));
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kManageTeam, team_id, TeamNotFound(team_id)));
  SLUICE_ASSIGN_OR_RETURN(Json team, LoadTeam(team_id, principal));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"user_id", "username", "role"}));
  SLUICE_ASSIGN_OR_RETURN(auto user_id, OptionalInt(body, "user_id"));
  SLUICE_ASSIGN_OR_RETURN(auto username, OptionalString(body, "username"));
  SLUICE_ASSIGN_OR_RETURN(Role role, ReadRole(body));
  if (user_id && username) {
    return InvalidField("username", "give the member as 'user_id' or 'username', not both");
  }
  store::Rows user;
  if (user_id) {
    SLUICE_ASSIGN_OR_RETURN(user, database_.Query("SELECT id, username, display_name FROM users "
                                                  "WHERE id = ?",
                                                  {Value(*user_id)}));
  } else if (username) {
    SLUICE_RETURN_IF_ERROR(ValidateUsername(*username));
    SLUICE_ASSIGN_OR_RETURN(user, database_.Query("SELECT id, username, display_name FROM users "
                                                  "WHERE username = ?",
                                                  {Value(*username)}));
  } else {
    return InvalidField("user_id", "give the member as 'user_id' or 'username'");
  }
  if (user.empty()) {
    return Error(ErrorCode::USER_NOT_FOUND, "no such user", user_id ? "user_id" : "username");
  }
  int64_t member_id = user.Int(0, "id");
  int64_t now = ToUnixMillis(clock_.Now());
  auto inserted = database_.Query(
      "INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
      {Value(team_id), Value(member_id), Value(std::string(RoleName(role))), Value(now)});
  if (!inserted.ok()) {
    return MapUnique(std::move(inserted).error(), ErrorCode::MEMBER_EXISTS,
                     "this user is already a member of the team; change the role with PATCH",
                     "user_id");
  }
  return Created({{"user_id", member_id},
                  {"username", user.Text(0, "username")},
                  {"display_name", user.Text(0, "display_name")},
                  {"role", RoleName(role)},
                  {"created_at", FormatRfc3339(FromUnixMillis(now))}},
                 fmt::format("team:{}/member:{}", team_id, member_id), team_id);
}

PeopleApi::Answer PeopleApi::UpdateMember(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t team_id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(int64_t user_id, http::PathId(request, "user_id"));
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kManageTeam, team_id, TeamNotFound(team_id)));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"role"}));
  SLUICE_ASSIGN_OR_RETURN(Role role, ReadRole(body));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows updated,
      database_.Query("UPDATE team_members SET role = ? WHERE team_id = ? AND user_id = ?",
                      {Value(std::string(RoleName(role))), Value(team_id), Value(user_id)}));
  if (updated.affected == 0) {
    return Error(ErrorCode::MEMBER_NOT_FOUND,
                 fmt::format("user {} is not a member of team {}", user_id, team_id));
  }
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT m.user_id, u.username, u.display_name, m.role, m.created_at "
                      "FROM team_members m JOIN users u ON u.id = m.user_id "
                      "WHERE m.team_id = ? AND m.user_id = ?",
                      {Value(team_id), Value(user_id)}));
  return Ok({{"user_id", user_id},
             {"username", rows.Text(0, "username")},
             {"display_name", rows.Text(0, "display_name")},
             {"role", rows.Text(0, "role")},
             {"created_at", FormatRfc3339(FromUnixMillis(rows.Int(0, "created_at")))}},
            fmt::format("team:{}/member:{}", team_id, user_id), team_id);
}

PeopleApi::Answer PeopleApi::RemoveMember(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t team_id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(int64_t user_id, http::PathId(request, "user_id"));
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kManageTeam, team_id, TeamNotFound(team_id)));
  Status removed = database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(store::Rows deleted,
                            c.Query("DELETE FROM team_members WHERE team_id = ? AND user_id = ?",
                                    {Value(team_id), Value(user_id)}));
    if (deleted.affected == 0) {
      return Error(ErrorCode::MEMBER_NOT_FOUND,
                   fmt::format("user {} is not a member of team {}", user_id, team_id));
    }
    // Their API tokens for this team stop working with the membership.
    SLUICE_RETURN_IF_ERROR(c.Query(
        "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND team_id = ? AND revoked_at IS NULL",
        {Value(ToUnixMillis(clock_.Now())), Value(user_id), Value(team_id)}));
    return Status::Ok();
  });
  SLUICE_RETURN_IF_ERROR(removed);
  return NoContent(fmt::format("team:{}/member:{}", team_id, user_id), team_id);
}

// ---- API tokens

PeopleApi::Answer PeopleApi::ListTokens(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  bool all = request.Query("all").value_or("") == "1";
  if (all) SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  std::string where = " WHERE t.kind = 'api'";
  std::vector<Value> params;
  if (!all) {
    where += " AND t.user_id = ?";
    params.emplace_back(principal.user_id);
  }
  SLUICE_ASSIGN_OR_RETURN(store::Rows count,
                          database_.Query("SELECT COUNT(*) AS n FROM tokens t" + where, params));
  params.emplace_back(page.limit);
  params.emplace_back(page.offset);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT t.id, t.name, t.team_id, t.user_id, u.username, t.prefix, "
                      "t.created_at, t.expires_at, t.last_used_at, t.revoked_at FROM tokens t "
                      "JOIN users u ON u.id = t.user_id" +
                          where + " ORDER BY t.id DESC LIMIT ? OFFSET ?",
                      params));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) items.push_back(TokenJson(rows, i));
  return Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

PeopleApi::Answer PeopleApi::CreateToken(http::Request& request, const Principal& principal) {
  if (principal.token_kind != TokenKind::kSession) {
    return Error(ErrorCode::FORBIDDEN, "an API token cannot create tokens; log in to do that");
  }
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"name", "team_id", "expires_at"}));
  SLUICE_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name"));
  SLUICE_ASSIGN_OR_RETURN(int64_t team_id, RequireInt(body, "team_id"));
  SLUICE_ASSIGN_OR_RETURN(auto expires_text, OptionalString(body, "expires_at"));
  if (name.empty()) return InvalidField("name", "field 'name' must not be empty");
  SLUICE_RETURN_IF_ERROR(ValidateText(name, 255, "name"));
  Error hidden(ErrorCode::TEAM_NOT_FOUND, fmt::format("no team with id {}", team_id), "team_id");
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kEdit, team_id, hidden));
  SLUICE_ASSIGN_OR_RETURN(store::Rows team,
                          database_.Query("SELECT id FROM teams WHERE id = ?", {Value(team_id)}));
  if (team.empty()) return hidden;
  TimePoint now = clock_.Now();
  Value expires = store::Null();
  if (expires_text) {
    auto parsed = ParseRfc3339(*expires_text);
    if (!parsed) {
      return InvalidField("expires_at",
                          "expires_at must be an RFC 3339 time, e.g. "
                          "2027-01-31T00:00:00Z");
    }
    if (*parsed <= now) return InvalidField("expires_at", "expires_at must be in the future");
    expires = Value(ToUnixMillis(*parsed));
  }
  NewToken token = GenerateToken(TokenKind::kApi);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows inserted,
      database_.Query("INSERT INTO tokens (user_id, kind, name, team_id, token_hash, prefix, "
                      "created_at, expires_at) VALUES (?, 'api', ?, ?, ?, ?, ?, ?) RETURNING id",
                      {Value(principal.user_id), Value(name), Value(team_id), Value(token.hash),
                       Value(token.prefix), Value(ToUnixMillis(now)), expires}));
  int64_t id = inserted.Int(0, "id");
  Json answer = {
      {"id", id},
      {"name", name},
      {"team_id", team_id},
      {"user_id", principal.user_id},
      {"username", principal.username},
      {"prefix", token.prefix},
      {"created_at", FormatRfc3339(now)},
      {"expires_at", expires_text ? Json(FormatRfc3339(*ParseRfc3339(*expires_text))) : Json()},
      {"token", token.secret}};
  return Created(answer, fmt::format("token:{}", id), team_id);
}

PeopleApi::Answer PeopleApi::DeleteToken(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT user_id, team_id FROM tokens WHERE id = ? AND kind = 'api'",
                      {Value(id)}));
  if (rows.empty() || (rows.Int(0, "user_id") != principal.user_id && !principal.is_admin)) {
    return Error(ErrorCode::TOKEN_NOT_FOUND, fmt::format("no API token with id {}", id));
  }
  SLUICE_RETURN_IF_ERROR(authenticator_.Revoke(id));
  return NoContent(fmt::format("token:{}", id), rows.OptionalInt(0, "team_id"));
}

PeopleApi::Answer PeopleApi::ListAudit(http::Request& request, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  AuditQuery query;
  query.limit = page.limit;
  query.offset = page.offset;
  query.actor = request.Query("actor");
  query.action = request.Query("action");
  if (query.actor) SLUICE_RETURN_IF_ERROR(ValidateText(*query.actor, 64, "actor"));
  if (query.action) SLUICE_RETURN_IF_ERROR(ValidateText(*query.action, 64, "action"));
  SLUICE_ASSIGN_OR_RETURN(Json list, guard_.audit_log().List(query));
  return Ok(list);
}

// ---- registration

void PeopleApi::Register(http::Router& router) {
  using Method = Answer (PeopleApi::*)(http::Request&, const Principal&);
  auto bind = [this](Method method) -> AnswerHandler {
    return [this, method](http::Request& request, const Principal& principal) {
      return (this->*method)(request, principal);
    };
  };
  auto route = [&](const char* verb, const char* path, const char* action, http::RouteDoc doc,
                   Method method) {
    doc.tag = "people";
    router.Add(verb, path, std::move(doc), guard_.WrapAnswer(action, bind(method)));
  };
  auto doc = [](const char* summary, Json request_body = nullptr, Json response_body = nullptr,
                int status = 200, std::vector<std::string> query = {}) {
    http::RouteDoc d;
    d.summary = summary;
    d.request_body = std::move(request_body);
    d.response_body = std::move(response_body);
    d.success_status = status;
    d.query_params = std::move(query);
    return d;
  };
  const std::vector<std::string> kPaged = {"limit", "offset", "q"};

  http::RouteDoc login =
      doc("log in: a session token for the user name and password",
          ObjectWith({{"username", "string"}, {"password", "string"}}, {"username", "password"}),
          Json{{"type", "object"},
               {"properties",
                {{"token", {{"type", "string"}}},
                 {"expires_at", {{"type", "string"}}},
                 {"user", kUserSchema}}}});
  login.tag = "people";
  login.authenticated = false;
  router.Add("POST", "/api/v1/auth/login", login, [this](http::Request& request) {
    Answer answer = Login(request);
    http::Response response =
        answer.ok() ? std::move(answer).value() : ErrorAnswer(request, answer.error());
    // The attempted name is recorded only when it is a valid user name (never a password typed
    // into the wrong field).
    std::string actor = "invalid-name";
    auto body = Json::parse(request.body, nullptr, false);
    if (body.is_object() && body.contains("username") && body["username"].is_string()) {
      std::string name = body["username"].get<std::string>();
      if (ValidateUsername(name).ok()) actor = name;
    }
    std::optional<int64_t> actor_id;
    if (answer.ok()) actor_id = Json::parse(response.body)["user"]["id"].get<int64_t>();
    guard_.Audit(request, response, "auth.login", actor_id, actor);
    return response;
  });
  route("POST", "/api/v1/auth/logout", "auth.logout",
        doc("log out: revoke this session token", nullptr, nullptr, 204), &PeopleApi::Logout);
  route("GET", "/api/v1/me", "me.get",
        doc("the caller: user, teams and roles, token", nullptr, kUserSchema), &PeopleApi::Me);
  route("POST", "/api/v1/me/password", "me.password",
        doc("change your own password (ends your other sessions)",
            ObjectWith({{"current_password", "string"}, {"new_password", "string"}},
                       {"current_password", "new_password"}),
            nullptr, 204),
        &PeopleApi::ChangeOwnPassword);
  Json user_in = ObjectWith({{"username", "string"},
                             {"password", "string"},
                             {"display_name", "string"},
                             {"email", "string"},
                             {"is_admin", "boolean"}},
                            {"username", "password"});
  Json user_patch = ObjectWith({{"display_name", "string"},
                                {"email", "string"},
                                {"password", "string"},
                                {"is_admin", "boolean"},
                                {"disabled", "boolean"}});
  route("GET", "/api/v1/users", "user.list",
        doc("list users (admins)", nullptr, ListOf(kUserSchema), 200, kPaged),
        &PeopleApi::ListUsers);
  route("POST", "/api/v1/users", "user.create",
        doc("create a user (admins)", user_in, kUserSchema, 201), &PeopleApi::CreateUser);
  route("GET", "/api/v1/users/{id}", "user.get",
        doc("a user (admins, or yourself)", nullptr, kUserSchema), &PeopleApi::GetUser);
  route("PATCH", "/api/v1/users/{id}", "user.update",
        doc("change a user (admins; yourself: display name and email)", user_patch, kUserSchema),
        &PeopleApi::UpdateUser);
  route("DELETE", "/api/v1/users/{id}", "user.delete",
        doc("delete a user (admins)", nullptr, nullptr, 204), &PeopleApi::DeleteUser);

  Json team_in = ObjectWith({{"name", "string"}, {"description", "string"}}, {"name"});
  route("GET", "/api/v1/teams", "team.list",
        doc("teams you belong to (admins: all)", nullptr, ListOf(kTeamSchema), 200, kPaged),
        &PeopleApi::ListTeams);
  route("POST", "/api/v1/teams", "team.create",
        doc("create a team (admins)", team_in, kTeamSchema, 201), &PeopleApi::CreateTeam);
  route("GET", "/api/v1/teams/{id}", "team.get", doc("a team", nullptr, kTeamSchema),
        &PeopleApi::GetTeam);
  route("PATCH", "/api/v1/teams/{id}", "team.update",
        doc("rename or describe a team (owners)",
            ObjectWith({{"name", "string"}, {"description", "string"}}), kTeamSchema),
        &PeopleApi::UpdateTeam);
  route("DELETE", "/api/v1/teams/{id}", "team.delete",
        doc("delete a team (admins)", nullptr, nullptr, 204), &PeopleApi::DeleteTeam);

  Json member = ObjectWith({{"user_id", "integer"},
                            {"username", "string"},
                            {"display_name", "string"},
                            {"role", "string"},
                            {"created_at", "string"}});
  route("GET", "/api/v1/teams/{id}/members", "member.list",
        doc("a team's members and their roles", nullptr, ListOf(member), 200, {"limit", "offset"}),
        &PeopleApi::ListMembers);
  route("POST", "/api/v1/teams/{id}/members", "member.add",
        doc("add a member with a role: owner, developer or viewer (owners)",
            ObjectWith({{"user_id", "integer"}, {"username", "string"}, {"role", "string"}},
                       {"role"}),
            member, 201),
        &PeopleApi::AddMember);
  route("PATCH", "/api/v1/teams/{id}/members/{user_id}", "member.update",
        doc("change a member's role (owners)", ObjectWith({{"role", "string"}}, {"role"}), member),
        &PeopleApi::UpdateMember);
  route("DELETE", "/api/v1/teams/{id}/members/{user_id}", "member.remove",
        doc("remove a member (owners); their API tokens for the team are revoked", nullptr, nullptr,
            204),
        &PeopleApi::RemoveMember);

  Json token = ObjectWith({{"id", "integer"},
                           {"name", "string"},
                           {"team_id", "integer"},
                           {"prefix", "string"},
                           {"created_at", "string"},
                           {"expires_at", "string"},
                           {"token", "string"}});
  route("GET", "/api/v1/tokens", "token.list",
        doc("your API tokens, without secrets (admins: ?all=1 for everyone's)", nullptr,
            ListOf(token), 200, {"limit", "offset", "all"}),
        &PeopleApi::ListTokens);
  route("POST", "/api/v1/tokens", "token.create",
        doc("create an API token acting in one team; the secret is shown once",
            ObjectWith({{"name", "string"}, {"team_id", "integer"}, {"expires_at", "string"}},
                       {"name", "team_id"}),
            token, 201),
        &PeopleApi::CreateToken);
  route("DELETE", "/api/v1/tokens/{id}", "token.revoke",
        doc("revoke an API token", nullptr, nullptr, 204), &PeopleApi::DeleteToken);
  route("GET", "/api/v1/audit", "audit.list",
        doc("the audit log, newest first (admins)", nullptr, ListOf({{"type", "object"}}), 200,
            {"limit", "offset", "actor", "action"}),
        &PeopleApi::ListAudit);
}

}  // namespace sluice::system
