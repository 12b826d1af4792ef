#include "server/application.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>

#include "alerts/alerts_module.h"
#include "apps/apps_module.h"
#include "flink/flink_module.h"
#include "projects/projects_module.h"
#include "resources/deploy_inputs.h"
#include "resources/resources_module.h"
#include "sql/sql_module.h"
#include "store/migrations.h"
#include "system/system_module.h"

namespace sluice::server {

Application::Application(const ServeConfig& config) : config_(config) {}

Application::~Application() {
  StopWorkers();
  // Modules go before the store they use, and users before what they use.
  alerts_.reset();
  sql_.reset();
  apps_.reset();
  project_inputs_.reset();
  projects_.reset();
  deploy_inputs_.reset();
  resources_.reset();
  flink_.reset();
  system_.reset();
  database_.reset();
}

void Application::StopWorkers() {
  // Jobs and managed Flink clusters keep running: the next start re-attaches and re-adopts them.
  if (alerts_) alerts_->Stop();
  if (apps_) apps_->Stop();
  if (projects_) projects_->Stop();
  if (flink_) flink_->Stop();
}

Result<std::unique_ptr<Application>> Application::Create(
    const ServeConfig& config, const Clock& clock,
    const std::optional<std::string>& admin_password) {
  std::unique_ptr<Application> app(new Application(config));
  // First, so that a wrong web_dir stops the start before anything is created.
  SLUICE_RETURN_IF_ERROR(app->OpenConsole());
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("cannot create data folder {}: {}", config.data_dir, ec.message()),
                 "data_dir");
  }
  // The folder holds the SQLite file and the first admin's password: owner only.
  ::chmod(config.data_dir.c_str(), 0700);

  store::DatabaseOptions db_options;
  db_options.pool_size = config.db_pool_size;
  SLUICE_ASSIGN_OR_RETURN(app->database_, store::OpenDatabase(config.database_url(), db_options));
  SLUICE_ASSIGN_OR_RETURN(store::MigrationReport report,
                          store::Migrate(*app->database_, store::SchemaMigrations(), clock));
  spdlog::info("store: {} at schema version {} ({} applied now)",
               store::DialectName(app->database_->dialect()), report.to_version, report.applied);

  system::SystemOptions system_options;
  system_options.data_dir = config.data_dir;
  system_options.session_ttl = std::chrono::hours(config.session_ttl_hours);
  system_options.login_max_failures = config.login_max_failures;
  system_options.login_window = std::chrono::seconds(config.login_window_seconds);
  system_options.login_lockout = std::chrono::seconds(config.login_lockout_seconds);
  app->system_ = std::make_unique<system::SystemModule>(*app->database_, clock, system_options);
  SLUICE_RETURN_IF_ERROR(app->system_->Bootstrap(admin_password));

  flink::FlinkOptions flink_options;
  flink_options.data_dir = config.data_dir;
  flink_options.bootstrap_flink_home = config.bootstrap_flink_home;
  flink_options.clusters.health_interval = std::chrono::seconds(config.cluster_health_seconds);
  flink_options.clusters.start_timeout = std::chrono::seconds(config.cluster_start_timeout_seconds);
  flink_options.clusters.stop_grace = std::chrono::seconds(config.cluster_stop_grace_seconds);
  app->flink_ = std::make_unique<flink::FlinkModule>(*app->database_, clock, flink_options);
  SLUICE_RETURN_IF_ERROR(app->flink_->Start());

  app->RegisterOperationalRoutes();
  app->system_->RegisterRoutes(app->router_);
  app->flink_->RegisterRoutes(app->router_, app->system_->guard());
  resources::ResourcesOptions resources_options;
  resources_options.data_dir = config.data_dir;
  resources_options.max_upload_bytes = config.max_upload_bytes;
  resources_options.maven_repository = config.maven_repository;
  resources_options.maven_local_repository = config.maven_local_repository;
  resources_options.resolve_timeout = std::chrono::seconds(config.resolve_timeout_seconds);
  app->resources_ =
      std::make_unique<resources::ResourcesModule>(*app->database_, clock, resources_options);
  app->resources_->RegisterRoutes(app->router_, app->system_->guard());
  app->deploy_inputs_ = std::make_unique<resources::AppDeployInputs>(*app->resources_);
  projects::ProjectsOptions projects_options;
  projects_options.data_dir = std::filesystem::absolute(config.data_dir).lexically_normal();
  projects_options.build_threads = config.build_threads;
  projects_options.build_timeout = std::chrono::seconds(config.build_timeout_seconds);
  projects_options.maven_local_repository = config.maven_local_repository;
  app->projects_ =
      std::make_unique<projects::ProjectsModule>(*app->database_, clock, projects_options);
  app->projects_->RegisterRoutes(app->router_, app->system_->guard());
  SLUICE_RETURN_IF_ERROR(app->projects_->Start());
  app->project_inputs_ = std::make_unique<projects::ProjectDeployInputs>(*app->deploy_inputs_,
                                                                         app->projects_->builds());

  apps::AppsOptions apps_options;
  apps_options.actions.data_dir = std::filesystem::absolute(config.data_dir).lexically_normal();
  apps_options.actions.runner_jar = config.runner_jar;
  apps_options.actions.savepoint_dir = config.savepoint_dir;
  apps_options.actions.submit_timeout = std::chrono::seconds(config.submit_timeout_seconds);
  apps_options.tracker.interval = std::chrono::milliseconds(config.tracking_interval_ms);
  apps_options.tracker.lost_after = std::chrono::seconds(config.job_lost_seconds);
  apps_options.operation_threads = config.operation_threads;
  app->apps_ =
      std::make_unique<apps::AppsModule>(*app->database_, clock, *app->flink_, apps_options,
                                         nullptr, nullptr, app->project_inputs_.get());
  app->apps_->RegisterRoutes(app->router_, app->system_->guard());
  SLUICE_RETURN_IF_ERROR(app->apps_->Start());
  sql::SqlOptions sql_options;
  sql_options.validator.runner_jar = config.runner_jar;
  sql_options.validator.work_dir =
      (std::filesystem::absolute(config.data_dir) / "sql").lexically_normal().string();
  app->sql_ = std::make_unique<sql::SqlModule>(sql_options, app->flink_->envs(),
                                               &app->apps_->service(), app->deploy_inputs_.get());
  app->sql_->RegisterRoutes(app->router_, app->system_->guard());
  alerts::AlertsModuleOptions alert_options;
  alert_options.data_dir = config.data_dir;
  alert_options.engine.public_url =
      config.public_url.empty() ? "http://" + config.listen : config.public_url;
  while (!alert_options.engine.public_url.empty() &&
         alert_options.engine.public_url.back() == '/') {
    alert_options.engine.public_url.pop_back();
  }
  alert_options.engine.quiet = std::chrono::minutes(config.alert_quiet_minutes);
  alert_options.engine.restart_backoff = std::chrono::milliseconds(config.restart_backoff_ms);
  alert_options.engine.restart_backoff_max =
      std::chrono::milliseconds(config.restart_backoff_max_ms);
  alert_options.engine.retry_first = std::chrono::milliseconds(config.alert_retry_first_ms);
  alert_options.engine.retry_max = std::chrono::milliseconds(config.alert_retry_max_ms);
  alert_options.engine.give_up = std::chrono::hours(config.alert_give_up_hours);
  alert_options.engine.watch = std::chrono::milliseconds(config.alert_watch_ms);
  app->alerts_ =
      std::make_unique<alerts::AlertsModule>(*app->database_, clock, *app->apps_, alert_options);
  app->alerts_->RegisterRoutes(app->router_, app->system_->guard());
  app->alerts_->Start();
  if (auto local = app->flink_->bootstrapped_cluster_id()) {
    Status demo = app->apps_->service().CreateDemoApp(*local);
    if (!demo.ok()) spdlog::warn("apps: the demo app was not created: {}", demo.error().message);
  }
  app->RegisterStoreGauges();
  app->dispatcher_ = std::make_unique<http::Dispatcher>(app->router_, app->metrics_);
  if (app->console_) {
    const web::StaticSite* site = app->console_.get();
    app->dispatcher_->SetFallback(&web::StaticSite::Handles,
                                  [site](http::Request& request) { return site->Serve(request); });
  }
  return app;
}

Status Application::OpenConsole() {
  std::optional<std::filesystem::path> dir =
      web::ResolveWebDir(config_.web_dir, web::DefaultWebDirs());
  if (!dir) {
    spdlog::info("web console: not served ({})", config_.web_dir == "off"
                                                     ? "web_dir is off"
                                                     : "no built console found; `make build` "
                                                       "builds web/dist");
    return Status::Ok();
  }
  SLUICE_ASSIGN_OR_RETURN(console_, web::StaticSite::Open(*dir));
  spdlog::info("web console: served at / from {}", console_->root().string());
  return Status::Ok();
}

void Application::RegisterOperationalRoutes() {
  http::RouteDoc health{"liveness: the process answers", "operations", false};
  health.response_body = {{"type", "object"}};
  router_.Add("GET", "/healthz", health, [](http::Request&) {
    return http::JsonResponse(200, {{"status", "ok"}});
  });

  http::RouteDoc ready{"readiness: the store answers", "operations", false};
  ready.response_body = {{"type", "object"}};
  router_.Add("GET", "/readyz", ready, [this](http::Request& request) {
    Status ping = database_->Ping();
    if (!ping.ok()) return http::ErrorResponse(ping.error(), request.request_id);
    return http::JsonResponse(
        200, {{"status", "ready"}, {"store", store::DialectName(database_->dialect())}});
  });

  http::RouteDoc metrics_doc{"Prometheus metrics", "operations", false};
  metrics_doc.response_content_type = "text/plain";
  metrics_doc.response_body = {{"type", "string"}};
  router_.Add("GET", "/metrics", metrics_doc, [this](http::Request&) {
    return http::TextResponse(200, metrics_.Render(), "text/plain; version=0.0.4");
  });

  http::RouteDoc openapi{"this API's OpenAPI document", "operations", false};
  openapi.response_body = {{"type", "object"}};
  router_.Add("GET", "/api/v1/openapi.json", openapi, [this](http::Request&) {
    return http::JsonResponse(200, http::BuildOpenApi(router_, SLUICE_VERSION));
  });
}

void Application::RegisterStoreGauges() {
  store::Database* database = database_.get();
  metrics_.AddGauge("sluice_store_pool_connections", "Store connections by state.",
                    "state=\"open\"", [database] { return double(database->Stats().size); });
  metrics_.AddGauge("sluice_store_pool_connections", "Store connections by state.",
                    "state=\"in_use\"", [database] { return double(database->Stats().in_use); });
  metrics_.AddGauge("sluice_store_pool_max", "Upper bound of store connections.", "",
                    [database] { return double(database->Stats().max); });
  metrics_.AddGauge("sluice_store_pool_waits_total", "Borrows that waited for a free connection.",
                    "", [database] { return double(database->Stats().waits); });
}

}  // namespace sluice::server
