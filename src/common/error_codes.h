// The one table of Sluice's error codes.
//
// Every error that leaves the server (HTTP answers, CLI output, logs, the console) carries one of
// these: a stable symbolic name, a stable number and the HTTP status it maps to. Numbers are never
// reused or renumbered; retire a code by leaving its line here with a comment. Ranges:
//   1000-1099 request and protocol    1100-1199 authentication and permission
//   1200-1299 users, teams, tokens    1300-1399 store
//   2000-2999 applications and their operations
//   3000-3999 Flink: 3000 environments, 3100 clusters, 3200 Flink's REST API, 3300 the submitter
//   4000-4099 resources (dependencies of Flink jobs: Maven coordinates, jars)
//   4100-4199 team variables
//   5000-5099 alert channels and alerts    5100-5199 restart policy
//   6000-6099 projects (Git)          6100-6199 builds (Maven)
//   7000-7099 SQL workbench (lint, migration, validation by Flink)
#pragma once

#include <optional>
#include <string_view>

namespace sluice {

// X(Name, number, http_status)
#define SLUICE_ERROR_CODES(X)              \
  X(OK, 0, 200)                            \
  X(BAD_JSON, 1001, 400)                   \
  X(INVALID_ARGUMENT, 1002, 400)           \
  X(ROUTE_NOT_FOUND, 1003, 404)            \
  X(METHOD_NOT_ALLOWED, 1004, 405)         \
  X(BODY_TOO_LARGE, 1005, 413)             \
  X(INTERNAL, 1006, 500)                   \
  X(REQUEST_TIMEOUT, 1007, 408)            \
  X(CONFLICT, 1008, 409)                   \
  X(UNAVAILABLE, 1009, 503)                \
  X(NOT_FOUND, 1010, 404)                  \
  X(UNSUPPORTED_MEDIA_TYPE, 1011, 415)     \
  X(UNAUTHENTICATED, 1101, 401)            \
  X(INVALID_CREDENTIALS, 1102, 401)        \
  X(TOKEN_EXPIRED, 1103, 401)              \
  X(TOKEN_REVOKED, 1104, 401)              \
  X(TOO_MANY_ATTEMPTS, 1105, 429)          \
  X(FORBIDDEN, 1106, 403)                  \
  X(USER_NOT_FOUND, 1201, 404)             \
  X(USER_EXISTS, 1202, 409)                \
  X(TEAM_NOT_FOUND, 1203, 404)             \
  X(TEAM_EXISTS, 1204, 409)                \
  X(MEMBER_NOT_FOUND, 1205, 404)           \
  X(MEMBER_EXISTS, 1206, 409)              \
  X(TOKEN_NOT_FOUND, 1207, 404)            \
  X(LAST_ADMIN, 1208, 409)                 \
  X(WEAK_PASSWORD, 1209, 400)              \
  X(STORE_UNAVAILABLE, 1301, 503)          \
  X(STORE_UNIQUE_VIOLATION, 1302, 409)     \
  X(STORE_CONSTRAINT_VIOLATION, 1303, 409) \
  X(STORE_QUERY_FAILED, 1304, 500)         \
  X(STORE_SCHEMA_TOO_NEW, 1305, 500)       \
  X(STORE_BAD_URL, 1306, 400)              \
  X(STORE_MIGRATION_FAILED, 1307, 500)     \
  X(APP_NOT_FOUND, 2001, 404)              \
  X(APP_EXISTS, 2002, 409)                 \
  X(APP_VERSION_NOT_FOUND, 2003, 404)      \
  X(APP_WRONG_STATE, 2004, 409)            \
  X(APP_OPERATION_IN_FLIGHT, 2005, 409)    \
  X(OPERATION_NOT_FOUND, 2006, 404)        \
  X(APP_DEPLOY_FAILED, 2007, 422)          \
  X(APP_JOB_STILL_RUNNING, 2008, 409)      \
  X(APP_NO_RESTORE_POINT, 2009, 422)       \
  X(APP_LOG_NOT_FOUND, 2010, 404)          \
  X(FLINK_ENV_NOT_FOUND, 3001, 404)        \
  X(FLINK_HOME_INVALID, 3002, 400)         \
  X(FLINK_ENV_EXISTS, 3003, 409)           \
  X(FLINK_ENV_IN_USE, 3004, 409)           \
  X(CLUSTER_NOT_FOUND, 3101, 404)          \
  X(CLUSTER_EXISTS, 3102, 409)             \
  X(CLUSTER_WRONG_STATE, 3103, 409)        \
  X(CLUSTER_START_FAILED, 3104, 422)       \
  X(CLUSTER_UNREACHABLE, 3105, 502)        \
  X(CLUSTER_TIMEOUT, 3106, 504)            \
  X(CLUSTER_NOT_FLINK, 3107, 422)          \
  X(FLINK_REJECTED, 3201, 422)             \
  X(FLINK_JOB_NOT_FOUND, 3202, 404)        \
  X(SUBMIT_FAILED, 3301, 422)              \
  X(SUBMIT_TIMEOUT, 3302, 504)             \
  X(DEPENDENCY_INVALID, 4001, 400)         \
  X(DEPENDENCY_NOT_FOUND, 4002, 422)       \
  X(DEPENDENCY_RESOLVE_FAILED, 4003, 422)  \
  X(DEPENDENCY_TIMEOUT, 4004, 504)         \
  X(DEPENDENCY_CONFLICT, 4005, 409)        \
  X(RESOURCE_NOT_FOUND, 4006, 404)         \
  X(RESOURCE_EXISTS, 4007, 409)            \
  X(RESOURCE_IN_USE, 4008, 409)            \
  X(RESOURCE_INVALID, 4009, 400)           \
  X(VARIABLE_NOT_FOUND, 4101, 404)         \
  X(VARIABLE_EXISTS, 4102, 409)            \
  X(VARIABLE_UNKNOWN, 4103, 422)           \
  X(ALERT_CHANNEL_NOT_FOUND, 5001, 404)    \
  X(ALERT_CHANNEL_EXISTS, 5002, 409)       \
  X(ALERT_CHANNEL_INVALID, 5003, 400)      \
  X(ALERT_TEMPLATE_INVALID, 5004, 400)     \
  X(ALERT_DELIVERY_FAILED, 5005, 502)      \
  X(ALERT_RULES_INVALID, 5006, 400)        \
  X(RESTART_POLICY_INVALID, 5101, 400)     \
  X(PROJECT_NOT_FOUND, 6001, 404)          \
  X(PROJECT_EXISTS, 6002, 409)             \
  X(GIT_AUTH_FAILED, 6003, 422)            \
  X(GIT_UNREACHABLE, 6004, 422)            \
  X(GIT_REF_NOT_FOUND, 6005, 422)          \
  X(GIT_FAILED, 6006, 422)                 \
  X(PROJECT_ARTIFACT_NOT_FOUND, 6007, 422) \
  X(PROJECT_IN_USE, 6008, 409)             \
  X(BUILD_NOT_FOUND, 6101, 404)            \
  X(BUILD_FAILED, 6102, 422)               \
  X(BUILD_TIMEOUT, 6103, 504)              \
  X(BUILD_CANCELLED, 6104, 409)            \
  X(BUILD_INTERRUPTED, 6105, 409)          \
  X(BUILD_WRONG_STATE, 6106, 409)          \
  X(SQL_VALIDATOR_UNAVAILABLE, 7001, 503)  \
  X(SQL_VALIDATOR_TIMEOUT, 7002, 504)      \
  X(SQL_LEGACY_OPTIONS, 7003, 422)         \
  X(SQL_VALIDATOR_FAILED, 7004, 502)

enum class ErrorCode {
#define SLUICE_ERROR_ENUM(name, number, status) name = number,
  SLUICE_ERROR_CODES(SLUICE_ERROR_ENUM)
#undef SLUICE_ERROR_ENUM
};

// The symbolic name, e.g. "APP_NOT_FOUND". Never empty for a code in the table.
std::string_view ErrorCodeName(ErrorCode code);
// The HTTP status the code maps to at the API boundary.
int ErrorCodeHttpStatus(ErrorCode code);
// The stable number, e.g. 2001.
inline int ErrorCodeNumber(ErrorCode code) { return static_cast<int>(code); }
// Looks a code up by its symbolic name (used by the CLI to interpret answers).
std::optional<ErrorCode> ErrorCodeFromName(std::string_view name);

}  // namespace sluice
