// An application's versioned definition: what it runs (SQL or a jar), on what (environment and
// target), with which dependencies and configuration. Every change to any of these makes a new,
// immutable version (apps.h); name, description, tags, restart policy and alert channels are not
// versioned.
//
// The spec is stored as JSON in its canonical form (every key present, defaults filled in, keys in
// one order), so "did this change anything" is a comparison of two JSON values.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/result.h"
#include "store/database.h"

namespace sluice::apps {

// The keys of a spec, also the versioned fields of the API's app object.
inline constexpr const char* kSpecFields[] = {
    "flink_env_id",       "target",          "sql",     "jar",
    "dependencies",       "parallelism",     "options", "config_yaml",
    "dynamic_properties", "sql_auto_migrate"};

// What validation needs to know about the rest of Sluice.
struct SpecContext {
  // The default Flink environment's id; 0 when there is none.
  std::function<int64_t()> default_env_id;
  std::function<bool(int64_t)> env_exists;
  std::function<bool(int64_t)> cluster_exists;
};

// Validates `input` (the versioned fields of a request body; absent ones taken from `base`, the
// current canonical spec, or defaults when `base` is null) for an app of `kind` ("sql" | "jar") and
// returns the canonical spec. INVALID_ARGUMENT naming the field (and the line, for
// dynamic_properties and config_yaml) for anything wrong:
//   sql          kind sql: required, 1 byte to 1 MiB; kind jar: refused
//   jar          kind jar: {"resource_id": int | "project_artifact":
//   {"project_id","module","jar","rebuild"?}, "main_class"?, "args"?} flink_env_id an existing
//   environment; default: the default environment target       {"mode": "session", "cluster_id":
//   existing} | {"mode": "application"} dependencies {"maven":
//   [{"group","artifact","version","classifier"?,"exclusions"?: ["g:a"]}],
//                 "resources": [id]}
//   parallelism  1 to 100000 (default 1)
//   options      {flink key: string | number | boolean}
//   config_yaml  Flink configuration as YAML text (at most 256 KiB)
//   dynamic_properties  one "-Dkey=value" a line; blank lines and lines starting with '#' ignored
//   sql_auto_migrate    kind sql: true lets a deploy rewrite legacy connector.type options itself
//                (sql/migrate.h); false (default): such SQL fails to deploy with the rewrite
Result<Json> CanonicalSpec(const Json& input, const Json& base, std::string_view kind,
                           const SpecContext& context);

// The stored spec of version `version` of app `app_id`. APP_VERSION_NOT_FOUND when there is no
// such version; INTERNAL when the stored text is not a JSON object.
Result<Json> LoadVersionSpec(store::Database& database, int64_t app_id, int64_t version);

// The "-Dkey=value" lines of a spec's dynamic_properties as key -> value (validated already).
std::vector<std::pair<std::string, std::string>> DynamicProperties(const Json& spec);

}  // namespace sluice::apps
