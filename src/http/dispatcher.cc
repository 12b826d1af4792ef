#include "http/dispatcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "common/log.h"

namespace sluice::http {
namespace {

bool IsGoodRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{:016x}", rng());
}

uint64_t Dispatcher::BodyLimit(std::string_view method, std::string_view path,
                               uint64_t server_limit) const {
  Router::Match match = router_.Find(method, path);
  if (match.kind != Router::MatchKind::kFound) return server_limit;
  return std::max(server_limit, match.route->doc.max_body_bytes);
}

Response Dispatcher::Run(const Handler& handler, Request& request) const {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {}: unhandled exception: {}", request.request_id, request.method,
                  request.route, RedactSecrets(e.what()));
  } catch (...) {
    spdlog::error("request {} {} {}: unhandled exception", request.request_id, request.method,
                  request.route);
  }
  return ErrorResponse(
      Error(ErrorCode::INTERNAL,
            "internal error; see the server log for request " + request.request_id),
      request.request_id);
}

Response Dispatcher::Dispatch(Request& request) const {
  auto started = std::chrono::steady_clock::now();
  std::string incoming = request.Header("x-request-id");
  request.request_id = IsGoodRequestId(incoming) ? incoming : NewRequestId();

  Response response;
  std::string route_label = "unmatched";
  Router::Match match = router_.Find(request.method, request.path);
  if (match.kind == Router::MatchKind::kNotFound && fallback_ && fallback_accepts_(request)) {
    route_label = "static";
    response = Run(fallback_, request);
  } else if (match.kind == Router::MatchKind::kNotFound) {
    response =
        ErrorResponse(Error(ErrorCode::ROUTE_NOT_FOUND, "no such route"), request.request_id);
  } else if (match.kind == Router::MatchKind::kMethodNotAllowed) {
    std::string allowed;
    for (const auto& m : match.allowed_methods) allowed += (allowed.empty() ? "" : ", ") + m;
    response = ErrorResponse(
        Error(ErrorCode::METHOD_NOT_ALLOWED, fmt::format("method {} is not allowed here; use {}",
                                                         request.method.substr(0, 16), allowed)),
        request.request_id);
    response.headers.emplace_back("Allow", allowed);
  } else {
    request.route = match.route->pattern;
    request.path_params = std::move(match.params);
    route_label = match.route->pattern;
    response = Run(match.route->handler, request);
  }
  response.headers.emplace_back("X-Request-Id", request.request_id);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.ObserveRequest(request.method, route_label, response.status, seconds);
  // The access log names the route pattern and a clipped path, never the query string (it may
  // hold secrets) or the body.
  spdlog::info("http {} {} {} {} {:.2f}ms rid={} ip={}{}", request.method,
               request.path.substr(0, 200), route_label, response.status, seconds * 1000,
               request.request_id, request.client_ip,
               response.error_code.empty() ? "" : " error=" + response.error_code);
  return response;
}

}  // namespace sluice::http
