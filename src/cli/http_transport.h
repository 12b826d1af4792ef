// The one side effect of the command-line client that talks to the network: sending an HTTP
// request and getting the answer back. `CurlTransport` is the real one (libcurl); unit tests use
// `FakeHttpTransport` (fake_http_transport.h).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace sluice::cli {

struct HttpRequest {
  std::string method;  // "GET", "POST", "PATCH", "DELETE"
  std::string url;     // absolute, e.g. "http://127.0.0.1:8765/api/v1/me?limit=5"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent when non-empty
};

struct HttpResponse {
  int status = 0;
  std::string body;
  // Header names in lower case; the last value wins when a header repeats.
  std::map<std::string, std::string> headers;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends `request` and returns whatever HTTP answer came back, whatever its status. Fails only
  // when no answer arrived (refused, DNS, TLS, timeout, ...): UNAVAILABLE with `message` a short
  // human reason that never contains request headers (the Authorization header stays secret).
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

struct CurlTransportOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds total_timeout{60'000};
  size_t max_response_bytes = 64u << 20;
};

// libcurl, one easy handle per request. Does not follow redirects (a redirect would otherwise
// carry the bearer token somewhere else) and only speaks http and https. Thread-compatible.
class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});
  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  CurlTransportOptions options_;
};

}  // namespace sluice::cli
