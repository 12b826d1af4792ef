// Applications: a team's Flink SQL and JAR jobs, and their versions.
//
// An app is a row (name, team, kind, description, tags, restart policy, alert channels, and what
// the tracker knows: state, job id, ...) plus a history of immutable versions of its definition
// (app_spec.h). A change to the definition appends version n+1 and makes it the draft; the deployed
// version is the one the running job came from. Restoring an old version appends a copy of it, so
// history is never rewritten.
//
// Permissions: viewers of the team see its apps; developers and owners create and change them;
// other teams' apps answer APP_NOT_FOUND.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "apps/actions.h"
#include "apps/app_spec.h"
#include "apps/job_gateway.h"
#include "apps/journal.h"
#include "apps/operations.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "http/router.h"
#include "store/database.h"
#include "system/api_guard.h"
#include "system/authorizer.h"

namespace sluice::apps {

// What the action routes need; null members (tests of the definitions alone) answer 503-like
// INTERNAL errors for actions.
struct AppRuntime {
  Operations* operations = nullptr;
  ActionExecutor* actions = nullptr;
  JobGateway* gateway = nullptr;
  std::function<void()> wake_worker;  // an operation was queued
};

class AppService {
 public:
  // All references must outlive the service.
  AppService(store::Database& database, const Clock& clock, AppRuntime runtime = {})
      : database_(database), clock_(clock), runtime_(std::move(runtime)) {}

  // Creates the demo SQL app `demo` (generated rows into a blackhole sink, on `cluster_id`) in
  // the team `default`, unless that team has an app of that name already.
  Status CreateDemoApp(int64_t cluster_id);

  // Routes under /api/v1/apps, guarded by `guard`.
  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

  // The draft version's spec of app `id` and its team, for the SQL workbench (src/sql).
  // APP_NOT_FOUND for an app the principal may not view.
  struct DraftSpec {
    int64_t team_id = 0;
    std::string kind;
    Json spec;
  };
  Result<DraftSpec> Draft(int64_t id, const system::Principal& principal);

 private:
  using Answer = Result<http::Response>;
  Answer List(http::Request& request, const system::Principal& principal);
  Answer Create(http::Request& request, const system::Principal& principal);
  Answer Get(http::Request& request, const system::Principal& principal);
  Answer Update(http::Request& request, const system::Principal& principal);
  Answer Delete(http::Request& request, const system::Principal& principal);
  Answer Versions(http::Request& request, const system::Principal& principal);
  Answer GetVersion(http::Request& request, const system::Principal& principal);
  Answer RestoreVersion(http::Request& request, const system::Principal& principal);
  // Actions (202 with the operation) and what they leave behind.
  Answer Deploy(http::Request& request, const system::Principal& principal);
  Answer Stop(http::Request& request, const system::Principal& principal);
  Answer TakeSavepoint(http::Request& request, const system::Principal& principal);
  Answer Savepoints(http::Request& request, const system::Principal& principal);
  Answer Events(http::Request& request, const system::Principal& principal);
  Answer StartLog(http::Request& request, const system::Principal& principal);
  Answer Exceptions(http::Request& request, const system::Principal& principal);
  Answer GetOperation(http::Request& request, const system::Principal& principal);

  struct AppRow;
  // APP_OPERATION_IN_FLIGHT (naming the operation to wait for) when `app` has one.
  Status NoOperationInFlight(const AppRow& app);
  // Queues operation `kind` for `app` when no other is in flight (APP_OPERATION_IN_FLIGHT).
  Answer Enqueue(const AppRow& app, const std::string& kind, const Json& params,
                 const system::Principal& principal);
  // The app with `id` when `principal` may do `action` on it; APP_NOT_FOUND for other teams'.
  Result<AppRow> Load(int64_t id, const system::Principal& principal, system::Action action);
  Result<Json> LoadSpec(int64_t app_id, int64_t version);
  Result<Json> AppJson(const AppRow& app);
  SpecContext Context();
  // Appends `spec` as version n+1 and makes it the draft, inside `connection`'s transaction.
  Result<int64_t> AppendVersion(store::Connection& connection, int64_t app_id, const Json& spec,
                                const std::string& note, int64_t user_id);

  store::Database& database_;
  const Clock& clock_;
  AppRuntime runtime_;
};

}  // namespace sluice::apps
