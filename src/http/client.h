// The outgoing side of HTTP: one request, one answer. Shared by the command-line client (talking
// to a Sluice server) and the server (talking to Flink's REST API). `CurlHttpClient` is the real
// one (libcurl); tests use fakes that implement `HttpClient`.
//
// Contract shared by every implementation:
//  - Any HTTP answer, whatever its status, is a success: interpreting 4xx/5xx is the caller's job.
//  - A failure means no complete answer arrived. It carries a `ClientFailure::Kind` that says
//    whether the request may have reached the server, because callers decide on it whether sending
//    again (to the same or another address) is safe.
//  - `ClientFailure::message` is a short reason for people. It never contains request headers or
//    the body (an Authorization header or a password must not end up in an error or a log).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"

namespace sluice::http {

// One file sent as the only part of a multipart/form-data body.
struct UploadFile {
  std::string field_name;    // the form field, e.g. "jarfile"
  std::string path;          // the local file to send
  std::string filename;      // the name the server sees, e.g. "job.jar"
  std::string content_type;  // of the part, e.g. "application/x-java-archive"
};

struct ClientRequest {
  std::string method;  // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string url;     // absolute, e.g. "http://127.0.0.1:8081/jobs/overview?x=1"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent when non-empty (and always, possibly empty, for POST)
  // When set, the body is multipart/form-data holding this one file, and `body` must be empty.
  // The client sets the Content-Type header (with its boundary) itself.
  std::optional<UploadFile> upload;
  // Override the client's defaults for this request only.
  std::optional<std::chrono::milliseconds> connect_timeout;
  std::optional<std::chrono::milliseconds> timeout;  // the whole exchange, connect included
};

struct ClientResponse {
  int status = 0;
  std::string body;
  // Header names in lower case; the last value wins when a header repeats.
  std::map<std::string, std::string> headers;
};

// Why no answer arrived.
struct ClientFailure {
  enum class Kind {
    // No connection was made (refused, host not found, no route, connect timed out, TLS
    // handshake failed): nothing of the request was sent, so trying another address is safe.
    kCouldNotConnect,
    // Connected, but the whole answer did not arrive in time. The server may have acted on it.
    kTimeout,
    // The request could not be built (bad URL, unreadable upload file, bad option): nothing was
    // sent, and sending it again will fail the same way.
    kInvalidRequest,
    // Anything else after the connection was made (reset, broken answer, answer too large, ...).
    // The server may have acted on it.
    kOther,
  };
  Kind kind = Kind::kOther;
  std::string message;  // e.g. "Failed to connect to 127.0.0.1 port 9: Connection refused"

  // True when the server cannot have seen any of the request.
  bool NothingSent() const {
    return kind == Kind::kCouldNotConnect || kind == Kind::kInvalidRequest;
  }
};

// "could not connect", "timeout", "invalid request", "transport failure": for logs and messages.
std::string_view FailureKindName(ClientFailure::Kind kind);

// An answer or the reason there is none; the same shape as sluice::Result, with a ClientFailure in
// place of an Error so callers can act on the failure's kind.
class [[nodiscard]] ClientResult {
 public:
  ClientResult(ClientResponse response) : data_(std::move(response)) {}  // NOLINT: implicit
  ClientResult(ClientFailure failure) : data_(std::move(failure)) {}     // NOLINT: implicit

  bool ok() const { return std::holds_alternative<ClientResponse>(data_); }
  explicit operator bool() const { return ok(); }
  // Precondition: ok().
  ClientResponse& value() & { return std::get<ClientResponse>(data_); }
  const ClientResponse& value() const& { return std::get<ClientResponse>(data_); }
  ClientResponse&& value() && { return std::get<ClientResponse>(std::move(data_)); }
  ClientResponse* operator->() { return &value(); }
  const ClientResponse* operator->() const { return &value(); }
  const ClientResponse& operator*() const& { return value(); }
  // Precondition: !ok().
  const ClientFailure& failure() const& { return std::get<ClientFailure>(data_); }

 private:
  std::variant<ClientResponse, ClientFailure> data_;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends `request` and returns whatever HTTP answer came back, whatever its status, or why none
  // came (see the contract at the top of this file). Implementations must be safe to call from
  // several threads at once.
  virtual ClientResult Send(const ClientRequest& request) = 0;
};

struct CurlHttpClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds total_timeout{60'000};
  size_t max_response_bytes = 64u << 20;  // a larger answer is a kOther failure
  std::string user_agent = "sluice/" SLUICE_VERSION;
};

// libcurl, one easy handle per request (no connection reuse, no shared state): thread-safe.
// Does not follow redirects (a redirect would otherwise carry a bearer token somewhere else),
// only speaks http and https, and never sends "Expect: 100-continue" (some servers, Flink's among
// them, do not answer it and curl would wait a second per request).
class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientOptions options = {});
  ClientResult Send(const ClientRequest& request) override;

 private:
  CurlHttpClientOptions options_;
};

// Percent-encodes everything but the RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), so the
// result is safe as one path segment or one query value.
std::string PercentEncode(std::string_view text);

}  // namespace sluice::http
