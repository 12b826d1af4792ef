// Projects: a team's custom Flink code kept in Git, built by Sluice with Maven (builds.h).
//
// A project holds a Git URL, a branch or tag (`ref`), credentials (user and password or token
// for HTTPS, a private key for SSH), Maven build arguments and an optional settings.xml. The
// credentials and the settings.xml are stored sealed (common/secret_box.h) and never leave the
// server: answers show {"kind","username"} and "******". They can be replaced at any time
// (PATCH), since Git passwords rotate.
//
// Creating a project, or changing its URL, ref or credentials, asks the remote first
// (`git ls-remote`): an unreachable URL (GIT_UNREACHABLE), refused credentials (GIT_AUTH_FAILED)
// or a ref the remote does not have (GIT_REF_NOT_FOUND, listing some that exist) answer 422 and
// nothing is stored.
//
// Permissions as for apps: viewers see, developers and owners change; other teams' ids answer
// PROJECT_NOT_FOUND.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "common/secret_box.h"
#include "http/router.h"
#include "projects/git.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::projects {

struct ProjectsOptions {
  std::string data_dir;  // absolute: <data_dir>/projects/<id>/..., the key at <data_dir>/secret.key
  int build_threads = 2;                     // builds at once; the rest wait PENDING
  std::chrono::seconds build_timeout{1800};  // git and Maven together
  std::chrono::seconds remote_timeout{30};   // ls-remote when a project is created or changed
  std::string mvn = "mvn";
  std::string maven_local_repository;  // "": Maven's default ($HOME/.m2/repository)
};

struct ProjectRow {
  int64_t id = 0;
  int64_t team_id = 0;
  std::string name;
  std::string git_url;
  std::string ref;
  std::string credential_kind;  // "" | "password" | "ssh_key"
  std::string credential_user;
  std::string credential_secret;  // sealed
  Json build_args = Json::array();
  std::string maven_settings;  // sealed, "" when none
  std::string description;
  int64_t created_at = 0;
  int64_t updated_at = 0;

  // Never holds a secret.
  Json ToJson() const;
};

class ProjectService {
 public:
  // Everything given must outlive the service.
  ProjectService(store::Database& database, const Clock& clock, ProjectsOptions options);

  // PROJECT_NOT_FOUND when there is none.
  Result<ProjectRow> Get(int64_t id);
  // The plain credentials. INTERNAL when they cannot be unsealed (lost key: set them again).
  Result<GitCredentials> Credentials(const ProjectRow& row);
  // The plain settings.xml ("" when none).
  Result<std::string> MavenSettings(const ProjectRow& row);
  // A session holding the project's credentials.
  Result<std::unique_ptr<GitSession>> Session(const ProjectRow& row);
  // Folders: <data_dir>/projects/<id>, its checkout, and SSH's known_hosts.
  std::string ProjectDir(int64_t id) const;
  std::string CheckoutDir(int64_t id) const;
  std::string KnownHosts() const;
  const ProjectsOptions& options() const { return options_; }

  // Routes under /api/v1/projects (not builds), guarded by `guard`. `has_running_build` tells
  // whether a project may be deleted now.
  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard,
                      std::function<bool(int64_t)> has_running_build);

  // Loads a project the principal may act on (`action`).
  Result<ProjectRow> Load(int64_t id, const system::Principal& principal, system::Action action);

 private:
  using Answer = Result<http::Response>;
  Answer List(http::Request& request, const system::Principal& principal);
  Answer Create(http::Request& request, const system::Principal& principal);
  Answer GetRoute(http::Request& request, const system::Principal& principal);
  Answer Update(http::Request& request, const system::Principal& principal);
  Answer Delete(http::Request& request, const system::Principal& principal);
  Answer Refs(http::Request& request, const system::Principal& principal);

  // Reads "credentials" from a body into kind/user/sealed secret. null removes them.
  Status ReadCredentials(const Json& value, ProjectRow& row, GitCredentials& plain);
  // ls-remote with `plain`; checks that `ref` is a branch, a tag or (40 hex) a commit.
  Status CheckRemote(const std::string& url, const std::string& ref, const GitCredentials& plain);
  Result<const SecretBox*> Box();

  store::Database& database_;
  const Clock& clock_;
  ProjectsOptions options_;
  std::function<bool(int64_t)> has_running_build_;
  std::mutex box_mu_;
  std::unique_ptr<SecretBox> box_;
};

}  // namespace sluice::projects
