#include "http/parse.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>

namespace sluice::http {

namespace bhttp = boost::beast::http;

Request FromBeast(const bhttp::request<bhttp::string_body>& raw, const std::string& client_ip) {
  Request request;
  request.method = std::string(raw.method_string());
  std::string_view target(raw.target().data(), raw.target().size());
  std::string_view path = target;
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  request.path = PercentDecode(path, false).value_or(std::string(path));
  request.query = ParseQueryString(query).value_or(std::map<std::string, std::string>{});
  for (const auto& field : raw) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers[name] = std::string(field.value());
  }
  request.body = raw.body();
  request.client_ip = client_ip;
  return request;
}

Result<Request> ParseRawRequest(std::string_view bytes, uint64_t max_body_bytes) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.body_limit(max_body_bytes);
  parser.header_limit(16 * 1024);
  boost::beast::error_code ec;
  size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  (void)used;
  if (ec == bhttp::error::body_limit) {
    return Error(ErrorCode::BODY_TOO_LARGE, "the request body is too large");
  }
  if (!ec && !parser.is_done()) {
    parser.put_eof(ec);
  }
  if (ec || !parser.is_done()) {
    return Error(ErrorCode::INVALID_ARGUMENT, "malformed HTTP request");
  }
  return FromBeast(parser.get(), "127.0.0.1");
}

}  // namespace sluice::http
