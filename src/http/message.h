// Plain request and response values passed between the server, the router and handlers. They know
// nothing of Beast, so handlers and their tests need no network.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace sluice::http {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // percent-decoded path, without the query string
  std::map<std::string, std::string> query;    // decoded query parameters (last one wins)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::map<std::string, std::string> path_params;  // from the route pattern, e.g. {id}
  std::string route;       // the matched route pattern, e.g. "/api/v1/users/{id}"
  std::string request_id;  // set by the server before the handler runs
  std::string client_ip;

  // The header's value, or "" when absent. `name` must be lower-case.
  std::string Header(std::string_view name) const;
  std::optional<std::string> Query(std::string_view name) const;
};

// A body that is written while it is produced (server-sent events): the server sends the header
// with chunked transfer encoding, then asks Read() for the next bytes whenever the stream wakes it
// and at least every idle_poll(), until Read() answers nullopt or the client goes away (then the
// stream is destroyed, which is where it lets go of what it follows). All calls come from one
// server thread at a time; only `wake` may be called from any thread, at any time, even after
// the connection is gone.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Called once before the first Read.
  virtual void Start(std::function<void()> wake) = 0;
  // Never blocks: the bytes ready now ("" when there are none), or nullopt when the stream ends.
  virtual std::optional<std::string> Read() = 0;
  // How long the server waits without a wake before it calls Read() anyway (for heartbeats).
  virtual std::chrono::milliseconds idle_poll() const { return std::chrono::seconds(15); }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, `body` is ignored and the stream is sent instead (see ResponseStream).
  std::shared_ptr<ResponseStream> stream;
  // Filled by the API layer for the access log and the audit log; never sent.
  std::string error_code;
  std::string audit_target;              // e.g. "user:7"
  std::optional<int64_t> audit_team_id;  // the team the change belongs to
};

Response JsonResponse(int status, const Json& body);
Response TextResponse(int status, std::string body, std::string content_type = "text/plain");
// The API's error body: {"error": {"code","number","message","request_id","field"?}}.
// Only Error::message goes out; internal_detail is logged by the caller if at all.
Response ErrorResponse(const Error& error, const std::string& request_id);

// A path parameter that must be a positive integer id. INVALID_ARGUMENT naming it otherwise.
Result<int64_t> PathId(const Request& request, std::string_view name);

// Reads ?limit= (1..1000, default 50) and ?offset= (>= 0, default 0). INVALID_ARGUMENT otherwise.
struct Page {
  int64_t limit = 50;
  int64_t offset = 0;
};
Result<Page> ReadPage(const Request& request, int64_t default_limit = 50, int64_t max_limit = 1000);

// Decodes %XX and (when `plus_is_space`) '+'. nullopt for a bad escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);
// Splits "a=1&b=2" into decoded pairs. nullopt for a bad escape.
std::optional<std::map<std::string, std::string>> ParseQueryString(std::string_view query);

}  // namespace sluice::http
