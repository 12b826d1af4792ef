#include "system/api_guard.h"

#include <spdlog/spdlog.h>

#include "common/log.h"

namespace sluice::system {

http::Response ErrorAnswer(const http::Request& request, const Error& error) {
  if (!error.internal_detail.empty()) {
    spdlog::warn("request {}: {}: {}", request.request_id, ErrorCodeName(error.code),
                 RedactSecrets(error.internal_detail));
  }
  return http::ErrorResponse(error, request.request_id);
}

void ApiGuard::Audit(const http::Request& request, const http::Response& response,
                     const std::string& action, std::optional<int64_t> actor_id,
                     const std::string& actor) const {
  AuditEntry entry;
  entry.actor_id = actor_id;
  entry.actor = actor;
  entry.action = action;
  // Refused changes have no target of their own: the path names what was attempted.
  entry.target =
      response.audit_target.empty() ? request.path.substr(0, 255) : response.audit_target;
  entry.team_id = response.audit_team_id;
  // Refused by authentication, permission or throttling: "denied". A 404 stays a "failure":
  // another team's ids answer exactly like missing ones, on purpose, so the log cannot tell them
  // apart either (the path and error code are recorded).
  if (response.status < 400) {
    entry.outcome = "success";
  } else if (response.status == 401 || response.status == 403 || response.status == 429) {
    entry.outcome = "denied";
  } else {
    entry.outcome = "failure";
  }
  entry.status = response.status;
  entry.detail = response.error_code;
  entry.request_id = request.request_id;
  entry.client_ip = request.client_ip;
  (void)audit_.Record(entry);
}

http::Handler ApiGuard::WrapAnswer(std::string action, AnswerHandler handler,
                                   AuditPolicy audit) const {
  return Wrap(
      std::move(action),
      [handler = std::move(handler)](http::Request& request, const Principal& principal) {
        Result<http::Response> answer = handler(request, principal);
        if (answer.ok()) return std::move(answer).value();
        return ErrorAnswer(request, answer.error());
      },
      audit);
}

http::Handler ApiGuard::Wrap(std::string action, GuardedHandler handler, AuditPolicy audit) const {
  return [this, action = std::move(action), handler = std::move(handler),
          audit](http::Request& request) {
    bool mutation =
        audit == AuditPolicy::kMutations && request.method != "GET" && request.method != "HEAD";
    auto principal = authenticator_.Authenticate(request.Header("authorization"));
    if (!principal.ok()) {
      http::Response response = ErrorAnswer(request, principal.error());
      if (mutation) Audit(request, response, action, std::nullopt, "anonymous");
      return response;
    }
    http::Response response;
    try {
      response = handler(request, *principal);
    } catch (const std::exception& e) {
      // A bug. Answer here (not in the dispatcher) so that the attempt is still audited.
      spdlog::error("request {} {} {}: unhandled exception: {}", request.request_id, request.method,
                    request.route, RedactSecrets(e.what()));
      response = http::ErrorResponse(
          Error(ErrorCode::INTERNAL,
                "internal error; see the server log for request " + request.request_id),
          request.request_id);
    }
    if (mutation) Audit(request, response, action, principal->user_id, principal->username);
    return response;
  };
}

}  // namespace sluice::system
