// Flink environments: Flink homes on this machine, registered by path. Each records the exact
// version and the configuration file its processes read; one is the default for new
// applications and clusters. Environments are system-wide: everyone signed in may see them, only
// administrators change them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "http/router.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::flink {

struct FlinkEnv {
  int64_t id = 0;
  std::string name;
  std::string home;
  std::string version;
  std::string config_file;
  std::string config_text;
  std::string description;
  bool is_default = false;
};

// Checks an environment or cluster name: 1 to 64 letters, digits, '.', '_' or '-', starting with a
// letter or digit. INVALID_ARGUMENT naming `field`.
Status ValidateObjectName(std::string_view name, std::string_view field = "name");

class FlinkEnvs {
 public:
  // `database` and `clock` must outlive this.
  FlinkEnvs(store::Database& database, const Clock& clock) : database_(database), clock_(clock) {}

  // FLINK_ENV_NOT_FOUND when there is no such environment.
  Result<FlinkEnv> Get(int64_t id);
  // The environment registered at `home` (canonical path), if any.
  Result<std::optional<FlinkEnv>> FindByHome(const std::string& home);

  // Inspects `home` and registers it. The first environment becomes the default, and so does one
  // created with `make_default`. FLINK_HOME_INVALID (nothing stored) for a folder that is not a
  // usable Flink home; FLINK_ENV_EXISTS for a name in use.
  Result<FlinkEnv> Create(const std::string& name, const std::string& home,
                          const std::string& description, bool make_default);

  // Routes under /api/v1/flink-envs, guarded by `guard`.
  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

 private:
  using Answer = Result<http::Response>;
  Answer List(http::Request& request, const system::Principal& principal);
  Answer CreateRoute(http::Request& request, const system::Principal& principal);
  Answer GetRoute(http::Request& request, const system::Principal& principal);
  Answer Update(http::Request& request, const system::Principal& principal);
  Answer Delete(http::Request& request, const system::Principal& principal);
  Answer Sync(http::Request& request, const system::Principal& principal);

  store::Database& database_;
  const Clock& clock_;
};

Json FlinkEnvJson(const FlinkEnv& env, bool with_config);

}  // namespace sluice::flink
