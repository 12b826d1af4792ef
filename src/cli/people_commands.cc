// The user, team, member and token commands of ClientCommands (commands.h).
#include <fmt/format.h>

#include "cli/command_helpers.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace sluice::cli {

namespace {

std::vector<std::pair<std::string, std::string>> UserFields(const Json& user, const Clock& clock) {
  return {{"ID", Text(user, "id")},
          {"Username", Text(user, "username")},
          {"Name", Text(user, "display_name")},
          {"Email", Text(user, "email")},
          {"Admin", YesNo(user, "is_admin")},
          {"Disabled", YesNo(user, "disabled")},
          {"Created", HumanTime(Field(user, "created_at"), clock)}};
}

std::vector<std::pair<std::string, std::string>> TeamFields(const Json& team, const Clock& clock) {
  return {{"ID", Text(team, "id")},
          {"Name", Text(team, "name")},
          {"Description", Text(team, "description")},
          {"Your role", Text(team, "role")},
          {"Created", HumanTime(Field(team, "created_at"), clock)}};
}

}  // namespace

// ---- lookups

ApiResult<int64_t> ClientCommands::ResolveUser(ApiClient& client, const std::string& user) {
  if (auto id = ParseId(user)) return *id;
  CLI_ASSIGN_OR_RETURN(found, FindByName(client, "/api/v1/users", "username", "id", user, true));
  if (!found) return NotFound("USER_NOT_FOUND", fmt::format("no user named '{}'", user));
  return *found;
}

ApiResult<int64_t> ClientCommands::ResolveTeam(ApiClient& client, const std::string& team) {
  if (auto id = ParseId(team)) return *id;
  CLI_ASSIGN_OR_RETURN(found, FindByName(client, "/api/v1/teams", "name", "id", team, true));
  if (!found) {
    return NotFound("TEAM_NOT_FOUND", fmt::format("no team named '{}' that you can see", team));
  }
  return *found;
}

ApiResult<int64_t> ClientCommands::ResolveMember(ApiClient& client, int64_t team_id,
                                                 const std::string& user) {
  if (auto id = ParseId(user)) return *id;
  CLI_ASSIGN_OR_RETURN(found, FindByName(client, fmt::format("/api/v1/teams/{}/members", team_id),
                                         "username", "user_id", user, false));
  if (!found) {
    return NotFound("MEMBER_NOT_FOUND",
                    fmt::format("'{}' is not a member of team {}", user, options_.team));
  }
  return *found;
}

// ---- users

ApiStatus ClientCommands::UserList() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(list, client.Get("/api/v1/users", ListQuery()));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  Table table({"id", "username", "name", "email", "admin", "disabled", "created"});
  for (const Json& u : Items(list)) {
    table.AddRow({Text(u, "id"), Text(u, "username"), Text(u, "display_name"), Text(u, "email"),
                  YesNo(u, "is_admin"), YesNo(u, "disabled"),
                  HumanTime(Field(u, "created_at"), *deps_.clock)});
  }
  if (table.empty()) {
    out() << "No users.\n";
  } else {
    table.Print(out());
    PrintMore(list, "users");
  }
  return ApiOk();
}

ApiStatus ClientCommands::UserCreate() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(password, ReadPassword(/*confirm=*/true, /*required=*/true));
  Json body = {{"username", options_.username}, {"password", password}};
  if (!options_.display_name.empty()) body["display_name"] = options_.display_name;
  if (!options_.email.empty()) body["email"] = options_.email;
  if (options_.admin) body["is_admin"] = true;
  CLI_ASSIGN_OR_RETURN(user, client.Post("/api/v1/users", body));
  if (JsonOutput()) {
    PrintJson(out(), user);
  } else {
    out() << fmt::format("Created user {} (id {}).\n", Printable(Text(user, "username")),
                         Text(user, "id"));
  }
  return ApiOk();
}

ApiStatus ClientCommands::UserShow() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveUser(client, options_.user));
  CLI_ASSIGN_OR_RETURN(user, client.Get(fmt::format("/api/v1/users/{}", id)));
  if (JsonOutput()) {
    PrintJson(out(), user);
  } else {
    PrintFields(out(), UserFields(user, *deps_.clock));
  }
  return ApiOk();
}

ApiStatus ClientCommands::UserUpdate() {
  Json body = Json::object();
  if (display_name_opt_->count() > 0) body["display_name"] = options_.display_name;
  if (email_opt_->count() > 0) body["email"] = options_.email;
  if (options_.admin) body["is_admin"] = true;
  if (options_.no_admin) body["is_admin"] = false;
  if (options_.disable) body["disabled"] = true;
  if (options_.enable) body["disabled"] = false;
  bool new_password = options_.password_stdin || !options_.password_file.empty();
  if (body.empty() && !new_password) {
    return ApiError::Usage(
        "nothing to change: give --display-name, --email, --admin, --no-admin, --disable, "
        "--enable, --password-stdin or --password-file");
  }
  CLI_ASSIGN_OR_RETURN(client, Connect());
  if (new_password) {
    CLI_ASSIGN_OR_RETURN(password, ReadPassword(/*confirm=*/false, /*required=*/true));
    body["password"] = password;
  }
  CLI_ASSIGN_OR_RETURN(id, ResolveUser(client, options_.user));
  CLI_ASSIGN_OR_RETURN(user, client.Patch(fmt::format("/api/v1/users/{}", id), body));
  if (JsonOutput()) {
    PrintJson(out(), user);
  } else {
    out() << fmt::format("Updated user {} (id {}).\n", Printable(Text(user, "username")),
                         Text(user, "id"));
  }
  return ApiOk();
}

ApiStatus ClientCommands::UserDelete() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveUser(client, options_.user));
  CLI_ASSIGN_OR_RETURN(answer, client.Delete(fmt::format("/api/v1/users/{}", id)));
  (void)answer;
  if (!JsonOutput()) out() << fmt::format("Deleted user {}.\n", Described(options_.user, id));
  return ApiOk();
}

// ---- teams

ApiStatus ClientCommands::TeamList() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(list, client.Get("/api/v1/teams", ListQuery()));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  Table table({"id", "name", "your role", "description", "created"});
  for (const Json& t : Items(list)) {
    table.AddRow({Text(t, "id"), Text(t, "name"), Text(t, "role"), Text(t, "description"),
                  HumanTime(Field(t, "created_at"), *deps_.clock)});
  }
  if (table.empty()) {
    out() << "No teams.\n";
  } else {
    table.Print(out());
    PrintMore(list, "teams");
  }
  return ApiOk();
}

ApiStatus ClientCommands::TeamCreate() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  Json body = {{"name", options_.name}};
  if (!options_.description.empty()) body["description"] = options_.description;
  CLI_ASSIGN_OR_RETURN(team, client.Post("/api/v1/teams", body));
  if (JsonOutput()) {
    PrintJson(out(), team);
  } else {
    out() << fmt::format("Created team {} (id {}).\n", Printable(Text(team, "name")),
                         Text(team, "id"));
  }
  return ApiOk();
}

ApiStatus ClientCommands::TeamShow() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveTeam(client, options_.team));
  CLI_ASSIGN_OR_RETURN(team, client.Get(fmt::format("/api/v1/teams/{}", id)));
  if (JsonOutput()) {
    PrintJson(out(), team);
  } else {
    PrintFields(out(), TeamFields(team, *deps_.clock));
  }
  return ApiOk();
}

ApiStatus ClientCommands::TeamUpdate() {
  Json body = Json::object();
  if (name_opt_->count() > 0) body["name"] = options_.name;
  if (description_opt_->count() > 0) body["description"] = options_.description;
  if (body.empty()) return ApiError::Usage("nothing to change: give --name or --description");
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveTeam(client, options_.team));
  CLI_ASSIGN_OR_RETURN(team, client.Patch(fmt::format("/api/v1/teams/{}", id), body));
  if (JsonOutput()) {
    PrintJson(out(), team);
  } else {
    out() << fmt::format("Updated team {} (id {}).\n", Printable(Text(team, "name")),
                         Text(team, "id"));
  }
  return ApiOk();
}

ApiStatus ClientCommands::TeamDelete() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveTeam(client, options_.team));
  CLI_ASSIGN_OR_RETURN(answer, client.Delete(fmt::format("/api/v1/teams/{}", id)));
  (void)answer;
  if (!JsonOutput()) out() << fmt::format("Deleted team {}.\n", Described(options_.team, id));
  return ApiOk();
}

// ---- members

ApiStatus ClientCommands::MemberList() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveTeam(client, options_.team));
  QueryParams query;
  if (options_.limit > 0) query.emplace_back("limit", std::to_string(options_.limit));
  if (options_.offset > 0) query.emplace_back("offset", std::to_string(options_.offset));
  CLI_ASSIGN_OR_RETURN(list, client.Get(fmt::format("/api/v1/teams/{}/members", id), query));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  Table table({"user id", "username", "name", "role", "since"});
  for (const Json& m : Items(list)) {
    table.AddRow({Text(m, "user_id"), Text(m, "username"), Text(m, "display_name"), Text(m, "role"),
                  HumanTime(Field(m, "created_at"), *deps_.clock)});
  }
  if (table.empty()) {
    out() << "No members.\n";
  } else {
    table.Print(out());
    PrintMore(list, "members");
  }
  return ApiOk();
}

ApiStatus ClientCommands::MemberAdd() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveTeam(client, options_.team));
  Json body = {{"role", options_.role}};
  if (auto user_id = ParseId(options_.user)) {
    body["user_id"] = *user_id;
  } else {
    body["username"] = options_.user;
  }
  CLI_ASSIGN_OR_RETURN(member, client.Post(fmt::format("/api/v1/teams/{}/members", id), body));
  if (JsonOutput()) {
    PrintJson(out(), member);
  } else {
    out() << fmt::format("Added {} to team {} as {}.\n", Printable(Text(member, "username")),
                         options_.team, Text(member, "role"));
  }
  return ApiOk();
}

ApiStatus ClientCommands::MemberSetRole() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(team_id, ResolveTeam(client, options_.team));
  CLI_ASSIGN_OR_RETURN(user_id, ResolveMember(client, team_id, options_.user));
  CLI_ASSIGN_OR_RETURN(member,
                       client.Patch(fmt::format("/api/v1/teams/{}/members/{}", team_id, user_id),
                                    {{"role", options_.role}}));
  if (JsonOutput()) {
    PrintJson(out(), member);
  } else {
    out() << fmt::format("{} is now {} in team {}.\n", Printable(Text(member, "username")),
                         Text(member, "role"), options_.team);
  }
  return ApiOk();
}

ApiStatus ClientCommands::MemberRemove() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(team_id, ResolveTeam(client, options_.team));
  CLI_ASSIGN_OR_RETURN(user_id, ResolveMember(client, team_id, options_.user));
  CLI_ASSIGN_OR_RETURN(answer,
                       client.Delete(fmt::format("/api/v1/teams/{}/members/{}", team_id, user_id)));
  (void)answer;
  if (!JsonOutput()) {
    out() << fmt::format("Removed {} from team {}.\n", options_.user, options_.team);
  }
  return ApiOk();
}

// ---- API tokens

ApiStatus ClientCommands::TokenCreate() {
  if (!options_.expires_at.empty() && !ParseRfc3339(options_.expires_at)) {
    return ApiError::Usage(
        fmt::format("--expires-at: '{}' is not an RFC 3339 time, e.g. 2027-01-31T00:00:00Z",
                    options_.expires_at));
  }
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(team_id, ResolveTeam(client, options_.team));
  Json body = {{"name", options_.name}, {"team_id", team_id}};
  if (!options_.expires_at.empty()) body["expires_at"] = options_.expires_at;
  CLI_ASSIGN_OR_RETURN(token, client.Post("/api/v1/tokens", body));
  if (JsonOutput()) {
    PrintJson(out(), token);  // the one place a secret is printed: the user asked for it
    return ApiOk();
  }
  if (!token.contains("token") || !token["token"].is_string()) {
    return ApiError{ApiError::Kind::kApi, "BAD_RESPONSE",
                    "the server created the token but did not answer its secret"};
  }
  // The prose goes to stderr so `TOKEN=$(sluice token create ...)` captures only the secret.
  err() << fmt::format(
      "Created API token {} ('{}') for team {}; it expires {}.\n"
      "This is the only time the secret is shown; store it now:\n",
      Text(token, "id"), Printable(Text(token, "name")), options_.team,
      HumanTime(Field(token, "expires_at"), *deps_.clock, "never"));
  out() << Printable(token["token"].get<std::string>()) << "\n";
  return ApiOk();
}

ApiStatus ClientCommands::TokenList() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  QueryParams query = ListQuery();
  if (options_.all) query.emplace_back("all", "1");
  CLI_ASSIGN_OR_RETURN(list, client.Get("/api/v1/tokens", query));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  std::vector<std::string> headers = {"id",      "name",    "team id",   "prefix",
                                      "created", "expires", "last used", "status"};
  if (options_.all) headers.insert(headers.begin() + 2, "user");
  Table table(headers);
  for (const Json& t : Items(list)) {
    std::string status = "active";
    if (Field(t, "revoked_at").is_string()) {
      status = "revoked";
    } else if (auto expires = ParseRfc3339(StringField(t, "expires_at"));
               expires && *expires <= deps_.clock->Now()) {
      status = "expired";
    }
    std::vector<std::string> row = {Text(t, "id"),
                                    Text(t, "name"),
                                    Text(t, "team_id"),
                                    Text(t, "prefix"),
                                    HumanTime(Field(t, "created_at"), *deps_.clock),
                                    HumanTime(Field(t, "expires_at"), *deps_.clock, "never"),
                                    HumanTime(Field(t, "last_used_at"), *deps_.clock, "never"),
                                    status};
    if (options_.all) row.insert(row.begin() + 2, Text(t, "username"));
    table.AddRow(std::move(row));
  }
  if (table.empty()) {
    out() << "No API tokens.\n";
  } else {
    table.Print(out());
    PrintMore(list, "tokens");
  }
  return ApiOk();
}

ApiStatus ClientCommands::TokenRevoke() {
  auto id = ParseId(options_.id);
  if (!id) return ApiError::Usage(fmt::format("ID: '{}' is not a token id", options_.id));
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(answer, client.Delete(fmt::format("/api/v1/tokens/{}", *id)));
  (void)answer;
  if (!JsonOutput()) out() << fmt::format("Revoked API token {}.\n", *id);
  return ApiOk();
}

}  // namespace sluice::cli
