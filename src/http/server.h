// The HTTP/1.1 server (Boost.Beast): keep-alive, a body-size limit, read timeouts, and a graceful
// stop that finishes the requests in flight. Requests are handed to a Dispatcher on a small pool
// of threads; handlers may block (store calls), so the pool is larger than the core count.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "http/dispatcher.h"

namespace sluice::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8765;  // 0 picks a free port (see Server::port())
  int threads = 4;
  uint64_t max_body_bytes = 1 << 20;      // larger bodies answer 413
  std::chrono::seconds read_timeout{30};  // to receive one whole request
  std::chrono::seconds idle_timeout{60};  // keep-alive connection with no request
};

class Server {
 public:
  Server(ServerOptions options, const Dispatcher& dispatcher);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads. UNAVAILABLE when the address cannot be bound
  // (the message names it: in use, bad address, ...).
  Status Start();
  // The bound port (useful with port 0). Valid after Start().
  uint16_t port() const;
  // Stops accepting, lets requests in flight finish (up to `grace`), closes idle connections and
  // joins the threads. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // Requests being handled right now.
  int in_flight() const;

  struct Impl;  // implementation detail, public only so server.cc's sessions can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::http
