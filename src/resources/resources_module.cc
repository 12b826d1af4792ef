#include "resources/resources_module.h"

#include <filesystem>

namespace sluice::resources {

ResourcesModule::ResourcesModule(store::Database& database, const Clock& clock,
                                 ResourcesOptions options, std::unique_ptr<MavenResolver> resolver)
    : resolver_(resolver ? std::move(resolver) : std::make_unique<MvnResolver>(options.mvn)) {
  // Absolute: jar paths end up on Flink's command lines, which run in other folders.
  std::error_code ec;
  auto absolute = std::filesystem::absolute(options.data_dir, ec);
  std::string data_dir = ec ? options.data_dir : absolute.lexically_normal().string();
  resources_ = std::make_unique<ResourceService>(
      database, clock, ResourceOptions{data_dir, options.max_upload_bytes});
  variables_ = std::make_unique<VariableService>(
      database, clock, (std::filesystem::path(data_dir) / "secret.key").string());
  DependencyOptions dependency_options;
  dependency_options.cache_dir = (std::filesystem::path(data_dir) / "maven-cache").string();
  dependency_options.repository_url = options.maven_repository;
  dependency_options.local_repository = options.maven_local_repository;
  dependency_options.timeout = options.resolve_timeout;
  dependencies_ = std::make_unique<DependencyService>(*resources_, *resolver_, dependency_options);
}

void ResourcesModule::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  resources_->RegisterRoutes(router, guard);
  variables_->RegisterRoutes(router, guard);
  dependencies_->RegisterRoutes(router, guard);
}

}  // namespace sluice::resources
