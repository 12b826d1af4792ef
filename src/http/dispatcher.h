// Everything between a parsed request and a response that is not a handler's business: request
// ids, routing with JSON 404/405, the catch-all that turns a bug into a plain 500, metrics and the
// access log. Independent of the network so tests and the fuzzer can drive it directly.
#pragma once

#include <functional>

#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"

namespace sluice::http {

class Dispatcher {
 public:
  // `router` and `metrics` must outlive the dispatcher. Thread-safe: routes are read-only once
  // serving starts.
  Dispatcher(const Router& router, Metrics& metrics) : router_(router), metrics_(metrics) {}

  // Routes and runs `request`. Never throws. Sets request.request_id (keeping a well-formed
  // incoming X-Request-Id) and echoes it in the X-Request-Id header of the response.
  Response Dispatch(Request& request) const;

  // The body limit for a request to `method` `path`: the route's RouteDoc::max_body_bytes when it
  // is larger than `server_limit`, else `server_limit` (also for paths no route matches).
  uint64_t BodyLimit(std::string_view method, std::string_view path, uint64_t server_limit) const;
  // Requests that no route matches and `accepts` takes go to `handler` instead of the JSON 404
  // (the web console's files). Call before serving starts.
  void SetFallback(std::function<bool(const Request&)> accepts, Handler handler) {
    fallback_accepts_ = std::move(accepts);
    fallback_ = std::move(handler);
  }

 private:
  Response Run(const Handler& handler, Request& request) const;

  std::function<bool(const Request&)> fallback_accepts_;
  Handler fallback_;
  const Router& router_;
  Metrics& metrics_;
};

// A fresh request id: 16 lower-case hex digits.
std::string NewRequestId();

}  // namespace sluice::http
