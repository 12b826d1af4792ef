// The command-line client: `sluice login|logout|whoami|user|team|token|env|cluster|app ...`,
// talking to a Sluice server over its REST API (design/api.md) with a saved login or a token given
// on the command line. See src/cli/README.md for the command reference.
//
// Every client command takes --server URL, --token TOKEN (or SLUICE_SERVER / SLUICE_TOKEN) to
// override the saved login, and --output table|json. Errors go to stderr as
// "error: MESSAGE (CODE, request REQUEST_ID)"; exit codes are in output.h (1 API error, 2 usage,
// 3 cannot reach the server, 4 not logged in).
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/console.h"
#include "cli/credentials_file.h"
#include "common/clock.h"
#include "http/client.h"

namespace sluice::cli {

// What the commands touch outside the process. All pointers must outlive the ClientCommands.
struct ClientDeps {
  http::HttpClient* http_client = nullptr;
  Console* console = nullptr;
  const Clock* clock = nullptr;
  EnvLookup env;  // the environment (SLUICE_SERVER, SLUICE_TOKEN, SLUICE_CONFIG_DIR, HOME, ...)
  // Waits between polls (`cluster start --wait`); empty means std::this_thread::sleep_for. Tests
  // advance their FakeClock instead.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// The client subcommands. Register them on an app, parse, then read exit_code(). Each command runs
// from its CLI11 callback, after the whole command line parsed and validated. Not copyable or
// movable: CLI11 keeps pointers into the option storage.
class ClientCommands {
 public:
  explicit ClientCommands(ClientDeps deps);
  ClientCommands(const ClientCommands&) = delete;
  ClientCommands& operator=(const ClientCommands&) = delete;

  // Adds the client options (--server, --token, --output) and subcommands to `app`.
  void Register(CLI::App& app);

  // The exit code of the command that ran; 0 when none ran.
  int exit_code() const { return exit_code_; }

 private:
  struct Options {
    // client-wide
    std::string server, token, output = "table";
    // login
    std::string username;
    bool password_stdin = false;
    std::string password_file;
    // lists
    int64_t limit = 0, offset = 0;
    std::string query;
    bool all = false;
    // positional arguments
    std::string user, team, role, id;
    // user create / update
    std::string display_name, email, name, description, expires_at;
    bool admin = false, no_admin = false, disable = false, enable = false;
    // Flink environments and clusters (positional NAME|ID in `env` and `cluster`)
    std::string env, cluster, home, kind;
    bool make_default = false, managed = false, remote = false, wait = false;
    std::vector<std::string> addresses, settings;
    int64_t taskmanagers = 0, timeout_seconds = 300;
    // applications (positional NAME|ID in `app`; --team, --kind, --cluster, --env shared)
    std::string app, state, sql_file, config_file, dynamic_properties_file, main_class, note;
    std::string restore = "none";
    std::vector<std::string> app_options, args;
    int64_t parallelism = 0, resource_id = 0, show_version = 0;
    bool allow_non_restored_state = false, savepoint = false, drain = false;
    // sql (positional FILE in `sql_file`; --app, --env, --team shared)
    bool in_place = false;
    // projects (positional NAME|ID in `project`; --team, --name, --description shared)
    std::string project, git_url, ref, git_username, ssh_key_file, settings_file;
    std::vector<std::string> build_args;
    int64_t build_id = 0;
    bool tests = false, follow = false;
  };

  struct Connection {
    std::string server;
    std::string token;
    bool from_saved = false;  // the token is the saved login's
    std::filesystem::path credentials_path;
    std::string expires_at;  // of the saved login, when from_saved
  };

  using Command = ApiStatus (ClientCommands::*)();
  // Runs `command`, printing its error and recording the exit code.
  void Run(Command command);
  std::function<void()> Bind(Command command);
  void AddListOptions(CLI::App* cmd);
  void AddPasswordOptions(CLI::App* cmd);
  // The env and cluster subcommands (flink_commands.cc).
  void RegisterFlink(CLI::App& app);
  // The app subcommands (app_commands.cc).
  void RegisterApps(CLI::App& app);
  // The sql subcommands (sql_commands.cc).
  void RegisterSql(CLI::App& app);
  // POSTs FILE to /api/v1/sql/<what> and prints the findings (and plans, for explain).
  ApiStatus SqlCheck(const char* what);
  ApiStatus SqlLint();
  ApiStatus SqlValidate();
  ApiStatus SqlExplain();
  ApiStatus SqlMigrate();
  // The project subcommands (project_commands.cc).
  void RegisterProjects(CLI::App& app);
  ApiResult<int64_t> ResolveProject(ApiClient& client, const std::string& project);
  // Polls build `build_id` until it ends (printing its log as it grows when `print_log`); the
  // ended build in `*last`.
  ApiStatus FollowBuild(ApiClient& client, int64_t build_id, bool print_log, TimePoint deadline,
                        Json* last);
  ApiStatus ProjectList();
  ApiStatus ProjectCreate();
  ApiStatus ProjectShow();
  ApiStatus ProjectBuild();
  ApiStatus ProjectLogs();
  ApiStatus ProjectArtifacts();

  ApiResult<Connection> Resolve();
  ApiResult<ApiClient> Connect();
  bool JsonOutput() const { return options_.output == "json"; }
  std::ostream& out();
  std::ostream& err();
  // The password from --password-stdin, --password-file, or (on a terminal) a prompt, asked
  // twice when `confirm`. Usage error when there is no source.
  ApiResult<std::string> ReadPassword(bool confirm, bool required);
  QueryParams ListQuery() const;
  void PrintMore(const Json& list, std::string_view noun);
  void Sleep(std::chrono::milliseconds duration);

  // Looks up by id (digits) or exact name.
  ApiResult<int64_t> ResolveUser(ApiClient& client, const std::string& user);
  ApiResult<int64_t> ResolveTeam(ApiClient& client, const std::string& team);
  ApiResult<int64_t> ResolveMember(ApiClient& client, int64_t team_id, const std::string& user);
  ApiResult<int64_t> ResolveEnv(ApiClient& client, const std::string& env);
  ApiResult<int64_t> ResolveCluster(ApiClient& client, const std::string& cluster);
  // An application by id (digits) or exact name, among the teams in --team when given.
  ApiResult<int64_t> ResolveApp(ApiClient& client, const std::string& app);
  // The app fields of `app create` and `app update` that the command line gave, as a request
  // body; `current` is the app being updated (null for create), whose jar and options the
  // given ones are merged into.
  ApiResult<Json> AppBody(ApiClient& client, const Json& current);
  // Whether a jar flag (--resource-id, --main-class, --arg) was given.
  bool JarFlags() const;
  // Usage errors of the definition flags for an app of `kind`: sql and jar flags mixed, more than
  // one file read from stdin.
  ApiStatus CheckDefinitionFlags(const std::string& kind) const;
  // Reads a file named on the command line (`-` is stdin) for `flag`.
  ApiResult<std::string> ReadInputFile(const std::string& path, const char* flag);
  // Polls the operation `op` until it ends or the deadline passes; answers the final operation,
  // or an error (OPERATION_FAILED's message is the operation's).
  ApiResult<Json> WaitForOperation(ApiClient& client, Json op, TimePoint deadline);
  // GET `path` while waiting: when the server cannot be reached (restarting, say) it says so once
  // and asks again every poll interval until `deadline`, then answers the unreachable error.
  ApiResult<Json> PollGet(ApiClient& client, const std::string& path, TimePoint deadline);
  // Prints the operation an action answered, waits with --wait, prints the outcome.
  ApiStatus RunAppAction(const char* path_suffix, const Json& body, const char* doing);
  ApiStatus Login();
  ApiStatus Logout();
  ApiStatus Whoami();
  ApiStatus UserList();
  ApiStatus UserCreate();
  ApiStatus UserShow();
  ApiStatus UserUpdate();
  ApiStatus UserDelete();
  ApiStatus TeamList();
  ApiStatus TeamCreate();
  ApiStatus TeamShow();
  ApiStatus TeamUpdate();
  ApiStatus TeamDelete();
  ApiStatus MemberList();
  ApiStatus MemberAdd();
  ApiStatus MemberSetRole();
  ApiStatus MemberRemove();
  ApiStatus TokenCreate();
  ApiStatus TokenList();
  ApiStatus TokenRevoke();
  ApiStatus EnvList();
  ApiStatus EnvAdd();
  ApiStatus EnvShow();
  ApiStatus EnvSync();
  ApiStatus EnvDefault();
  ApiStatus EnvRemove();
  ApiStatus ClusterList();
  ApiStatus ClusterCreate();
  ApiStatus ClusterShow();
  ApiStatus ClusterStart();
  ApiStatus ClusterStop();
  ApiStatus ClusterRemove();
  ApiStatus ClusterEvents();
  ApiStatus AppList();
  ApiStatus AppCreate();
  ApiStatus AppUpdate();
  ApiStatus AppShow();
  ApiStatus AppDeploy();
  ApiStatus AppStop();
  ApiStatus AppSavepoint();
  ApiStatus AppLogs();
  ApiStatus AppVersions();
  ApiStatus AppEvents();
  ApiStatus AppSavepoints();
  ApiStatus AppDelete();

  ClientDeps deps_;
  Options options_;
  // Options whose presence matters, even with an empty value.
  CLI::Option* display_name_opt_ = nullptr;
  CLI::Option* email_opt_ = nullptr;
  CLI::Option* name_opt_ = nullptr;
  CLI::Option* description_opt_ = nullptr;
  CLI::Option* taskmanagers_opt_ = nullptr;
  int exit_code_ = 0;
};

// Parses a positive decimal id; nullopt for anything else (names).
std::optional<int64_t> ParseId(std::string_view text);

// Wires the client commands with the real HTTP client, terminal, clock and environment into the
// `sluice` program.
void RegisterClientCommands(CLI::App& app);
// The exit code of the client command that ran (0 when none ran).
int ExitCode();

// Reports a CLI11 parse error (help and --version to `out`, errors to `err`) and answers the exit
// code: 0 for --help and --version, 2 for usage errors.
int ExitForParseError(CLI::App& app, const CLI::ParseError& error, std::ostream& out,
                      std::ostream& err);

}  // namespace sluice::cli
