#include "resources/multipart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace sluice::resources {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Error BadBody(std::string message) {
  return Error(ErrorCode::INVALID_ARGUMENT, "malformed multipart body: " + std::move(message),
               "body");
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Parameters of a header value after its first ';': name=token or name="quoted\"string".
// nullopt when malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseParams(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  while (true) {
    skip_space();
    if (i == text.size()) return params;
    if (text[i] != ';') return std::nullopt;
    ++i;
    skip_space();
    if (i == text.size()) return params;  // a trailing ';' is tolerated
    size_t start = i;
    while (i < text.size() && IsTokenChar(text[i])) ++i;
    if (i == start) return std::nullopt;
    std::string name = Lower(text.substr(start, i - start));
    skip_space();
    if (i == text.size() || text[i] != '=') return std::nullopt;
    ++i;
    skip_space();
    std::string value;
    if (i < text.size() && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < text.size()) c = text[i++];
        value.push_back(c);
      }
      if (!closed) return std::nullopt;
    } else {
      size_t value_start = i;
      while (i < text.size() && IsTokenChar(text[i])) ++i;
      if (i == value_start) return std::nullopt;
      value = std::string(text.substr(value_start, i - value_start));
    }
    params.emplace_back(std::move(name), std::move(value));
  }
}

bool IsBoundaryChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// The next delimiter ("\r\n--boundary") at or after `from` that really is one: followed by "--",
// by optional whitespace and CRLF, or by the end of the body (then the caller reports the
// truncation). npos when there is none.
size_t FindDelimiter(std::string_view body, std::string_view delimiter, size_t from) {
  for (size_t at = body.find(delimiter, from); at != std::string_view::npos;
       at = body.find(delimiter, at + 1)) {
    size_t after = at + delimiter.size();
    if (after >= body.size() || body.substr(after, 2) == "--") return at;
    while (after < body.size() && (body[after] == ' ' || body[after] == '\t')) ++after;
    if (after >= body.size() || body.substr(after, 2) == "\r\n") return at;
  }
  return std::string_view::npos;
}

}  // namespace

Result<std::string> MultipartBoundary(std::string_view content_type) {
  size_t semicolon = content_type.find(';');
  std::string type = Lower(TrimSpace(content_type.substr(0, semicolon)));
  if (type != "multipart/form-data") {
    return Error(ErrorCode::UNSUPPORTED_MEDIA_TYPE,
                 "the upload must be sent as multipart/form-data", "Content-Type");
  }
  auto bad = [](std::string why) {
    return Error(ErrorCode::INVALID_ARGUMENT, "bad multipart Content-Type: " + why, "Content-Type");
  };
  if (semicolon == std::string_view::npos) return bad("no boundary parameter");
  auto params = ParseParams(content_type.substr(semicolon));
  if (!params) return bad("its parameters cannot be read");
  std::optional<std::string> boundary;
  for (const auto& [name, value] : *params) {
    if (name == "boundary") {
      if (boundary) return bad("two boundary parameters");
      boundary = value;
    }
  }
  if (!boundary) return bad("no boundary parameter");
  if (boundary->empty() || boundary->size() > 70)
    return bad("the boundary must have 1 to 70 characters");
  if (boundary->back() == ' ') return bad("the boundary ends with a space");
  for (char c : *boundary) {
    if (!IsBoundaryChar(c)) return bad("the boundary holds a character RFC 2046 does not allow");
  }
  return *boundary;
}

Result<std::vector<MultipartPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                                  const MultipartLimits& limits) {
  if (boundary.empty()) return BadBody("no boundary");
  const std::string dash = "--" + std::string(boundary);
  const std::string delimiter = "\r\n" + dash;
  // The first delimiter starts the body or a line of the preamble.
  size_t pos;
  if (body.substr(0, dash.size()) == dash) {
    pos = dash.size();
  } else {
    size_t found = FindDelimiter(body, delimiter, 0);
    if (found == std::string_view::npos)
      return BadBody("the boundary given in Content-Type never appears");
    pos = found + delimiter.size();
  }
  std::vector<MultipartPart> parts;
  while (true) {
    // After a delimiter: "--" closes; else optional whitespace and CRLF start a part.
    if (body.substr(pos, 2) == "--") return parts;
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") {
      if (pos >= body.size()) return BadBody("the body ends after a boundary (truncated?)");
      return BadBody("a boundary is not followed by a line break");
    }
    pos += 2;
    if (parts.size() == limits.max_parts) {
      return BadBody(fmt::format("more than {} parts", limits.max_parts));
    }
    // Headers, up to the empty line.
    size_t headers_end = body.find("\r\n\r\n", pos);
    size_t header_bytes =
        headers_end == std::string_view::npos ? body.size() - pos : headers_end - pos;
    if (body.substr(pos, 2) == "\r\n") {
      headers_end = pos;  // no headers at all (then Content-Disposition is missing, below)
      header_bytes = 0;
    }
    if (header_bytes > limits.max_header_bytes) {
      return BadBody(
          fmt::format("a part's headers are longer than {} bytes", limits.max_header_bytes));
    }
    if (headers_end == std::string_view::npos)
      return BadBody("a part's headers never end (truncated?)");
    MultipartPart part;
    bool has_disposition = false;
    std::string_view headers = body.substr(pos, headers_end - pos);
    size_t line_start = 0;
    while (line_start < headers.size()) {
      size_t line_end = headers.find("\r\n", line_start);
      if (line_end == std::string_view::npos) line_end = headers.size();
      std::string_view line = headers.substr(line_start, line_end - line_start);
      line_start = line_end + 2;
      if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
        return BadBody("folded header lines are not supported");
      }
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0)
        return BadBody("a part's header line has no name");
      std::string name = Lower(line.substr(0, colon));
      for (char c : name) {
        if (!IsTokenChar(c)) return BadBody("a part's header name holds a character not allowed");
      }
      std::string_view value = TrimSpace(line.substr(colon + 1));
      for (char c : value) {
        if (c == '\0' || c == '\r' || c == '\n')
          return BadBody("a part's header holds a control character");
      }
      if (name == "content-disposition") {
        if (has_disposition) return BadBody("a part has two Content-Disposition headers");
        has_disposition = true;
        size_t semicolon = value.find(';');
        if (Lower(TrimSpace(value.substr(0, semicolon))) != "form-data") {
          return BadBody("a part's Content-Disposition is not form-data");
        }
        if (semicolon == std::string_view::npos)
          return BadBody("a part's Content-Disposition has no name");
        auto params = ParseParams(value.substr(semicolon));
        if (!params) return BadBody("a part's Content-Disposition parameters cannot be read");
        bool has_name = false;
        for (auto& [key, param] : *params) {
          if (key == "name") {
            if (has_name) return BadBody("a part has two names");
            has_name = true;
            part.name = std::move(param);
          } else if (key == "filename") {
            if (part.filename) return BadBody("a part has two file names");
            part.filename = std::move(param);
          }
        }
        if (!has_name || part.name.empty())
          return BadBody("a part's Content-Disposition has no name");
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      }
    }
    if (!has_disposition) return BadBody("a part has no Content-Disposition header");
    pos = headers_end + 4;
    if (header_bytes == 0) pos = headers_end + 2;
    size_t next = FindDelimiter(body, delimiter, pos);
    if (next == std::string_view::npos)
      return BadBody("the closing boundary is missing (truncated?)");
    part.body = body.substr(pos, next - pos);
    parts.push_back(std::move(part));
    pos = next + delimiter.size();
  }
}

}  // namespace sluice::resources
