#include "cli/commands.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/command_helpers.h"
#include "cli/output.h"

namespace sluice::cli {

namespace {

std::optional<std::string> NonEmptyEnv(const EnvLookup& env, const char* name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

const char* kLoginHint =
    "log in with `sluice login --server URL`, or set SLUICE_SERVER and "
    "SLUICE_TOKEN";

}  // namespace

std::optional<int64_t> ParseId(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value <= 0) return std::nullopt;
  return value;
}

ClientCommands::ClientCommands(ClientDeps deps) : deps_(std::move(deps)) {}

std::ostream& ClientCommands::out() { return deps_.console->out(); }
std::ostream& ClientCommands::err() { return deps_.console->err(); }

void ClientCommands::Run(Command command) {
  ApiStatus status = (this->*command)();
  if (status.ok()) {
    exit_code_ = kExitOk;
    out().flush();
    return;
  }
  const ApiError& error = status.error();
  exit_code_ = ExitCodeFor(error);
  out().flush();
  err() << FormatError(error) << "\n";
  if (exit_code_ == kExitNotLoggedIn && error.kind == ApiError::Kind::kApi) {
    err() << "hint: the server no longer accepts this token; " << kLoginHint << "\n";
  }
}

std::function<void()> ClientCommands::Bind(Command command) {
  return [this, command] { Run(command); };
}

void ClientCommands::AddListOptions(CLI::App* cmd) {
  cmd->add_option("--limit", options_.limit, "at most this many (the server's default is 50)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  cmd->add_option("--offset", options_.offset, "skip this many")->check(CLI::NonNegativeNumber);
}

void ClientCommands::AddPasswordOptions(CLI::App* cmd) {
  auto* from_stdin = cmd->add_flag("--password-stdin", options_.password_stdin,
                                   "read the password from stdin (one line)");
  auto* from_file = cmd->add_option("--password-file", options_.password_file,
                                    "read the password from this file (first line)")
                        ->check(CLI::ExistingFile);
  from_stdin->excludes(from_file);
}

QueryParams ClientCommands::ListQuery() const {
  QueryParams query;
  if (options_.limit > 0) query.emplace_back("limit", std::to_string(options_.limit));
  if (options_.offset > 0) query.emplace_back("offset", std::to_string(options_.offset));
  if (!options_.query.empty()) query.emplace_back("q", options_.query);
  return query;
}

void ClientCommands::PrintMore(const Json& list, std::string_view noun) {
  int64_t total = IntField(list, "total");
  int64_t shown = list.contains("items") ? static_cast<int64_t>(list["items"].size()) : 0;
  int64_t next = options_.offset + shown;
  if (shown > 0 && next < total) {
    out() << fmt::format("({} of {} {}; see more with --offset {})\n", shown, total, noun, next);
  }
}

void ClientCommands::Sleep(std::chrono::milliseconds duration) {
  if (deps_.sleep) {
    deps_.sleep(duration);
  } else {
    std::this_thread::sleep_for(duration);
  }
}

// ---- credentials

ApiResult<ClientCommands::Connection> ClientCommands::Resolve() {
  Connection connection;
  std::optional<std::string> server_given = !options_.server.empty()
                                                ? std::optional(options_.server)
                                                : NonEmptyEnv(deps_.env, "SLUICE_SERVER");
  std::optional<std::string> token_given = !options_.token.empty()
                                               ? std::optional(options_.token)
                                               : NonEmptyEnv(deps_.env, "SLUICE_TOKEN");
  if (server_given) {
    auto normalized = NormalizeServerUrl(*server_given);
    if (!normalized.ok()) return std::move(normalized).error();
    connection.server = *normalized;
  }
  if (server_given && token_given) {
    connection.token = *token_given;
    return connection;
  }

  auto path = CredentialsPath(deps_.env);
  if (!path.ok()) return std::move(path).error();
  connection.credentials_path = *path;
  auto loaded = LoadCredentials(*path);
  if (!loaded.ok()) return std::move(loaded).error();
  const std::optional<SavedCredentials>& saved = *loaded;
  if (saved && saved->readable_by_others) {
    err() << fmt::format("warning: {} can be read by other users; run `chmod 600 {}`\n",
                         path->string(), path->string());
  }

  if (connection.server.empty()) {
    if (!saved) return ApiError::NotLoggedIn(fmt::format("not logged in: {}", kLoginHint));
    connection.server = saved->server;
  }
  if (token_given) {
    connection.token = *token_given;
    return connection;
  }
  // The saved token only goes to the server it came from.
  if (!saved || saved->server != connection.server) {
    return ApiError::NotLoggedIn(
        fmt::format("not logged in to {}: log in with `sluice login --server {}`, or set "
                    "SLUICE_TOKEN",
                    connection.server, connection.server));
  }
  if (auto expires = ParseRfc3339(saved->expires_at); expires && *expires <= deps_.clock->Now()) {
    return ApiError::NotLoggedIn(
        fmt::format("the saved login for {} expired {}: log in again with `sluice login`",
                    connection.server, RelativeTime(*expires, deps_.clock->Now())));
  }
  connection.token = saved->token;
  connection.from_saved = true;
  connection.expires_at = saved->expires_at;
  return connection;
}

ApiResult<ApiClient> ClientCommands::Connect() {
  auto connection = Resolve();
  if (!connection.ok()) return std::move(connection).error();
  return ApiClient(*deps_.http_client, connection->server, connection->token);
}

ApiResult<std::string> ClientCommands::ReadPassword(bool confirm, bool required) {
  std::string password;
  if (options_.password_stdin) {
    auto text = deps_.console->ReadStdin();
    if (!text.ok()) return std::move(text).error();
    password = text->substr(0, text->find('\n'));
    password = TrimLineEnding(std::move(password));
    if (password.empty()) return ApiError::Usage("--password-stdin: stdin held no password");
    return password;
  }
  if (!options_.password_file.empty()) {
    std::ifstream in(options_.password_file);
    if (!in || !std::getline(in, password)) {
      return ApiError::Usage(
          fmt::format("--password-file: cannot read {}", options_.password_file));
    }
    password = TrimLineEnding(std::move(password));
    if (password.empty()) {
      return ApiError::Usage(
          fmt::format("--password-file: the first line of {} is empty", options_.password_file));
    }
    return password;
  }
  if (!required) return std::string();
  if (!deps_.console->Interactive()) {
    return ApiError::Usage(
        "no terminal to ask for the password on: give it with --password-stdin or "
        "--password-file");
  }
  auto first = deps_.console->Prompt("Password: ", /*secret=*/true);
  if (!first.ok()) return std::move(first).error();
  if (first->empty()) return ApiError::Usage("the password is empty");
  if (confirm) {
    auto second = deps_.console->Prompt("Password again: ", /*secret=*/true);
    if (!second.ok()) return std::move(second).error();
    if (*second != *first) return ApiError::Usage("the two passwords differ");
  }
  return std::move(*first);
}

// ---- login, logout, whoami

ApiStatus ClientCommands::Login() {
  auto path = CredentialsPath(deps_.env);
  if (!path.ok()) return std::move(path).error();

  std::string server = options_.server;
  if (server.empty()) server = NonEmptyEnv(deps_.env, "SLUICE_SERVER").value_or("");
  if (server.empty()) {
    // Logging in again to the saved server.
    auto saved = LoadCredentials(*path);
    if (saved.ok() && saved->has_value()) server = (*saved)->server;
  }
  if (server.empty()) {
    return ApiError::Usage("which server? give it with --server URL (or SLUICE_SERVER)");
  }
  auto normalized = NormalizeServerUrl(server);
  if (!normalized.ok()) return std::move(normalized).error();
  server = *normalized;

  std::string username = options_.username;
  if (username.empty()) {
    if (options_.password_stdin || !options_.password_file.empty() ||
        !deps_.console->Interactive()) {
      return ApiError::Usage("give the user name with --username");
    }
    auto typed = deps_.console->Prompt("Username: ", /*secret=*/false);
    if (!typed.ok()) return std::move(typed).error();
    username = *typed;
    if (username.empty()) return ApiError::Usage("the user name is empty");
  }
  auto password = ReadPassword(/*confirm=*/false, /*required=*/true);
  if (!password.ok()) return std::move(password).error();

  ApiClient client(*deps_.http_client, server, /*token=*/"");
  auto answer =
      client.Post("/api/v1/auth/login", {{"username", username}, {"password", *password}});
  if (!answer.ok()) return std::move(answer).error();
  Json& body = *answer;
  if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
    return ApiError{ApiError::Kind::kApi, "BAD_RESPONSE",
                    fmt::format("the server at {} answered the login without a token", server)};
  }

  SavedCredentials saved;
  saved.server = server;
  saved.token = body["token"].get<std::string>();
  saved.username = body.contains("user") ? Text(body["user"], "username") : username;
  if (saved.username == "-") saved.username = username;
  saved.expires_at = StringField(body, "expires_at");
  auto written = SaveCredentials(*path, saved);
  if (!written.ok()) {
    return ApiError::Local(written.error().message +
                           " (logged in, but the login could not be saved)");
  }

  body.erase("token");  // never shown
  if (JsonOutput()) {
    PrintJson(out(), body);
  } else {
    out() << fmt::format("Logged in to {} as {}; the session expires {}.\n", server,
                         Printable(saved.username),
                         HumanTime(Field(body, "expires_at"), *deps_.clock, "never"));
    out() << fmt::format("Saved the login in {}.\n", path->string());
  }
  if (NonEmptyEnv(deps_.env, "SLUICE_TOKEN")) {
    err() << "note: SLUICE_TOKEN is set and takes precedence over the saved login\n";
  }
  return ApiOk();
}

ApiStatus ClientCommands::Logout() {
  auto connection = Resolve();
  if (!connection.ok()) {
    const ApiError& error = connection.error();
    if (error.kind != ApiError::Kind::kNotLoggedIn) return std::move(connection).error();
    // Nothing usable to revoke. An expired saved login is still removed.
    auto path = CredentialsPath(deps_.env);
    if (path.ok()) {
      auto removed = RemoveCredentials(*path);
      if (!removed.ok()) return std::move(removed).error();
      if (*removed) {
        if (!JsonOutput()) out() << "Removed the saved login (the session had expired).\n";
        return ApiOk();
      }
    }
    if (!JsonOutput()) out() << "Not logged in; nothing to do.\n";
    return ApiOk();
  }

  ApiClient client(*deps_.http_client, connection->server, connection->token);
  auto answer = client.Post("/api/v1/auth/logout", Json::object());
  bool revoked = answer.ok();
  // A token the server already rejects is as good as revoked.
  bool dead = !answer.ok() && answer.error().kind == ApiError::Kind::kApi &&
              answer.error().http_status == 401;
  bool unreachable = !answer.ok() && answer.error().kind == ApiError::Kind::kUnreachable;

  if (connection->from_saved && (revoked || dead || unreachable)) {
    auto removed = RemoveCredentials(connection->credentials_path);
    if (!removed.ok()) return std::move(removed).error();
  }
  if (unreachable) {
    ApiError error = std::move(answer).error();
    if (connection->from_saved) {
      error.message += fmt::format(
          "; removed the saved login, but the session stays valid on the server until it "
          "expires ({})",
          connection->expires_at.empty() ? "unknown" : connection->expires_at);
    }
    return error;
  }
  if (!answer.ok() && !dead) return std::move(answer).error();
  if (!JsonOutput()) out() << fmt::format("Logged out of {}.\n", connection->server);
  return ApiOk();
}

ApiStatus ClientCommands::Whoami() {
  auto connection = Resolve();
  if (!connection.ok()) return std::move(connection).error();
  ApiClient client(*deps_.http_client, connection->server, connection->token);
  auto me = client.Get("/api/v1/me");
  if (!me.ok()) return std::move(me).error();
  if (JsonOutput()) {
    PrintJson(out(), *me);
    return ApiOk();
  }
  const Json& user = *me;
  std::string token = "-";
  if (user.contains("token") && user["token"].is_object()) {
    const Json& t = user["token"];
    std::string kind = Text(t, "kind");
    token = kind == "api" ? fmt::format("API token for team {}", Text(t, "team_id")) : kind;
    token += ", expires " + HumanTime(Field(t, "expires_at"), *deps_.clock, "never");
  }
  PrintFields(out(), {{"Server", connection->server},
                      {"User", fmt::format("{} (id {})", Text(user, "username"), Text(user, "id"))},
                      {"Name", Text(user, "display_name")},
                      {"Email", Text(user, "email")},
                      {"Admin", YesNo(user, "is_admin")},
                      {"Token", token}});
  if (user.contains("teams") && user["teams"].is_array() && !user["teams"].empty()) {
    out() << "\n";
    Table teams({"team id", "team", "role"});
    for (const Json& team : user["teams"]) {
      teams.AddRow({Text(team, "id"), Text(team, "name"), Text(team, "role")});
    }
    teams.Print(out());
  } else {
    out() << "\nNot a member of any team.\n";
  }
  return ApiOk();
}

// ---- registration

void ClientCommands::Register(CLI::App& app) {
  const char* kGroup = "Client options";
  app.add_option("--server", options_.server,
                 "URL of the Sluice server (default: SLUICE_SERVER, else the saved login)")
      ->group(kGroup);
  app.add_option("--token", options_.token,
                 "API or session token to use instead of the saved login (prefer SLUICE_TOKEN: "
                 "command lines are visible to other users)")
      ->group(kGroup);
  app.add_option("-o,--output", options_.output, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->group(kGroup);

  // Leaf commands pass options they do not know (the client options) up to their parents, so
  // `sluice user list --output json` works as well as `sluice --output json user list`.
  auto* sub = &AddCommand;
  auto* group = &AddCommandGroup;

  CLI::App* login = sub(&app, "login", "log in and save the session for later commands");
  login->add_option("--username,-u", options_.username, "user name (asked for on a terminal)");
  AddPasswordOptions(login);
  login->callback(Bind(&ClientCommands::Login));

  sub(&app, "logout", "revoke the saved session and forget it")
      ->callback(Bind(&ClientCommands::Logout));
  sub(&app, "whoami", "show the user, their teams and the token in use")
      ->callback(Bind(&ClientCommands::Whoami));

  // users
  CLI::App* user = group(&app, "user", "manage users (administrators)");
  CLI::App* user_list = sub(user, "list", "list users");
  AddListOptions(user_list);
  user_list->add_option("-q,--query", options_.query, "only names containing this");
  user_list->callback(Bind(&ClientCommands::UserList));

  CLI::App* user_create = sub(user, "create", "create a user");
  user_create->add_option("--username", options_.username, "user name")->required();
  AddPasswordOptions(user_create);
  user_create->add_option("--display-name", options_.display_name, "full name");
  user_create->add_option("--email", options_.email, "e-mail address");
  user_create->add_flag("--admin", options_.admin, "make an administrator");
  user_create->callback(Bind(&ClientCommands::UserCreate));

  CLI::App* user_show = sub(user, "show", "show a user");
  user_show->add_option("USER", options_.user, "id or user name")->required();
  user_show->callback(Bind(&ClientCommands::UserShow));

  CLI::App* user_update = sub(user, "update", "change a user");
  user_update->add_option("USER", options_.user, "id or user name")->required();
  display_name_opt_ = user_update->add_option("--display-name", options_.display_name, "full name");
  email_opt_ = user_update->add_option("--email", options_.email, "e-mail address");
  AddPasswordOptions(user_update);
  auto* admin = user_update->add_flag("--admin", options_.admin, "make an administrator");
  auto* no_admin =
      user_update->add_flag("--no-admin", options_.no_admin, "take administrator rights away");
  admin->excludes(no_admin);
  auto* disable =
      user_update->add_flag("--disable", options_.disable, "disable: no log in, tokens revoked");
  auto* enable = user_update->add_flag("--enable", options_.enable, "enable again");
  disable->excludes(enable);
  user_update->callback(Bind(&ClientCommands::UserUpdate));

  CLI::App* user_delete = sub(user, "delete", "delete a user");
  user_delete->add_option("USER", options_.user, "id or user name")->required();
  user_delete->callback(Bind(&ClientCommands::UserDelete));

  // teams
  CLI::App* team = group(&app, "team", "manage teams and their members");
  CLI::App* team_list = sub(team, "list", "list the teams you can see");
  AddListOptions(team_list);
  team_list->add_option("-q,--query", options_.query, "only names containing this");
  team_list->callback(Bind(&ClientCommands::TeamList));

  CLI::App* team_create = sub(team, "create", "create a team (administrators)");
  team_create->add_option("NAME", options_.name, "team name")->required();
  team_create->add_option("--description", options_.description, "what the team is for");
  team_create->callback(Bind(&ClientCommands::TeamCreate));

  CLI::App* team_show = sub(team, "show", "show a team");
  team_show->add_option("TEAM", options_.team, "id or name")->required();
  team_show->callback(Bind(&ClientCommands::TeamShow));

  CLI::App* team_update = sub(team, "update", "rename a team or change its description");
  team_update->add_option("TEAM", options_.team, "id or name")->required();
  name_opt_ = team_update->add_option("--name", options_.name, "new name");
  description_opt_ =
      team_update->add_option("--description", options_.description, "new description");
  team_update->callback(Bind(&ClientCommands::TeamUpdate));

  CLI::App* team_delete = sub(team, "delete", "delete a team, its memberships and tokens");
  team_delete->add_option("TEAM", options_.team, "id or name")->required();
  team_delete->callback(Bind(&ClientCommands::TeamDelete));

  auto roles = CLI::IsMember({"owner", "developer", "viewer"});
  CLI::App* member = group(team, "member", "manage the members of a team");
  CLI::App* member_list = sub(member, "list", "list the members of a team");
  member_list->add_option("TEAM", options_.team, "id or name")->required();
  AddListOptions(member_list);
  member_list->callback(Bind(&ClientCommands::MemberList));

  CLI::App* member_add = sub(member, "add", "add a user to a team");
  member_add->add_option("TEAM", options_.team, "id or name")->required();
  member_add->add_option("USER", options_.user, "user id or user name")->required();
  member_add->add_option("--role", options_.role, "owner, developer or viewer")
      ->required()
      ->check(roles);
  member_add->callback(Bind(&ClientCommands::MemberAdd));

  CLI::App* member_role = sub(member, "set-role", "change a member's role");
  member_role->add_option("TEAM", options_.team, "id or name")->required();
  member_role->add_option("USER", options_.user, "user id or user name")->required();
  member_role->add_option("ROLE", options_.role, "owner, developer or viewer")
      ->required()
      ->check(roles);
  member_role->callback(Bind(&ClientCommands::MemberSetRole));

  CLI::App* member_remove = sub(member, "remove", "remove a user from a team");
  member_remove->add_option("TEAM", options_.team, "id or name")->required();
  member_remove->add_option("USER", options_.user, "user id or user name")->required();
  member_remove->callback(Bind(&ClientCommands::MemberRemove));

  // API tokens
  CLI::App* token = group(&app, "token", "manage API tokens (for CI pipelines)");
  CLI::App* token_create = sub(token, "create", "create an API token; prints the secret once");
  token_create->add_option("--name", options_.name, "what the token is for")->required();
  token_create->add_option("--team", options_.team, "team id or name it acts for")->required();
  token_create->add_option("--expires-at", options_.expires_at,
                           "RFC 3339 time, e.g. 2027-01-31T00:00:00Z (default: never)");
  token_create->callback(Bind(&ClientCommands::TokenCreate));

  CLI::App* token_list = sub(token, "list", "list your API tokens");
  AddListOptions(token_list);
  token_list->add_flag("--all", options_.all, "everyone's tokens (administrators)");
  token_list->callback(Bind(&ClientCommands::TokenList));

  CLI::App* token_revoke = sub(token, "revoke", "revoke an API token");
  token_revoke->add_option("ID", options_.id, "token id")->required();
  token_revoke->callback(Bind(&ClientCommands::TokenRevoke));

  RegisterFlink(app);
  RegisterApps(app);
  RegisterSql(app);
  RegisterProjects(app);
}

// ---- the program's wiring

namespace {

ClientCommands& ProgramCommands() {
  static http::CurlHttpClient http_client(
      http::CurlHttpClientOptions{.user_agent = "sluice-cli/" SLUICE_VERSION});
  static TerminalConsole console;
  static ClientCommands commands(
      ClientDeps{&http_client, &console, &SystemClock::Instance(), ProcessEnv});
  return commands;
}

}  // namespace

void RegisterClientCommands(CLI::App& app) { ProgramCommands().Register(app); }

int ExitCode() { return ProgramCommands().exit_code(); }

int ExitForParseError(CLI::App& app, const CLI::ParseError& error, std::ostream& out,
                      std::ostream& err) {
  if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
    app.exit(error, out, err);  // --help, --help-all, --version
    return kExitOk;
  }
  err << "error: " << error.what() << "\nRun with --help for more information.\n";
  return kExitUsage;
}

}  // namespace sluice::cli
