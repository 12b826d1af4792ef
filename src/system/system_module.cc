#include "system/system_module.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "system/audit_log.h"
#include "system/credentials.h"
#include "system/people_api.h"

namespace sluice::system {

using store::Value;

struct SystemModule::Impl {
  store::Database& database;
  const Clock& clock;
  SystemOptions options;
  Authenticator authenticator;
  AuditLog audit;
  ApiGuard guard;
  PeopleApi people;

  Impl(store::Database& db, const Clock& c, SystemOptions o)
      : database(db),
        clock(c),
        options(std::move(o)),
        authenticator(db, c, options.session_ttl,
                      ThrottleOptions{options.login_max_failures, options.login_window,
                                      options.login_lockout}),
        audit(db, c),
        guard(authenticator, audit),
        people(db, c, authenticator, guard) {}
};

SystemModule::SystemModule(store::Database& database, const Clock& clock, SystemOptions options)
    : impl_(std::make_unique<Impl>(database, clock, std::move(options))) {}

SystemModule::~SystemModule() = default;

void SystemModule::RegisterRoutes(http::Router& router) { impl_->people.Register(router); }

const ApiGuard& SystemModule::guard() const { return impl_->guard; }
AuditLog& SystemModule::audit() { return impl_->audit; }
Authenticator& SystemModule::authenticator() { return impl_->authenticator; }

namespace {

// Writes the generated password where only the owner can read it. The file is created fresh
// (an old one from a deleted store is replaced) with mode 0600 from the start.
// O_EXCL refuses to follow a symbolic link planted at the path.
Status WritePasswordFile(const std::string& path, const std::string& password) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error(ErrorCode::INTERNAL, "cannot write the admin password file " + path);
  }
  // The mode given to open() is reduced by the umask; make it exactly 0600 before writing.
  bool ok = ::fchmod(fd, 0600) == 0;
  std::string text = password + "\n";
  ok = ok && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return Error(ErrorCode::INTERNAL, "cannot write the admin password file " + path);
  return Status::Ok();
}

}  // namespace

Status SystemModule::Bootstrap(const std::optional<std::string>& admin_password) {
  store::Database& db = impl_->database;
  SLUICE_ASSIGN_OR_RETURN(store::Rows count, db.Query("SELECT COUNT(*) AS n FROM users"));
  if (count.Int(0, "n") > 0) return Status::Ok();

  bool generated = !admin_password.has_value();
  std::string password = generated ? GeneratePassword() : *admin_password;
  Status policy = CheckPasswordPolicy(password);
  if (!policy.ok()) {
    return Error(ErrorCode::WEAK_PASSWORD, "SLUICE_ADMIN_PASSWORD must have 8 to 256 characters",
                 "SLUICE_ADMIN_PASSWORD");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  int64_t now = ToUnixMillis(impl_->clock.Now());
  bool created = false;
  SLUICE_RETURN_IF_ERROR(db.Transaction([&](store::Connection& c) -> Status {
    // Another Sluice on the same database may have bootstrapped in the meantime.
    SLUICE_ASSIGN_OR_RETURN(store::Rows again, c.Query("SELECT COUNT(*) AS n FROM users"));
    if (again.Int(0, "n") > 0) return Status::Ok();
    created = true;
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows user,
        c.Query("INSERT INTO users (username, display_name, email, password_hash, is_admin, "
                "disabled, created_at, updated_at) VALUES ('admin', 'Administrator', '', ?, 1, 0, "
                "?, ?) RETURNING id",
                {Value(hash), Value(now), Value(now)}));
    SLUICE_ASSIGN_OR_RETURN(
        store::Rows team,
        c.Query("INSERT INTO teams (name, description, created_at, updated_at) VALUES "
                "('default', 'Created at the first start', ?, ?) RETURNING id",
                {Value(now), Value(now)}));
    SLUICE_RETURN_IF_ERROR(
        c.Query("INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (?, ?, "
                "'owner', ?)",
                {Value(team.Int(0, "id")), Value(user.Int(0, "id")), Value(now)}));
    return Status::Ok();
  }));
  // Another instance created them (and reported its own password).
  if (!created) return Status::Ok();
  if (generated) {
    std::string path = (std::filesystem::path(impl_->options.data_dir) / "admin-password").string();
    // The user exists now, so the password must reach someone even when the file cannot be
    // written: it is printed either way, once, to stdout (never to the log).
    Status saved = WritePasswordFile(path, password);
    if (saved.ok()) {
      std::printf(
          "\nSluice created the administrator 'admin' with the password: %s\n"
          "It is also saved in %s (readable only by you). Change it after logging in.\n\n",
          password.c_str(), path.c_str());
    } else {
      std::printf(
          "\nSluice created the administrator 'admin' with the password: %s\n"
          "It could NOT be saved in %s: note it now. Change it after logging in.\n\n",
          password.c_str(), path.c_str());
      spdlog::error("first start: could not write {}", path);
    }
    std::fflush(stdout);
  }
  spdlog::info("first start: created user 'admin' and team 'default'");
  return Status::Ok();
}

}  // namespace sluice::system
