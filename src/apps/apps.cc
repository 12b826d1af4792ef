#include "apps/apps.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "flink/flink_envs.h"
#include "http/answers.h"
#include "system/people_api.h"
#include "system/route_table.h"

namespace sluice::apps {

using store::Value;
using system::Action;
using system::Authorize;
using system::Principal;

struct AppService::AppRow {
  int64_t id = 0;
  int64_t team_id = 0;
  std::string name;
  std::string kind;
  std::string description;
  Json tags;
  Json restart_policy;
  Json alert_channel_ids;
  int64_t draft_version = 0;
  std::optional<int64_t> deployed_version;
  std::string state;
  std::string job_id;
  std::optional<int64_t> cluster_id;
  std::optional<int64_t> started_at;
  std::string last_error;
  std::string web_url;
  std::optional<int64_t> operation_id;
  int64_t state_changed_at = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

namespace {

constexpr const char* kColumns =
    "id, team_id, name, kind, description, tags, restart_policy, alert_channel_ids, "
    "draft_version, deployed_version, state, job_id, cluster_id, started_at, last_error, web_url, "
    "operation_id, state_changed_at, created_at, updated_at";

Error AppNotFound(int64_t id) {
  return Error(ErrorCode::APP_NOT_FOUND, fmt::format("no application with id {}", id));
}

Error Invalid(std::string_view field, std::string message) {
  return Error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::string(field));
}

Json ParseOr(const std::string& text, Json fallback) {
  Json parsed = Json::parse(text, nullptr, false);
  return parsed.is_discarded() ? fallback : parsed;
}

std::string Time(int64_t ms) { return FormatRfc3339(FromUnixMillis(ms)); }

Result<Json> ReadTags(const Json& value) {
  if (!value.is_array() || value.size() > 20) {
    return Invalid("tags", "'tags' must be an array of at most 20 short strings");
  }
  for (const Json& tag : value) {
    if (!tag.is_string() || tag.get<std::string>().empty() || tag.get<std::string>().size() > 32) {
      return Invalid("tags", "each tag is 1 to 32 characters");
    }
    SLUICE_RETURN_IF_ERROR(system::ValidateText(tag.get<std::string>(), 32, "tags"));
  }
  return value;
}

Result<Json> ReadRestartPolicy(const Json& value) {
  if (value.is_null()) return Json();
  auto invalid = [](const std::string& field, std::string message) {
    return Error(ErrorCode::RESTART_POLICY_INVALID, std::move(message), field);
  };
  if (!value.is_object()) {
    return invalid("restart_policy",
                   "'restart_policy' must be {\"max_restarts\": N, \"window_minutes\": M}");
  }
  for (const auto& [key, field_value] : value.items()) {
    if (key != "max_restarts" && key != "window_minutes") {
      return invalid("restart_policy." + key.substr(0, 40),
                     fmt::format("'restart_policy' has no field '{}' (known: max_restarts, "
                                 "window_minutes)",
                                 key.substr(0, 40)));
    }
  }
  if (!value.contains("max_restarts") || !value["max_restarts"].is_number_integer() ||
      value["max_restarts"].get<int64_t>() < 0 || value["max_restarts"].get<int64_t>() > 1000) {
    return invalid("restart_policy.max_restarts",
                   "'restart_policy.max_restarts' must be a whole number from 0 to 1000");
  }
  if (!value.contains("window_minutes") || !value["window_minutes"].is_number_integer() ||
      value["window_minutes"].get<int64_t>() < 1 ||
      value["window_minutes"].get<int64_t>() > 10080) {
    return invalid("restart_policy.window_minutes",
                   "'restart_policy.window_minutes' must be a whole number from 1 to 10080 (a "
                   "week)");
  }
  return value;
}

Result<Json> ReadIds(const Json& value, std::string_view field) {
  if (!value.is_array() || value.size() > 50) {
    return Invalid(field, fmt::format("'{}' must be an array of ids", field));
  }
  for (const Json& id : value) {
    if (!id.is_number_integer() || id.get<int64_t>() <= 0) {
      return Invalid(field, fmt::format("'{}' must be an array of ids", field));
    }
  }
  return value;
}

Json SpecFieldsOf(const Json& body) {
  Json out = Json::object();
  for (const char* key : kSpecFields) {
    if (body.contains(key)) out[key] = body[key];
  }
  return out;
}

const Json kAppSchema = {{"type", "object"},
                         {"properties",
                          {{"id", {{"type", "integer"}}},
                           {"team_id", {{"type", "integer"}}},
                           {"name", {{"type", "string"}}},
                           {"kind", {{"type", "string"}, {"enum", {"sql", "jar"}}}},
                           {"state", {{"type", "string"}}},
                           {"version", {{"type", "integer"}}},
                           {"draft_version", {{"type", "integer"}}},
                           {"sql", {{"type", "string"}}},
                           {"jar", {{"type", "object"}}},
                           {"target", {{"type", "object"}}},
                           {"dependencies", {{"type", "object"}}},
                           {"options", {{"type", "object"}}},
                           {"config_yaml", {{"type", "string"}}},
                           {"dynamic_properties", {{"type", "string"}}},
                           {"sql_auto_migrate", {{"type", "boolean"}}}}}};

}  // namespace

SpecContext AppService::Context() {
  SpecContext context;
  context.default_env_id = [this]() -> int64_t {
    auto rows = database_.Query("SELECT id FROM flink_envs WHERE is_default = 1");
    return rows.ok() && !rows->empty() ? rows->Int(0, "id") : 0;
  };
  context.env_exists = [this](int64_t id) {
    auto rows = database_.Query("SELECT id FROM flink_envs WHERE id = ?", {id});
    return rows.ok() && !rows->empty();
  };
  context.cluster_exists = [this](int64_t id) {
    auto rows = database_.Query("SELECT id FROM clusters WHERE id = ?", {id});
    return rows.ok() && !rows->empty();
  };
  return context;
}

Result<AppService::AppRow> AppService::Load(int64_t id, const Principal& principal, Action action) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM apps WHERE id = ?", kColumns), {id}));
  if (rows.empty()) return AppNotFound(id);
  AppRow app;
  app.id = rows.Int(0, "id");
  app.team_id = rows.Int(0, "team_id");
  SLUICE_RETURN_IF_ERROR(Authorize(principal, action, app.team_id, AppNotFound(id)));
  app.name = rows.Text(0, "name");
  app.kind = rows.Text(0, "kind");
  app.description = rows.Text(0, "description");
  app.tags = ParseOr(rows.Text(0, "tags"), Json::array());
  app.restart_policy = ParseOr(rows.Text(0, "restart_policy"), Json());
  app.alert_channel_ids = ParseOr(rows.Text(0, "alert_channel_ids"), Json::array());
  app.draft_version = rows.Int(0, "draft_version");
  app.deployed_version = rows.OptionalInt(0, "deployed_version");
  app.state = rows.Text(0, "state");
  app.job_id = rows.Text(0, "job_id");
  app.cluster_id = rows.OptionalInt(0, "cluster_id");
  app.started_at = rows.OptionalInt(0, "started_at");
  app.last_error = rows.Text(0, "last_error");
  app.web_url = rows.Text(0, "web_url");
  app.operation_id = rows.OptionalInt(0, "operation_id");
  app.state_changed_at = rows.Int(0, "state_changed_at");
  app.created_at = rows.Int(0, "created_at");
  app.updated_at = rows.Int(0, "updated_at");
  return app;
}

Result<AppService::DraftSpec> AppService::Draft(int64_t id, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(Json spec, LoadSpec(app.id, app.draft_version));
  return DraftSpec{app.team_id, app.kind, std::move(spec)};
}

Result<Json> AppService::LoadSpec(int64_t app_id, int64_t version) {
  return LoadVersionSpec(database_, app_id, version);
}

Result<Json> AppService::AppJson(const AppRow& app) {
  SLUICE_ASSIGN_OR_RETURN(Json spec, LoadSpec(app.id, app.draft_version));
  auto optional = [](const std::optional<int64_t>& v) { return v ? Json(*v) : Json(); };
  Json out = {
      {"id", app.id},
      {"team_id", app.team_id},
      {"name", app.name},
      {"kind", app.kind},
      {"description", app.description},
      {"tags", app.tags},
      {"restart_policy", app.restart_policy},
      {"alert_channel_ids", app.alert_channel_ids},
      {"state", app.state},
      {"operation", nullptr},
      {"state_changed_at", app.state_changed_at ? Json(Time(app.state_changed_at)) : Json()},
      {"job_id", app.job_id.empty() ? Json() : Json(app.job_id)},
      {"cluster_id", optional(app.cluster_id)},
      {"version", optional(app.deployed_version)},
      {"draft_version", app.draft_version},
      {"started_at", app.started_at ? Json(Time(*app.started_at)) : Json()},
      {"last_error", app.last_error.empty() ? Json() : Json(app.last_error)},
      {"web_url", app.web_url.empty() ? Json() : Json(app.web_url)},
      {"created_at", Time(app.created_at)},
      {"updated_at", Time(app.updated_at)}};
  if (app.operation_id && runtime_.operations) {
    auto op = runtime_.operations->Get(*app.operation_id);
    if (op.ok()) out["operation"] = {{"id", op->id}, {"kind", op->kind}, {"state", op->state}};
  }
  for (const auto& [key, value] : spec.items()) out[key] = value;
  // A jar built from a project: which commit the app runs (its newest successful deploy's).
  if (spec.contains("jar") && spec["jar"].is_object() && spec["jar"].contains("project_artifact")) {
    out["commit"] = nullptr;
    auto deployed = database_.Query(
        "SELECT result FROM operations WHERE app_id = ? AND kind = 'deploy' AND state = "
        "'SUCCEEDED' ORDER BY id DESC LIMIT 1",
        {app.id});
    if (deployed.ok() && !deployed->empty()) {
      Json result = ParseOr(deployed->Text(0, "result"), Json::object());
      if (result.is_object() && result.contains("project_build")) {
        out["commit"] = result["project_build"].value("commit", "");
        out["project_build"] = result["project_build"];
      }
    }
  }
  return out;
}

Result<int64_t> AppService::AppendVersion(store::Connection& c, int64_t app_id, const Json& spec,
                                          const std::string& note, int64_t user_id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows last,
      c.Query("SELECT COALESCE(MAX(version), 0) AS n FROM app_versions WHERE app_id = ?",
              {app_id}));
  int64_t version = last.Int(0, "n") + 1;
  int64_t now = ToUnixMillis(clock_.Now());
  SLUICE_RETURN_IF_ERROR(c.Query(
      "INSERT INTO app_versions (app_id, version, spec, note, created_by, created_at) VALUES (?, "
      "?, ?, ?, ?, ?)",
      {app_id, version, spec.dump(), note, user_id, now}));
  SLUICE_RETURN_IF_ERROR(c.Query("UPDATE apps SET draft_version = ?, updated_at = ? WHERE id = ?",
                                 {version, now, app_id}));
  return version;
}

AppService::Answer AppService::List(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  std::string where = " WHERE 1 = 1";
  std::vector<Value> params;
  if (!principal.is_admin) {
    if (principal.roles.empty()) return http::Ok({{"items", Json::array()}, {"total", 0}});
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
      return Invalid("team_id", "'team_id' must be a team id");
    }
    where += " AND team_id = ?";
    params.emplace_back(static_cast<int64_t>(id));
  }
  if (auto kind = request.Query("kind")) {
    where += " AND kind = ?";
    params.emplace_back(*kind);
  }
  if (auto state = request.Query("state")) {
    where += " AND state = ?";
    params.emplace_back(*state);
  }
  if (auto q = request.Query("q"); q && !q->empty()) {
    SLUICE_RETURN_IF_ERROR(system::ValidateText(*q, 64, "q"));
    std::string pattern = "%";
    for (char c : *q) {
      if (c == '%' || c == '_' || c == '!') pattern.push_back('!');
      pattern.push_back(c);
    }
    pattern += "%";
    where += " AND name LIKE ? ESCAPE '!'";
    params.emplace_back(pattern);
  }
  SLUICE_ASSIGN_OR_RETURN(store::Rows count,
                          database_.Query("SELECT COUNT(*) AS n FROM apps" + where, params));
  params.emplace_back(page.limit);
  params.emplace_back(page.offset);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT id FROM apps" + where + " ORDER BY id LIMIT ? OFFSET ?", params));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(rows.Int(i, "id"), principal, Action::kView));
    SLUICE_ASSIGN_OR_RETURN(Json json, AppJson(app));
    items.push_back(json);
  }
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

AppService::Answer AppService::Create(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(
      body, {"name", "team_id", "kind", "description", "tags", "restart_policy",
             "alert_channel_ids", "flink_env_id", "target", "sql", "jar", "dependencies",
             "parallelism", "options", "config_yaml", "dynamic_properties", "sql_auto_migrate"}));
  SLUICE_ASSIGN_OR_RETURN(int64_t team_id, RequireInt(body, "team_id"));
  Error team_hidden(ErrorCode::TEAM_NOT_FOUND, fmt::format("no team with id {}", team_id),
                    "team_id");
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kEdit, team_id, team_hidden));
  SLUICE_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name"));
  SLUICE_ASSIGN_OR_RETURN(std::string kind, RequireString(body, "kind"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  SLUICE_RETURN_IF_ERROR(flink::ValidateObjectName(name));
  SLUICE_RETURN_IF_ERROR(system::ValidateText(description.value_or(""), 1024, "description"));
  if (kind != "sql" && kind != "jar") {
    return Invalid("kind",
                   fmt::format("kind '{}' is not known: use \"sql\" or \"jar\"", http::Echo(kind)));
  }
  Json tags = Json::array();
  if (body.contains("tags")) {
    SLUICE_ASSIGN_OR_RETURN(tags, ReadTags(body["tags"]));
  }
  Json restart_policy;
  if (body.contains("restart_policy")) {
    SLUICE_ASSIGN_OR_RETURN(restart_policy, ReadRestartPolicy(body["restart_policy"]));
  }
  Json channels = Json::array();
  if (body.contains("alert_channel_ids")) {
    SLUICE_ASSIGN_OR_RETURN(channels, ReadIds(body["alert_channel_ids"], "alert_channel_ids"));
  }
  SLUICE_ASSIGN_OR_RETURN(Json spec, CanonicalSpec(SpecFieldsOf(body), nullptr, kind, Context()));

  int64_t now = ToUnixMillis(clock_.Now());
  int64_t id = 0;
  Status stored = database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows inserted,
        c.Query("INSERT INTO apps (team_id, name, kind, description, tags, restart_policy, "
                "alert_channel_ids, draft_version, state, created_by, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 'NEW', ?, ?, ?) RETURNING id",
                {team_id, name, kind, description.value_or(""), tags.dump(), restart_policy.dump(),
                 channels.dump(), principal.user_id, now, now}));
    id = inserted.Int(0, "id");
    auto appended = AppendVersion(c, id, spec, "created", principal.user_id);
    if (!appended.ok()) return appended.error();
    return Status::Ok();
  });
  if (!stored.ok()) {
    if (stored.error().code == ErrorCode::STORE_UNIQUE_VIOLATION) {
      return Error(
          ErrorCode::APP_EXISTS,
          fmt::format("team {} has an application named '{}' already", team_id, http::Echo(name)),
          "name");
    }
    if (stored.error().code == ErrorCode::STORE_CONSTRAINT_VIOLATION) return team_hidden;
    return stored.error();
  }
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(Json json, AppJson(app));
  return http::Created(json, fmt::format("app:{}", id), team_id);
}

Status AppService::CreateDemoApp(int64_t cluster_id) {
  SLUICE_ASSIGN_OR_RETURN(store::Rows team,
                          database_.Query("SELECT id FROM teams WHERE name = 'default'"));
  if (team.empty()) return Status::Ok();
  const int64_t team_id = team.Int(0, "id");
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows existing,
      database_.Query("SELECT id FROM apps WHERE team_id = ? AND name = 'demo'", {team_id}));
  if (!existing.empty()) return Status::Ok();
  Json input = {{"target", {{"mode", "session"}, {"cluster_id", cluster_id}}},
                {"sql",
                 "-- A demo: generated orders, summed per product, into a sink that drops them.\n"
                 "-- Deploy it from the console or with `sluice app deploy demo --wait`.\n"
                 "CREATE TABLE orders (\n"
                 "  order_id BIGINT,\n"
                 "  product INT,\n"
                 "  amount DOUBLE,\n"
                 "  ts AS LOCALTIMESTAMP\n"
                 ") WITH (\n"
                 "  'connector' = 'datagen',\n"
                 "  'rows-per-second' = '10',\n"
                 "  'fields.product.min' = '1',\n"
                 "  'fields.product.max' = '5'\n"
                 ");\n\n"
                 "CREATE TABLE totals (\n"
                 "  product INT,\n"
                 "  total DOUBLE\n"
                 ") WITH ('connector' = 'blackhole');\n\n"
                 "INSERT INTO totals SELECT product, SUM(amount) FROM orders GROUP BY product;\n"},
                {"config_yaml", "execution.checkpointing.interval: 10s\n"}};
  SLUICE_ASSIGN_OR_RETURN(Json spec, CanonicalSpec(input, nullptr, "sql", Context()));
  int64_t now = ToUnixMillis(clock_.Now());
  return database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows inserted,
        c.Query(
            "INSERT INTO apps (team_id, name, kind, description, tags, restart_policy, "
            "alert_channel_ids, draft_version, state, created_at, updated_at) VALUES (?, "
            "'demo', 'sql', ?, '[\"demo\"]', 'null', '[]', 0, 'NEW', ?, ?) RETURNING id",
            {team_id, std::string("generated data into a blackhole sink: deploy me"), now, now}));
    auto appended = AppendVersion(c, inserted.Int(0, "id"), spec, "created at the first start", 0);
    if (!appended.ok()) return appended.error();
    return Status::Ok();
  });
}

AppService::Answer AppService::Get(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(Json json, AppJson(app));
  return http::Ok(json);
}

AppService::Answer AppService::Update(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kEdit));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(
      body, {"name", "description", "tags", "restart_policy", "alert_channel_ids", "note",
             "flink_env_id", "target", "sql", "jar", "dependencies", "parallelism", "options",
             "config_yaml", "dynamic_properties", "sql_auto_migrate"}));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  SLUICE_ASSIGN_OR_RETURN(auto note, OptionalString(body, "note"));
  if (name) SLUICE_RETURN_IF_ERROR(flink::ValidateObjectName(*name));
  if (description) SLUICE_RETURN_IF_ERROR(system::ValidateText(*description, 1024, "description"));
  SLUICE_RETURN_IF_ERROR(system::ValidateText(note.value_or(""), 255, "note"));
  Json tags = app.tags;
  if (body.contains("tags")) {
    SLUICE_ASSIGN_OR_RETURN(tags, ReadTags(body["tags"]));
  }
  Json restart_policy = app.restart_policy;
  if (body.contains("restart_policy")) {
    SLUICE_ASSIGN_OR_RETURN(restart_policy, ReadRestartPolicy(body["restart_policy"]));
  }
  Json channels = app.alert_channel_ids;
  if (body.contains("alert_channel_ids")) {
    SLUICE_ASSIGN_OR_RETURN(channels, ReadIds(body["alert_channel_ids"], "alert_channel_ids"));
  }
  SLUICE_ASSIGN_OR_RETURN(Json draft, LoadSpec(id, app.draft_version));
  SLUICE_ASSIGN_OR_RETURN(Json spec, CanonicalSpec(SpecFieldsOf(body), draft, app.kind, Context()));
  int64_t now = ToUnixMillis(clock_.Now());
  Status stored = database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(
        c.Query("UPDATE apps SET name = ?, description = ?, tags = ?, restart_policy = ?, "
                "alert_channel_ids = ?, updated_at = ? WHERE id = ?",
                {name.value_or(app.name), description.value_or(app.description), tags.dump(),
                 restart_policy.dump(), channels.dump(), now, id}));
    // Only a real change to the definition makes a version.
    if (spec != draft) {
      auto appended = AppendVersion(c, id, spec, note.value_or("changed"), principal.user_id);
      if (!appended.ok()) return appended.error();
    }
    return Status::Ok();
  });
  if (!stored.ok()) {
    if (stored.error().code == ErrorCode::STORE_UNIQUE_VIOLATION) {
      return Error(ErrorCode::APP_EXISTS,
                   fmt::format("the team has an application named '{}' already",
                               http::Echo(name.value_or(app.name))),
                   "name");
    }
    return stored.error();
  }
  SLUICE_ASSIGN_OR_RETURN(app, Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(Json json, AppJson(app));
  return http::Ok(json, fmt::format("app:{}", id), app.team_id);
}

AppService::Answer AppService::Delete(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kEdit));
  static const std::vector<std::string> kDeletable = {"NEW", "FINISHED", "CANCELED", "FAILED"};
  if (std::find(kDeletable.begin(), kDeletable.end(), app.state) == kDeletable.end()) {
    return Error(
        ErrorCode::APP_WRONG_STATE,
        fmt::format("application '{}' is {}: stop it before deleting it", app.name, app.state));
  }
  SLUICE_RETURN_IF_ERROR(NoOperationInFlight(app));
  SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM app_events WHERE app_id = ?", {id}));
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM app_savepoints WHERE app_id = ?", {id}));
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM app_versions WHERE app_id = ?", {id}));
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM apps WHERE id = ?", {id}));
    return Status::Ok();
  }));
  return http::NoContent(fmt::format("app:{}", id), app.team_id);
}

AppService::Answer AppService::Versions(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows count,
      database_.Query("SELECT COUNT(*) AS n FROM app_versions WHERE app_id = ?", {id}));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT v.version, v.note, v.created_at, u.username FROM app_versions v "
                      "LEFT JOIN users u ON u.id = v.created_by WHERE v.app_id = ? ORDER BY "
                      "v.version DESC LIMIT ? OFFSET ?",
                      {id, page.limit, page.offset}));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    int64_t version = rows.Int(i, "version");
    items.push_back(
        {{"version", version},
         {"note", rows.Text(i, "note")},
         {"created_at", Time(rows.Int(i, "created_at"))},
         {"created_by", rows.IsNull(i, "username") ? Json() : Json(rows.Text(i, "username"))},
         {"draft", version == app.draft_version},
         {"deployed", app.deployed_version && version == *app.deployed_version}});
  }
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

AppService::Answer AppService::GetVersion(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(int64_t version, http::PathId(request, "n"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(Json spec, LoadSpec(id, version));
  Json out = {{"app_id", id},
              {"version", version},
              {"draft", version == app.draft_version},
              {"deployed", app.deployed_version && version == *app.deployed_version}};
  for (const auto& [key, value] : spec.items()) out[key] = value;
  return http::Ok(out);
}

AppService::Answer AppService::RestoreVersion(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(int64_t version, http::PathId(request, "n"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kEdit));
  SLUICE_ASSIGN_OR_RETURN(Json spec, LoadSpec(id, version));
  SLUICE_ASSIGN_OR_RETURN(Json draft, LoadSpec(id, app.draft_version));
  if (spec != draft) {
    SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
      auto appended = AppendVersion(c, id, spec, fmt::format("restored version {}", version),
                                    principal.user_id);
      if (!appended.ok()) return appended.error();
      return Status::Ok();
    }));
  }
  SLUICE_ASSIGN_OR_RETURN(app, Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(Json json, AppJson(app));
  return http::Ok(json, fmt::format("app:{}", id), app.team_id);
}

// ---- actions

namespace {

Error NoRuntime() {
  return Error(ErrorCode::INTERNAL, "application actions are not available in this server");
}

bool ValidRestorePath(const std::string& path) {
  if (path.empty() || path.size() > 2048) return false;
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

}  // namespace

Status AppService::NoOperationInFlight(const AppRow& app) {
  if (!app.operation_id) return Status::Ok();
  return Error(ErrorCode::APP_OPERATION_IN_FLIGHT,
               fmt::format("application '{}' has operation {} in flight: wait until it ends "
                           "(GET /api/v1/operations/{}), then try again",
                           app.name, *app.operation_id, *app.operation_id));
}

AppService::Answer AppService::Enqueue(const AppRow& app, const std::string& kind,
                                       const Json& params, const Principal& principal) {
  if (!runtime_.operations) return NoRuntime();
  int64_t op_id = 0;
  bool claimed = false;
  SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(op_id, runtime_.operations->EnqueueIn(c, app.team_id, app.id, kind,
                                                                  params, principal.user_id));
    // The app takes the operation only when it has none: two requests at once cannot both win.
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows updated,
        c.Query("UPDATE apps SET operation_id = ? WHERE id = ? AND operation_id IS NULL AND "
                "state = ?",
                {op_id, app.id, app.state}));
    claimed = updated.affected > 0;
    if (!claimed) {
      SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM operations WHERE id = ?", {op_id}));
    }
    return Status::Ok();
  }));
  if (!claimed) {
    return Error(ErrorCode::APP_OPERATION_IN_FLIGHT,
                 fmt::format("application '{}' has another operation in flight, or changed "
                             "state: try again when it is done",
                             app.name));
  }
  (void)Journal(database_, clock_)
      .Note(app.id, "operation", fmt::format("{} requested by {}", kind, principal.username), op_id,
            principal.user_id);
  if (runtime_.wake_worker) runtime_.wake_worker();
  SLUICE_ASSIGN_OR_RETURN(Operation op, runtime_.operations->Get(op_id));
  return http::Ok(Operations::ToJson(op), fmt::format("app:{}", app.id), app.team_id, 202);
}

AppService::Answer AppService::Deploy(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kOperate));
  Json body = Json::object();
  if (!request.body.empty()) {
    SLUICE_ASSIGN_OR_RETURN(body, ParseJsonObject(request.body));
  }
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"restore", "allow_non_restored_state"}));
  SLUICE_ASSIGN_OR_RETURN(auto restore, OptionalString(body, "restore"));
  SLUICE_ASSIGN_OR_RETURN(auto allow, OptionalBool(body, "allow_non_restored_state"));
  std::string restore_point = restore.value_or("none");
  if (restore_point != "none" && restore_point != "latest" && !ValidRestorePath(restore_point)) {
    return Invalid("restore",
                   "'restore' is \"none\", \"latest\" or the path of a savepoint or checkpoint");
  }
  SLUICE_RETURN_IF_ERROR(NoOperationInFlight(app));
  if (IsActiveState(app.state)) {
    return Error(
        ErrorCode::APP_WRONG_STATE,
        fmt::format("application '{}' is {}: stop it before deploying again", app.name, app.state));
  }
  SLUICE_RETURN_IF_ERROR(LoadSpec(app.id, app.draft_version));
  if (restore_point == "latest") {
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows points,
        database_.Query("SELECT id FROM app_savepoints WHERE app_id = ? LIMIT 1", {app.id}));
    if (points.empty()) {
      return Error(ErrorCode::APP_NO_RESTORE_POINT,
                   fmt::format("application '{}' has no savepoint or retained checkpoint to "
                               "restore: deploy with \"restore\": \"none\"",
                               app.name),
                   "restore");
    }
  }
  return Enqueue(app, "deploy",
                 {{"restore", restore_point}, {"allow_non_restored_state", allow.value_or(false)}},
                 principal);
}

AppService::Answer AppService::Stop(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kOperate));
  Json body = Json::object();
  if (!request.body.empty()) {
    SLUICE_ASSIGN_OR_RETURN(body, ParseJsonObject(request.body));
  }
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"savepoint", "drain"}));
  SLUICE_ASSIGN_OR_RETURN(auto savepoint, OptionalBool(body, "savepoint"));
  SLUICE_ASSIGN_OR_RETURN(auto drain, OptionalBool(body, "drain"));
  if (drain.value_or(false) && !savepoint.value_or(false)) {
    return Invalid("drain", "'drain' needs \"savepoint\": true (draining ends with a savepoint)");
  }
  SLUICE_RETURN_IF_ERROR(NoOperationInFlight(app));
  if (!IsActiveState(app.state) || app.state == "DEPLOYING" || app.job_id.empty()) {
    return Error(
        ErrorCode::APP_WRONG_STATE,
        fmt::format("application '{}' is {}: there is no job to stop", app.name, app.state));
  }
  if (savepoint.value_or(false) && app.state != "RUNNING") {
    return Error(ErrorCode::APP_WRONG_STATE,
                 fmt::format("application '{}' is {}: a savepoint needs it RUNNING (stop without "
                             "one to cancel it)",
                             app.name, app.state));
  }
  return Enqueue(app, "stop",
                 {{"savepoint", savepoint.value_or(false)}, {"drain", drain.value_or(false)}},
                 principal);
}

AppService::Answer AppService::TakeSavepoint(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kOperate));
  if (!request.body.empty()) {
    SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
    SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {}));
  }
  SLUICE_RETURN_IF_ERROR(NoOperationInFlight(app));
  if (app.state != "RUNNING") {
    return Error(ErrorCode::APP_WRONG_STATE,
                 fmt::format("application '{}' is {}: savepoints are taken while RUNNING", app.name,
                             app.state));
  }
  return Enqueue(app, "savepoint", Json::object(), principal);
}

AppService::Answer AppService::Savepoints(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows count,
      database_.Query("SELECT COUNT(*) AS n FROM app_savepoints WHERE app_id = ?", {app.id}));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT id, job_id, kind, path, created_at, operation_id FROM "
                      "app_savepoints WHERE app_id = ? ORDER BY created_at DESC, id DESC LIMIT ? "
                      "OFFSET ?",
                      {app.id, page.limit, page.offset}));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    auto op = rows.OptionalInt(i, "operation_id");
    items.push_back({{"id", rows.Int(i, "id")},
                     {"job_id", rows.Text(i, "job_id")},
                     {"kind", rows.Text(i, "kind")},
                     {"path", rows.Text(i, "path")},
                     {"created_at", Time(rows.Int(i, "created_at"))},
                     {"operation_id", op ? Json(*op) : Json()}});
  }
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

AppService::Answer AppService::Events(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows count,
      database_.Query("SELECT COUNT(*) AS n FROM app_events WHERE app_id = ?", {app.id}));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT e.id, e.at, e.kind, e.from_state, e.to_state, e.operation_id, "
                      "e.job_id, e.cause, u.username FROM app_events e LEFT JOIN users u ON u.id "
                      "= e.user_id WHERE e.app_id = ? ORDER BY e.id DESC LIMIT ? OFFSET ?",
                      {app.id, page.limit, page.offset}));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    auto op = rows.OptionalInt(i, "operation_id");
    Json item = {{"id", rows.Int(i, "id")},
                 {"at", Time(rows.Int(i, "at"))},
                 {"kind", rows.Text(i, "kind")},
                 {"cause", rows.Text(i, "cause")},
                 {"operation_id", op ? Json(*op) : Json()},
                 {"job_id", rows.Text(i, "job_id").empty() ? Json() : Json(rows.Text(i, "job_id"))},
                 {"user", rows.IsNull(i, "username") ? Json() : Json(rows.Text(i, "username"))}};
    if (item["kind"] == "state") {
      item["from"] = rows.Text(i, "from_state");
      item["to"] = rows.Text(i, "to_state");
    }
    items.push_back(std::move(item));
  }
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

AppService::Answer AppService::StartLog(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kView));
  if (!runtime_.actions) return NoRuntime();
  std::string path = runtime_.actions->LatestStartLog(app.id);
  std::ifstream in(path, std::ios::binary);
  if (path.empty() || !in) {
    return Error(ErrorCode::APP_LOG_NOT_FOUND,
                 fmt::format("application '{}' has not been deployed yet: no start log", app.name));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return http::TextResponse(200, text.str(), "text/plain; charset=utf-8");
}

AppService::Answer AppService::Exceptions(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(AppRow app, Load(id, principal, Action::kView));
  if (!runtime_.gateway) return NoRuntime();
  if (app.job_id.empty() || !app.cluster_id) {
    return http::Ok({{"items", Json::array()}, {"total", 0}, {"job_id", nullptr}});
  }
  SLUICE_ASSIGN_OR_RETURN(flink::JobExceptionHistory history,
                          runtime_.gateway->JobExceptions(*app.cluster_id, app.job_id));
  // Flink's text may quote the job's settings and arguments: the app's secrets are masked.
  auto mask = [&](const std::string& text) {
    return runtime_.actions ? runtime_.actions->MaskForApp(app.id, text) : text;
  };
  Json items = Json::array();
  for (const auto& entry : history.entries) {
    Json item = {{"exception", mask(entry.exception_name)},
                 {"stacktrace", mask(entry.stacktrace)},
                 {"task", entry.task_name.empty() ? Json() : Json(entry.task_name)},
                 {"endpoint", entry.endpoint.empty() ? Json() : Json(entry.endpoint)}};
    if (entry.timestamp_ms > 0) item["at"] = Time(entry.timestamp_ms);
    items.push_back(std::move(item));
  }
  return http::Ok({{"items", items},
                   {"total", items.size()},
                   {"job_id", app.job_id},
                   {"root_cause", mask(history.root_cause_summary)}});
}

AppService::Answer AppService::GetOperation(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  if (!runtime_.operations) return NoRuntime();
  Error hidden(ErrorCode::OPERATION_NOT_FOUND, fmt::format("no operation with id {}", id));
  auto op = runtime_.operations->Get(id);
  if (!op.ok()) return op.error();
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kView, op->team_id, hidden));
  return http::Ok(Operations::ToJson(*op));
}

void AppService::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  system::RouteTable route(router, guard, *this, "apps");
  Json version_schema = {{"type", "object"},
                         {"properties",
                          {{"version", {{"type", "integer"}}},
                           {"note", {{"type", "string"}}},
                           {"draft", {{"type", "boolean"}}},
                           {"deployed", {{"type", "boolean"}}}}}};
  route("GET", "/api/v1/apps", "app.list", "the applications of your teams", nullptr,
        http::ListOf(kAppSchema), 200, &AppService::List,
        {"limit", "offset", "team_id", "kind", "state", "q"});
  route("POST", "/api/v1/apps", "app.create",
        "create a sql or jar application (developers and owners of the team)", kAppSchema,
        kAppSchema, 201, &AppService::Create);
  route("GET", "/api/v1/apps/{id}", "app.get", "an application with its draft definition", nullptr,
        kAppSchema, 200, &AppService::Get);
  route("PATCH", "/api/v1/apps/{id}", "app.update",
        "change an application; a change to its definition makes a new version", kAppSchema,
        kAppSchema, 200, &AppService::Update);
  route("DELETE", "/api/v1/apps/{id}", "app.delete", "delete an application that is not running",
        nullptr, nullptr, 204, &AppService::Delete);
  route("GET", "/api/v1/apps/{id}/versions", "app.versions",
        "the application's versions, newest first", nullptr, http::ListOf(version_schema), 200,
        &AppService::Versions, {"limit", "offset"});
  route("GET", "/api/v1/apps/{id}/versions/{n}", "app.version", "one version's definition", nullptr,
        kAppSchema, 200, &AppService::GetVersion);
  route("POST", "/api/v1/apps/{id}/versions/{n}/restore", "app.version.restore",
        "make an old version the draft again (as a new version)", nullptr, kAppSchema, 200,
        &AppService::RestoreVersion);
  Json operation_schema = {{"type", "object"},
                           {"properties",
                            {{"id", {{"type", "integer"}}},
                             {"kind", {{"type", "string"}}},
                             {"state", {{"type", "string"}}},
                             {"error", {{"type", "object"}}},
                             {"result", {{"type", "object"}}}}}};
  route("POST", "/api/v1/apps/{id}/deploy", "app.deploy",
        "deploy the draft version (restore: none | latest | a savepoint path)",
        http::ObjectWith({{"restore", "string"}, {"allow_non_restored_state", "boolean"}}),
        operation_schema, 202, &AppService::Deploy);
  route("POST", "/api/v1/apps/{id}/stop", "app.stop",
        "cancel the job, or stop it with a savepoint (optionally draining)",
        http::ObjectWith({{"savepoint", "boolean"}, {"drain", "boolean"}}), operation_schema, 202,
        &AppService::Stop);
  route("POST", "/api/v1/apps/{id}/savepoints", "app.savepoint",
        "take a savepoint of the running job", nullptr, operation_schema, 202,
        &AppService::TakeSavepoint);
  route("GET", "/api/v1/apps/{id}/savepoints", "app.savepoints",
        "savepoints and retained checkpoints, newest first", nullptr,
        http::ListOf(http::ObjectWith({{"id", "integer"},
                                       {"job_id", "string"},
                                       {"kind", "string"},
                                       {"path", "string"},
                                       {"created_at", "string"}})),
        200, &AppService::Savepoints, {"limit", "offset"});
  route("GET", "/api/v1/apps/{id}/events", "app.events",
        "state changes and operations, newest first, with who and why", nullptr,
        http::ListOf({{"type", "object"}}), 200, &AppService::Events, {"limit", "offset"});
  route("GET", "/api/v1/apps/{id}/logs/start", "app.logs.start",
        "the start log of the newest deploy (text)", nullptr, {{"type", "string"}}, 200,
        &AppService::StartLog);
  route("GET", "/api/v1/apps/{id}/exceptions", "app.exceptions",
        "the job's exception history, from Flink", nullptr, http::ListOf({{"type", "object"}}), 200,
        &AppService::Exceptions);
  route("GET", "/api/v1/operations/{id}", "operation.get", "an operation and how it ended", nullptr,
        operation_schema, 200, &AppService::GetOperation);
}

}  // namespace sluice::apps
