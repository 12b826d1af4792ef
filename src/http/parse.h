// Parsing of raw HTTP/1.1 request bytes into a Request, shared by the server and the fuzzer.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/message.h"

namespace sluice::http {

// Converts a parsed Beast request. The path is percent-decoded (kept raw when the escape is bad,
// so it simply matches no route); header names are lower-cased; a bad query string yields no
// query parameters.
Request FromBeast(const boost::beast::http::request<boost::beast::http::string_body>& raw,
                  const std::string& client_ip);

// Parses one complete request from `bytes`. BODY_TOO_LARGE past `max_body_bytes`,
// INVALID_ARGUMENT for malformed or incomplete requests.
Result<Request> ParseRawRequest(std::string_view bytes, uint64_t max_body_bytes);

}  // namespace sluice::http
