#include "system/authenticator.h"

#include <spdlog/spdlog.h>

#include <cctype>

#include "system/credentials.h"

namespace sluice::system {

using store::Value;

Json UserJson(const store::Rows& rows, size_t row) {
  return {{"id", rows.Int(row, "id")},
          {"username", rows.Text(row, "username")},
          {"display_name", rows.Text(row, "display_name")},
          {"email", rows.Text(row, "email")},
          {"is_admin", rows.Int(row, "is_admin") != 0},
          {"disabled", rows.Int(row, "disabled") != 0},
          {"created_at", FormatRfc3339(FromUnixMillis(rows.Int(row, "created_at")))},
          {"updated_at", FormatRfc3339(FromUnixMillis(rows.Int(row, "updated_at")))}};
}

Authenticator::Authenticator(store::Database& database, const Clock& clock,
                             std::chrono::hours session_ttl, ThrottleOptions throttle)
    : database_(database), clock_(clock), session_ttl_(session_ttl), throttle_(clock, throttle) {}

Result<LoginResult> Authenticator::Login(std::string_view username, std::string_view password,
                                         const std::string& client_ip) {
  std::string name(username.substr(0, 64));
  if (throttle_.IsLocked(name, client_ip)) {
    return Error(ErrorCode::TOO_MANY_ATTEMPTS,
                 "too many failed logins; wait a few minutes and try again");
  }
  SLUICE_ASSIGN_OR_RETURN(store::Rows rows,
                          database_.Query("SELECT " + std::string(kUserColumns) +
                                              ", password_hash FROM users WHERE username = ?",
                                          {Value(name)}));
  bool ok = false;
  if (rows.empty()) {
    VerifyAgainstDummyHash(password);
  } else {
    ok = VerifyPassword(password, rows.Text(0, "password_hash")) && rows.Int(0, "disabled") == 0;
  }
  if (!ok) {
    throttle_.RecordFailure(name, client_ip);
    return Error(ErrorCode::INVALID_CREDENTIALS, "wrong user name or password");
  }
  throttle_.RecordSuccess(name);
  NewToken token = GenerateToken(TokenKind::kSession);
  TimePoint now = clock_.Now();
  TimePoint expires_at = now + session_ttl_;
  SLUICE_RETURN_IF_ERROR(database_.Query(
      "INSERT INTO tokens (user_id, kind, name, team_id, token_hash, prefix, created_at, "
      "expires_at) VALUES (?, 'session', 'login', NULL, ?, ?, ?, ?)",
      {Value(rows.Int(0, "id")), Value(token.hash), Value(token.prefix), Value(ToUnixMillis(now)),
       Value(ToUnixMillis(expires_at))}));
  return LoginResult{token.secret, expires_at, UserJson(rows, 0)};
}

Result<Principal> Authenticator::Authenticate(std::string_view header) {
  constexpr std::string_view kBearer = "bearer ";
  if (header.empty()) {
    return Error(ErrorCode::UNAUTHENTICATED,
                 "authentication required: send 'Authorization: Bearer <token>'");
  }
  // The scheme is case-insensitive (RFC 9110 section 11.1).
  bool bearer = header.size() > kBearer.size();
  for (size_t i = 0; bearer && i < kBearer.size(); ++i) {
    bearer = std::tolower(static_cast<unsigned char>(header[i])) == kBearer[i];
  }
  if (!bearer) {
    return Error(ErrorCode::UNAUTHENTICATED, "the Authorization header must be 'Bearer <token>'");
  }
  std::string_view secret = header.substr(kBearer.size());
  // Our tokens are 4 + 43 characters; anything far off is not one (and is not worth hashing).
  if (secret.size() > 128) return Error(ErrorCode::UNAUTHENTICATED, "invalid token");
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database_.Query("SELECT t.id AS token_id, t.kind, t.team_id, t.expires_at, t.revoked_at, "
                      "t.last_used_at, u.id AS user_id, u.username, u.is_admin, u.disabled "
                      "FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
                      {Value(HashToken(secret))}));
  if (rows.empty() || rows.Int(0, "disabled") != 0) {
    return Error(ErrorCode::UNAUTHENTICATED, "invalid token");
  }
  if (!rows.IsNull(0, "revoked_at")) {
    return Error(ErrorCode::TOKEN_REVOKED, "this token has been revoked; log in again");
  }
  TimePoint now = clock_.Now();
  if (auto expires = rows.OptionalInt(0, "expires_at");
      expires && now >= FromUnixMillis(*expires)) {
    return Error(ErrorCode::TOKEN_EXPIRED, "this token has expired; log in again");
  }
  Principal principal;
  principal.user_id = rows.Int(0, "user_id");
  principal.username = rows.Text(0, "username");
  principal.token_id = rows.Int(0, "token_id");
  principal.token_kind = rows.Text(0, "kind") == "api" ? TokenKind::kApi : TokenKind::kSession;
  if (auto expires = rows.OptionalInt(0, "expires_at")) {
    principal.token_expires_at = FromUnixMillis(*expires);
  }
  principal.token_team_id = rows.OptionalInt(0, "team_id");
  principal.is_admin = rows.Int(0, "is_admin") != 0 && principal.token_kind == TokenKind::kSession;

  SLUICE_ASSIGN_OR_RETURN(
      store::Rows memberships,
      database_.Query("SELECT team_id, role FROM team_members WHERE user_id = ?",
                      {Value(principal.user_id)}));
  for (size_t i = 0; i < memberships.size(); ++i) {
    int64_t team_id = memberships.Int(i, "team_id");
    if (principal.token_team_id && *principal.token_team_id != team_id) continue;
    if (auto role = RoleFromName(memberships.Text(i, "role"))) principal.roles[team_id] = *role;
  }
  // An administrator may do everything in every team, so their API token may do everything in its
  // one team (owner), and nothing outside it or system-wide (authorizer.h).
  if (principal.token_kind == TokenKind::kApi && rows.Int(0, "is_admin") != 0 &&
      principal.token_team_id) {
    principal.roles[*principal.token_team_id] = Role::kOwner;
  }
  // Record use at most once a minute per token: enough to spot stale tokens, cheap under load.
  auto last_used = rows.OptionalInt(0, "last_used_at");
  if (!last_used || now - FromUnixMillis(*last_used) > std::chrono::minutes(1)) {
    auto updated = database_.Query("UPDATE tokens SET last_used_at = ? WHERE id = ?",
                                   {Value(ToUnixMillis(now)), Value(principal.token_id)});
    if (!updated.ok()) spdlog::warn("auth: could not record token use");
  }
  return principal;
}

Status Authenticator::Revoke(int64_t token_id) {
  SLUICE_RETURN_IF_ERROR(
      database_.Query("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                      {Value(ToUnixMillis(clock_.Now())), Value(token_id)}));
  return Status::Ok();
}

}  // namespace sluice::system
