#include "resources/deploy_inputs.h"

namespace sluice::resources {

Result<apps::DeployInputs::Expanded> AppDeployInputs::Expand(int64_t team_id,
                                                             std::string_view text) {
  SLUICE_ASSIGN_OR_RETURN(Expansion expansion, module_.variables().Expand(team_id, text));
  return Expanded{std::move(expansion.text), std::move(expansion.secrets)};
}

Result<std::vector<std::string>> AppDeployInputs::DependencyJars(int64_t team_id,
                                                                 const Json& dependencies,
                                                                 const std::atomic<bool>* cancel) {
  SLUICE_ASSIGN_OR_RETURN(ResolvedDependencies resolved,
                          module_.dependencies().Resolve(team_id, dependencies, cancel));
  std::vector<std::string> paths;
  for (const ResolvedJar& jar : resolved.jars) paths.push_back(jar.path);
  return paths;
}

Result<std::string> AppDeployInputs::ResourceJar(int64_t team_id, int64_t resource_id) {
  SLUICE_ASSIGN_OR_RETURN(Resource resource, module_.resources().GetForTeam(team_id, resource_id));
  return resource.path;
}

Result<apps::DeployInputs::ProjectJar> AppDeployInputs::ProjectArtifact(int64_t, const Json&,
                                                                        const std::atomic<bool>*) {
  return Error(ErrorCode::PROJECT_NOT_FOUND, "project jars come from the projects area", "jar");
}

}  // namespace sluice::resources
