// The wrapper every authenticated route goes through: it authenticates the bearer token, hands
// the handler a Principal, and writes the audit entry for every mutation (allowed, refused or
// failed). Areas register routes as `router.Add(method, path, doc, guard.Wrap("app.deploy", fn))`
// and check permissions inside with Authorize().
#pragma once

#include <functional>
#include <string>

#include "http/message.h"
#include "http/router.h"
#include "system/audit_log.h"
#include "system/authenticator.h"

namespace sluice::system {

using GuardedHandler = std::function<http::Response(http::Request&, const Principal&)>;
// A handler that returns its errors as values; the guard turns an Error into its answer.
using AnswerHandler = std::function<Result<http::Response>(http::Request&, const Principal&)>;

// Which requests of a route go to the audit log. kMutations: all but GET and HEAD. kNever: for
// POSTs that change nothing (the SQL workbench's checks, which the console sends as the user
// types; auditing each would bury the log's real changes).
enum class AuditPolicy { kMutations, kNever };

class ApiGuard {
 public:
  ApiGuard(Authenticator& authenticator, AuditLog& audit)
      : authenticator_(authenticator), audit_(audit) {}

  // The handler for a route that needs a bearer token. `action` names the change in the audit log
  // (e.g. "team.create"); every request other than GET/HEAD is audited, whatever its outcome
  // (success, failure, denied), with the target and team the handler put in the response
  // (Response::audit_target / audit_team_id; the path when empty). Answers 401 with the
  // authentication error without calling `handler`. A handler that throws answers 500 INTERNAL
  // (audited). The returned handler refers to this guard, which must outlive it.
  http::Handler Wrap(std::string action, GuardedHandler handler,
                     AuditPolicy audit = AuditPolicy::kMutations) const;
  // Wrap for an AnswerHandler: an Error it returns is answered with ErrorAnswer (below).
  http::Handler WrapAnswer(std::string action, AnswerHandler handler,
                           AuditPolicy audit = AuditPolicy::kMutations) const;

  // Records one audit entry for a finished request (used by Wrap and by unauthenticated routes
  // such as login). `actor` may be an attempted user name.
  void Audit(const http::Request& request, const http::Response& response,
             const std::string& action, std::optional<int64_t> actor_id,
             const std::string& actor) const;

  AuditLog& audit_log() const { return audit_; }

 private:
  Authenticator& authenticator_;
  AuditLog& audit_;
};

// Answers an Error, logging its internal detail (never sent) with the request id.
http::Response ErrorAnswer(const http::Request& request, const Error& error);

}  // namespace sluice::system
