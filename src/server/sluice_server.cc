#include "server/sluice_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <filesystem>
#include <iostream>

#include "common/log.h"
#include "http/dispatcher.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "store/database.h"
#include "store/migrations.h"
#include "system/system_module.h"

namespace sluice::server {

struct SluiceServer::Impl {
  ServeConfig config;
  const Clock& clock;
  std::unique_ptr<store::Database> database;
  std::unique_ptr<system::SystemModule> system;
  http::Router router;
  http::Metrics metrics;
  std::unique_ptr<http::Dispatcher> dispatcher;
  std::unique_ptr<http::Server> http_server;

  Impl(ServeConfig c, const Clock& k) : config(std::move(c)), clock(k) {}
  void RegisterOperationalRoutes();
};

void SluiceServer::Impl::RegisterOperationalRoutes() {
  http::RouteDoc health{"liveness: the process answers", "operations", false};
  health.response_body = {{"type", "object"}};
  router.Add("GET", "/healthz", health, [](http::Request&) {
    return http::JsonResponse(200, {{"status", "ok"}});
  });
  http::RouteDoc ready{"readiness: the store answers", "operations", false};
  ready.response_body = {{"type", "object"}};
  router.Add("GET", "/readyz", ready, [this](http::Request& request) {
    Status ping = database->Ping();
    if (!ping.ok()) return http::ErrorResponse(ping.error(), request.request_id);
    return http::JsonResponse(200, {{"status", "ready"},
                                    {"store", store::DialectName(database->dialect())}});
  });
  http::RouteDoc metrics_doc{"Prometheus metrics", "operations", false};
  metrics_doc.response_content_type = "text/plain";
  metrics_doc.response_body = {{"type", "string"}};
  router.Add("GET", "/metrics", metrics_doc, [this](http::Request&) {
    return http::TextResponse(200, metrics.Render(), "text/plain; version=0.0.4");
  });
  http::RouteDoc openapi{"this API's OpenAPI document", "operations", false};
  openapi.response_body = {{"type", "object"}};
  router.Add("GET", "/api/v1/openapi.json", openapi, [this](http::Request&) {
    return http::JsonResponse(200, http::BuildOpenApi(router, SLUICE_VERSION));
  });
}

SluiceServer::SluiceServer(ServeConfig config, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), clock)) {}

SluiceServer::~SluiceServer() { Stop(); }

Status SluiceServer::Start(const std::optional<std::string>& admin_password) {
  ServeConfig& config = impl_->config;
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("cannot create data folder {}: {}", config.data_dir, ec.message()),
                 "data_dir");
  }
  ::chmod(config.data_dir.c_str(), 0700);
  store::DatabaseOptions db_options;
  db_options.pool_size = config.db_pool_size;
  SLUICE_ASSIGN_OR_RETURN(impl_->database, store::OpenDatabase(config.database_url(), db_options));
  SLUICE_ASSIGN_OR_RETURN(
      store::MigrationReport report,
      store::Migrate(*impl_->database, store::SchemaMigrations(), impl_->clock));
  spdlog::info("store: {} at schema version {} ({} applied now)",
               store::DialectName(impl_->database->dialect()), report.to_version, report.applied);

  system::SystemOptions system_options;
  system_options.data_dir = config.data_dir;
  system_options.session_ttl = std::chrono::hours(config.session_ttl_hours);
  system_options.login_max_failures = config.login_max_failures;
  system_options.login_window = std::chrono::seconds(config.login_window_seconds);
  system_options.login_lockout = std::chrono::seconds(config.login_lockout_seconds);
  impl_->system =
      std::make_unique<system::SystemModule>(*impl_->database, impl_->clock, system_options);
  SLUICE_RETURN_IF_ERROR(impl_->system->Bootstrap(admin_password));

  impl_->RegisterOperationalRoutes();
  impl_->system->RegisterRoutes(impl_->router);

  store::Database* database = impl_->database.get();
  impl_->metrics.AddGauge("sluice_store_pool_connections", "Store connections by state.",
                          "state=\"open\"",
                          [database] { return double(database->Stats().size); });
  impl_->metrics.AddGauge("sluice_store_pool_connections", "Store connections by state.",
                          "state=\"in_use\"",
                          [database] { return double(database->Stats().in_use); });
  impl_->metrics.AddGauge("sluice_store_pool_max", "Upper bound of store connections.", "",
                          [database] { return double(database->Stats().max); });
  impl_->metrics.AddGauge("sluice_store_pool_waits_total",
                          "Borrows that waited for a free connection.", "",
                          [database] { return double(database->Stats().waits); });

  impl_->dispatcher = std::make_unique<http::Dispatcher>(impl_->router, impl_->metrics);
  http::ServerOptions http_options;
  http_options.host = config.host();
  http_options.port = config.port();
  http_options.threads = config.http_threads;
  http_options.max_body_bytes = config.max_body_bytes;
  http_options.read_timeout = std::chrono::seconds(config.read_timeout_seconds);
  impl_->http_server = std::make_unique<http::Server>(http_options, *impl_->dispatcher);
  SLUICE_RETURN_IF_ERROR(impl_->http_server->Start());
  return Status::Ok();
}

uint16_t SluiceServer::port() const {
  return impl_->http_server ? impl_->http_server->port() : 0;
}

void SluiceServer::Stop() {
  if (impl_->http_server) {
    impl_->http_server->Stop();
    impl_->http_server.reset();
  }
  // Background workers stop here (none yet), then the store closes.
  impl_->system.reset();
  impl_->database.reset();
}

int RunServe(const ServeFlags& flags) {
  auto config = LoadServeConfig(flags, ProcessEnvironment());
  if (!config.ok()) {
    std::cerr << "sluice serve: " << config.error().message << "\n";
    return 2;
  }
  Status logging = InitLogging({config->log_level, config->log_json});
  if (!logging.ok()) {
    std::cerr << "sluice serve: " << logging.error().message << "\n";
    return 2;
  }
  std::optional<std::string> admin_password;
  if (const char* env = std::getenv("SLUICE_ADMIN_PASSWORD"); env != nullptr && *env != '\0') {
    admin_password = env;
  }
  // Block the signals before any thread starts so only the waiting loop below receives them.
  boost::asio::io_context signals_context;
  boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM);
  SluiceServer server(*config, SystemClock::Instance());
  Status started = server.Start(admin_password);
  if (!started.ok()) {
    spdlog::error("sluice serve: {}{}", started.error().message,
                  started.error().internal_detail.empty()
                      ? ""
                      : " (" + RedactSecrets(started.error().internal_detail) + ")");
    return 1;
  }
  spdlog::info("sluice {} listening on http://{}:{} (store {}, data folder {})", SLUICE_VERSION,
               config->host(), server.port(), MaskUrlCredentials(config->database_url()),
               config->data_dir);
  int received = 0;
  signals.async_wait([&](const boost::system::error_code&, int signal) { received = signal; });
  signals_context.run();
  spdlog::info("sluice serve: signal {} received, stopping", received);
  server.Stop();
  spdlog::info("sluice serve: stopped");
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace sluice::server
