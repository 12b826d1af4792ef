// What a deploy takes from the resources area (apps::DeployInputs): the team's variables, the
// app's dependency jars (Maven coordinates resolved, uploaded jars found) and uploaded job jars.
#pragma once

#include "apps/actions.h"
#include "resources/resources_module.h"

namespace sluice::resources {

class AppDeployInputs final : public apps::DeployInputs {
 public:
  // `module` must outlive this object.
  explicit AppDeployInputs(ResourcesModule& module) : module_(module) {}

  Result<Expanded> Expand(int64_t team_id, std::string_view text) override;
  // DependencyService::Resolve: a library in two versions is DEPENDENCY_CONFLICT before deploy.
  Result<std::vector<std::string>> DependencyJars(int64_t team_id, const Json& dependencies,
                                                  const std::atomic<bool>* cancel) override;
  Result<std::string> ResourceJar(int64_t team_id, int64_t resource_id) override;
  // Not from here: projects::ProjectDeployInputs wraps this object and answers it.
  Result<ProjectJar> ProjectArtifact(int64_t team_id, const Json& artifact,
                                     const std::atomic<bool>* cancel) override;

 private:
  ResourcesModule& module_;
};

}  // namespace sluice::resources
