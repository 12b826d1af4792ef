#include "projects/projects.h"

#include <fmt/format.h>

#include <filesystem>

#include "http/answers.h"
#include "resources/api_helpers.h"
#include "resources/variables.h"
#include "system/authorizer.h"
#include "system/people_api.h"
#include "system/route_table.h"

namespace sluice::projects {

namespace fs = std::filesystem;
using store::Value;
using system::Action;
using system::Authorize;
using system::Principal;

namespace {

constexpr const char* kColumns =
    "id, team_id, name, git_url, ref, credential_kind, credential_user, credential_secret, "
    "build_args, maven_settings, description, created_at, updated_at";
constexpr size_t kMaxSettingsBytes = 256 * 1024;
constexpr size_t kMaxSecretBytes = 64 * 1024;

Error ProjectNotFound(int64_t id) {
  return Error(ErrorCode::PROJECT_NOT_FOUND, fmt::format("no project with id {}", id));
}

Error Invalid(std::string_view field, std::string message) {
  return Error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::string(field));
}

Status ValidateName(std::string_view name) {
  if (name.empty() || name.size() > 128) {
    return Invalid("name", "field 'name' must be 1 to 128 characters");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) {
      return Invalid("name", "field 'name' may hold letters, digits, '-', '_' and '.' only");
    }
  }
  return Status::Ok();
}

ProjectRow ReadRow(const store::Rows& rows, size_t i) {
  ProjectRow row;
  row.id = rows.Int(i, "id");
  row.team_id = rows.Int(i, "team_id");
  row.name = rows.Text(i, "name");
  row.git_url = rows.Text(i, "git_url");
  row.ref = rows.Text(i, "ref");
  row.credential_kind = rows.Text(i, "credential_kind");
  row.credential_user = rows.Text(i, "credential_user");
  row.credential_secret = rows.Text(i, "credential_secret");
  Json args = Json::parse(rows.Text(i, "build_args"), nullptr, false);
  row.build_args = args.is_array() ? args : Json::array();
  row.maven_settings = rows.Text(i, "maven_settings");
  row.description = rows.Text(i, "description");
  row.created_at = rows.Int(i, "created_at");
  row.updated_at = rows.Int(i, "updated_at");
  return row;
}

bool IsCommitSha(const std::string& ref) {
  if (ref.size() != 40) return false;
  for (char c : ref) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

const Json kProjectSchema = {{"type", "object"},
                             {"properties",
                              {{"id", {{"type", "integer"}}},
                               {"team_id", {{"type", "integer"}}},
                               {"name", {{"type", "string"}}},
                               {"git_url", {{"type", "string"}}},
                               {"ref", {{"type", "string"}}},
                               {"credentials", {{"type", "object"}}},
                               {"build_args", {{"type", "array"}}},
                               {"maven_settings", {{"type", "string"}}},
                               {"description", {{"type", "string"}}},
                               {"created_at", {{"type", "string"}}},
                               {"updated_at", {{"type", "string"}}}}}};

}  // namespace

Json ProjectRow::ToJson() const {
  Json credentials = nullptr;
  if (credential_kind == "password") {
    credentials = {{"kind", "password"},
                   {"username", credential_user},
                   {"password", std::string(resources::kMaskedValue)}};
  } else if (credential_kind == "ssh_key") {
    credentials = {{"kind", "ssh_key"}, {"private_key", std::string(resources::kMaskedValue)}};
  }
  return {{"id", id},
          {"team_id", team_id},
          {"name", name},
          {"git_url", MaskUrl(git_url)},
          {"ref", ref},
          {"credentials", credentials},
          {"build_args", build_args},
          {"maven_settings",
           maven_settings.empty() ? Json() : Json(std::string(resources::kMaskedValue))},
          {"description", description},
          {"created_at", FormatRfc3339(FromUnixMillis(created_at))},
          {"updated_at", FormatRfc3339(FromUnixMillis(updated_at))}};
}

ProjectService::ProjectService(store::Database& database, const Clock& clock,
                               ProjectsOptions options)
    : database_(database), clock_(clock), options_(std::move(options)) {}

Result<const SecretBox*> ProjectService::Box() {
  std::lock_guard lock(box_mu_);
  if (!box_) {
    SLUICE_ASSIGN_OR_RETURN(box_,
                            SecretBox::OpenOrCreate((fs::path(options_.data_dir) / "secret.key")));
  }
  return static_cast<const SecretBox*>(box_.get());
}

std::string ProjectService::ProjectDir(int64_t id) const {
  return (fs::path(options_.data_dir) / "projects" / std::to_string(id)).string();
}
std::string ProjectService::CheckoutDir(int64_t id) const {
  return (fs::path(ProjectDir(id)) / "checkout").string();
}
std::string ProjectService::KnownHosts() const {
  return (fs::path(options_.data_dir) / "projects" / "known_hosts").string();
}

Result<ProjectRow> ProjectService::Get(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM projects WHERE id = ?", kColumns), {id}));
  if (rows.empty()) return ProjectNotFound(id);
  return ReadRow(rows, 0);
}

Result<ProjectRow> ProjectService::Load(int64_t id, const Principal& principal, Action action) {
  SLUICE_ASSIGN_OR_RETURN(ProjectRow row, Get(id));
  SLUICE_RETURN_IF_ERROR(Authorize(principal, action, row.team_id, ProjectNotFound(id)));
  return row;
}

Result<GitCredentials> ProjectService::Credentials(const ProjectRow& row) {
  GitCredentials out;
  out.kind = row.credential_kind;
  out.username = row.credential_user;
  if (out.kind.empty()) return out;
  SLUICE_ASSIGN_OR_RETURN(const SecretBox* box, Box());
  auto plain = box->Unseal(row.credential_secret);
  if (!plain.ok()) {
    return Error(
        ErrorCode::INTERNAL,
        fmt::format("the credentials of project '{}' cannot be read; set them again", row.name),
        "credentials", plain.error().internal_detail);
  }
  out.secret = std::move(plain).value();
  return out;
}

Result<std::string> ProjectService::MavenSettings(const ProjectRow& row) {
  if (row.maven_settings.empty()) return std::string();
  SLUICE_ASSIGN_OR_RETURN(const SecretBox* box, Box());
  auto plain = box->Unseal(row.maven_settings);
  if (!plain.ok()) {
    return Error(
        ErrorCode::INTERNAL,
        fmt::format("the settings.xml of project '{}' cannot be read; set it again", row.name),
        "maven_settings", plain.error().internal_detail);
  }
  return std::move(plain).value();
}

Result<std::unique_ptr<GitSession>> ProjectService::Session(const ProjectRow& row) {
  SLUICE_ASSIGN_OR_RETURN(GitCredentials credentials, Credentials(row));
  std::error_code ec;
  fs::create_directories(fs::path(KnownHosts()).parent_path(), ec);
  return GitSession::Open(credentials, KnownHosts());
}

Status ProjectService::ReadCredentials(const Json& value, ProjectRow& row, GitCredentials& plain) {
  plain = GitCredentials{};
  if (value.is_null()) {
    row.credential_kind.clear();
    row.credential_user.clear();
    row.credential_secret.clear();
    return Status::Ok();
  }
  const char* kShape =
      "field 'credentials' must be {\"username\": ..., \"password\": ...} (HTTPS; a token "
      "goes in 'password') or {\"private_key\": ...} (SSH), or null";
  if (!value.is_object()) return Invalid("credentials", kShape);
  for (const auto& [key, item] : value.items()) {
    if (key != "username" && key != "password" && key != "private_key") {
      return Invalid("credentials",
                     fmt::format("'credentials' has an unknown field '{}'", http::Echo(key)));
    }
    if (!item.is_string()) {
      return Invalid("credentials", fmt::format("'credentials.{}' must be a string", key));
    }
  }
  if (value.contains("private_key")) {
    if (value.contains("password") || value.contains("username")) {
      return Invalid("credentials", kShape);
    }
    std::string key = value["private_key"].get<std::string>();
    if (key.empty() || key.size() > kMaxSecretBytes ||
        key.find("PRIVATE KEY-----") == std::string::npos) {
      return Invalid("credentials",
                     "'credentials.private_key' must be a private key in OpenSSH or PEM form "
                     "(-----BEGIN ... PRIVATE KEY-----)");
    }
    plain.kind = "ssh_key";
    plain.secret = key;
  } else if (value.contains("password")) {
    std::string user = value.value("username", "");
    std::string password = value["password"].get<std::string>();
    if (user.empty() || user.size() > 255 || user.find_first_of("\r\n\t ") != std::string::npos) {
      return Invalid("credentials",
                     "'credentials.username' must be 1 to 255 characters without "
                     "spaces");
    }
    if (password.empty() || password.size() > kMaxSecretBytes ||
        password.find_first_of("\r\n") != std::string::npos) {
      return Invalid("credentials", "'credentials.password' must be a non-empty line");
    }
    plain.kind = "password";
    plain.username = user;
    plain.secret = password;
  } else {
    return Invalid("credentials", kShape);
  }
  SLUICE_ASSIGN_OR_RETURN(const SecretBox* box, Box());
  row.credential_kind = plain.kind;
  row.credential_user = plain.username;
  row.credential_secret = box->Seal(plain.secret);
  return Status::Ok();
}

Status ProjectService::CheckRemote(const std::string& url, const std::string& ref,
                                   const GitCredentials& plain) {
  std::error_code ec;
  fs::create_directories(fs::path(KnownHosts()).parent_path(), ec);
  SLUICE_ASSIGN_OR_RETURN(auto session, GitSession::Open(plain, KnownHosts()));
  SLUICE_ASSIGN_OR_RETURN(RemoteRefs refs, session->LsRemote(url, options_.remote_timeout));
  if (refs.commits.count("refs/heads/" + ref) || refs.commits.count("refs/tags/" + ref) ||
      IsCommitSha(ref)) {
    return Status::Ok();
  }
  std::string known;
  for (size_t i = 0; i < refs.branches.size() && i < 10; ++i) {
    known += (known.empty() ? "" : ", ") + refs.branches[i];
  }
  for (size_t i = 0; i < refs.tags.size() && i < 10; ++i) {
    known += (known.empty() ? "" : ", ") + refs.tags[i];
  }
  return Error(ErrorCode::GIT_REF_NOT_FOUND,
               fmt::format("'{}' is neither a branch nor a tag of {} (it has: {})", http::Echo(ref),
                           MaskUrl(url), known.empty() ? "nothing" : known),
               "ref");
}

ProjectService::Answer ProjectService::List(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(http::Page page, http::ReadPage(request));
  std::vector<Value> params;
  SLUICE_ASSIGN_OR_RETURN(auto where, resources::TeamScope(principal, request, params));
  if (!where) return http::Ok({{"items", Json::array()}, {"total", 0}});
  SLUICE_ASSIGN_OR_RETURN(store::Rows count,
                          database_.Query("SELECT COUNT(*) AS n FROM projects" + *where, params));
  params.emplace_back(page.limit);
  params.emplace_back(page.offset);
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query(fmt::format("SELECT {} FROM projects{} ORDER BY team_id, name LIMIT ? "
                                  "OFFSET ?",
                                  kColumns, *where),
                      params));
  Json items = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) items.push_back(ReadRow(rows, i).ToJson());
  return http::Ok({{"items", items}, {"total", count.Int(0, "n")}});
}

ProjectService::Answer ProjectService::Create(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(
      RejectUnknownFields(body, {"team_id", "name", "git_url", "ref", "credentials", "build_args",
                                 "maven_settings", "description"}));
  SLUICE_ASSIGN_OR_RETURN(int64_t team_id, RequireInt(body, "team_id"));
  SLUICE_RETURN_IF_ERROR(
      Authorize(principal, Action::kEdit, team_id, resources::TeamHidden(team_id)));
  ProjectRow row;
  row.team_id = team_id;
  SLUICE_ASSIGN_OR_RETURN(row.name, RequireString(body, "name"));
  SLUICE_RETURN_IF_ERROR(ValidateName(row.name));
  SLUICE_ASSIGN_OR_RETURN(row.git_url, RequireString(body, "git_url"));
  SLUICE_RETURN_IF_ERROR(ValidateGitUrl(row.git_url));
  SLUICE_ASSIGN_OR_RETURN(auto ref, OptionalString(body, "ref"));
  row.ref = ref.value_or("main");
  SLUICE_RETURN_IF_ERROR(ValidateRef(row.ref));
  if (body.contains("build_args")) {
    SLUICE_RETURN_IF_ERROR(ValidateBuildArgs(body["build_args"]));
    row.build_args = body["build_args"];
  }
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  if (description) SLUICE_RETURN_IF_ERROR(system::ValidateText(*description, 1024, "description"));
  row.description = description.value_or("");
  GitCredentials plain;
  if (body.contains("credentials")) {
    SLUICE_RETURN_IF_ERROR(ReadCredentials(body["credentials"], row, plain));
  }
  if (body.contains("maven_settings") && !body["maven_settings"].is_null()) {
    if (!body["maven_settings"].is_string() ||
        body["maven_settings"].get<std::string>().size() > kMaxSettingsBytes) {
      return Invalid("maven_settings",
                     "field 'maven_settings' must be the text of a settings.xml (at most 256 KiB)");
    }
    std::string settings = body["maven_settings"].get<std::string>();
    if (!settings.empty()) {
      SLUICE_ASSIGN_OR_RETURN(const SecretBox* box, Box());
      row.maven_settings = box->Seal(settings);
    }
  }
  SLUICE_ASSIGN_OR_RETURN(store::Rows existing,
                          database_.Query("SELECT id FROM projects WHERE team_id = ? AND name = ?",
                                          {team_id, row.name}));
  if (!existing.empty()) {
    return Error(ErrorCode::PROJECT_EXISTS,
                 fmt::format("team {} has a project named '{}' already", team_id, row.name),
                 "name");
  }
  SLUICE_RETURN_IF_ERROR(CheckRemote(row.git_url, row.ref, plain));
  int64_t now = ToUnixMillis(clock_.Now());
  auto inserted = database_.Query(
      "INSERT INTO projects (team_id, name, git_url, ref, credential_kind, credential_user, "
      "credential_secret, build_args, maven_settings, description, created_by, created_at, "
      "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {team_id, row.name, row.git_url, row.ref, row.credential_kind, row.credential_user,
       row.credential_secret, row.build_args.dump(), row.maven_settings, row.description,
       principal.user_id, now, now});
  if (!inserted.ok()) {
    if (inserted.error().code == ErrorCode::STORE_UNIQUE_VIOLATION) {
      return Error(ErrorCode::PROJECT_EXISTS,
                   fmt::format("team {} has a project named '{}' already", team_id, row.name),
                   "name");
    }
    if (inserted.error().code == ErrorCode::STORE_CONSTRAINT_VIOLATION) {
      return resources::TeamHidden(team_id);
    }
    return std::move(inserted).error();
  }
  int64_t id = inserted->Int(0, "id");
  SLUICE_ASSIGN_OR_RETURN(ProjectRow stored, Get(id));
  return http::Created(stored.ToJson(), fmt::format("project:{}", id), team_id);
}

ProjectService::Answer ProjectService::GetRoute(http::Request& request,
                                                const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(ProjectRow row, Load(id, principal, Action::kView));
  return http::Ok(row.ToJson());
}

ProjectService::Answer ProjectService::Update(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  SLUICE_RETURN_IF_ERROR(RejectUnknownFields(
      body,
      {"name", "git_url", "ref", "credentials", "build_args", "maven_settings", "description"}));
  SLUICE_ASSIGN_OR_RETURN(ProjectRow row, Load(id, principal, Action::kEdit));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  if (name) {
    SLUICE_RETURN_IF_ERROR(ValidateName(*name));
    row.name = *name;
  }
  SLUICE_ASSIGN_OR_RETURN(auto url, OptionalString(body, "git_url"));
  if (url) {
    SLUICE_RETURN_IF_ERROR(ValidateGitUrl(*url));
    row.git_url = *url;
  }
  SLUICE_ASSIGN_OR_RETURN(auto ref, OptionalString(body, "ref"));
  if (ref) {
    SLUICE_RETURN_IF_ERROR(ValidateRef(*ref));
    row.ref = *ref;
  }
  if (body.contains("build_args")) {
    SLUICE_RETURN_IF_ERROR(ValidateBuildArgs(body["build_args"]));
    row.build_args = body["build_args"];
  }
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  if (description) {
    SLUICE_RETURN_IF_ERROR(system::ValidateText(*description, 1024, "description"));
    row.description = *description;
  }
  if (body.contains("maven_settings")) {
    const Json& settings = body["maven_settings"];
    if (settings.is_null() || (settings.is_string() && settings.get<std::string>().empty())) {
      row.maven_settings.clear();
    } else if (!settings.is_string() || settings.get<std::string>().size() > kMaxSettingsBytes) {
      return Invalid("maven_settings",
                     "field 'maven_settings' must be the text of a settings.xml (at most 256 KiB)");
    } else {
      SLUICE_ASSIGN_OR_RETURN(const SecretBox* box, Box());
      row.maven_settings = box->Seal(settings.get<std::string>());
    }
  }
  GitCredentials plain;
  if (body.contains("credentials")) {
    SLUICE_RETURN_IF_ERROR(ReadCredentials(body["credentials"], row, plain));
  } else {
    SLUICE_ASSIGN_OR_RETURN(plain, Credentials(row));
  }
  if (url || ref || body.contains("credentials")) {
    SLUICE_RETURN_IF_ERROR(CheckRemote(row.git_url, row.ref, plain));
  }
  int64_t now = ToUnixMillis(clock_.Now());
  auto updated = database_.Query(
      "UPDATE projects SET name = ?, git_url = ?, ref = ?, credential_kind = ?, credential_user = "
      "?, credential_secret = ?, build_args = ?, maven_settings = ?, description = ?, updated_at "
      "= ? WHERE id = ?",
      {row.name, row.git_url, row.ref, row.credential_kind, row.credential_user,
       row.credential_secret, row.build_args.dump(), row.maven_settings, row.description, now, id});
  if (!updated.ok()) {
    if (updated.error().code == ErrorCode::STORE_UNIQUE_VIOLATION) {
      return Error(ErrorCode::PROJECT_EXISTS,
                   fmt::format("team {} has a project named '{}' already", row.team_id, row.name),
                   "name");
    }
    return std::move(updated).error();
  }
  SLUICE_ASSIGN_OR_RETURN(ProjectRow stored, Get(id));
  return http::Ok(stored.ToJson(), fmt::format("project:{}", id), stored.team_id);
}

ProjectService::Answer ProjectService::Delete(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(ProjectRow row, Load(id, principal, Action::kEdit));
  if (has_running_build_ && has_running_build_(id)) {
    return Error(ErrorCode::PROJECT_IN_USE,
                 fmt::format("project '{}' is building: cancel the build first", row.name));
  }
  SLUICE_RETURN_IF_ERROR(database_.Transaction([&](store::Connection& c) -> Status {
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM builds WHERE project_id = ?", {id}));
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM projects WHERE id = ?", {id}));
    return Status::Ok();
  }));
  std::error_code ec;
  fs::remove_all(ProjectDir(id), ec);
  return http::NoContent(fmt::format("project:{}", id), row.team_id);
}

ProjectService::Answer ProjectService::Refs(http::Request& request, const Principal& principal) {
  SLUICE_ASSIGN_OR_RETURN(int64_t id, http::PathId(request, "id"));
  SLUICE_ASSIGN_OR_RETURN(ProjectRow row, Load(id, principal, Action::kView));
  SLUICE_ASSIGN_OR_RETURN(auto session, Session(row));
  SLUICE_ASSIGN_OR_RETURN(RemoteRefs refs, session->LsRemote(row.git_url, options_.remote_timeout));
  return http::Ok({{"branches", refs.branches}, {"tags", refs.tags}});
}

void ProjectService::RegisterRoutes(http::Router& router, const system::ApiGuard& guard,
                                    std::function<bool(int64_t)> has_running_build) {
  has_running_build_ = std::move(has_running_build);
  system::RouteTable route(router, guard, *this, "projects");
  Json writable = http::ObjectWith({{"team_id", "integer"},
                                    {"name", "string"},
                                    {"git_url", "string"},
                                    {"ref", "string"},
                                    {"credentials", "object"},
                                    {"build_args", "array"},
                                    {"maven_settings", "string"},
                                    {"description", "string"}},
                                   {"team_id", "name", "git_url"});
  route("GET", "/api/v1/projects", "project.list", "the Git projects of the caller's teams",
        nullptr, http::ListOf(kProjectSchema), 200, &ProjectService::List,
        {"limit", "offset", "team_id"});
  route("POST", "/api/v1/projects", "project.create",
        "add a Git project (the remote and the ref are checked first; credentials are "
        "write-only)",
        writable, kProjectSchema, 201, &ProjectService::Create);
  route("GET", "/api/v1/projects/{id}", "project.get", "a project (credentials masked)", nullptr,
        kProjectSchema, 200, &ProjectService::GetRoute);
  route("PATCH", "/api/v1/projects/{id}", "project.update",
        "change a project: URL, ref, credentials (replaced whole), build arguments, settings.xml",
        writable, kProjectSchema, 200, &ProjectService::Update);
  route("DELETE", "/api/v1/projects/{id}", "project.delete",
        "remove a project, its builds and its checkout", nullptr, nullptr, 204,
        &ProjectService::Delete);
  route("GET", "/api/v1/projects/{id}/refs", "project.refs",
        "the remote's branches and tags (git ls-remote)", nullptr,
        {{"type", "object"},
         {"properties", {{"branches", {{"type", "array"}}}, {"tags", {{"type", "array"}}}}}},
        200, &ProjectService::Refs);
}

}  // namespace sluice::projects
