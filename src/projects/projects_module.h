// The projects area wired together: Git projects (projects.h), their Maven builds and the build
// workers (builds.h), their routes, and what a deploy takes from them (ProjectDeployInputs).
// Built by the server after the resources module.
#pragma once

#include <memory>

#include "apps/actions.h"
#include "common/clock.h"
#include "http/router.h"
#include "projects/builds.h"
#include "projects/projects.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::projects {

class ProjectsModule {
 public:
  // `database` and `clock` must outlive the module.
  ProjectsModule(store::Database& database, const Clock& clock, ProjectsOptions options);
  ~ProjectsModule();

  // Marks builds a previous process left RUNNING as INTERRUPTED, then starts the build workers.
  Status Start();
  void Stop();
  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

  ProjectService& projects() { return *projects_; }
  BuildService& builds() { return *builds_; }

 private:
  std::unique_ptr<ProjectService> projects_;
  std::unique_ptr<BuildService> builds_;
};

// A deploy's inputs: everything from `inner` (the resources area), plus project jars from here.
class ProjectDeployInputs final : public apps::DeployInputs {
 public:
  // Both must outlive this object.
  ProjectDeployInputs(apps::DeployInputs& inner, BuildService& builds)
      : inner_(inner), builds_(builds) {}

  Result<Expanded> Expand(int64_t team_id, std::string_view text) override {
    return inner_.Expand(team_id, text);
  }
  Result<std::vector<std::string>> DependencyJars(int64_t team_id, const Json& dependencies,
                                                  const std::atomic<bool>* cancel) override {
    return inner_.DependencyJars(team_id, dependencies, cancel);
  }
  Result<std::string> ResourceJar(int64_t team_id, int64_t resource_id) override {
    return inner_.ResourceJar(team_id, resource_id);
  }
  Result<ProjectJar> ProjectArtifact(int64_t team_id, const Json& artifact,
                                     const std::atomic<bool>* cancel) override;

 private:
  apps::DeployInputs& inner_;
  BuildService& builds_;
};

}  // namespace sluice::projects
