// Uploaded jars ("resources"): a team's files that apps name in `dependencies.resources` or as
// their program jar (`jar.resource_id`). Each is kept at
//   <data_dir>/resources/<team id>/<resource id>/<file name>
// with its size and SHA-256 in the store. The file is written to a temporary name first and moved
// into place inside the transaction that records it, so a row never names a half-written file.
//
// Permissions: viewers of the team list and read them; developers and owners upload and delete;
// other teams' ids answer RESOURCE_NOT_FOUND.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "http/router.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::resources {

inline constexpr uint64_t kDefaultMaxUploadBytes = uint64_t{256} << 20;

struct Resource {
  int64_t id = 0;
  int64_t team_id = 0;
  std::string name;       // unique in the team; the file name unless given
  std::string file_name;  // sanitised
  uint64_t size = 0;
  std::string sha256;  // lowercase hex
  std::string description;
  std::optional<int64_t> created_by;
  int64_t created_at = 0;  // Unix ms
  std::string path;        // absolute path of the file
};

// The name an uploaded file is stored under: the last path component (after '/' or '\'), with
// every character other than letters, digits, '.', '_', '-' and '+' replaced by '_', at most 200
// characters, not starting with '.', ending in ".jar" or ".zip". RESOURCE_INVALID (field "file")
// naming the rule otherwise.
Result<std::string> SanitizeFileName(std::string_view file_name);

// Whether `bytes` start like a zip archive with at least one entry (local file header
// "PK\x03\x04"), as every jar does.
bool LooksLikeJar(std::string_view bytes);

struct ResourceOptions {
  std::string data_dir;  // files go under <data_dir>/resources
  uint64_t max_upload_bytes = kDefaultMaxUploadBytes;
};

class ResourceService {
 public:
  // `database` and `clock` must outlive the service.
  ResourceService(store::Database& database, const Clock& clock, ResourceOptions options);

  // The resource when it exists and belongs to `team_id`; RESOURCE_NOT_FOUND otherwise (another
  // team's id looks like a missing one).
  Result<Resource> GetForTeam(int64_t team_id, int64_t id);

  // Stores `bytes` as a new resource of `team_id`. RESOURCE_INVALID for a bad file name or a file
  // that is not a jar, BODY_TOO_LARGE past the limit, RESOURCE_EXISTS for a name in use,
  // INVALID_ARGUMENT for a bad name or description, INTERNAL when the file cannot be written.
  Result<Resource> Store(int64_t team_id, const std::string& name, const std::string& file_name,
                         std::string_view bytes, const std::string& description,
                         std::optional<int64_t> created_by);

  // The names of the apps whose draft or deployed version uses resource `id` (in
  // dependencies.resources or as jar.resource_id), sorted. Reads inside `connection` when given
  // (so a delete can check and remove in one transaction).
  Result<std::vector<std::string>> AppsUsing(int64_t team_id, int64_t id,
                                             store::Connection* connection = nullptr);

  // Removes the row and the file. RESOURCE_IN_USE naming the apps when AppsUsing finds any.
  Status Remove(int64_t team_id, int64_t id);

  // Routes under /api/v1/resources, guarded by `guard`. The upload route's body limit is
  // max_upload_bytes plus room for the multipart framing.
  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

  uint64_t max_upload_bytes() const { return options_.max_upload_bytes; }

 private:
  using Answer = Result<http::Response>;
  Answer List(http::Request& request, const system::Principal& principal);
  Answer Upload(http::Request& request, const system::Principal& principal);
  Answer GetRoute(http::Request& request, const system::Principal& principal);
  Answer Download(http::Request& request, const system::Principal& principal);
  Answer Delete(http::Request& request, const system::Principal& principal);

  Result<Resource> Load(int64_t id);
  Resource FromRow(const store::Rows& rows, size_t i) const;
  Result<Resource> LoadFor(int64_t id, const system::Principal& principal, system::Action action);
  std::string FolderOf(int64_t team_id, int64_t id) const;

  store::Database& database_;
  const Clock& clock_;
  ResourceOptions options_;
};

Json ResourceJson(const Resource& resource);

}  // namespace sluice::resources
