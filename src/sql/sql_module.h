// The SQL workbench's routes: POST /api/v1/sql/lint | validate | explain | complete | migrate
// (docs/api-sql.md). Each takes {"sql", "app_id"?, "flink_env_id"?, "dependencies"?, "team_id"?}:
// with an app, its Flink environment, its dependency jars and its team's variables are used (a
// flink_env_id or dependencies given as well override the app's); without one, the environment
// named by flink_env_id. Lint and completion never wait for a JVM: the connector catalog of a
// new set of jars is read in the background, and the answer says so until it is there.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "apps/actions.h"
#include "apps/apps.h"
#include "flink/flink_envs.h"
#include "http/router.h"
#include "sql/validator.h"
#include "system/api_guard.h"

namespace sluice::sql {

inline constexpr size_t kMaxScriptBytes = 1 << 20;

class SqlService {
 public:
  // Every collaborator must outlive the service; `apps` and `inputs` may be null (then app_id is
  // refused and variables are not checked); `validator` may be null (validate/explain answer
  // SQL_VALIDATOR_UNAVAILABLE, lint skips the connector rules).
  SqlService(flink::FlinkEnvs& envs, apps::AppService* apps, apps::DeployInputs* inputs,
             Validator* validator);

  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

 private:
  using Answer = Result<http::Response>;
  struct Context;
  Result<Context> Resolve(const Json& body, const system::Principal& principal, bool need_flink);
  Answer Lint(http::Request& request, const system::Principal& principal);
  Answer Validate(http::Request& request, const system::Principal& principal, bool explain);
  Answer Complete(http::Request& request, const system::Principal& principal);
  Answer Migrate(http::Request& request, const system::Principal& principal);

  flink::FlinkEnvs& envs_;
  apps::AppService* apps_;
  apps::DeployInputs* inputs_;
  Validator* validator_;
};

struct SqlOptions {
  RunnerValidatorOptions validator;  // runner_jar "" disables validation
};

// The area wired together: the validator pool (with its own HTTP client) and the service.
class SqlModule {
 public:
  SqlModule(SqlOptions options, flink::FlinkEnvs& envs, apps::AppService* apps,
            apps::DeployInputs* inputs);
  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);
  Validator& validator() { return *pool_; }

 private:
  std::unique_ptr<http::HttpClient> client_;
  std::unique_ptr<RunnerValidatorPool> pool_;
  std::unique_ptr<SqlService> service_;
};

}  // namespace sluice::sql
