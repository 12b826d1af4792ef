// The people area wired together: users, teams, members, tokens, login, permissions and the
// audit log, and their HTTP routes. Built once by the server; other areas guard their own routes
// with guard() and decide permissions with Authorize() (authorizer.h).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "http/router.h"
#include "store/database.h"
#include "system/api_guard.h"
#include "system/audit_log.h"
#include "system/authenticator.h"

namespace sluice::system {

struct SystemOptions {
  std::string data_dir;  // where the first admin's generated password file is written
  std::chrono::hours session_ttl{12};
  int login_max_failures = 5;
  std::chrono::seconds login_window{300};
  std::chrono::seconds login_lockout{300};
};

class SystemModule {
 public:
  // `database` and `clock` must outlive the module.
  SystemModule(store::Database& database, const Clock& clock, SystemOptions options);
  ~SystemModule();

  // On the first start (no users), creates user `admin` with `admin_password` when given, else a
  // generated one that is printed once to stdout and written to <data_dir>/admin-password (mode
  // 0600). Later starts change nothing.
  Status Bootstrap(const std::optional<std::string>& admin_password);

  // Adds /api/v1/auth/*, /me, /users, /teams, /tokens and /audit.
  void RegisterRoutes(http::Router& router);

  // For other areas' routes. Register with
  //   router.Add("POST", "/api/v1/apps", doc, module.guard().Wrap("app.create", handler));
  // where `handler` is `http::Response(http::Request&, const Principal&)` and checks permissions
  // with Authorize() (authorizer.h). The guard authenticates and audits (api_guard.h).
  const ApiGuard& guard() const;
  Authenticator& authenticator();
  // For changes made outside a guarded request (background work) that must still be audited.
  AuditLog& audit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::system
