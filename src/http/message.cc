#include "http/message.h"

#include <fmt/format.h>

#include <charconv>

namespace sluice::http {

std::string Request::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

Response JsonResponse(int status, const Json& body) {
  Response response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return response;
}

Response TextResponse(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

Response ErrorResponse(const Error& error, const std::string& request_id) {
  Json body = {{"code", ErrorCodeName(error.code)},
               {"number", ErrorCodeNumber(error.code)},
               {"message", error.message},
               {"request_id", request_id}};
  if (!error.field.empty()) body["field"] = error.field;
  Response response = JsonResponse(ErrorCodeHttpStatus(error.code), Json{{"error", body}});
  response.error_code = std::string(ErrorCodeName(error.code));
  return response;
}

Result<int64_t> PathId(const Request& request, std::string_view name) {
  auto it = request.path_params.find(std::string(name));
  std::string_view text = it == request.path_params.end() ? std::string_view() : it->second;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value <= 0) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("path parameter '{}' must be a positive integer id", name),
                 std::string(name));
  }
  return value;
}

namespace {
Result<int64_t> ReadInt(const Request& request, std::string_view name, int64_t fallback,
                        int64_t min, int64_t max) {
  auto text = request.Query(name);
  if (!text) return fallback;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || ptr != text->data() + text->size() || value < min ||
      value > max) {
    return Error(
        ErrorCode::INVALID_ARGUMENT,
        fmt::format("query parameter '{}' must be an integer from {} to {}", name, min, max),
        std::string(name));
  }
  return value;
}
}  // namespace

Result<Page> ReadPage(const Request& request, int64_t default_limit, int64_t max_limit) {
  Page page;
  SLUICE_ASSIGN_OR_RETURN(page.limit, ReadInt(request, "limit", default_limit, 1, max_limit));
  SLUICE_ASSIGN_OR_RETURN(page.offset, ReadInt(request, "offset", 0, 0, INT64_C(1) << 40));
  return page;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      unsigned value = 0;
      auto [ptr, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (ec != std::errc() || ptr != text.data() + i + 3) return std::nullopt;
      out.push_back(static_cast<char>(value));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::map<std::string, std::string>> ParseQueryString(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : PercentDecode(pair.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    out[*key] = *value;
  }
  return out;
}

}  // namespace sluice::http
