// The project commands of ClientCommands (commands.h): `sluice project create|list|show|build|
// logs|artifacts` over /api/v1/projects and /api/v1/builds. `build --wait` polls the build (and
// prints its log as it grows) until it ends; `logs --follow` does the same for a build's log.
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "cli/command_helpers.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace sluice::cli {

namespace {

constexpr std::chrono::milliseconds kBuildPoll{1000};

std::string ProjectPath(int64_t id) { return fmt::format("/api/v1/projects/{}", id); }

bool BuildEnded(const Json& build) {
  std::string state = StringField(build, "state");
  return !state.empty() && state != "PENDING" && state != "RUNNING";
}

std::string CredentialsText(const Json& credentials) {
  if (!credentials.is_object()) return "none";
  if (StringField(credentials, "kind") == "ssh_key") return "SSH private key (******)";
  return fmt::format("user {} (password ******)", Text(credentials, "username"));
}

}  // namespace

ApiResult<int64_t> ClientCommands::ResolveProject(ApiClient& client, const std::string& project) {
  if (auto id = ParseId(project)) return *id;
  CLI_ASSIGN_OR_RETURN(found, FindByName(client, "/api/v1/projects", "name", "id", project, false));
  if (!found) return NotFound("PROJECT_NOT_FOUND", fmt::format("no project named '{}'", project));
  return *found;
}

ApiStatus ClientCommands::ProjectList() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  QueryParams query = ListQuery();
  if (!options_.team.empty()) {
    CLI_ASSIGN_OR_RETURN(team_id, ResolveTeam(client, options_.team));
    query.emplace_back("team_id", std::to_string(team_id));
  }
  CLI_ASSIGN_OR_RETURN(list, client.Get("/api/v1/projects", query));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  if (Items(list).empty()) {
    out() << "No projects.\n";
    return ApiOk();
  }
  Table table({"id", "name", "team", "git url", "ref", "credentials"});
  for (const Json& p : Items(list)) {
    table.AddRow({Text(p, "id"), Text(p, "name"), Text(p, "team_id"), Text(p, "git_url"),
                  Text(p, "ref"), CredentialsText(Field(p, "credentials"))});
  }
  table.Print(out());
  PrintMore(list, "projects");
  return ApiOk();
}

ApiStatus ClientCommands::ProjectCreate() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(team_id, ResolveTeam(client, options_.team));
  Json body = {{"team_id", team_id}, {"name", options_.name}, {"git_url", options_.git_url}};
  if (!options_.ref.empty()) body["ref"] = options_.ref;
  if (!options_.build_args.empty()) body["build_args"] = options_.build_args;
  if (!options_.description.empty()) body["description"] = options_.description;
  if (!options_.ssh_key_file.empty() && !options_.git_username.empty()) {
    return ApiError::Usage("give either --username (and a password) or --ssh-key-file");
  }
  if (!options_.ssh_key_file.empty()) {
    CLI_ASSIGN_OR_RETURN(key, ReadInputFile(options_.ssh_key_file, "--ssh-key-file"));
    body["credentials"] = {{"private_key", key}};
  } else if (!options_.git_username.empty()) {
    CLI_ASSIGN_OR_RETURN(password, ReadPassword(false, true));
    body["credentials"] = {{"username", options_.git_username}, {"password", password}};
  }
  if (!options_.settings_file.empty()) {
    CLI_ASSIGN_OR_RETURN(settings, ReadInputFile(options_.settings_file, "--settings-file"));
    body["maven_settings"] = settings;
  }
  CLI_ASSIGN_OR_RETURN(created, client.Post("/api/v1/projects", body));
  if (JsonOutput()) {
    PrintJson(out(), created);
  } else {
    out() << fmt::format("Created project {} (id {}).\n", Printable(Text(created, "name")),
                         Text(created, "id"));
  }
  return ApiOk();
}

ApiStatus ClientCommands::ProjectShow() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveProject(client, options_.project));
  CLI_ASSIGN_OR_RETURN(project, client.Get(ProjectPath(id)));
  CLI_ASSIGN_OR_RETURN(builds, client.Get(ProjectPath(id) + "/builds", {{"limit", "5"}}));
  if (JsonOutput()) {
    Json shown = project;
    shown["builds"] = Items(builds);
    PrintJson(out(), shown);
    return ApiOk();
  }
  std::string args;
  for (const Json& a : Field(project, "build_args")) {
    args += (args.empty() ? "" : " ") + (a.is_string() ? a.get<std::string>() : a.dump());
  }
  PrintFields(out(), {{"ID", Text(project, "id")},
                      {"Name", Text(project, "name")},
                      {"Team", Text(project, "team_id")},
                      {"Git URL", Text(project, "git_url")},
                      {"Ref", Text(project, "ref")},
                      {"Credentials", CredentialsText(Field(project, "credentials"))},
                      {"Build args", args.empty() ? "-" : args},
                      {"settings.xml", Field(project, "maven_settings").is_null() ? "-" : "set"},
                      {"Description", Text(project, "description")}});
  if (!Items(builds).empty()) {
    out() << "\nRecent builds:\n";
    Table table({"build", "state", "commit", "created", "duration ms", "error"});
    for (const Json& b : Items(builds)) {
      std::string commit = StringField(b, "commit");
      table.AddRow({Text(b, "id"), Text(b, "state"), commit.empty() ? "-" : commit.substr(0, 12),
                    Text(b, "created_at"), Text(b, "duration_ms"),
                    Field(b, "error").is_object() ? Text(b["error"], "code") : "-"});
    }
    table.Print(out());
  }
  return ApiOk();
}

ApiStatus ClientCommands::FollowBuild(ApiClient& client, int64_t build_id, bool print_log,
                                      TimePoint deadline, Json* last) {
  const std::string path = fmt::format("/api/v1/builds/{}", build_id);
  size_t printed = 0;
  for (;;) {
    CLI_ASSIGN_OR_RETURN(build, PollGet(client, path, deadline));
    if (print_log && !JsonOutput()) {
      CLI_ASSIGN_OR_RETURN(text, client.GetText(path + "/log?offset=" + std::to_string(printed)));
      if (!text.empty()) {
        out() << text;
        out().flush();
        printed += text.size();
      }
    }
    if (BuildEnded(build)) {
      *last = build;
      return ApiOk();
    }
    if (deps_.clock->Now() >= deadline) {
      return NotFound("BUILD_TIMEOUT", fmt::format("build {} is still {} after the --timeout",
                                                   build_id, Text(build, "state")));
    }
    Sleep(kBuildPoll);
  }
}

ApiStatus ClientCommands::ProjectBuild() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveProject(client, options_.project));
  Json body = Json::object();
  if (options_.tests) body["tests"] = true;
  CLI_ASSIGN_OR_RETURN(build, client.Post(ProjectPath(id) + "/builds", body));
  int64_t build_id = Field(build, "id").is_number_integer() ? build["id"].get<int64_t>() : 0;
  if (!options_.wait) {
    if (JsonOutput()) {
      PrintJson(out(), build);
    } else {
      out() << fmt::format(
          "Build {} queued; follow it with `sluice project logs {} --build {} "
          "--follow`.\n",
          build_id, id, build_id);
    }
    return ApiOk();
  }
  Json done;
  TimePoint deadline = deps_.clock->Now() + std::chrono::seconds(options_.timeout_seconds);
  ApiStatus followed = FollowBuild(client, build_id, !JsonOutput(), deadline, &done);
  if (!followed.ok()) return followed;
  if (JsonOutput()) PrintJson(out(), done);
  if (StringField(done, "state") != "SUCCEEDED") {
    const Json& error = Field(done, "error");
    return ApiError{ApiError::Kind::kApi,
                    error.is_object() ? StringField(error, "code") : "BUILD_FAILED",
                    fmt::format("build {} {}: {}", build_id, Text(done, "state"),
                                error.is_object() ? StringField(error, "message") : "")};
  }
  if (!JsonOutput()) {
    out() << fmt::format("Build {} SUCCEEDED at commit {}.\n", build_id, Text(done, "commit"));
  }
  return ApiOk();
}

ApiStatus ClientCommands::ProjectLogs() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveProject(client, options_.project));
  int64_t build_id = options_.build_id;
  if (build_id == 0) {
    CLI_ASSIGN_OR_RETURN(builds, client.Get(ProjectPath(id) + "/builds", {{"limit", "1"}}));
    if (Items(builds).empty()) {
      return NotFound("BUILD_NOT_FOUND", fmt::format("project {} has no builds yet", id));
    }
    build_id = Items(builds)[0]["id"].get<int64_t>();
  }
  if (options_.follow) {
    Json done;
    TimePoint deadline = deps_.clock->Now() + std::chrono::seconds(options_.timeout_seconds);
    return FollowBuild(client, build_id, true, deadline, &done);
  }
  CLI_ASSIGN_OR_RETURN(text, client.GetText(fmt::format("/api/v1/builds/{}/log", build_id)));
  if (JsonOutput()) {
    PrintJson(out(), {{"build_id", build_id}, {"log", text}});
  } else {
    PrintText(out(), text);
  }
  return ApiOk();
}

ApiStatus ClientCommands::ProjectArtifacts() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveProject(client, options_.project));
  CLI_ASSIGN_OR_RETURN(artifacts, client.Get(ProjectPath(id) + "/artifacts"));
  if (JsonOutput()) {
    PrintJson(out(), artifacts);
    return ApiOk();
  }
  if (Items(artifacts).empty()) {
    out() << "No artifacts: the project has no successful build yet.\n";
    return ApiOk();
  }
  out() << fmt::format("Build {} at commit {}:\n", Text(artifacts, "build_id"),
                       Text(artifacts, "commit"));
  Table table({"module", "jar", "main class", "size"});
  for (const Json& a : Items(artifacts)) {
    table.AddRow({Text(a, "module"), Text(a, "jar"), Text(a, "main_class"), Text(a, "size")});
  }
  table.Print(out());
  return ApiOk();
}

void ClientCommands::RegisterProjects(CLI::App& root) {
  CLI::App* project =
      AddCommandGroup(&root, "project", "manage Git projects and their Maven builds");
  auto named = [this](CLI::App* cmd) {
    cmd->add_option("PROJECT", options_.project, "id or name")->required();
  };
  auto timeout = [this](CLI::App* cmd, CLI::Option* needs) {
    cmd->add_option("--timeout", options_.timeout_seconds,
                    "give up waiting after this many seconds (default 300)")
        ->check(CLI::Range(int64_t{1}, int64_t{86400}))
        ->needs(needs);
  };

  CLI::App* list = AddCommand(project, "list", "list the projects of your teams");
  AddListOptions(list);
  list->add_option("--team", options_.team, "only this team's (id or name)");
  list->callback(Bind(&ClientCommands::ProjectList));

  CLI::App* create = AddCommand(project, "create", "add a Git project (the remote is checked)");
  create->add_option("NAME", options_.name, "project name (unique in its team)")->required();
  create->add_option("--team", options_.team, "team id or name")->required();
  create->add_option("--git-url", options_.git_url, "https://, ssh://, user@host:path or a path")
      ->required();
  create->add_option("--ref", options_.ref, "branch or tag (default main)");
  create->add_option("--username", options_.git_username,
                     "HTTPS user; the password or token comes from --password-stdin, "
                     "--password-file or a prompt");
  AddPasswordOptions(create);
  create->add_option("--ssh-key-file", options_.ssh_key_file, "SSH private key file (- is stdin)");
  create
      ->add_option("--build-arg", options_.build_args, "a Maven argument, e.g. -Pprod (repeatable)")
      ->allow_extra_args(false);
  create->add_option("--settings-file", options_.settings_file, "a Maven settings.xml");
  create->add_option("--description", options_.description, "what the project is");
  create->callback(Bind(&ClientCommands::ProjectCreate));

  CLI::App* show = AddCommand(project, "show", "a project and its recent builds");
  named(show);
  show->callback(Bind(&ClientCommands::ProjectShow));

  CLI::App* build = AddCommand(project, "build", "build the project's ref with Maven");
  named(build);
  build->add_flag("--tests", options_.tests, "run the tests too (skipped by default)");
  auto* wait = build->add_flag("--wait", options_.wait, "print the log until the build ends");
  timeout(build, wait);
  build->callback(Bind(&ClientCommands::ProjectBuild));

  CLI::App* logs = AddCommand(project, "logs", "a build's log (default: the newest build)");
  named(logs);
  logs->add_option("--build", options_.build_id, "the build id")->check(CLI::PositiveNumber);
  auto* follow = logs->add_flag("-f,--follow", options_.follow, "print until the build ends");
  timeout(logs, follow);
  logs->callback(Bind(&ClientCommands::ProjectLogs));

  CLI::App* artifacts =
      AddCommand(project, "artifacts", "the modules and jars of the newest successful build");
  named(artifacts);
  artifacts->callback(Bind(&ClientCommands::ProjectArtifacts));
}

}  // namespace sluice::cli
