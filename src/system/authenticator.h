// Logins, sessions and bearer-token authentication. Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "store/database.h"
#include "system/authorizer.h"
#include "system/login_throttle.h"

namespace sluice::system {

struct LoginResult {
  std::string token;  // the session secret, shown once
  TimePoint expires_at;
  Json user;
};

class Authenticator {
 public:
  Authenticator(store::Database& database, const Clock& clock, std::chrono::hours session_ttl,
                ThrottleOptions throttle);

  // Checks the password and opens a session. TOO_MANY_ATTEMPTS while throttled (even with the
  // right password); INVALID_CREDENTIALS for an unknown name, a wrong password or a disabled
  // user, all alike and in about the same time.
  Result<LoginResult> Login(std::string_view username, std::string_view password,
                            const std::string& client_ip);

  // Resolves an `Authorization` header value ("Bearer <token>"). UNAUTHENTICATED when missing,
  // malformed or unknown, or the user is disabled; TOKEN_EXPIRED; TOKEN_REVOKED.
  Result<Principal> Authenticate(std::string_view authorization_header);

  // Revokes one token (logout, API token deletion). Idempotent.
  Status Revoke(int64_t token_id);

 private:
  store::Database& database_;
  const Clock& clock_;
  const std::chrono::hours session_ttl_;
  LoginThrottle throttle_;
};

// The user object of the API: {id, username, display_name, email, is_admin, disabled,
// created_at, updated_at}. `rows` must hold those columns (times as Unix ms).
Json UserJson(const store::Rows& rows, size_t row);
// The columns UserJson reads, for SELECT lists.
inline constexpr std::string_view kUserColumns =
    "id, username, display_name, email, is_admin, disabled, created_at, updated_at";

}  // namespace sluice::system
