#include "resources/dependencies.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "http/answers.h"
#include "resources/api_helpers.h"
#include "system/authorizer.h"

namespace sluice::resources {

using system::Action;
using system::Authorize;
using system::Principal;

namespace {

Error Invalid(std::string message) {
  return Error(ErrorCode::DEPENDENCY_INVALID, std::move(message), "dependencies");
}

}  // namespace

Result<std::vector<MavenCoordinate>> ParseMavenDependencies(const Json& maven) {
  if (!maven.is_array() || maven.size() > 200) {
    return Invalid("'dependencies.maven' must be an array of at most 200 entries");
  }
  std::vector<MavenCoordinate> out;
  for (size_t i = 0; i < maven.size(); ++i) {
    const Json& entry = maven[i];
    std::string where = fmt::format("dependencies.maven[{}]", i);
    if (!entry.is_object()) return Invalid(where + " must be an object");
    MavenCoordinate c;
    for (const auto& [key, value] : entry.items()) {
      if (key == "exclusions") continue;
      std::string* slot = key == "group"      ? &c.group
                          : key == "artifact" ? &c.artifact
                          : key == "version"  ? &c.version
                                              : nullptr;
      if (key == "classifier") {
        if (value.is_null()) continue;
        c.classifier.emplace();
        slot = &*c.classifier;
      }
      if (slot == nullptr) {
        return Invalid(fmt::format("{} has an unknown field '{}'", where, Shown(key)));
      }
      if (!value.is_string()) return Invalid(fmt::format("{}.{} must be a string", where, key));
      *slot = value.get<std::string>();
    }
    for (const char* key : {"group", "artifact", "version"}) {
      if (!entry.contains(key)) return Invalid(fmt::format("{} needs '{}'", where, key));
    }
    if (entry.contains("exclusions")) {
      const Json& exclusions = entry["exclusions"];
      if (!exclusions.is_array()) {
        return Invalid(where + ".exclusions must be an array of \"group:artifact\"");
      }
      for (const Json& exclusion : exclusions) {
        if (!exclusion.is_string()) {
          return Invalid(where + ".exclusions must be an array of \"group:artifact\"");
        }
        auto parsed = ParseExclusion(exclusion.get<std::string>());
        if (!parsed.ok()) return Invalid(where + ": " + parsed.error().message);
        c.exclusions.push_back(std::move(parsed).value());
      }
    }
    Status valid = ValidateCoordinate(c);
    if (!valid.ok()) return Invalid(where + ": " + valid.error().message);
    out.push_back(std::move(c));
  }
  return out;
}

DependencyService::DependencyService(ResourceService& resources, MavenResolver& resolver,
                                     DependencyOptions options)
    : resources_(resources), resolver_(resolver), options_(std::move(options)) {}

Result<ResolvedDependencies> DependencyService::Inspect(int64_t team_id, const Json& dependencies,
                                                        const std::atomic<bool>* cancel) {
  if (!dependencies.is_object() && !dependencies.is_null()) {
    return Invalid("'dependencies' must be an object: {\"maven\": [...], \"resources\": [...]}");
  }
  std::vector<MavenCoordinate> coordinates;
  std::vector<int64_t> resource_ids;
  if (dependencies.is_object()) {
    for (const auto& [key, value] : dependencies.items()) {
      if (key == "maven") {
        SLUICE_ASSIGN_OR_RETURN(coordinates, ParseMavenDependencies(value));
      } else if (key == "resources") {
        if (!value.is_array() || value.size() > 200) {
          return Invalid("'dependencies.resources' must be an array of resource ids");
        }
        for (const Json& id : value) {
          if (!id.is_number_integer() || id.get<int64_t>() <= 0) {
            return Invalid("'dependencies.resources' must hold resource ids");
          }
          resource_ids.push_back(id.get<int64_t>());
        }
      } else {
        return Invalid(fmt::format("'dependencies' has an unknown field '{}'", Shown(key)));
      }
    }
  }
  ResolvedDependencies out;
  out.from_cache = true;
  std::vector<JarIdentity> identities;
  if (!coordinates.empty()) {
    ResolveOptions options;
    options.repository_url = options_.repository_url;
    options.local_repository = options_.local_repository;
    options.cache_dir = options_.cache_dir;
    options.timeout = options_.timeout;
    options.cancel = cancel;
    SLUICE_ASSIGN_OR_RETURN(Resolution resolution, resolver_.Resolve(coordinates, options));
    out.from_cache = resolution.from_cache;
    for (const ResolvedArtifact& a : resolution.artifacts) {
      ResolvedJar jar;
      jar.path = a.path;
      jar.file_name = std::filesystem::path(a.path).filename().string();
      jar.source = "maven";
      jar.group = a.coordinate.group;
      jar.artifact = a.coordinate.artifact;
      jar.version = a.coordinate.version;
      jar.scope = a.scope;
      jar.direct = a.direct;
      jar.size = a.size;
      jar.sha256 = a.sha256;
      out.jars.push_back(std::move(jar));
    }
    identities = IdentitiesOf(resolution);
  }
  std::vector<int64_t> seen;
  for (int64_t id : resource_ids) {
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;  // listed twice
    seen.push_back(id);
    SLUICE_ASSIGN_OR_RETURN(Resource r, resources_.GetForTeam(team_id, id));
    ResolvedJar jar;
    jar.path = r.path;
    jar.file_name = r.file_name;
    jar.source = "resource";
    jar.resource_id = r.id;
    jar.direct = true;
    jar.size = r.size;
    jar.sha256 = r.sha256;
    std::string source = fmt::format("uploaded jar {} (resource {})", r.file_name, r.id);
    if (auto identity = IdentifyJarByFileName(r.file_name, source)) {
      jar.artifact = identity->artifact;
      jar.version = identity->version;
      identities.push_back(*identity);
    }
    out.jars.push_back(std::move(jar));
  }
  out.conflicts = FindConflicts(identities);
  return out;
}

Result<ResolvedDependencies> DependencyService::Resolve(int64_t team_id, const Json& dependencies,
                                                        const std::atomic<bool>* cancel) {
  SLUICE_ASSIGN_OR_RETURN(ResolvedDependencies resolved, Inspect(team_id, dependencies, cancel));
  if (!resolved.conflicts.empty()) return ConflictError(resolved.conflicts);
  return resolved;
}

Json ResolvedDependenciesJson(const ResolvedDependencies& resolved) {
  Json jars = Json::array();
  for (const ResolvedJar& jar : resolved.jars) {
    Json item = {{"file_name", jar.file_name}, {"source", jar.source},   {"group", jar.group},
                 {"artifact", jar.artifact},   {"version", jar.version}, {"scope", jar.scope},
                 {"direct", jar.direct},       {"size", jar.size},       {"sha256", jar.sha256}};
    item["resource_id"] = jar.resource_id ? Json(*jar.resource_id) : Json(nullptr);
    jars.push_back(std::move(item));
  }
  Json conflicts = Json::array();
  for (const Conflict& c : resolved.conflicts) {
    conflicts.push_back({{"group", c.group},
                         {"artifact", c.artifact},
                         {"versions", {c.first.version, c.second.version}},
                         {"message", c.message}});
  }
  return {{"jars", jars},
          {"conflicts", conflicts},
          {"ok", resolved.conflicts.empty()},
          {"from_cache", resolved.from_cache}};
}

void DependencyService::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  http::RouteDoc doc;
  doc.summary =
      "resolve an app's dependencies (Maven coordinates and uploaded jars) to check them before a "
      "deploy: the jars with their versions, and libraries found in two versions";
  doc.tag = "resources";
  doc.request_body = {
      {"type", "object"},
      {"required", {"team_id", "dependencies"}},
      {"additionalProperties", false},
      {"properties",
       {{"team_id", {{"type", "integer"}}},
        {"dependencies",
         {{"type", "object"},
          {"properties",
           {{"maven", {{"type", "array"}, {"items", {{"type", "object"}}}}},
            {"resources", {{"type", "array"}, {"items", {{"type", "integer"}}}}}}}}}}}};
  doc.response_body = {{"type", "object"},
                       {"properties",
                        {{"jars", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                         {"conflicts", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                         {"ok", {{"type", "boolean"}}},
                         {"from_cache", {{"type", "boolean"}}}}}};
  router.Add(
      "POST", "/api/v1/dependencies/resolve", std::move(doc),
      guard.WrapAnswer(
          "dependencies.resolve",
          [this](http::Request& request, const Principal& principal) -> Result<http::Response> {
            SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
            SLUICE_RETURN_IF_ERROR(RejectUnknownFields(body, {"team_id", "dependencies"}));
            SLUICE_ASSIGN_OR_RETURN(int64_t team_id, RequireInt(body, "team_id"));
            // Running Maven downloads into the shared repository: editors only.
            SLUICE_RETURN_IF_ERROR(
                Authorize(principal, Action::kEdit, team_id, TeamHidden(team_id)));
            if (!body.contains("dependencies")) {
              return Error(ErrorCode::INVALID_ARGUMENT, "field 'dependencies' is required",
                           "dependencies");
            }
            SLUICE_ASSIGN_OR_RETURN(ResolvedDependencies resolved,
                                    Inspect(team_id, body["dependencies"], nullptr));
            return http::Ok(ResolvedDependenciesJson(resolved), fmt::format("team:{}", team_id),
                            team_id);
          }));
}

}  // namespace sluice::resources
