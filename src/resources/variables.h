// Team variables: named values that `${name}` in an app's SQL and program arguments refers to,
// replaced at deploy. A secret variable's value is stored sealed (common/secret_box.h) and never
// leaves the server in an answer ("value": "******") nor in a log line; the deployer gets the
// plain values through Expand, with the list of secrets to mask in whatever it shows or logs.
//
// Permissions: viewers of the team list and read variables (secret values masked); developers and
// owners create, change and delete them; other teams' ids answer VARIABLE_NOT_FOUND.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "common/secret_box.h"
#include "http/router.h"
#include "store/database.h"
#include "system/api_guard.h"

namespace sluice::resources {

inline constexpr std::string_view kMaskedValue = "******";
inline constexpr size_t kMaxVariableValueBytes = 64 * 1024;

// A variable name: [A-Za-z_][A-Za-z0-9_.-]{0,63}. INVALID_ARGUMENT naming `field` otherwise.
Status ValidateVariableName(std::string_view name, std::string_view field = "name");

struct Expansion {
  std::string text;                  // with every ${name} replaced and $${name} made ${name}
  std::vector<std::string> used;     // names replaced, in order of first use, once each
  std::vector<std::string> secrets;  // values of the secret variables used (for Mask)
};

// One variable as Expand sees it.
struct VariableValue {
  std::string value;
  bool secret = false;
};
// Looks a name up; nullopt when the team has no such variable.
using VariableLookup = std::function<std::optional<VariableValue>(const std::string& name)>;

// The expansion itself, independent of the store: `${name}` (name as ValidateVariableName says) is
// replaced by the variable's value; `$${name}` is the escape for a literal `${name}`; a `$` in any
// other position is left as it is. VARIABLE_UNKNOWN (field "variables") naming each unknown
// variable with its line (1-based), e.g. "unknown variable ${db_url} on line 3". Values are not
// expanded again (a value holding ${x} stays so).
Result<Expansion> ExpandVariables(std::string_view text, const VariableLookup& lookup);

// Replaces every occurrence of each non-empty secret in `text` with "******" (longest first, so a
// secret that contains another is masked whole).
std::string Mask(std::string_view text, const std::vector<std::string>& secrets);

class VariableService {
 public:
  // `database` and `clock` must outlive the service. The key file is read (or created) at the
  // first use of a secret, not before.
  VariableService(store::Database& database, const Clock& clock, std::string key_path);

  // Replaces the team's variables in `text` (see ExpandVariables). Errors: VARIABLE_UNKNOWN, the
  // store's, INTERNAL when a secret cannot be unsealed (wrong or lost key file).
  Result<Expansion> Expand(int64_t team_id, std::string_view text);

  // Routes under /api/v1/variables, guarded by `guard`.
  void RegisterRoutes(http::Router& router, const system::ApiGuard& guard);

 private:
  using Answer = Result<http::Response>;
  Answer List(http::Request& request, const system::Principal& principal);
  Answer Create(http::Request& request, const system::Principal& principal);
  Answer GetRoute(http::Request& request, const system::Principal& principal);
  Answer Update(http::Request& request, const system::Principal& principal);
  Answer Delete(http::Request& request, const system::Principal& principal);

  struct Row;
  Result<Row> Load(int64_t id, const system::Principal& principal, system::Action action);
  Result<const SecretBox*> Box();

  store::Database& database_;
  const Clock& clock_;
  std::string key_path_;
  std::mutex box_mu_;
  std::unique_ptr<SecretBox> box_;
};

}  // namespace sluice::resources
