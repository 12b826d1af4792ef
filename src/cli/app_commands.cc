// The application commands of ClientCommands (commands.h): `sluice app ...` over /api/v1/apps and
// /api/v1/operations. Actions (deploy, stop, savepoint) answer an operation at once; with --wait
// they poll it (and, for a deploy, the app until its job runs) up to a deadline.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/command_helpers.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace sluice::cli {

namespace {

// How often --wait asks for the operation, then the app.
constexpr std::chrono::milliseconds kPollInterval{1000};

std::string AppPath(int64_t id) { return fmt::format("/api/v1/apps/{}", id); }

// Team names by id, from every page of GET /api/v1/teams; empty when it cannot be read (ids are
// shown then).
std::map<int64_t, std::string> TeamNames(ApiClient& client) {
  std::map<int64_t, std::string> names;
  auto teams = client.Get("/api/v1/teams", {{"limit", "1000"}});
  if (!teams.ok()) return names;
  for (const Json& team : Items(*teams)) {
    if (Field(team, "id").is_number_integer()) {
      names[team["id"].get<int64_t>()] = StringField(team, "name");
    }
  }
  return names;
}

// "default" for a team in `names`, else its id.
std::string TeamLabel(const std::map<int64_t, std::string>& names, const Json& team_id) {
  if (!team_id.is_number_integer()) return "-";
  auto it = names.find(team_id.get<int64_t>());
  return it != names.end() ? it->second : team_id.dump();
}

// "3/4": the deployed version (or "-") and the draft.
std::string VersionCell(const Json& app) {
  return fmt::format("{}/{}", Text(app, "version"), Text(app, "draft_version"));
}

// The first 8 characters of the job id, or "-".
std::string ShortJob(const Json& app) {
  std::string job = StringField(app, "job_id");
  return job.empty() ? "-" : job.substr(0, 8);
}

// "deploy RUNNING (12)" for the operation in flight, or "-".
std::string OperationCell(const Json& op) {
  if (!op.is_object()) return "-";
  return fmt::format("{} {} ({})", Text(op, "kind"), Text(op, "state"), Text(op, "id"));
}

std::string TargetText(const Json& target) {
  std::string mode = StringField(target, "mode");
  if (mode == "session") return fmt::format("session cluster {}", Text(target, "cluster_id"));
  return mode.empty() ? "-" : mode + " mode";
}

// "key=value, key=value" from a JSON object; "-" when empty or missing.
std::string JoinedSettings(const Json& object) {
  std::string out;
  if (object.is_object()) {
    for (const auto& [key, value] : object.items()) {
      if (!out.empty()) out += ", ";
      out += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  return out.empty() ? "-" : out;
}

std::string DependenciesText(const Json& deps) {
  std::string out;
  if (Field(deps, "maven").is_array()) {
    for (const Json& m : deps["maven"]) {
      if (!out.empty()) out += ", ";
      out += fmt::format("{}:{}:{}", StringField(m, "group"), StringField(m, "artifact"),
                         StringField(m, "version"));
    }
  }
  if (Field(deps, "resources").is_array()) {
    for (const Json& r : deps["resources"]) {
      if (!out.empty()) out += ", ";
      out += "resource " + r.dump();
    }
  }
  return out.empty() ? "-" : out;
}

std::string JarText(const Json& jar) {
  if (!jar.is_object()) return "-";
  std::string out;
  if (Field(jar, "resource_id").is_null()) {
    const Json& artifact = Field(jar, "project_artifact");
    out = "project " + Text(artifact, "project_id") + " " + Text(artifact, "module") + "/" +
          Text(artifact, "jar");
  } else {
    out = "resource " + Text(jar, "resource_id");
  }
  out += ", main class " + Text(jar, "main_class");
  if (Field(jar, "args").is_array() && !jar["args"].empty()) {
    out += ", args:";
    for (const Json& a : jar["args"])
      out += " " + (a.is_string() ? a.get<std::string>() : a.dump());
  }
  return out;
}

// The versioned fields of an app or a version, as "key: value" lines.
void AddSpecFields(std::vector<std::pair<std::string, std::string>>& fields, const Json& spec) {
  fields.emplace_back("Environment", Text(spec, "flink_env_id"));
  fields.emplace_back("Target", TargetText(Field(spec, "target")));
  fields.emplace_back("Parallelism", Text(spec, "parallelism"));
  fields.emplace_back("Options", JoinedSettings(Field(spec, "options")));
  fields.emplace_back("Dependencies", DependenciesText(Field(spec, "dependencies")));
  if (!Field(spec, "jar").is_null()) fields.emplace_back("Jar", JarText(Field(spec, "jar")));
}

// The texts of a spec after its fields: configuration, dynamic properties, then the SQL.
void PrintSpecTexts(std::ostream& out, const Json& spec) {
  if (std::string config = StringField(spec, "config_yaml"); !config.empty()) {
    out << "\nConfiguration (YAML):\n";
    PrintText(out, config);
  }
  if (std::string props = StringField(spec, "dynamic_properties"); !props.empty()) {
    out << "\nDynamic properties:\n";
    PrintText(out, props);
  }
  if (Field(spec, "sql").is_string()) {
    out << "\nSQL:\n";
    PrintText(out, StringField(spec, "sql"));
  }
}

// The KEY=VALUE options, over `base` (an object, or null).
ApiResult<Json> ParseOptions(const std::vector<std::string>& given, const Json& base) {
  Json options = base.is_object() ? base : Json::object();
  for (const std::string& option : given) {
    size_t eq = option.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ApiError::Usage(
          fmt::format("--option: '{}' is not KEY=VALUE, e.g. --option pipeline.name=orders",
                      Printable(option)));
    }
    options[option.substr(0, eq)] = option.substr(eq + 1);
  }
  return options;
}

// Job states a deploy --wait keeps waiting through.
bool DeployStillStarting(const std::string& state) {
  return state == "DEPLOYING" || state == "INITIALIZING" || state == "CREATED" ||
         state == "RECONCILING" || state == "RESTARTING";
}

ApiError Failure(std::string code, std::string message) {
  return ApiError{ApiError::Kind::kApi, std::move(code), std::move(message)};
}

}  // namespace

// ---- lookups and inputs

ApiResult<int64_t> ClientCommands::ResolveApp(ApiClient& client, const std::string& app) {
  if (auto id = ParseId(app)) return *id;
  std::optional<int64_t> team_id;
  if (!options_.team.empty()) {
    CLI_ASSIGN_OR_RETURN(team, ResolveTeam(client, options_.team));
    team_id = team;
  }
  // ?q= matches parts of names: keep the exact matches, from every page.
  std::vector<Json> matches;
  int64_t offset = 0;
  for (;;) {
    QueryParams query = {{"q", app}, {"limit", "1000"}, {"offset", std::to_string(offset)}};
    if (team_id) query.emplace_back("team_id", std::to_string(*team_id));
    CLI_ASSIGN_OR_RETURN(page, client.Get("/api/v1/apps", query));
    if (!Field(page, "items").is_array()) {
      return Failure("BAD_RESPONSE", "the server answered GET /api/v1/apps without a list");
    }
    for (const Json& item : page["items"]) {
      if (StringField(item, "name") == app && Field(item, "id").is_number_integer()) {
        matches.push_back(item);
      }
    }
    offset += static_cast<int64_t>(page["items"].size());
    if (page["items"].empty() || offset >= IntField(page, "total")) break;
  }
  if (matches.empty()) {
    return NotFound("APP_NOT_FOUND",
                    team_id
                        ? fmt::format("no application named '{}' in team {}", Printable(app),
                                      Printable(options_.team))
                        : fmt::format("no application named '{}' in your teams", Printable(app)));
  }
  if (matches.size() == 1) return matches[0]["id"].get<int64_t>();
  std::map<int64_t, std::string> names = TeamNames(client);
  std::string teams;
  for (const Json& m : matches) {
    if (!teams.empty()) teams += ", ";
    teams += fmt::format("{} (app id {})", Printable(TeamLabel(names, Field(m, "team_id"))),
                         Text(m, "id"));
  }
  return Failure("APP_AMBIGUOUS",
                 fmt::format("{} applications are named '{}', in teams {}: pick one with --team "
                             "TEAM, or give the app id",
                             matches.size(), Printable(app), teams));
}

ApiResult<std::string> ClientCommands::ReadInputFile(const std::string& path, const char* flag) {
  if (path == "-") {
    auto text = deps_.console->ReadStdin();
    if (!text.ok()) return std::move(text).error();
    return std::move(*text);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ApiError::Usage(fmt::format("{}: cannot read {}: {}", flag, path, std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ApiError::Usage(fmt::format("{}: cannot read {}", flag, path));
  return text.str();
}

ApiResult<Json> ClientCommands::AppBody(ApiClient& client, const Json& current) {
  const bool create = current.is_null();
  const std::string kind = create ? options_.kind : StringField(current, "kind");
  const bool jar_flags = JarFlags();
  CLI_ASSIGN_OR_RETURN(checked, CheckDefinitionFlags(kind));
  (void)checked;

  Json body = Json::object();
  if (!options_.sql_file.empty()) {
    CLI_ASSIGN_OR_RETURN(sql, ReadInputFile(options_.sql_file, "--sql-file"));
    body["sql"] = sql;
  }
  if (!options_.config_file.empty()) {
    CLI_ASSIGN_OR_RETURN(config, ReadInputFile(options_.config_file, "--config-file"));
    body["config_yaml"] = config;
  }
  if (!options_.dynamic_properties_file.empty()) {
    CLI_ASSIGN_OR_RETURN(
        props, ReadInputFile(options_.dynamic_properties_file, "--dynamic-properties-file"));
    body["dynamic_properties"] = props;
  }
  if (!options_.app_options.empty()) {
    CLI_ASSIGN_OR_RETURN(merged, ParseOptions(options_.app_options, Field(current, "options")));
    body["options"] = merged;
  }
  if (options_.parallelism > 0) body["parallelism"] = options_.parallelism;
  if (jar_flags) {
    Json jar = Field(current, "jar").is_object() ? current["jar"] : Json::object();
    if (options_.resource_id > 0) {
      jar.erase("project_artifact");
      jar["resource_id"] = options_.resource_id;
    }
    if (!options_.main_class.empty()) jar["main_class"] = options_.main_class;
    if (!options_.args.empty()) jar["args"] = options_.args;
    body["jar"] = jar;
  }
  if (!options_.description.empty()) body["description"] = options_.description;
  if (!options_.env.empty()) {
    CLI_ASSIGN_OR_RETURN(env_id, ResolveEnv(client, options_.env));
    body["flink_env_id"] = env_id;
  }
  if (!options_.cluster.empty()) {
    CLI_ASSIGN_OR_RETURN(cluster_id, ResolveCluster(client, options_.cluster));
    body["target"] = {{"mode", "session"}, {"cluster_id", cluster_id}};
  } else if (create) {
    body["target"] = {{"mode", "application"}};
  }
  return body;
}

// ---- definitions

ApiStatus ClientCommands::AppList() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  QueryParams query = ListQuery();
  if (!options_.team.empty()) {
    CLI_ASSIGN_OR_RETURN(team_id, ResolveTeam(client, options_.team));
    query.emplace_back("team_id", std::to_string(team_id));
  }
  if (!options_.state.empty()) query.emplace_back("state", options_.state);
  if (!options_.kind.empty()) query.emplace_back("kind", options_.kind);
  CLI_ASSIGN_OR_RETURN(list, client.Get("/api/v1/apps", query));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  if (Items(list).empty()) {
    out() << "No applications.\n";
    return ApiOk();
  }
  std::map<int64_t, std::string> teams = TeamNames(client);
  Table table({"id", "name", "team", "kind", "state", "version/draft", "job", "operation"});
  for (const Json& a : Items(list)) {
    table.AddRow({Text(a, "id"), Text(a, "name"), TeamLabel(teams, Field(a, "team_id")),
                  Text(a, "kind"), Text(a, "state"), VersionCell(a), ShortJob(a),
                  OperationCell(Field(a, "operation"))});
  }
  table.Print(out());
  PrintMore(list, "applications");
  return ApiOk();
}

bool ClientCommands::JarFlags() const {
  return options_.resource_id > 0 || !options_.main_class.empty() || !options_.args.empty();
}

ApiStatus ClientCommands::CheckDefinitionFlags(const std::string& kind) const {
  if (kind == "sql" && JarFlags()) {
    return ApiError::Usage(
        "--resource-id, --main-class and --arg are for jar apps; a sql app runs --sql-file");
  }
  if (kind == "jar" && !options_.sql_file.empty()) {
    return ApiError::Usage("--sql-file is for sql apps; a jar app runs --resource-id's jar");
  }
  int stdin_readers = (options_.sql_file == "-") + (options_.config_file == "-") +
                      (options_.dynamic_properties_file == "-");
  if (stdin_readers > 1) return ApiError::Usage("only one file can be read from stdin (-)");
  return ApiOk();
}

ApiStatus ClientCommands::AppCreate() {
  if (options_.kind.empty()) options_.kind = "sql";
  // Everything the command line alone can tell is checked before the first request.
  CLI_ASSIGN_OR_RETURN(checked, CheckDefinitionFlags(options_.kind));
  (void)checked;
  CLI_ASSIGN_OR_RETURN(parsed, ParseOptions(options_.app_options, Json()));
  (void)parsed;
  if (options_.kind == "sql" && options_.sql_file.empty()) {
    return ApiError::Usage("a sql app needs --sql-file FILE (its statements; - reads stdin)");
  }
  if (options_.kind == "jar" && options_.resource_id == 0) {
    return ApiError::Usage(
        "a jar app needs --resource-id ID (an uploaded jar) and --main-class CLASS");
  }
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(team_id, ResolveTeam(client, options_.team));
  CLI_ASSIGN_OR_RETURN(body, AppBody(client, Json()));
  body["name"] = options_.name;
  body["team_id"] = team_id;
  body["kind"] = options_.kind;
  CLI_ASSIGN_OR_RETURN(app, client.Post("/api/v1/apps", body));
  if (JsonOutput()) {
    PrintJson(out(), app);
    return ApiOk();
  }
  out() << fmt::format(
      "Created {} application {} (id {}) in team {}: version {}, {}; deploy it with `sluice app "
      "deploy {}`.\n",
      Printable(Text(app, "kind")), Printable(Text(app, "name")), Text(app, "id"),
      Printable(options_.team), Text(app, "draft_version"), Printable(Text(app, "state")),
      Printable(Text(app, "name")));
  return ApiOk();
}

ApiStatus ClientCommands::AppUpdate() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveApp(client, options_.app));
  CLI_ASSIGN_OR_RETURN(current, client.Get(AppPath(id)));
  CLI_ASSIGN_OR_RETURN(body, AppBody(client, current));
  if (body.empty()) {
    return ApiError::Usage(
        "nothing to change: give --sql-file, --config-file, --dynamic-properties-file, --option, "
        "--parallelism, --env, --cluster, --description, or for jar apps --resource-id, "
        "--main-class, --arg");
  }
  if (!options_.note.empty()) body["note"] = options_.note;
  CLI_ASSIGN_OR_RETURN(app, client.Patch(AppPath(id), body));
  if (JsonOutput()) {
    PrintJson(out(), app);
    return ApiOk();
  }
  std::string who = fmt::format("{} (id {})", Printable(Text(app, "name")), Text(app, "id"));
  if (Field(app, "draft_version") == Field(current, "draft_version")) {
    out() << fmt::format(
        "Updated {}: the definition did not change, the draft is still version "
        "{}.\n",
        who, Text(app, "draft_version"));
  } else {
    out() << fmt::format(
        "Updated {}: version {} is the draft (deployed: {}); deploy it with `sluice app deploy "
        "{}`.\n",
        who, Text(app, "draft_version"), Text(app, "version"), Printable(Text(app, "name")));
  }
  return ApiOk();
}

ApiStatus ClientCommands::AppShow() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveApp(client, options_.app));
  CLI_ASSIGN_OR_RETURN(app, client.Get(AppPath(id)));
  if (JsonOutput()) {
    PrintJson(out(), app);
    return ApiOk();
  }
  std::map<int64_t, std::string> teams = TeamNames(client);
  const Clock& clock = *deps_.clock;
  std::vector<std::pair<std::string, std::string>> fields = {
      {"ID", Text(app, "id")},
      {"Name", Text(app, "name")},
      {"Team",
       fmt::format("{} (id {})", TeamLabel(teams, Field(app, "team_id")), Text(app, "team_id"))},
      {"Kind", Text(app, "kind")},
      {"State", Text(app, "state")},
      {"Since", HumanTime(Field(app, "state_changed_at"), clock)},
      {"Operation", OperationCell(Field(app, "operation"))},
      {"Job", Text(app, "job_id")},
      {"Cluster", Text(app, "cluster_id")},
      {"Web URL", Text(app, "web_url")},
      {"Started", HumanTime(Field(app, "started_at"), clock)},
      {"Last error", Text(app, "last_error")},
      {"Deployed version", Text(app, "version")},
      {"Draft version", Text(app, "draft_version")}};
  AddSpecFields(fields, app);
  fields.emplace_back("Description", Text(app, "description"));
  fields.emplace_back("Created", HumanTime(Field(app, "created_at"), clock));
  fields.emplace_back("Updated", HumanTime(Field(app, "updated_at"), clock));
  PrintFields(out(), fields);
  PrintSpecTexts(out(), app);
  return ApiOk();
}

ApiStatus ClientCommands::AppDelete() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveApp(client, options_.app));
  CLI_ASSIGN_OR_RETURN(answer, client.Delete(AppPath(id)));
  (void)answer;
  if (!JsonOutput()) {
    out() << fmt::format("Deleted application {}.\n", Described(options_.app, id));
  }
  return ApiOk();
}

ApiStatus ClientCommands::AppVersions() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveApp(client, options_.app));
  if (options_.show_version > 0) {
    CLI_ASSIGN_OR_RETURN(
        version, client.Get(fmt::format("{}/versions/{}", AppPath(id), options_.show_version)));
    if (JsonOutput()) {
      PrintJson(out(), version);
      return ApiOk();
    }
    std::vector<std::pair<std::string, std::string>> fields = {
        {"Version", Text(version, "version")},
        {"Draft", YesNo(version, "draft")},
        {"Deployed", YesNo(version, "deployed")}};
    AddSpecFields(fields, version);
    PrintFields(out(), fields);
    PrintSpecTexts(out(), version);
    return ApiOk();
  }
  CLI_ASSIGN_OR_RETURN(list, client.Get(AppPath(id) + "/versions", ListQuery()));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  Table table({"version", "draft", "deployed", "note", "by", "created"});
  for (const Json& v : Items(list)) {
    table.AddRow({Text(v, "version"), YesNo(v, "draft"), YesNo(v, "deployed"), Text(v, "note"),
                  Text(v, "created_by"), HumanTime(Field(v, "created_at"), *deps_.clock)});
  }
  if (table.empty()) {
    out() << "No versions.\n";
  } else {
    table.Print(out());
    PrintMore(list, "versions");
  }
  return ApiOk();
}

ApiStatus ClientCommands::AppEvents() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveApp(client, options_.app));
  CLI_ASSIGN_OR_RETURN(list, client.Get(AppPath(id) + "/events", ListQuery()));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  Table table({"at", "kind", "change", "cause", "by", "operation"});
  for (const Json& e : Items(list)) {
    std::string change = Field(e, "from").is_string()
                             ? fmt::format("{} -> {}", Text(e, "from"), Text(e, "to"))
                             : "-";
    table.AddRow({HumanTime(Field(e, "at"), *deps_.clock), Text(e, "kind"), change,
                  Text(e, "cause"), Text(e, "user"), Text(e, "operation_id")});
  }
  if (table.empty()) {
    out() << "No events.\n";
  } else {
    table.Print(out());
    PrintMore(list, "events");
  }
  return ApiOk();
}

ApiStatus ClientCommands::AppSavepoints() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveApp(client, options_.app));
  CLI_ASSIGN_OR_RETURN(list, client.Get(AppPath(id) + "/savepoints", ListQuery()));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  Table table({"id", "kind", "path", "job", "created"});
  for (const Json& s : Items(list)) {
    table.AddRow({Text(s, "id"), Text(s, "kind"), Text(s, "path"), Text(s, "job_id"),
                  HumanTime(Field(s, "created_at"), *deps_.clock)});
  }
  if (table.empty()) {
    out() << "No savepoints or retained checkpoints.\n";
  } else {
    table.Print(out());
    PrintMore(list, "savepoints");
  }
  return ApiOk();
}

ApiStatus ClientCommands::AppLogs() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveApp(client, options_.app));
  CLI_ASSIGN_OR_RETURN(text, client.GetText(AppPath(id) + "/logs/start"));
  if (JsonOutput()) {
    PrintJson(out(), {{"app_id", id}, {"log", text}});
  } else {
    PrintText(out(), text);
  }
  return ApiOk();
}

// ---- actions

ApiResult<Json> ClientCommands::WaitForOperation(ApiClient& client, Json op, TimePoint deadline) {
  const std::string path = fmt::format("/api/v1/operations/{}", Text(op, "id"));
  std::string shown;
  for (;;) {
    std::string state = StringField(op, "state");
    if (state != shown && !JsonOutput()) {
      err() << fmt::format("operation {} ({}): {}\n", Text(op, "id"), Printable(Text(op, "kind")),
                           Printable(state.empty() ? "-" : state));
    }
    shown = state;
    if (state == "SUCCEEDED" || state == "FAILED") return op;
    TimePoint now = deps_.clock->Now();
    if (now >= deadline) {
      return Failure("OPERATION_TIMEOUT",
                     fmt::format("operation {} ({} of {}) is still {} after {} s; it goes on on "
                                 "the server: see `sluice app events {}`",
                                 Text(op, "id"), Printable(Text(op, "kind")),
                                 Described(options_.app, IntField(op, "app_id")), Printable(state),
                                 options_.timeout_seconds, Printable(options_.app)));
    }
    Sleep(std::min<std::chrono::milliseconds>(
        kPollInterval, std::chrono::ceil<std::chrono::milliseconds>(deadline - now)));
    CLI_ASSIGN_OR_RETURN(polled, PollGet(client, path, deadline));
    op = std::move(polled);
  }
}

ApiResult<Json> ClientCommands::PollGet(ApiClient& client, const std::string& path,
                                        TimePoint deadline) {
  bool noted = false;
  for (;;) {
    ApiResult<Json> answer = client.Get(path);
    if (answer.ok() || answer.error().kind != ApiError::Kind::kUnreachable) return answer;
    TimePoint now = deps_.clock->Now();
    if (now >= deadline) return answer;
    if (!noted && !JsonOutput()) {
      err() << fmt::format("{}; asking again until the deadline\n", answer.error().message);
    }
    noted = true;
    Sleep(std::min<std::chrono::milliseconds>(
        kPollInterval, std::chrono::ceil<std::chrono::milliseconds>(deadline - now)));
  }
}

ApiStatus ClientCommands::RunAppAction(const char* path_suffix, const Json& body,
                                       const char* doing) {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveApp(client, options_.app));
  const TimePoint deadline = deps_.clock->Now() + std::chrono::seconds(options_.timeout_seconds);
  CLI_ASSIGN_OR_RETURN(started, client.Post(AppPath(id) + path_suffix, body));
  const std::string who = Described(options_.app, id);
  const std::string kind = StringField(started, "kind");
  if (!options_.wait) {
    if (JsonOutput()) {
      PrintJson(out(), started);
    } else {
      out() << fmt::format(
          "{} {}: operation {} is {}; follow it with `sluice app show {}`, or run with --wait.\n",
          doing, who, Text(started, "id"), Printable(Text(started, "state")),
          Printable(options_.app));
    }
    return ApiOk();
  }
  if (!JsonOutput()) {
    err() << fmt::format("{} {}: waiting up to {} s for operation {}...\n", doing, who,
                         options_.timeout_seconds, Text(started, "id"));
  }
  CLI_ASSIGN_OR_RETURN(op, WaitForOperation(client, std::move(started), deadline));
  if (StringField(op, "state") == "FAILED") {
    if (JsonOutput()) PrintJson(out(), op);
    const Json& error = Field(op, "error");
    std::string code = StringField(error, "code");
    std::string message = StringField(error, "message");
    return Failure(code.empty() ? "OPERATION_FAILED" : code,
                   fmt::format("{} of {} failed: {}", Printable(kind), who,
                               message.empty() ? "no reason given" : message));
  }
  const Json& result = Field(op, "result");
  if (kind == "stop") {
    if (JsonOutput()) {
      PrintJson(out(), op);
    } else {
      std::string savepoint = StringField(result, "savepoint");
      out() << fmt::format("Stopped {}: job {} is {}{}.\n", who, Printable(Text(result, "job_id")),
                           Printable(Text(result, "state")),
                           savepoint.empty() ? "" : "; savepoint at " + Printable(savepoint));
    }
    return ApiOk();
  }
  if (kind == "savepoint") {
    if (JsonOutput()) {
      PrintJson(out(), op);
    } else {
      out() << fmt::format("Took a savepoint of {} (job {}): {}\n", who,
                           Printable(Text(result, "job_id")), Printable(Text(result, "savepoint")));
    }
    return ApiOk();
  }

  // A deploy's operation ends when the job is submitted; the app turns RUNNING a moment later.
  if (!JsonOutput()) {
    err() << fmt::format("submitted job {} (version {}); waiting for it to run...\n",
                         Printable(Text(result, "job_id")), Text(result, "version"));
  }
  std::string shown;
  for (;;) {
    CLI_ASSIGN_OR_RETURN(app, PollGet(client, AppPath(id), deadline));
    std::string state = StringField(app, "state");
    if (state != shown && !JsonOutput()) {
      err() << fmt::format("application {}: {}\n", who, Printable(state.empty() ? "-" : state));
    }
    shown = state;
    if (state == "RUNNING" || state == "FINISHED") {
      if (JsonOutput()) {
        PrintJson(out(), {{"operation", op}, {"app", app}});
      } else {
        out() << fmt::format("Application {} is {}: job {}, version {}; web UI at {}.\n", who,
                             state, Printable(Text(app, "job_id")), Text(app, "version"),
                             Printable(Text(app, "web_url")));
      }
      return ApiOk();
    }
    if (!DeployStillStarting(state)) {
      if (JsonOutput()) PrintJson(out(), {{"operation", op}, {"app", app}});
      std::string last_error = StringField(app, "last_error");
      return Failure("APP_DEPLOY_FAILED",
                     fmt::format("application {} is {} after the deploy{}", who,
                                 state.empty() ? "in no known state" : Printable(state),
                                 last_error.empty() ? "" : ": " + last_error));
    }
    TimePoint now = deps_.clock->Now();
    if (now >= deadline) {
      return Failure(
          "APP_TIMEOUT",
          fmt::format("application {} is still {} after {} s; see `sluice app events "
                      "{}`",
                      who, Printable(state), options_.timeout_seconds, Printable(options_.app)));
    }
    Sleep(std::min<std::chrono::milliseconds>(
        kPollInterval, std::chrono::ceil<std::chrono::milliseconds>(deadline - now)));
  }
}

ApiStatus ClientCommands::AppDeploy() {
  Json body = {{"restore", options_.restore}};
  if (options_.allow_non_restored_state) body["allow_non_restored_state"] = true;
  return RunAppAction("/deploy", body, "Deploying");
}

ApiStatus ClientCommands::AppStop() {
  Json body = {{"savepoint", options_.savepoint}};
  if (options_.drain) body["drain"] = true;
  return RunAppAction("/stop", body, options_.savepoint ? "Stopping" : "Cancelling");
}

ApiStatus ClientCommands::AppSavepoint() {
  return RunAppAction("/savepoints", Json::object(), "Taking a savepoint of");
}

// ---- registration

void ClientCommands::RegisterApps(CLI::App& root) {
  CLI::App* app = AddCommandGroup(&root, "app", "manage applications: Flink SQL and JAR jobs");
  // The APP positional and the --team that picks among same-named apps.
  auto named = [this](CLI::App* cmd) {
    cmd->add_option("APP", options_.app, "id or name")->required();
    cmd->add_option("--team", options_.team, "the team of APP, when names repeat across teams");
  };
  auto waits = [this](CLI::App* cmd, const char* until) {
    auto* wait = cmd->add_flag("--wait", options_.wait, until);
    cmd->add_option("--timeout", options_.timeout_seconds,
                    "with --wait: give up after this many seconds (default 300)")
        ->check(CLI::Range(int64_t{1}, int64_t{86400}))
        ->needs(wait);
  };
  // The definition's options, shared by create and update.
  auto definition = [this](CLI::App* cmd) {
    cmd->add_option("--sql-file", options_.sql_file, "sql: the statements (- reads stdin)");
    cmd->add_option("--cluster", options_.cluster,
                    "session cluster id or name (create without it: application mode)");
    cmd->add_option("--env", options_.env, "Flink environment id or name (default: the default)");
    cmd->add_option("--parallelism", options_.parallelism, "1 to 100000")
        ->check(CLI::Range(int64_t{1}, int64_t{100000}));
    cmd->add_option("--config-file", options_.config_file,
                    "Flink configuration as YAML text (- reads stdin)");
    cmd->add_option("--dynamic-properties-file", options_.dynamic_properties_file,
                    "one -Dkey=value a line (- reads stdin)");
    cmd->add_option("--option", options_.app_options,
                    "a Flink option KEY=VALUE (repeatable; update merges into the current ones)")
        ->allow_extra_args(false);
    cmd->add_option("--resource-id", options_.resource_id, "jar: the uploaded jar's resource id")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--main-class", options_.main_class, "jar: the entry class");
    cmd->add_option("--arg", options_.args,
                    "jar: a program argument (repeatable, in order; update replaces "
                    "them)")
        ->allow_extra_args(false);
    cmd->add_option("--description", options_.description, "what the application is for");
  };

  CLI::App* list = AddCommand(app, "list", "list the applications of your teams");
  AddListOptions(list);
  list->add_option("--team", options_.team, "only this team's (id or name)");
  list->add_option("--state", options_.state, "only apps in this state, e.g. RUNNING");
  list->add_option("--kind", options_.kind, "only sql or only jar apps")
      ->check(CLI::IsMember({"sql", "jar"}));
  list->add_option("-q,--query", options_.query, "only names containing this");
  list->callback(Bind(&ClientCommands::AppList));

  CLI::App* create = AddCommand(app, "create", "create an application (a new version 1)");
  create->add_option("NAME", options_.name, "application name (unique in its team)")->required();
  create->add_option("--team", options_.team, "team id or name")->required();
  create->add_option("--kind", options_.kind, "sql (default) or jar")
      ->check(CLI::IsMember({"sql", "jar"}));
  definition(create);
  create->callback(Bind(&ClientCommands::AppCreate));

  CLI::App* update =
      AddCommand(app, "update", "change an application; a change to its definition is a version");
  named(update);
  definition(update);
  update->add_option("--note", options_.note, "why: the new version's note");
  update->callback(Bind(&ClientCommands::AppUpdate));

  CLI::App* show = AddCommand(app, "show", "show an application: state, definition, SQL");
  named(show);
  show->callback(Bind(&ClientCommands::AppShow));

  CLI::App* deploy = AddCommand(app, "deploy", "deploy the draft version");
  named(deploy);
  deploy->add_option("--restore", options_.restore,
                     "none (default), latest, or a savepoint or checkpoint path");
  deploy->add_flag("--allow-non-restored-state", options_.allow_non_restored_state,
                   "with --restore: skip state no operator takes");
  waits(deploy, "wait until the job is RUNNING (exit 0) or the deploy fails (exit 1)");
  deploy->callback(Bind(&ClientCommands::AppDeploy));

  CLI::App* stop = AddCommand(app, "stop", "cancel the job, or stop it with a savepoint");
  named(stop);
  auto* savepoint =
      stop->add_flag("--savepoint", options_.savepoint, "stop with a savepoint (else cancel)");
  stop->add_flag("--drain", options_.drain, "with --savepoint: drain the sources first")
      ->needs(savepoint);
  waits(stop, "wait until the job has ended (exit 0) or the stop fails (exit 1)");
  stop->callback(Bind(&ClientCommands::AppStop));

  CLI::App* take = AddCommand(app, "savepoint", "take a savepoint of the running job");
  named(take);
  waits(take, "wait for the savepoint's path (exit 0) or the failure (exit 1)");
  take->callback(Bind(&ClientCommands::AppSavepoint));

  CLI::App* logs = AddCommand(app, "logs", "the start log of the newest deploy");
  named(logs);
  logs->callback(Bind(&ClientCommands::AppLogs));

  CLI::App* versions =
      AddCommand(app, "versions", "the application's versions, newest first, or one of them");
  named(versions);
  AddListOptions(versions);
  versions->add_option("--show", options_.show_version, "show version N: its SQL and config")
      ->check(CLI::PositiveNumber);
  versions->callback(Bind(&ClientCommands::AppVersions));

  CLI::App* events =
      AddCommand(app, "events", "state changes and operations, newest first, with who and why");
  named(events);
  AddListOptions(events);
  events->callback(Bind(&ClientCommands::AppEvents));

  CLI::App* savepoints =
      AddCommand(app, "savepoints", "savepoints and retained checkpoints, newest first");
  named(savepoints);
  AddListOptions(savepoints);
  savepoints->callback(Bind(&ClientCommands::AppSavepoints));

  CLI::App* remove = AddCommand(app, "delete", "delete an application that is not running");
  named(remove);
  remove->callback(Bind(&ClientCommands::AppDelete));
}

}  // namespace sluice::cli
