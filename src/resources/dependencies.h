// An app's dependencies turned into jar files: the Maven coordinates resolved by the resolver
// (maven_resolver.h) plus the team's uploaded jars (resource_store.h), with the libraries that
// appear in two versions among them.
//
// The `dependencies` JSON is the app spec's: {"maven": [{"group","artifact","version",
// "classifier"?,"exclusions"?: ["g:a"]}], "resources": [id, ...]}; either list may be absent.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "http/router.h"
#include "resources/maven_resolver.h"
#include "resources/resource_store.h"
#include "system/api_guard.h"

namespace sluice::resources {

struct ResolvedJar {
  std::string path;  // absolute: hand it to Flink as is
  std::string file_name;
  std::string source;    // "maven" or "resource"
  std::string group;     // Maven: the coordinate; resource: "" (unknown)
  std::string artifact;  // resource: from the file name when it has a version
  std::string version;   // resource: from the file name, else ""
  std::optional<int64_t> resource_id;
  std::string scope;    // Maven: "compile" or "runtime"; resource: ""
  bool direct = false;  // requested (Maven) or listed (resource), not pulled in transitively
  uint64_t size = 0;
  std::string sha256;
};

struct ResolvedDependencies {
  std::vector<ResolvedJar> jars;    // Maven's first (sorted), then the resources in given order
  std::vector<Conflict> conflicts;  // libraries found in two versions
  bool from_cache = false;          // Maven was not run (or there was nothing to resolve)
};

struct DependencyOptions {
  std::string cache_dir;  // <data_dir>/maven-cache
  std::string repository_url = std::string(kMavenCentral);
  std::string local_repository;  // "": $HOME/.m2/repository
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
};

// Reads the `dependencies.maven` list into coordinates (exclusions parsed, extension "jar").
// DEPENDENCY_INVALID (field "dependencies") naming the entry and its bad part.
Result<std::vector<MavenCoordinate>> ParseMavenDependencies(const Json& maven);

class DependencyService {
 public:
  // All references must outlive the service.
  DependencyService(ResourceService& resources, MavenResolver& resolver, DependencyOptions options);

  // The jars for `dependencies` of an app of `team_id`. Blocks while Maven runs (up to the
  // timeout); `cancel` (may be null) stops it. Errors: DEPENDENCY_INVALID for malformed JSON,
  // RESOURCE_NOT_FOUND for a resource id that is not the team's, the resolver's errors
  // (DEPENDENCY_NOT_FOUND, DEPENDENCY_RESOLVE_FAILED, DEPENDENCY_TIMEOUT, DEPENDENCY_CONFLICT for
  // one library requested in two versions), and DEPENDENCY_CONFLICT (ConflictError) when the
  // jars hold one library in two versions.
  Result<ResolvedDependencies> Resolve(int64_t team_id, const Json& dependencies,
                                       const std::atomic<bool>* cancel);

  // Resolve, but conflicts among the jars are reported in the result rather than failing it (the
  // check route shows them).
  Result<ResolvedDependencies> Inspect(int64_t team_id, const Json& dependencies,
                                       const std::atomic<bool>* cancel);

  // POST /api/v1/dependencies/resolve, guarded by `guard`.
  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

 private:
  ResourceService& resources_;
  MavenResolver& resolver_;
  DependencyOptions options_;
};

Json ResolvedDependenciesJson(const ResolvedDependencies& resolved);

}  // namespace sluice::resources
