// A small, strict reader of multipart/form-data request bodies (RFC 7578 over RFC 2046).
//
// Written here because no packaged library fits (libcurl only builds such bodies). It reads a
// whole body that is already in memory, returns views into it (no copies of file contents), and
// refuses anything it does not understand with INVALID_ARGUMENT naming the problem: a missing or
// bad boundary, a part without Content-Disposition: form-data and a name, headers past a limit,
// a body that ends before the closing delimiter. It never reads past the body.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sluice::resources {

struct MultipartPart {
  std::string name;                     // the form field
  std::optional<std::string> filename;  // set for file fields (may be "")
  std::string content_type;             // "" when the part has none (text/plain by RFC 7578)
  std::string_view body;                // a view into the parsed body: keep it alive
};

struct MultipartLimits {
  size_t max_parts = 16;
  size_t max_header_bytes = 8 * 1024;  // all header lines of one part together
};

// The boundary of a Content-Type header value "multipart/form-data; boundary=..." (quoted or
// not, 1 to 70 characters of RFC 2046's bchars). UNSUPPORTED_MEDIA_TYPE when the type is not
// multipart/form-data; INVALID_ARGUMENT (field "Content-Type") when the boundary is missing or bad.
Result<std::string> MultipartBoundary(std::string_view content_type);

// Splits `body` into its parts. Preamble and epilogue are ignored as RFC 2046 says. Errors:
// INVALID_ARGUMENT (field "body") for a body without the opening or closing delimiter, a part
// whose headers are malformed, too long or lack a form-data Content-Disposition with a name, and
// more parts than the limit.
Result<std::vector<MultipartPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                                  const MultipartLimits& limits = {});

}  // namespace sluice::resources
