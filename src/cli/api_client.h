// A client of the Sluice REST API (design/api.md): builds requests, sends them through an
// `http::HttpClient`, and turns answers into JSON or an `ApiError`.
//
// Why not sluice::Error: the client must show the error code exactly as the server sent it (a
// newer server may send a code this build does not know), the request id to quote when reporting
// a problem, and what kind of failure it was (the exit code depends on it).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/json.h"
#include "http/client.h"

namespace sluice::cli {

struct ApiError {
  enum class Kind {
    kApi,          // the server answered with an error (or something that is not the API)
    kUnreachable,  // no answer from the server at all
    kNotLoggedIn,  // no usable credentials on this side
    kUsage,        // the command line was wrong in a way the parser cannot see
    kLocal,        // a local failure (reading or writing the credentials file, ...)
  };
  Kind kind = Kind::kApi;
  std::string code;        // symbolic, e.g. "TEAM_NOT_FOUND"; may be empty for local errors
  std::string message;     // for people; never contains a token or password
  std::string request_id;  // the server's request id, when the server answered
  std::string field;       // the offending input field, when the server named one
  int http_status = 0;     // 0 when the server did not answer

  static ApiError Usage(std::string message) { return {Kind::kUsage, "", std::move(message)}; }
  static ApiError Local(std::string message) { return {Kind::kLocal, "", std::move(message)}; }
  static ApiError NotLoggedIn(std::string message) {
    return {Kind::kNotLoggedIn, "", std::move(message)};
  }
};

// A value or an ApiError; the same shape as sluice::Result.
template <typename T>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : data_(std::move(value)) {}         // NOLINT: implicit by design
  ApiResult(ApiError error) : data_(std::move(error)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }
  // Precondition: ok().
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  // Precondition: !ok().
  const ApiError& error() const& { return std::get<ApiError>(data_); }
  ApiError&& error() && { return std::get<ApiError>(std::move(data_)); }

 private:
  std::variant<T, ApiError> data_;
};

// The result of an operation with no value.
using ApiStatus = ApiResult<std::monostate>;
inline ApiStatus ApiOk() { return std::monostate{}; }

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view text);

// Makes a server URL canonical: adds "http://" when there is no scheme and drops trailing
// slashes and a trailing "/api/v1". Usage error for a scheme other than http or https, or an
// empty host.
ApiResult<std::string> NormalizeServerUrl(std::string_view url);

class ApiClient {
 public:
  // `server` as returned by NormalizeServerUrl; `token` may be empty (only login needs none).
  // `http_client` must outlive the client.
  ApiClient(http::HttpClient& http_client, std::string server, std::string token);

  // `path` starts with "/api/v1/". Answers the parsed JSON body of a 2xx answer (null for an
  // empty body, e.g. 204). Errors:
  //  - kUnreachable "cannot reach the server at URL: reason" when no answer came;
  //  - kApi with the server's code, message, request id and field for an API error body;
  //  - kApi code "BAD_RESPONSE" when the answer is not what the API sends (not JSON, or an error
  //    status without an error body), e.g. when URL is not a Sluice server.
  ApiResult<Json> Get(std::string_view path, const QueryParams& query = {});
  ApiResult<Json> Post(std::string_view path, const Json& body);
  ApiResult<Json> Patch(std::string_view path, const Json& body);
  ApiResult<Json> Delete(std::string_view path);
  // GET of a text answer (e.g. a log): the body of a 2xx answer as it is; errors as above.
  ApiResult<std::string> GetText(std::string_view path);

  const std::string& server() const { return server_; }

 private:
  ApiResult<Json> Send(std::string method, std::string_view path, const QueryParams& query,
                       const Json* body);
  // Sends the request; the answer whatever its status, or kUnreachable.
  ApiResult<http::ClientResponse> Exchange(std::string method, std::string_view path,
                                           const QueryParams& query, const Json* body,
                                           std::string_view accept);
  // The ApiError for an answer that is not 2xx.
  ApiError ErrorOf(const http::ClientResponse& response) const;

  http::HttpClient& http_client_;
  std::string server_;
  std::string token_;
};

}  // namespace sluice::cli
