#include "flink/flink_envs.h"

#include <fmt/format.h>

#include "flink/flink_home.h"
#include "http/answers.h"
#include "system/authorizer.h"
#include "system/people_api.h"
#include "system/route_table.h"

namespace sluice::flink {

using store::Value;
using system::Action;
using system::Authorize;
using system::Principal;

namespace {

constexpr const char* kColumns =
    "id, name, home, version, config_file, config_text, description, is_default";

FlinkEnv EnvFromRow(const store::Rows& rows, size_t i) {
  FlinkEnv env;
  env.id = rows.Int(i, "id");
  env.name = rows.Text(i, "name");
  env.home = rows.Text(i, "home");
  env.version = rows.Text(i, "version");
  env.config_file = rows.Text(i, "config_file");
  env.config_text = rows.Text(i, "config_text");
  env.description = rows.Text(i, "description");
  env.is_default = rows.Int(i, "is_default") != 0;
  return env;
}

Error EnvNotFound(int64_t id) {
  return Error(ErrorCode::FLINK_ENV_NOT_FOUND, fmt::format("no Flink environment with id {}", id));
}

Error MapNameTaken(Error error, const std::string& name) {
  if (error.code == ErrorCode::STORE_UNIQUE_VIOLATION) {
    return Error(ErrorCode::FLINK_ENV_EXISTS,
                 fmt::format("a Flink environment named '{}' exists already", http::Echo(name)),
                 "name", std::move(error.internal_detail));
  }
  return error;
}

const Json kEnvSchema = {{"type", "object"},
                         {"properties",
                          {{"id", {{"type", "integer"}}},
                           {"name", {{"type", "string"}}},
                           {"home", {{"type", "string"}}},
                           {"version", {{"type", "string"}}},
                           {"config_file", {{"type", "string"}}},
                           {"config", {{"type", "string"}}},
                           {"description", {{"type", "string"}}},
                           {"default", {{"type", "boolean"}}}}}};

}  // namespace

Status ValidateObjectName(std::string_view name, std::string_view field) {
  bool ok = !name.empty() && name.size() <= 64;
  for (size_t i = 0; ok && i < name.size(); ++i) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    ok = alnum || (i > 0 && (c == '.' || c == '_' || c == '-'));
  }
  if (!ok) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("field '{}' must have 1 to 64 characters: letters, digits, and '.', "
                             "'_' or '-' after the first",
                             field),
                 std::string(field));
  }
  return Status::Ok();
}

Json FlinkEnvJson(const FlinkEnv& env, bool with_config) {
  Json out = {{"id", env.id},
              {"name", env.name},
              {"home", env.home},
              {"version", env.version},
              {"config_file", env.config_file},
              {"description", env.description},
              {"default", env.is_default}};
  if (with_config) out["config"] = env.config_text;
  return out;
}

Result<FlinkEnv> FlinkEnvs::Get(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM flink_envs WHERE id = ?", kColumns), {id}));
  if (rows.empty()) return EnvNotFound(id);
  return EnvFromRow(rows, 0);
}

Result<std::optional<FlinkEnv>> FlinkEnvs::FindByHome(const std::string& home) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM flink_envs WHERE home = ? ORDER BY id", kColumns),
                      {home}));
  if (rows.empty()) return std::optional<FlinkEnv>();
  return std::optional<FlinkEnv>(EnvFromRow(rows, 0));
}

Result<FlinkEnv> FlinkEnvs::Create(const std::string& name, const std::string& home,
                                   const std::string& description, bool make_default) {
  SLUICE_RETURN_IF_ERROR(ValidateObjectName(name));
  SLUICE_RETURN_IF_ERROR(system::ValidateText(description, 1024, "description"));
  SLUICE_ASSIGN_OR_RETURN(FlinkHome inspected, InspectFlinkHome(home));
  int64_t now = ToUnixMillis(clock_.Now());
  int64_t id = 0;
  Status stored = database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(store::Rows count, c.Query("SELECT COUNT(*) AS n FROM flink_envs"));
    bool is_default = make_default || count.Int(0, "n") == 0;
    if (is_default) SLUICE_RETURN_IF_ERROR(c.Query("UPDATE flink_envs SET is_default = 0"));
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows inserted,
        c.Query("INSERT INTO flink_envs (name, home, version, config_file, config_text, "
                "description, is_default, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                "?) RETURNING id",
                {name, inspected.home, inspected.version.text, inspected.config_file,
                 inspected.config_text, description, int64_t{is_default ? 1 : 0}, now, now}));
    id = inserted.Int(0, "id");
    return Status::Ok();
  });
  if (!stored.ok()) return MapNameTaken(stored.error(), name);
  return Get(id);
}

FlinkEnvs::Answer FlinkEnvs::List(http::Request& request, const Principal&) {
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  SLUICE_ASSIGN_OR_RETURN(store::Rows count,
                          database_.Query("SELECT COUNT(*) AS n FROM flink_envs"));
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(
          fmt::format("SELECT {} FROM flink_envs ORDER BY id LIMIT ? OFFSET ?", kColumns),
          {page.limit, page.offset}));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i)
    items.push_back(FlinkEnvJson(EnvFromRow(rows, i), false));
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

FlinkEnvs::Answer FlinkEnvs::CreateRoute(http::Request& request, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"name", "home", "description", "default"}));
  SLUICE_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name"));
  SLUICE_ASSIGN_OR_RETURN(std::string home, RequireString(body, "home"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  SLUICE_ASSIGN_OR_RETURN(auto make_default, OptionalBool(body, "default"));
  SLUICE_ASSIGN_OR_RETURN(
      FlinkEnv env, Create(name, home, description.value_or(""), make_default.value_or(false)));
  return http::Created(FlinkEnvJson(env, true), fmt::format("flink-env:{}", env.id));
}

FlinkEnvs::Answer FlinkEnvs::GetRoute(http::Request& request, const Principal&) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(FlinkEnv env, Get(id));
  Json out = FlinkEnvJson(env, true);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows users,
      database_.Query("SELECT name FROM clusters WHERE flink_env_id = ? ORDER BY name", {id}));
  Json clusters = Json::array();
  for (size_t i = 0; i < users.size(); ++i) clusters.push_back(users.Text(i, "name"));
  out["clusters"] = clusters;
  return http::Ok(out);
}

FlinkEnvs::Answer FlinkEnvs::Update(http::Request& request, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"name", "description", "default"}));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  SLUICE_ASSIGN_OR_RETURN(auto make_default, OptionalBool(body, "default"));
  if (name) SLUICE_RETURN_IF_ERROR(ValidateObjectName(*name));
  if (description) SLUICE_RETURN_IF_ERROR(system::ValidateText(*description, 1024, "description"));
  if (make_default && !*make_default) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 "an environment stops being the default when another one becomes it: set "
                 "\"default\": true on that one",
                 "default");
  }
  SLUICE_ASSIGN_OR_RETURN(FlinkEnv env, Get(id));
  int64_t now = ToUnixMillis(clock_.Now());
  Status stored = database_.Transaction([&](store::Connection& c) -> Status {
    if (make_default) SLUICE_RETURN_IF_ERROR(c.Query("UPDATE flink_envs SET is_default = 0"));
    SLUICE_RETURN_IF_ERROR(
        c.Query("UPDATE flink_envs SET name = ?, description = ?, is_default = ?, updated_at = ? "
                "WHERE id = ?",
                {name.value_or(env.name), description.value_or(env.description),
                 int64_t{(make_default || env.is_default) ? 1 : 0}, now, id}));
    return Status::Ok();
  });
  if (!stored.ok()) return MapNameTaken(stored.error(), name.value_or(env.name));
  SLUICE_ASSIGN_OR_RETURN(env, Get(id));
  return http::Ok(FlinkEnvJson(env, true), fmt::format("flink-env:{}", id));
}

FlinkEnvs::Answer FlinkEnvs::Delete(http::Request& request, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(FlinkEnv env, Get(id));
  Status deleted = database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows users,
        c.Query("SELECT name FROM clusters WHERE flink_env_id = ? ORDER BY name", {id}));
    if (!users.empty()) {
      std::string names;
      for (size_t i = 0; i < users.size() && i < 5; ++i) {
        names += (i ? ", " : "") + users.Text(i, "name");
      }
      return Error(ErrorCode::FLINK_ENV_IN_USE,
                   fmt::format("Flink environment '{}' is used by {} cluster(s) ({}); delete or "
                               "move them first",
                               env.name, users.size(), names));
    }
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM flink_envs WHERE id = ?", {id}));
    if (env.is_default) {
      // Another environment takes over as the default, so there always is one while any exist.
      SLUICE_ASSIGN_OR_RETURN(store::Rows next,
                              c.Query("SELECT id FROM flink_envs ORDER BY id LIMIT 1"));
      if (!next.empty()) {
        SLUICE_RETURN_IF_ERROR(
            c.Query("UPDATE flink_envs SET is_default = 1 WHERE id = ?", {next.Int(0, "id")}));
      }
    }
    return Status::Ok();
  });
  if (!deleted.ok()) {
    if (deleted.error().code == ErrorCode::STORE_CONSTRAINT_VIOLATION) {
      return Error(ErrorCode::FLINK_ENV_IN_USE,
                   fmt::format("Flink environment '{}' is still in use", env.name));
    }
    return deleted.error();
  }
  return http::NoContent(fmt::format("flink-env:{}", id));
}

FlinkEnvs::Answer FlinkEnvs::Sync(http::Request& request, const Principal& principal) {
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kAdmin, std::nullopt, Error()));
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(FlinkEnv env, Get(id));
  SLUICE_ASSIGN_OR_RETURN(FlinkHome inspected, InspectFlinkHome(env.home));
  int64_t now = ToUnixMillis(clock_.Now());
  SLUICE_RETURN_IF_ERROR(database_.Query(
      "UPDATE flink_envs SET home = ?, version = ?, config_file = ?, config_text = ?, "
      "updated_at = ? WHERE id = ?",
      {inspected.home, inspected.version.text, inspected.config_file, inspected.config_text, now,
       id}));
  SLUICE_ASSIGN_OR_RETURN(env, Get(id));
  return http::Ok(FlinkEnvJson(env, true), fmt::format("flink-env:{}", id));
}

void FlinkEnvs::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  system::RouteTable route(router, guard, *this, "flink");
  route("GET", "/api/v1/flink-envs", "flink-env.list", "Flink environments", nullptr,
        http::ListOf(kEnvSchema), 200, &FlinkEnvs::List, {"limit", "offset"});
  route("POST", "/api/v1/flink-envs", "flink-env.create",
        "register a Flink home on this machine (admins)",
        http::ObjectWith({{"name", "string"},
                          {"home", "string"},
                          {"description", "string"},
                          {"default", "boolean"}},
                         {"name", "home"}),
        kEnvSchema, 201, &FlinkEnvs::CreateRoute);
  route("GET", "/api/v1/flink-envs/{id}", "flink-env.get",
        "a Flink environment with its configuration file and the clusters using it", nullptr,
        kEnvSchema, 200, &FlinkEnvs::GetRoute);
  route("PATCH", "/api/v1/flink-envs/{id}", "flink-env.update",
        "rename, describe or make the default (admins)",
        http::ObjectWith({{"name", "string"}, {"description", "string"}, {"default", "boolean"}}),
        kEnvSchema, 200, &FlinkEnvs::Update);
  route("DELETE", "/api/v1/flink-envs/{id}", "flink-env.delete",
        "remove an environment no cluster uses (admins)", nullptr, nullptr, 204,
        &FlinkEnvs::Delete);
  route("POST", "/api/v1/flink-envs/{id}/sync", "flink-env.sync",
        "read the Flink home again: version and configuration file (admins)", nullptr, kEnvSchema,
        200, &FlinkEnvs::Sync);
}

}  // namespace sluice::flink
