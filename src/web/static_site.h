// Serves the built web console (web/dist) for every GET or HEAD that no API route matched: the
// file when the path names one, index.html for any other non-API path (client-side routes), with
// gzip (a precompressed FILE.gz, or compressed once and kept in memory) when the client accepts it,
// long-lived caching for content-hashed assets and revalidation for index.html. Paths are checked
// so that nothing outside the folder is ever read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/message.h"

namespace sluice::web {

// The file a URL path names, relative to the site's folder, or nullopt when the path could reach
// outside it or names something never served: "..", "." or hidden segments (".git"), backslashes,
// NUL and other control characters. "/" and "" map to "index.html"; repeated slashes collapse.
// `url_path` is already percent-decoded (so "%2e%2e" arrives as "..").
std::optional<std::string> SafeRelativePath(std::string_view url_path);

// Vite names build outputs NAME-HASH.EXT under assets/ (8 characters of [A-Za-z0-9_-]): such a
// file never changes, so it may be cached for a year.
bool IsHashedAsset(std::string_view relative_path);

// The Content-Type for a file name, by extension (text types with charset=utf-8);
// application/octet-stream when unknown.
std::string ContentTypeFor(std::string_view relative_path);

// Whether an Accept-Encoding value allows gzip (a q=0 refuses it).
bool AcceptsGzip(std::string_view accept_encoding);

// gzip (RFC 1952) of `data` at the best compression level.
std::string Gzip(std::string_view data);

// Whether content of this type is worth compressing.
bool IsCompressible(std::string_view content_type);

class StaticSite {
 public:
  // The site in `root`, which must hold index.html. INVALID_ARGUMENT naming the folder otherwise.
  static Result<std::unique_ptr<StaticSite>> Open(const std::filesystem::path& root);

  // Whether this request is the site's to answer: GET or HEAD of a path outside /api/.
  static bool Handles(const http::Request& request);

  // The answer for `request` (see the top of this file). Thread-safe.
  http::Response Serve(const http::Request& request) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit StaticSite(std::filesystem::path root) : root_(std::move(root)) {}

  struct Entry {
    std::filesystem::file_time_type mtime;
    uintmax_t size = 0;
    std::string body;
    std::string gzip;  // empty when not compressible
    std::string etag;  // from the size and an FNV-1a hash of the content
  };
  // The file's entry, read (and compressed) when first asked or changed on disk; nullptr when it
  // is not a regular file inside the root.
  std::shared_ptr<const Entry> Load(const std::string& relative) const;

  std::filesystem::path root_;  // canonical
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const Entry>> cache_;
};

// The folder the console is served from: `configured` when given ("off" serves none), else the
// first of `candidates` that holds index.html. nullopt when there is none.
std::optional<std::filesystem::path> ResolveWebDir(
    const std::string& configured, const std::vector<std::filesystem::path>& candidates);

// Where a build of this source tree puts the console (web/dist of the source tree, compiled in),
// then <folder of the running binary>/../share/sluice/web for an installed copy.
std::vector<std::filesystem::path> DefaultWebDirs();

}  // namespace sluice::web
