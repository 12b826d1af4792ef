#include "cli/api_client.h"

#include <fmt/format.h>

#include <cctype>

namespace sluice::cli {

namespace {

// Clips text from the server that is shown in a message.
std::string Clip(std::string_view text) {
  std::string out(text.substr(0, 200));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return text.size() > 200 ? out + "..." : out;
}

std::string StringOr(const Json& object, const char* key) {
  auto it = object.find(key);
  return (it != object.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

}  // namespace

std::string UrlEncode(std::string_view text) { return http::PercentEncode(text); }

ApiResult<std::string> NormalizeServerUrl(std::string_view url) {
  std::string_view text = url;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  std::string scheme = "http";
  std::string rest(text);
  if (size_t scheme_end = text.find("://"); scheme_end != std::string_view::npos) {
    scheme = std::string(text.substr(0, scheme_end));
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "http" && scheme != "https") {
      return ApiError::Usage(fmt::format(
          "the server URL must start with http:// or https://, not {}://", Clip(scheme)));
    }
    rest = std::string(text.substr(scheme_end + 3));
  }
  while (rest.ends_with("/")) rest.pop_back();
  if (rest.ends_with("/api/v1")) rest.resize(rest.size() - 7);
  while (rest.ends_with("/")) rest.pop_back();
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') {
    return ApiError::Usage(fmt::format("the server URL '{}' has no host", Clip(url)));
  }
  if (rest.find_first_of(" \t\r\n") != std::string::npos) {
    return ApiError::Usage("the server URL must not contain spaces");
  }
  return scheme + "://" + rest;
}

ApiClient::ApiClient(http::HttpClient& http_client, std::string server, std::string token)
    : http_client_(http_client), server_(std::move(server)), token_(std::move(token)) {}

ApiResult<Json> ApiClient::Get(std::string_view path, const QueryParams& query) {
  return Send("GET", path, query, nullptr);
}
ApiResult<Json> ApiClient::Post(std::string_view path, const Json& body) {
  return Send("POST", path, {}, &body);
}
ApiResult<Json> ApiClient::Patch(std::string_view path, const Json& body) {
  return Send("PATCH", path, {}, &body);
}
ApiResult<Json> ApiClient::Delete(std::string_view path) {
  return Send("DELETE", path, {}, nullptr);
}

ApiResult<std::string> ApiClient::GetText(std::string_view path) {
  auto sent = Exchange("GET", path, {}, nullptr, "text/plain, application/json");
  if (!sent.ok()) return std::move(sent).error();
  if (sent->status >= 200 && sent->status < 300) return std::move(sent->body);
  return ErrorOf(*sent);
}

ApiResult<http::ClientResponse> ApiClient::Exchange(std::string method, std::string_view path,
                                                    const QueryParams& query, const Json* body,
                                                    std::string_view accept) {
  http::ClientRequest request;
  request.method = std::move(method);
  request.url = server_ + std::string(path);
  char separator = '?';
  for (const auto& [name, value] : query) {
    request.url += separator + UrlEncode(name) + "=" + UrlEncode(value);
    separator = '&';
  }
  request.headers.emplace_back("Accept", std::string(accept));
  if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
  if (body != nullptr) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body->dump();
  }

  http::ClientResult sent = http_client_.Send(request);
  if (!sent.ok()) {
    ApiError error;
    error.kind = ApiError::Kind::kUnreachable;
    error.message =
        fmt::format("cannot reach the server at {}: {}", server_, sent.failure().message);
    return error;
  }
  return std::move(sent).value();
}

ApiResult<Json> ApiClient::Send(std::string method, std::string_view path, const QueryParams& query,
                                const Json* body) {
  auto sent = Exchange(std::move(method), path, query, body, "application/json");
  if (!sent.ok()) return std::move(sent).error();
  const http::ClientResponse& response = *sent;
  if (response.status < 200 || response.status >= 300) return ErrorOf(response);

  Json parsed;
  if (!response.body.empty()) {
    parsed = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      std::string request_id;
      if (auto it = response.headers.find("x-request-id"); it != response.headers.end()) {
        request_id = it->second;
      }
      return ApiError{ApiError::Kind::kApi,
                      "BAD_RESPONSE",
                      fmt::format("the server at {} answered HTTP {} with a body that is not "
                                  "JSON; is this the URL of a Sluice server?",
                                  server_, response.status),
                      request_id,
                      "",
                      response.status};
    }
  }
  return parsed;  // null for an empty body
}

ApiError ApiClient::ErrorOf(const http::ClientResponse& response) const {
  ApiError error;
  error.kind = ApiError::Kind::kApi;
  error.http_status = response.status;
  if (auto it = response.headers.find("x-request-id"); it != response.headers.end()) {
    error.request_id = it->second;
  }
  Json parsed = response.body.empty()
                    ? Json()
                    : Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const Json& e = parsed["error"];
    error.code = StringOr(e, "code");
    error.message = Clip(StringOr(e, "message"));
    error.field = StringOr(e, "field");
    if (std::string id = StringOr(e, "request_id"); !id.empty()) error.request_id = id;
    if (error.code.empty()) error.code = "BAD_RESPONSE";
    if (error.message.empty()) error.message = fmt::format("HTTP {}", response.status);
    return error;
  }
  error.code = "BAD_RESPONSE";
  error.message = fmt::format(
      "the server at {} answered HTTP {} without a Sluice error body; is "
      "this the URL of a Sluice server?",
      server_, response.status);
  return error;
}

}  // namespace sluice::cli
