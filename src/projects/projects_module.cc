#include "projects/projects_module.h"

namespace sluice::projects {

ProjectsModule::ProjectsModule(store::Database& database, const Clock& clock,
                               ProjectsOptions options)
    : projects_(std::make_unique<ProjectService>(database, clock, std::move(options))),
      builds_(std::make_unique<BuildService>(database, clock, *projects_)) {}

ProjectsModule::~ProjectsModule() { Stop(); }

Status ProjectsModule::Start() { return builds_->Start(); }

void ProjectsModule::Stop() { builds_->Stop(); }

void ProjectsModule::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  BuildService* builds = builds_.get();
  projects_->RegisterRoutes(router, guard,
                            [builds](int64_t id) { return builds->HasRunningBuild(id); });
  builds_->RegisterRoutes(router, guard);
}

Result<apps::DeployInputs::ProjectJar> ProjectDeployInputs::ProjectArtifact(
    int64_t team_id, const Json& artifact, const std::atomic<bool>* cancel) {
  SLUICE_ASSIGN_OR_RETURN(ProjectJarFile file, builds_.ProjectJar(team_id, artifact, cancel));
  return ProjectJar{file.path, file.commit, file.build_id};
}

}  // namespace sluice::projects
