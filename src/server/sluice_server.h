// `sluice serve`: the control plane process. Wiring lives here and only here: it opens the store,
// applies migrations, builds each area's module, registers their routes and runs the HTTP server
// and background workers until Stop().
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "server/config.h"

namespace sluice::server {

class SluiceServer {
 public:
  SluiceServer(ServeConfig config, const Clock& clock);
  ~SluiceServer();

  // Creates the data folder, opens and migrates the store, creates the first admin
  // (`admin_password` from SLUICE_ADMIN_PASSWORD, or generated), and starts listening.
  // Errors name the cause: a bad database URL, a schema too new, an address in use.
  Status Start(const std::optional<std::string>& admin_password);
  // The port actually bound. Valid after Start().
  uint16_t port() const;
  // Graceful stop: stop accepting, finish requests in flight, stop workers, close the store.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs `sluice serve` until SIGTERM or SIGINT. Returns the process exit code.
int RunServe(const ServeFlags& flags);

}  // namespace sluice::server
