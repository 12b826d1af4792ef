// What a deploy does with SQL that still has legacy `connector.type` options (which Flink 1.14+
// rejects): it fails with the suggested rewrite, unless the app opts in to migrating
// automatically (`sql_auto_migrate` in its spec), in which case the rewritten script is deployed.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice::sql {

// The script to deploy: `sql` itself when it has no legacy options, the migrated script when it
// has and `auto_migrate` is set. SQL_LEGACY_OPTIONS (field "sql") otherwise, whose message names
// the tables and carries the rewrite as a diff (clipped) and its notes.
Result<std::string> SqlForDeploy(std::string_view sql, bool auto_migrate);

}  // namespace sluice::sql
