#include "server/sluice_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <thread>

#include "common/log.h"
#include "http/server.h"
#include "server/application.h"

namespace sluice::server {

struct SluiceServer::Impl {
  ServeConfig config;
  const Clock& clock;
  std::unique_ptr<Application> application;
  std::unique_ptr<http::Server> http_server;

  Impl(ServeConfig c, const Clock& k) : config(std::move(c)), clock(k) {}
};

SluiceServer::SluiceServer(ServeConfig config, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), clock)) {}

SluiceServer::~SluiceServer() { Stop(); }

Status SluiceServer::Start(const std::optional<std::string>& admin_password) {
  const ServeConfig& config = impl_->config;
  SLUICE_ASSIGN_OR_RETURN(impl_->application,
                          Application::Create(config, impl_->clock, admin_password));
  http::ServerOptions http_options;
  http_options.host = config.host();
  http_options.port = config.port();
  http_options.threads = config.http_threads > 0
                             ? config.http_threads
                             : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  http_options.max_body_bytes = config.max_body_bytes;
  http_options.read_timeout = std::chrono::seconds(config.read_timeout_seconds);
  impl_->http_server =
      std::make_unique<http::Server>(http_options, impl_->application->dispatcher());
  SLUICE_RETURN_IF_ERROR(impl_->http_server->Start());
  http::Server* server = impl_->http_server.get();
  impl_->application->metrics().AddGauge("sluice_http_requests_in_flight",
                                         "Requests being handled right now.", "",
                                         [server] { return double(server->in_flight()); });
  return Status::Ok();
}

uint16_t SluiceServer::port() const { return impl_->http_server ? impl_->http_server->port() : 0; }

void SluiceServer::Stop() {
  // Order matters: no new requests, requests in flight finish, workers stop, the store closes.
  if (impl_->http_server) {
    impl_->http_server->Stop();
    impl_->http_server.reset();
  }
  if (impl_->application) {
    impl_->application->StopWorkers();
    impl_->application.reset();
  }
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
