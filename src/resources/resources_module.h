// The resources area wired together: uploaded jars, team variables, the Maven resolver and the
// dependency service, and their routes. Built once by the server after the system module (it
// guards its routes with the system's guard).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/clock.h"
#include "http/router.h"
#include "resources/dependencies.h"
#include "resources/maven_resolver.h"
#include "resources/resource_store.h"
#include "resources/variables.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::resources {

struct ResourcesOptions {
  std::string data_dir;  // jars under <data_dir>/resources, Maven's under <data_dir>/maven-cache,
                         // the secret key at <data_dir>/secret.key
  uint64_t max_upload_bytes = kDefaultMaxUploadBytes;
  std::string maven_repository = std::string(kMavenCentral);
  std::string maven_local_repository;  // "": $HOME/.m2/repository
  std::chrono::seconds resolve_timeout{300};
  std::string mvn = "mvn";
};

class ResourcesModule {
 public:
  // `database` and `clock` must outlive the module. `resolver`: the Maven-backed one unless a
  // test gives another.
  ResourcesModule(store::Database& database, const Clock& clock, ResourcesOptions options,
                  std::unique_ptr<MavenResolver> resolver = nullptr);

  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

  ResourceService& resources() { return *resources_; }
  VariableService& variables() { return *variables_; }
  DependencyService& dependencies() { return *dependencies_; }

 private:
  std::unique_ptr<MavenResolver> resolver_;
  std::unique_ptr<ResourceService> resources_;
  std::unique_ptr<VariableService> variables_;
  std::unique_ptr<DependencyService> dependencies_;
};

}  // namespace sluice::resources
