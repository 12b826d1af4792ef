#include "resources/resource_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "http/answers.h"
#include "resources/api_helpers.h"
#include "resources/file_hash.h"
#include "resources/multipart.h"
#include "system/authorizer.h"
#include "system/people_api.h"

namespace sluice::resources {

namespace fs = std::filesystem;
using store::Value;
using system::Action;
using system::Authorize;
using system::Principal;

namespace {

constexpr const char* kColumns =
    "id, team_id, name, file_name, size, sha256, description, created_by, created_at";
// Room for the multipart framing and the small fields around the file.
constexpr uint64_t kMultipartOverhead = 64 * 1024;

Error ResourceNotFound(int64_t id) {
  return Error(ErrorCode::RESOURCE_NOT_FOUND, fmt::format("no resource with id {}", id));
}

const Json kResourceSchema = {{"type", "object"},
                              {"properties",
                               {{"id", {{"type", "integer"}}},
                                {"team_id", {{"type", "integer"}}},
                                {"name", {{"type", "string"}}},
                                {"file_name", {{"type", "string"}}},
                                {"size", {{"type", "integer"}}},
                                {"sha256", {{"type", "string"}}},
                                {"description", {{"type", "string"}}},
                                {"created_by", {{"type", "integer"}}},
                                {"created_at", {{"type", "string"}}}}}};

// Writes `bytes` to a new file `path` and flushes it to disk.
Status WriteNewFile(const fs::path& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Error(ErrorCode::INTERNAL, "the uploaded file cannot be stored", "",
                 path.string() + ": " + std::strerror(errno));
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int saved = errno;
      ::close(fd);
      return Error(ErrorCode::INTERNAL, "the uploaded file cannot be stored", "",
                   path.string() + ": " + std::strerror(saved));
    }
    done += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!synced) {
    return Error(ErrorCode::INTERNAL, "the uploaded file cannot be stored", "",
                 path.string() + ": fsync: " + std::strerror(saved));
  }
  return Status::Ok();
}

std::string RandomName() {
  unsigned char bytes[12];
  randombytes_buf(bytes, sizeof bytes);
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

// Whether the app version `spec` (JSON text) uses resource `id`.
bool SpecUses(const std::string& spec_text, int64_t id) {
  Json spec = Json::parse(spec_text, nullptr, /*allow_exceptions=*/false);
  if (!spec.is_object()) return false;
  if (auto jar = spec.find("jar"); jar != spec.end() && jar->is_object()) {
    auto rid = jar->find("resource_id");
    if (rid != jar->end() && rid->is_number_integer() && rid->get<int64_t>() == id) return true;
  }
  auto deps = spec.find("dependencies");
  if (deps == spec.end() || !deps->is_object()) return false;
  auto list = deps->find("resources");
  if (list == deps->end() || !list->is_array()) return false;
  return std::any_of(list->begin(), list->end(), [id](const Json& entry) {
    return entry.is_number_integer() && entry.get<int64_t>() == id;
  });
}

}  // namespace

Result<std::string> SanitizeFileName(std::string_view file_name) {
  size_t slash = file_name.find_last_of("/\\");
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  std::string name;
  for (char c : file_name) {
    bool ok =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+';
    name.push_back(ok ? c : '_');
  }
  while (!name.empty() && name.front() == '.') name.erase(0, 1);
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  bool suffix = lower.size() > 4 && (lower.substr(lower.size() - 4) == ".jar" ||
                                     lower.substr(lower.size() - 4) == ".zip");
  if (!suffix) {
    return Error(
        ErrorCode::RESOURCE_INVALID,
        fmt::format("the file name '{}' must end in .jar (or .zip)", http::Echo(file_name)),
        "file");
  }
  if (name.size() > 200) {
    return Error(ErrorCode::RESOURCE_INVALID, "the file name is longer than 200 characters",
                 "file");
  }
  return name;
}

bool LooksLikeJar(std::string_view bytes) {
  return bytes.size() >= 30 && bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4);
}

Json ResourceJson(const Resource& r) {
  Json out = {{"id", r.id},
              {"team_id", r.team_id},
              {"name", r.name},
              {"file_name", r.file_name},
              {"size", r.size},
              {"sha256", r.sha256},
              {"description", r.description},
              {"created_at", FormatRfc3339(FromUnixMillis(r.created_at))}};
  out["created_by"] = r.created_by ? Json(*r.created_by) : Json(nullptr);
  return out;
}

ResourceService::ResourceService(store::Database& database, const Clock& clock,
                                 ResourceOptions options)
    : database_(database), clock_(clock), options_(std::move(options)) {
  std::error_code ec;
  auto absolute = fs::absolute(options_.data_dir, ec);
  if (!ec) options_.data_dir = absolute.lexically_normal().string();
}

std::string ResourceService::FolderOf(int64_t team_id, int64_t id) const {
  return (fs::path(options_.data_dir) / "resources" / std::to_string(team_id) / std::to_string(id))
      .string();
}

Resource ResourceService::FromRow(const store::Rows& rows, size_t i) const {
  Resource r;
  r.id = rows.Int(i, "id");
  r.team_id = rows.Int(i, "team_id");
  r.name = rows.Text(i, "name");
  r.file_name = rows.Text(i, "file_name");
  r.size = static_cast<uint64_t>(rows.Int(i, "size"));
  r.sha256 = rows.Text(i, "sha256");
  r.description = rows.Text(i, "description");
  r.created_by = rows.OptionalInt(i, "created_by");
  r.created_at = rows.Int(i, "created_at");
  r.path = (fs::path(FolderOf(r.team_id, r.id)) / r.file_name).string();
  return r;
}

Result<Resource> ResourceService::Load(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM resources WHERE id = ?", kColumns), {id}));
  if (rows.empty()) return ResourceNotFound(id);
  return FromRow(rows, 0);
}

Result<Resource> ResourceService::LoadFor(int64_t id, const Principal& principal, Action action) {
  SLUICE_ASSIGN_OR_RETURN(Resource r, Load(id));
  SLUICE_RETURN_IF_ERROR(Authorize(principal, action, r.team_id, ResourceNotFound(id)));
  return r;
}

Result<Resource> ResourceService::GetForTeam(int64_t team_id, int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(Resource r, Load(id));
  if (r.team_id != team_id) return ResourceNotFound(id);
  return r;
}

Result<Resource> ResourceService::Store(int64_t team_id, const std::string& name,
                                        const std::string& file_name, std::string_view bytes,
                                        const std::string& description,
                                        std::optional<int64_t> created_by) {
  SLUICE_ASSIGN_OR_RETURN(std::string clean, SanitizeFileName(file_name));
  std::string shown_name = name.empty() ? clean : name;
  if (shown_name.size() > 128) {
    return Error(ErrorCode::INVALID_ARGUMENT, "field 'name' has more than 128 characters", "name");
  }
  SLUICE_RETURN_IF_ERROR(system::ValidateText(shown_name, 128, "name"));
  SLUICE_RETURN_IF_ERROR(system::ValidateText(description, 1024, "description"));
  if (bytes.size() > options_.max_upload_bytes) {
    return Error(ErrorCode::BODY_TOO_LARGE,
                 fmt::format("the file is larger than {} bytes", options_.max_upload_bytes),
                 "file");
  }
  if (!LooksLikeJar(bytes)) {
    return Error(ErrorCode::RESOURCE_INVALID,
                 "the file is not a jar: it does not start like a zip archive", "file");
  }
  std::string sha256 = Sha256Hex(bytes);

  fs::path root = fs::path(options_.data_dir) / "resources";
  fs::path incoming = root / ".incoming";
  std::error_code ec;
  fs::create_directories(incoming, ec);
  if (ec) {
    return Error(ErrorCode::INTERNAL, "the uploaded file cannot be stored", "",
                 incoming.string() + ": " + ec.message());
  }
  fs::path temporary = incoming / (RandomName() + ".part");
  SLUICE_RETURN_IF_ERROR(WriteNewFile(temporary, bytes));
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove(path, ignored);
    }
  } cleanup{temporary};

  int64_t now = ToUnixMillis(clock_.Now());
  int64_t id = 0;
  fs::path placed;
  Status stored = database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows inserted,
        c.Query("INSERT INTO resources (team_id, name, file_name, size, sha256, description, "
                "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                {team_id, shown_name, clean, static_cast<int64_t>(bytes.size()), sha256,
                 description, created_by ? Value(*created_by) : store::Null(), now}));
    id = inserted.Int(0, "id");
    fs::path folder = FolderOf(team_id, id);
    std::error_code fs_error;
    // A folder left by a crash between a move and its commit (the id was never recorded).
    fs::remove_all(folder, fs_error);
    fs::create_directories(folder, fs_error);
    if (!fs_error) fs::rename(temporary, folder / clean, fs_error);
    if (fs_error) {
      return Error(ErrorCode::INTERNAL, "the uploaded file cannot be stored", "",
                   folder.string() + ": " + fs_error.message());
    }
    placed = folder;
    return Status::Ok();
  });
  if (!stored.ok()) {
    if (!placed.empty()) fs::remove_all(placed, ec);
    if (stored.error().code == ErrorCode::STORE_UNIQUE_VIOLATION) {
      return Error(
          ErrorCode::RESOURCE_EXISTS,
          fmt::format("team {} has a resource named '{}' already", team_id, http::Echo(shown_name)),
          "name");
    }
    if (stored.error().code == ErrorCode::STORE_CONSTRAINT_VIOLATION) return TeamHidden(team_id);
    return stored.error();
  }
  return Load(id);
}

Result<std::vector<std::string>> ResourceService::AppsUsing(int64_t team_id, int64_t id,
                                                            store::Connection* connection) {
  // The spec is JSON text; the three databases query JSON differently, so it is read here.
  const char* sql =
      "SELECT a.name AS name, v.spec AS spec FROM apps a JOIN app_versions v ON v.app_id = a.id "
      "AND (v.version = a.draft_version OR v.version = a.deployed_version) WHERE a.team_id = ?";
  auto rows = connection ? connection->Query(sql, {team_id}) : database_.Query(sql, {team_id});
  if (!rows.ok()) return std::move(rows).error();
  std::set<std::string> names;
  for (size_t i = 0; i < rows->size(); ++i) {
    if (SpecUses(rows->Text(i, "spec"), id)) names.insert(rows->Text(i, "name"));
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Status ResourceService::Remove(int64_t team_id, int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(Resource r, GetForTeam(team_id, id));
  Status removed = database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> apps, AppsUsing(team_id, id, &c));
    if (!apps.empty()) {
      std::string names;
      for (size_t i = 0; i < apps.size() && i < 5; ++i) names += (i ? ", " : "") + apps[i];
      if (apps.size() > 5) names += fmt::format(" and {} more", apps.size() - 5);
      return Error(ErrorCode::RESOURCE_IN_USE,
                   fmt::format("resource '{}' is used by the current or deployed version of {} "
                               "app(s): {}; remove it from their dependencies first",
                               http::Echo(r.name), apps.size(), names));
    }
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM resources WHERE id = ?", {id}));
    return Status::Ok();
  });
  SLUICE_RETURN_IF_ERROR(removed);
  std::error_code ec;
  fs::remove_all(FolderOf(team_id, id), ec);
  return Status::Ok();
}

ResourceService::Answer ResourceService::List(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  std::vector<Value> params;
  SLUICE_ASSIGN_OR_RETURN(auto where, TeamScope(principal, request, params));
  if (!where) return http::Ok({{"items", Json::array()}, {"total", 0}});
  SLUICE_ASSIGN_OR_RETURN(store::Rows count,
                          database_.Query("SELECT COUNT(*) AS n FROM resources" + *where, params));
  params.emplace_back(page.limit);
  params.emplace_back(page.offset);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(
          fmt::format("SELECT {} FROM resources{} ORDER BY id LIMIT ? OFFSET ?", kColumns, *where),
          params));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) items.push_back(ResourceJson(FromRow(rows, i)));
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

ResourceService::Answer ResourceService::Upload(http::Request& request,
                                                const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(std::string boundary, MultipartBoundary(request.Header("content-type")));
  SLUICE_ASSIGN_OR_RETURN(std::vector<MultipartPart> parts, ParseMultipart(request.body, boundary));
  const MultipartPart* file = nullptr;
  std::optional<std::string> team_text, name, description;
  for (const MultipartPart& part : parts) {
    auto field = [&](std::optional<std::string>& slot) -> Status {
      if (slot) {
        return Error(ErrorCode::INVALID_ARGUMENT,
                     fmt::format("the form field '{}' is given twice", part.name), part.name);
      }
      slot = std::string(part.body);
      return Status::Ok();
    };
    if (part.name == "file") {
      if (file) return Error(ErrorCode::INVALID_ARGUMENT, "give one 'file' per upload", "file");
      if (!part.filename) {
        return Error(ErrorCode::INVALID_ARGUMENT,
                     "the form field 'file' must be a file (with a "
                     "filename)",
                     "file");
      }
      file = &part;
    } else if (part.name == "team_id") {
      SLUICE_RETURN_IF_ERROR(field(team_text));
    } else if (part.name == "name") {
      SLUICE_RETURN_IF_ERROR(field(name));
    } else if (part.name == "description") {
      SLUICE_RETURN_IF_ERROR(field(description));
    } else {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   fmt::format("unknown form field '{}'", http::Echo(part.name)),
                   http::Echo(part.name));
    }
  }
  if (!team_text)
    return Error(ErrorCode::INVALID_ARGUMENT, "the form field 'team_id' is missing", "team_id");
  int64_t team_id = 0;
  {
    char* end = nullptr;
    long long value = std::strtoll(team_text->c_str(), &end, 10);
    if (team_text->empty() || *end != '\0' || value <= 0) {
      return Error(ErrorCode::INVALID_ARGUMENT, "the form field 'team_id' must be a team id",
                   "team_id");
    }
    team_id = value;
  }
  SLUICE_RETURN_IF_ERROR(Authorize(principal, Action::kEdit, team_id, TeamHidden(team_id)));
  if (!file) return Error(ErrorCode::INVALID_ARGUMENT, "the form field 'file' is missing", "file");
  SLUICE_ASSIGN_OR_RETURN(Resource r, Store(team_id, name.value_or(""), *file->filename, file->body,
                                            description.value_or(""), principal.user_id));
  return http::Created(ResourceJson(r), fmt::format("resource:{}", r.id), team_id);
}

ResourceService::Answer ResourceService::GetRoute(http::Request& request,
                                                  const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Resource r, LoadFor(id, principal, Action::kView));
  Json out = ResourceJson(r);
  SLUICE_ASSIGN_OR_RETURN(out["used_by"], AppsUsing(r.team_id, r.id));
  return http::Ok(out);
}

ResourceService::Answer ResourceService::Download(http::Request& request,
                                                  const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Resource r, LoadFor(id, principal, Action::kView));
  std::ifstream in(r.path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  if (!in) {
    return Error(ErrorCode::INTERNAL, fmt::format("the file of resource {} is missing", id), "",
                 r.path);
  }
  http::Response response = http::TextResponse(200, content.str(), "application/java-archive");
  response.headers.emplace_back("Content-Disposition",
                                fmt::format("attachment; filename=\"{}\"", r.file_name));
  return response;
}

ResourceService::Answer ResourceService::Delete(http::Request& request,
                                                const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Resource r, LoadFor(id, principal, Action::kEdit));
  SLUICE_RETURN_IF_ERROR(Remove(r.team_id, id));
  return http::NoContent(fmt::format("resource:{}", id), r.team_id);
}

void ResourceService::RegisterRoutes(http::Router& router, const system::ApiGuard& guard) {
  using Method = Answer (ResourceService::*)(http::Request&, const Principal&);
  auto route = [&](const char* verb, const char* path, const char* action, http::RouteDoc doc,
                   Method method) {
    doc.tag = "resources";
    router.Add(verb, path, std::move(doc),
               guard.WrapAnswer(action,
                                [this, method](http::Request& request, const Principal& principal) {
                                  return (this->*method)(request, principal);
                                }));
  };
  http::RouteDoc list;
  list.summary = "the uploaded jars of the caller's teams";
  list.response_body = http::ListOf(kResourceSchema);
  list.query_params = {"limit", "offset", "team_id"};
  route("GET", "/api/v1/resources", "resource.list", list, &ResourceService::List);

  http::RouteDoc upload;
  upload.summary = fmt::format(
      "upload a jar (multipart/form-data: file, team_id, name?, description?; at most {} bytes)",
      options_.max_upload_bytes);
  upload.request_content_type = "multipart/form-data";
  upload.request_body = {{"type", "object"},
                         {"required", {"file", "team_id"}},
                         {"properties",
                          {{"file", {{"type", "string"}, {"format", "binary"}}},
                           {"team_id", {{"type", "integer"}}},
                           {"name", {{"type", "string"}}},
                           {"description", {{"type", "string"}}}}}};
  upload.response_body = kResourceSchema;
  upload.success_status = 201;
  upload.max_body_bytes = options_.max_upload_bytes + kMultipartOverhead;
  route("POST", "/api/v1/resources", "resource.upload", upload, &ResourceService::Upload);

  http::RouteDoc get;
  get.summary = "an uploaded jar's metadata and the apps that use it";
  get.response_body = kResourceSchema;
  route("GET", "/api/v1/resources/{id}", "resource.get", get, &ResourceService::GetRoute);

  http::RouteDoc download;
  download.summary = "the jar itself";
  download.response_content_type = "application/java-archive";
  download.response_body = {{"type", "string"}, {"format", "binary"}};
  route("GET", "/api/v1/resources/{id}/file", "resource.download", download,
        &ResourceService::Download);

  http::RouteDoc remove;
  remove.summary = "delete a jar no app's current or deployed version uses";
  remove.success_status = 204;
  route("DELETE", "/api/v1/resources/{id}", "resource.delete", remove, &ResourceService::Delete);
}

}  // namespace sluice::resources
