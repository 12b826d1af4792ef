// The control plane without the network: the store, every area's module, the routes and the
// dispatcher, wired in one place. SluiceServer puts it behind the HTTP server; the fuzzer and
// tests drive its dispatcher directly.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "http/dispatcher.h"
#include "http/metrics.h"
#include "http/router.h"
#include "server/config.h"
#include "store/database.h"
#include "web/static_site.h"

namespace sluice::system {
class SystemModule;
}
namespace sluice::flink {
class FlinkModule;
}
namespace sluice::apps {
class AppsModule;
}
namespace sluice::resources {
class ResourcesModule;
class AppDeployInputs;
}  // namespace sluice::resources
namespace sluice::projects {
class ProjectsModule;
class ProjectDeployInputs;
}  // namespace sluice::projects
namespace sluice::sql {
class SqlModule;
}  // namespace sluice::sql
namespace sluice::alerts {
class AlertsModule;
}

namespace sluice::server {

class Application {
 public:
  // Creates the data folder (mode 0700), opens and migrates the store, builds the modules, creates
  // the first admin (`admin_password`, or generated) and registers every route. Errors name the
  // cause (bad database URL, schema too new, unwritable data folder). `clock` must outlive it.
  static Result<std::unique_ptr<Application>> Create(
      const ServeConfig& config, const Clock& clock,
      const std::optional<std::string>& admin_password);
  ~Application();

  const http::Dispatcher& dispatcher() const { return *dispatcher_; }
  const http::Router& router() const { return router_; }
  http::Metrics& metrics() { return metrics_; }
  store::Database& database() { return *database_; }
  flink::FlinkModule& flink() { return *flink_; }
  resources::ResourcesModule& resources() { return *resources_; }

  // Stops background workers. Idempotent; the destructor calls it.
  void StopWorkers();

 private:
  explicit Application(const ServeConfig& config);
  void RegisterOperationalRoutes();
  void RegisterStoreGauges();
  Status OpenConsole();  // the web console's folder, when there is one

  ServeConfig config_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<system::SystemModule> system_;
  std::unique_ptr<flink::FlinkModule> flink_;
  std::unique_ptr<apps::AppsModule> apps_;
  std::unique_ptr<alerts::AlertsModule> alerts_;
  std::unique_ptr<resources::ResourcesModule> resources_;
  std::unique_ptr<resources::AppDeployInputs> deploy_inputs_;
  std::unique_ptr<projects::ProjectsModule> projects_;
  std::unique_ptr<projects::ProjectDeployInputs> project_inputs_;
  std::unique_ptr<sql::SqlModule> sql_;  // the SQL workbench (after apps_: it uses its service)
  http::Router router_;
  http::Metrics metrics_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  std::unique_ptr<web::StaticSite> console_;  // null when no console is served
};

}  // namespace sluice::server
