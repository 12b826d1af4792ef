// The Flink environment and cluster commands of ClientCommands (commands.h): `sluice env ...` and
// `sluice cluster ...` over /api/v1/flink-envs and /api/v1/clusters.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "cli/command_helpers.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace sluice::cli {

namespace {

// How often `cluster start --wait` asks for the state.
constexpr std::chrono::milliseconds kPollInterval{1000};

std::string EnvPath(int64_t id) { return fmt::format("/api/v1/flink-envs/{}", id); }
std::string ClusterPath(int64_t id) { return fmt::format("/api/v1/clusters/{}", id); }

// "a, b, c" from a JSON array of strings; "-" when empty or missing.
std::string JoinedStrings(const Json& array) {
  std::string out;
  if (array.is_array()) {
    for (const Json& item : array) {
      if (!item.is_string()) continue;
      if (!out.empty()) out += ", ";
      out += item.get<std::string>();
    }
  }
  return out.empty() ? "-" : out;
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

// "flink-1.20 (id 3)"
std::string NameAndId(const Json& object) {
  return fmt::format("{} (id {})", Printable(Text(object, "name")), Text(object, "id"));
}

std::vector<std::pair<std::string, std::string>> EnvFields(const Json& env) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"ID", Text(env, "id")},
      {"Name", Text(env, "name")},
      {"Flink", Text(env, "version")},
      {"Home", Text(env, "home")},
      {"Config file",
       StringField(env, "config_file").empty() ? "-" : "conf/" + StringField(env, "config_file")},
      {"Default", YesNo(env, "default")},
      {"Description", Text(env, "description")}};
  if (Field(env, "clusters").is_array()) {
    fields.emplace_back("Clusters", JoinedStrings(Field(env, "clusters")));
  }
  return fields;
}

std::vector<std::pair<std::string, std::string>> ClusterFields(const Json& cluster,
                                                               const Clock& clock) {
  bool managed = StringField(cluster, "kind") == "managed";
  std::vector<std::pair<std::string, std::string>> fields = {
      {"ID", Text(cluster, "id")},
      {"Name", Text(cluster, "name")},
      {"Kind", Text(cluster, "kind")},
      {"State", Text(cluster, "state")},
      {"Detail", Text(cluster, "state_detail")},
      {"Since", HumanTime(Field(cluster, "state_changed_at"), clock)},
      {"Web URL", Text(cluster, "web_url")},
      {"Flink", Text(cluster, "flink_version")},
      {"Environment", Text(cluster, "flink_env_id")}};
  if (managed) {
    fields.emplace_back("TaskManagers", Text(cluster, "taskmanagers"));
    fields.emplace_back("Config", JoinedSettings(Field(cluster, "config")));
  } else {
    fields.emplace_back("Addresses", JoinedStrings(Field(cluster, "addresses")));
  }
  fields.emplace_back("Description", Text(cluster, "description"));
  return fields;
}

// The --set KEY=VALUE options as the "config" object (values as strings; a later KEY wins).
ApiResult<Json> ParseSettings(const std::vector<std::string>& settings) {
  Json config = Json::object();
  for (const std::string& setting : settings) {
    size_t eq = setting.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ApiError::Usage(
          fmt::format("--set: '{}' is not KEY=VALUE, e.g. --set taskmanager.numberOfTaskSlots=4",
                      Printable(setting)));
    }
    config[setting.substr(0, eq)] = setting.substr(eq + 1);
  }
  return config;
}

}  // namespace

// ---- lookups

ApiResult<int64_t> ClientCommands::ResolveEnv(ApiClient& client, const std::string& env) {
  if (auto id = ParseId(env)) return *id;
  CLI_ASSIGN_OR_RETURN(found, FindByName(client, "/api/v1/flink-envs", "name", "id", env, false));
  if (!found) {
    return NotFound("FLINK_ENV_NOT_FOUND",
                    fmt::format("no Flink environment named '{}'", Printable(env)));
  }
  return *found;
}

ApiResult<int64_t> ClientCommands::ResolveCluster(ApiClient& client, const std::string& cluster) {
  if (auto id = ParseId(cluster)) return *id;
  CLI_ASSIGN_OR_RETURN(found, FindByName(client, "/api/v1/clusters", "name", "id", cluster, false));
  if (!found) {
    return NotFound("CLUSTER_NOT_FOUND", fmt::format("no cluster named '{}'", Printable(cluster)));
  }
  return *found;
}

// ---- Flink environments

ApiStatus ClientCommands::EnvList() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(list, client.Get("/api/v1/flink-envs", ListQuery()));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  Table table({"id", "name", "flink", "default", "home", "config file", "description"});
  for (const Json& e : Items(list)) {
    table.AddRow({Text(e, "id"), Text(e, "name"), Text(e, "version"), YesNo(e, "default"),
                  Text(e, "home"), Text(e, "config_file"), Text(e, "description")});
  }
  if (table.empty()) {
    out() << "No Flink environments.\n";
  } else {
    table.Print(out());
    PrintMore(list, "environments");
  }
  return ApiOk();
}

ApiStatus ClientCommands::EnvAdd() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  Json body = {{"name", options_.name}, {"home", options_.home}};
  if (!options_.description.empty()) body["description"] = options_.description;
  if (options_.make_default) body["default"] = true;
  CLI_ASSIGN_OR_RETURN(env, client.Post("/api/v1/flink-envs", body));
  if (JsonOutput()) {
    PrintJson(out(), env);
    return ApiOk();
  }
  out() << fmt::format("Registered Flink environment {}: Flink {} at {}, reading conf/{}{}.\n",
                       NameAndId(env), Printable(Text(env, "version")),
                       Printable(Text(env, "home")), Printable(Text(env, "config_file")),
                       Field(env, "default") == Json(true) ? "; it is the default" : "");
  return ApiOk();
}

ApiStatus ClientCommands::EnvShow() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveEnv(client, options_.env));
  CLI_ASSIGN_OR_RETURN(env, client.Get(EnvPath(id)));
  if (JsonOutput()) {
    PrintJson(out(), env);
    return ApiOk();
  }
  PrintFields(out(), EnvFields(env));
  std::string config = StringField(env, "config");
  out() << fmt::format("\nconf/{}:\n", Printable(Text(env, "config_file")));
  if (config.empty()) {
    out() << "(empty)\n";
  } else {
    PrintText(out(), config);
  }
  return ApiOk();
}

ApiStatus ClientCommands::EnvSync() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveEnv(client, options_.env));
  CLI_ASSIGN_OR_RETURN(env, client.Post(EnvPath(id) + "/sync", Json::object()));
  if (JsonOutput()) {
    PrintJson(out(), env);
  } else {
    out() << fmt::format("Read Flink environment {} again: Flink {}, reading conf/{}.\n",
                         NameAndId(env), Printable(Text(env, "version")),
                         Printable(Text(env, "config_file")));
  }
  return ApiOk();
}

ApiStatus ClientCommands::EnvDefault() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveEnv(client, options_.env));
  CLI_ASSIGN_OR_RETURN(env, client.Patch(EnvPath(id), {{"default", true}}));
  if (JsonOutput()) {
    PrintJson(out(), env);
  } else {
    out() << fmt::format("{} is now the default Flink environment.\n", NameAndId(env));
  }
  return ApiOk();
}

ApiStatus ClientCommands::EnvRemove() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveEnv(client, options_.env));
  CLI_ASSIGN_OR_RETURN(answer, client.Delete(EnvPath(id)));
  (void)answer;
  if (!JsonOutput()) {
    out() << fmt::format("Removed Flink environment {}.\n", Described(options_.env, id));
  }
  return ApiOk();
}

// ---- clusters

ApiStatus ClientCommands::ClusterList() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  QueryParams query = ListQuery();
  if (!options_.kind.empty()) query.emplace_back("kind", options_.kind);
  CLI_ASSIGN_OR_RETURN(list, client.Get("/api/v1/clusters", query));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  Table table({"id", "name", "kind", "state", "flink", "web url", "since"});
  for (const Json& c : Items(list)) {
    table.AddRow({Text(c, "id"), Text(c, "name"), Text(c, "kind"), Text(c, "state"),
                  Text(c, "flink_version"), Text(c, "web_url"),
                  HumanTime(Field(c, "state_changed_at"), *deps_.clock)});
  }
  if (table.empty()) {
    out() << "No clusters.\n";
  } else {
    table.Print(out());
    PrintMore(list, "clusters");
  }
  return ApiOk();
}

ApiStatus ClientCommands::ClusterCreate() {
  // Everything the command line alone can tell is checked before the first request.
  if (options_.managed == options_.remote) {
    return ApiError::Usage(
        "give --managed (Sluice runs the cluster on its machine) or --remote --address URL (a "
        "cluster you run)");
  }
  if (options_.remote && options_.addresses.empty()) {
    return ApiError::Usage(
        "a remote cluster needs --address URL: its JobManager's REST address, e.g. "
        "--address http://flink-jm:8081 (repeat it for JobManager high availability)");
  }
  CLI_ASSIGN_OR_RETURN(config, ParseSettings(options_.settings));

  CLI_ASSIGN_OR_RETURN(client, Connect());
  Json body = {{"name", options_.name}, {"kind", options_.managed ? "managed" : "remote"}};
  if (!options_.env.empty()) {
    CLI_ASSIGN_OR_RETURN(env_id, ResolveEnv(client, options_.env));
    body["flink_env_id"] = env_id;
  }
  if (options_.remote) body["addresses"] = options_.addresses;
  if (taskmanagers_opt_->count() > 0) body["taskmanagers"] = options_.taskmanagers;
  if (!config.empty()) body["config"] = config;
  if (!options_.description.empty()) body["description"] = options_.description;
  CLI_ASSIGN_OR_RETURN(cluster, client.Post("/api/v1/clusters", body));
  if (JsonOutput()) {
    PrintJson(out(), cluster);
  } else if (options_.managed) {
    out() << fmt::format(
        "Created managed cluster {}: Flink {}, {} TaskManager(s), {}; start it with `sluice "
        "cluster start {}`.\n",
        NameAndId(cluster), Printable(Text(cluster, "flink_version")),
        Text(cluster, "taskmanagers"), Printable(Text(cluster, "state")),
        Printable(Text(cluster, "name")));
  } else {
    out() << fmt::format("Registered remote cluster {}: Flink {} at {}, {}.\n", NameAndId(cluster),
                         Printable(Text(cluster, "flink_version")),
                         Printable(Text(cluster, "web_url")), Printable(Text(cluster, "state")));
  }
  return ApiOk();
}

ApiStatus ClientCommands::ClusterShow() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveCluster(client, options_.cluster));
  CLI_ASSIGN_OR_RETURN(cluster, client.Get(ClusterPath(id)));
  if (JsonOutput()) {
    PrintJson(out(), cluster);
    return ApiOk();
  }
  PrintFields(out(), ClusterFields(cluster, *deps_.clock));
  if (StringField(cluster, "kind") != "managed") return ApiOk();
  const Json& processes = Field(cluster, "processes");
  Table table({"process", "pid", "alive", "restarts"});
  if (processes.is_array()) {
    for (const Json& p : processes) {
      table.AddRow({Text(p, "name"), Text(p, "pid"), YesNo(p, "alive"), Text(p, "restarts")});
    }
  }
  out() << "\n";
  if (table.empty()) {
    out() << "No processes.\n";
  } else {
    table.Print(out());
  }
  return ApiOk();
}

ApiStatus ClientCommands::ClusterStart() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveCluster(client, options_.cluster));
  CLI_ASSIGN_OR_RETURN(started, client.Post(ClusterPath(id) + "/start", Json::object()));
  if (!options_.wait) {
    if (JsonOutput()) {
      PrintJson(out(), started);
    } else {
      out() << fmt::format(
          "Cluster {} is {}; follow it with `sluice cluster show {}`, or start with --wait.\n",
          NameAndId(started), Printable(Text(started, "state")), Printable(Text(started, "name")));
    }
    return ApiOk();
  }

  // Poll until the cluster leaves STARTING, or the deadline passes.
  const auto timeout = std::chrono::seconds(options_.timeout_seconds);
  const TimePoint deadline = deps_.clock->Now() + timeout;
  if (!JsonOutput()) {
    err() << fmt::format("Waiting up to {} s for cluster {} to start...\n",
                         options_.timeout_seconds, NameAndId(started));
  }
  Json cluster = std::move(started);
  while (StringField(cluster, "state") == "STARTING") {
    TimePoint now = deps_.clock->Now();
    if (now >= deadline) {
      return ApiError{
          ApiError::Kind::kApi, "CLUSTER_TIMEOUT",
          fmt::format("cluster {} is still STARTING after {} s; see `sluice cluster events {}`",
                      NameAndId(cluster), options_.timeout_seconds,
                      Printable(Text(cluster, "name")))};
    }
    Sleep(std::min<std::chrono::milliseconds>(
        kPollInterval, std::chrono::ceil<std::chrono::milliseconds>(deadline - now)));
    CLI_ASSIGN_OR_RETURN(polled, client.Get(ClusterPath(id)));
    cluster = std::move(polled);
  }

  std::string state = StringField(cluster, "state");
  if (JsonOutput()) {
    PrintJson(out(), cluster);
  } else if (state == "RUNNING") {
    out() << fmt::format("Cluster {} is RUNNING; its web UI is at {}.\n", NameAndId(cluster),
                         Printable(Text(cluster, "web_url")));
  } else {
    out() << fmt::format("Cluster {} is {}.\n", NameAndId(cluster),
                         Printable(Text(cluster, "state")));
  }
  if (state == "RUNNING") return ApiOk();
  std::string detail = StringField(cluster, "state_detail");
  return ApiError{ApiError::Kind::kApi, "CLUSTER_START_FAILED",
                  fmt::format("cluster {} did not start: it is {}{}", NameAndId(cluster),
                              state.empty() ? "in no known state" : state,
                              detail.empty() ? "" : ": " + detail)};
}

ApiStatus ClientCommands::ClusterStop() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveCluster(client, options_.cluster));
  CLI_ASSIGN_OR_RETURN(cluster, client.Post(ClusterPath(id) + "/stop", Json::object()));
  if (JsonOutput()) {
    PrintJson(out(), cluster);
  } else {
    out() << fmt::format("Cluster {} is {}.\n", NameAndId(cluster),
                         Printable(Text(cluster, "state")));
  }
  return ApiOk();
}

ApiStatus ClientCommands::ClusterRemove() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveCluster(client, options_.cluster));
  CLI_ASSIGN_OR_RETURN(answer, client.Delete(ClusterPath(id)));
  (void)answer;
  if (!JsonOutput()) {
    out() << fmt::format("Removed cluster {}.\n", Described(options_.cluster, id));
  }
  return ApiOk();
}

ApiStatus ClientCommands::ClusterEvents() {
  CLI_ASSIGN_OR_RETURN(client, Connect());
  CLI_ASSIGN_OR_RETURN(id, ResolveCluster(client, options_.cluster));
  CLI_ASSIGN_OR_RETURN(list, client.Get(ClusterPath(id) + "/events", ListQuery()));
  if (JsonOutput()) {
    PrintJson(out(), list);
    return ApiOk();
  }
  Table table({"at", "from", "to", "detail"});
  for (const Json& e : Items(list)) {
    table.AddRow({HumanTime(Field(e, "at"), *deps_.clock), Text(e, "from_state"),
                  Text(e, "to_state"), Text(e, "detail")});
  }
  if (table.empty()) {
    out() << "No events.\n";
  } else {
    table.Print(out());
    PrintMore(list, "events");
  }
  return ApiOk();
}

// ---- registration

void ClientCommands::RegisterFlink(CLI::App& app) {
  CLI::App* env = AddCommandGroup(&app, "env", "manage Flink environments (Flink homes)");
  CLI::App* env_list = AddCommand(env, "list", "list the Flink environments");
  AddListOptions(env_list);
  env_list->callback(Bind(&ClientCommands::EnvList));

  CLI::App* env_add =
      AddCommand(env, "add", "register a Flink home on the server's machine (administrators)");
  env_add->add_option("NAME", options_.name, "environment name")->required();
  env_add->add_option("HOME", options_.home, "absolute path of the Flink home on the server")
      ->required();
  env_add->add_option("--description", options_.description, "what the environment is for");
  env_add->add_flag("--default", options_.make_default,
                    "make it the default (the first one always is)");
  env_add->callback(Bind(&ClientCommands::EnvAdd));

  CLI::App* env_show =
      AddCommand(env, "show", "show an environment and its configuration file's text");
  env_show->add_option("ENV", options_.env, "id or name")->required();
  env_show->callback(Bind(&ClientCommands::EnvShow));

  CLI::App* env_sync = AddCommand(
      env, "sync", "read the Flink home again: version and configuration file (administrators)");
  env_sync->add_option("ENV", options_.env, "id or name")->required();
  env_sync->callback(Bind(&ClientCommands::EnvSync));

  CLI::App* env_default =
      AddCommand(env, "default", "make an environment the default (administrators)");
  env_default->add_option("ENV", options_.env, "id or name")->required();
  env_default->callback(Bind(&ClientCommands::EnvDefault));

  CLI::App* env_remove =
      AddCommand(env, "remove", "remove an environment no cluster uses (administrators)");
  env_remove->add_option("ENV", options_.env, "id or name")->required();
  env_remove->callback(Bind(&ClientCommands::EnvRemove));

  CLI::App* cluster = AddCommandGroup(&app, "cluster", "manage Flink clusters");
  CLI::App* cluster_list = AddCommand(cluster, "list", "list the clusters and their states");
  AddListOptions(cluster_list);
  cluster_list->add_option("--kind", options_.kind, "only managed or only remote clusters")
      ->check(CLI::IsMember({"managed", "remote"}));
  cluster_list->callback(Bind(&ClientCommands::ClusterList));

  CLI::App* create = AddCommand(cluster, "create",
                                "create a managed or register a remote cluster (administrators)");
  create->add_option("NAME", options_.name, "cluster name")->required();
  auto* managed = create->add_flag("--managed", options_.managed,
                                   "Sluice runs a session cluster on its machine");
  auto* remote = create->add_flag("--remote", options_.remote, "a cluster you run elsewhere");
  managed->excludes(remote);
  create->add_option("--env", options_.env, "Flink environment id or name (default: the default)");
  // One value per occurrence, so `--address A NAME` does not take NAME as an address.
  auto* address =
      create
          ->add_option("--address", options_.addresses,
                       "remote: a JobManager REST URL, e.g. http://flink-jm:8081 (repeatable)")
          ->allow_extra_args(false);
  address->excludes(managed);
  taskmanagers_opt_ = create
                          ->add_option("--taskmanagers", options_.taskmanagers,
                                       "managed: TaskManagers, 1 to 32 (default 1)")
                          ->check(CLI::Range(int64_t{1}, int64_t{32}));
  taskmanagers_opt_->excludes(remote);
  auto* set = create
                  ->add_option("--set", options_.settings,
                               "managed: a Flink setting KEY=VALUE over the environment's file "
                               "(repeatable)")
                  ->allow_extra_args(false);
  set->excludes(remote);
  create->add_option("--description", options_.description, "what the cluster is for");
  create->callback(Bind(&ClientCommands::ClusterCreate));

  CLI::App* show = AddCommand(cluster, "show", "show a cluster: state, web UI, processes");
  show->add_option("CLUSTER", options_.cluster, "id or name")->required();
  show->callback(Bind(&ClientCommands::ClusterShow));

  CLI::App* start = AddCommand(cluster, "start", "start a managed cluster (administrators)");
  start->add_option("CLUSTER", options_.cluster, "id or name")->required();
  auto* wait = start->add_flag("--wait", options_.wait,
                               "wait until it is RUNNING (exit 0) or FAILED (exit 1)");
  start
      ->add_option("--timeout", options_.timeout_seconds,
                   "with --wait: give up after this many seconds (default 300)")
      ->check(CLI::Range(int64_t{1}, int64_t{86400}))
      ->needs(wait);
  start->callback(Bind(&ClientCommands::ClusterStart));

  CLI::App* stop = AddCommand(cluster, "stop", "stop a managed cluster (administrators)");
  stop->add_option("CLUSTER", options_.cluster, "id or name")->required();
  stop->callback(Bind(&ClientCommands::ClusterStop));

  CLI::App* remove = AddCommand(cluster, "remove", "remove a stopped cluster (administrators)");
  remove->add_option("CLUSTER", options_.cluster, "id or name")->required();
  remove->callback(Bind(&ClientCommands::ClusterRemove));

  CLI::App* events =
      AddCommand(cluster, "events", "a cluster's state changes and restarts, newest first");
  events->add_option("CLUSTER", options_.cluster, "id or name")->required();
  AddListOptions(events);
  events->callback(Bind(&ClientCommands::ClusterEvents));
}

}  // namespace sluice::cli
