#include "web/static_site.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace sluice::web {
namespace {

namespace fs = std::filesystem;

constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr const char* kRevalidate = "no-cache";

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool ReadFile(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = std::move(buffer).str();
  return !in.bad();
}

// Is `path` (canonical) inside `root` (canonical)?
bool Inside(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *r != *p) return false;
  }
  return true;
}

http::Response NotFound(const http::Request& request, std::string message) {
  return http::ErrorResponse(Error(ErrorCode::ROUTE_NOT_FOUND, std::move(message)),
                             request.request_id);
}

}  // namespace

std::optional<std::string> SafeRelativePath(std::string_view url_path) {
  std::string out;
  size_t start = 0;
  while (start <= url_path.size()) {
    size_t end = url_path.find('/', start);
    if (end == std::string_view::npos) end = url_path.size();
    std::string_view segment = url_path.substr(start, end - start);
    start = end + 1;
    if (segment.empty()) continue;
    if (segment.front() == '.') return std::nullopt;  // "..", "." and hidden files
    for (char c : segment) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\' || c == ':') {
        return std::nullopt;
      }
    }
    if (!out.empty()) out.push_back('/');
    out.append(segment);
  }
  if (out.empty()) return std::string("index.html");
  return out;
}

bool IsHashedAsset(std::string_view relative_path) {
  if (relative_path.substr(0, 7) != "assets/") return false;
  std::string_view name = relative_path.substr(relative_path.rfind('/') + 1);
  size_t dot = name.find('.');
  if (dot == std::string_view::npos) return false;
  std::string_view stem = name.substr(0, dot);
  // NAME-HASH with Vite's 8-character base64url hash, which may itself hold '-' or '_'.
  constexpr size_t kHash = 8;
  if (stem.size() < kHash + 2 || stem[stem.size() - kHash - 1] != '-') return false;
  std::string_view hash = stem.substr(stem.size() - kHash);
  return std::all_of(hash.begin(), hash.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string ContentTypeFor(std::string_view relative_path) {
  static const std::map<std::string, std::string> kTypes = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"txt", "text/plain; charset=utf-8"},
      {"wasm", "application/wasm"},
  };
  std::string_view name = relative_path.substr(relative_path.rfind('/') + 1);
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  auto it = kTypes.find(Lower(name.substr(dot + 1)));
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  bool star = false;
  size_t start = 0;
  while (start < accept_encoding.size()) {
    size_t end = accept_encoding.find(',', start);
    if (end == std::string_view::npos) end = accept_encoding.size();
    std::string_view item = Trim(accept_encoding.substr(start, end - start));
    start = end + 1;
    std::string_view coding = item;
    bool refused = false;
    if (size_t semi = item.find(';'); semi != std::string_view::npos) {
      coding = Trim(item.substr(0, semi));
      std::string params = Lower(item.substr(semi + 1));
      params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
      if (params.rfind("q=", 0) == 0) {
        std::string_view q = std::string_view(params).substr(2);
        refused = !q.empty() &&
                  std::all_of(q.begin(), q.end(), [](char c) { return c == '0' || c == '.'; });
      }
    }
    std::string name = Lower(coding);
    if (name == "gzip" || name == "x-gzip") return !refused;
    if (name == "*") star = !refused;
  }
  return star;
}

std::string Gzip(std::string_view data) {
  z_stream stream{};
  // 15 + 16: a gzip wrapper rather than zlib's.
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return {};
  }
  std::string out;
  out.resize(deflateBound(&stream, static_cast<uLong>(data.size())));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return {};
  return out;
}

bool IsCompressible(std::string_view content_type) {
  return content_type.substr(0, 5) == "text/" || content_type.find("json") != std::string::npos ||
         content_type.find("javascript") != std::string::npos ||
         content_type.find("svg") != std::string::npos || content_type == "application/wasm";
}

Result<std::unique_ptr<StaticSite>> StaticSite::Open(const fs::path& root) {
  std::error_code ec;
  fs::path canonical = fs::canonical(root, ec);
  if (ec || !fs::is_regular_file(canonical / "index.html", ec)) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("the web console folder {} holds no index.html; build it with "
                             "`make build` (npm ci and vite build in web/)",
                             root.string()),
                 "web_dir");
  }
  return std::unique_ptr<StaticSite>(new StaticSite(std::move(canonical)));
}

bool StaticSite::Handles(const http::Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  std::string_view path = request.path;
  return !(path == "/api" || path.substr(0, 5) == "/api/");
}

std::shared_ptr<const StaticSite::Entry> StaticSite::Load(const std::string& relative) const {
  std::error_code ec;
  fs::path path = fs::canonical(root_ / relative, ec);
  // Symbolic links are followed only to files that are still inside the root.
  if (ec || !Inside(root_, path) || !fs::is_regular_file(path, ec)) return nullptr;
  auto mtime = fs::last_write_time(path, ec);
  if (ec) return nullptr;
  uintmax_t size = fs::file_size(path, ec);
  if (ec) return nullptr;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(relative);
    if (it != cache_.end() && it->second->mtime == mtime && it->second->size == size) {
      return it->second;
    }
  }
  auto entry = std::make_shared<Entry>();
  entry->mtime = mtime;
  entry->size = size;
  if (!ReadFile(path, entry->body)) return nullptr;
  if (IsCompressible(ContentTypeFor(relative)) && entry->body.size() >= 256) {
    // A precompressed sibling (FILE.gz, as written by a build) wins when it is not older.
    fs::path gz = path;
    gz += ".gz";
    std::string precompressed;
    if (fs::is_regular_file(gz, ec) && fs::last_write_time(gz, ec) >= mtime && !ec &&
        ReadFile(gz, precompressed)) {
      entry->gzip = std::move(precompressed);
    } else {
      entry->gzip = Gzip(entry->body);
    }
    if (entry->gzip.size() >= entry->body.size()) entry->gzip.clear();
  }
  // From the content (FNV-1a), so it survives restarts and is the same on every server.
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : entry->body) hash = (hash ^ c) * 1099511628211ull;
  entry->etag = fmt::format("\"{:x}-{:016x}\"", entry->body.size(), hash);
  std::lock_guard lock(mutex_);
  cache_[relative] = entry;
  return entry;
}

http::Response StaticSite::Serve(const http::Request& request) const {
  std::optional<std::string> relative = SafeRelativePath(request.path);
  if (!relative) return NotFound(request, "no such file");
  std::shared_ptr<const Entry> entry = Load(*relative);
  bool index = *relative == "index.html";
  if (!entry) {
    // Files under assets/ or with an extension are files, not client-side routes.
    std::string_view name = std::string_view(*relative).substr(relative->rfind('/') + 1);
    if (relative->rfind("assets/", 0) == 0 || name.find('.') != std::string_view::npos) {
      return NotFound(request, "no such file");
    }
    relative = "index.html";
    index = true;
    entry = Load(*relative);
    if (!entry) return NotFound(request, "the web console is not installed (no index.html)");
  }

  http::Response response;
  response.status = 200;
  response.content_type = ContentTypeFor(*relative);
  response.headers.emplace_back("Cache-Control",
                                !index && IsHashedAsset(*relative) ? kImmutable : kRevalidate);
  response.headers.emplace_back("ETag", entry->etag);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (index) {
    response.headers.emplace_back("X-Frame-Options", "DENY");
    response.headers.emplace_back("Referrer-Policy", "same-origin");
  }
  if (!entry->gzip.empty()) response.headers.emplace_back("Vary", "Accept-Encoding");
  std::string if_none_match = request.Header("if-none-match");
  if (!if_none_match.empty() && if_none_match.find(entry->etag) != std::string::npos) {
    response.status = 304;
    return response;
  }
  if (!entry->gzip.empty() && AcceptsGzip(request.Header("accept-encoding"))) {
    response.headers.emplace_back("Content-Encoding", "gzip");
    response.body = entry->gzip;
  } else {
    response.body = entry->body;
  }
  return response;
}

std::optional<fs::path> ResolveWebDir(const std::string& configured,
                                      const std::vector<fs::path>& candidates) {
  if (configured == "off") return std::nullopt;
  if (!configured.empty()) return fs::path(configured);
  std::error_code ec;
  for (const fs::path& candidate : candidates) {
    if (fs::is_regular_file(candidate / "index.html", ec)) return candidate;
  }
  return std::nullopt;
}

}  // namespace sluice::web
