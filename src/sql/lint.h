// The instant lint: what can be found in a script without Flink, fast enough to run as the user
// types (a 500-line script in well under 5 ms; bench/sql_bench.cc).
//
// Rules (Finding::code):
//   syntax            an unterminated string, identifier or comment; an unbalanced statement set
//   no-insert         the script has no INSERT (a deployed script must start exactly one job)
//   query-statement   a SELECT / WITH / VALUES at the top level (would be a second job)
//   unknown-variable  a ${name} that is not among the known variables (when they are given)
//   unknown-table     a table read or written but never created (a warning when the script uses
//                     catalogs: the table may come from there)
//   duplicate-table   a table created twice (without IF NOT EXISTS / OR REPLACE)
//   legacy-options    `connector.type`-style options, which Flink 1.14+ rejects (migrate.h
//                     rewrites them)
//   missing-connector a CREATE TABLE without 'connector' (and no LIKE / AS SELECT)
//   unknown-connector a connector or format identifier that no factory among the app's
//                     dependencies has (when the connector catalog is given)
//   unknown-option    a WITH option the connector (or its format) does not know
//   missing-option    a required option of the connector missing
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/json.h"
#include "sql/analysis.h"
#include "sql/connectors.h"

namespace sluice::sql {

struct Finding {
  std::string severity;  // "error" | "warning" | "info"
  std::string message;
  int line = 1;
  int column = 0;  // 0: not known
  std::string code;
};

Json FindingToJson(const Finding& f);
bool HasErrors(const std::vector<Finding>& findings);

struct LintOptions {
  // The connectors and formats the app's classpath has; nullptr skips the option rules.
  const ConnectorCatalog* catalog = nullptr;
  // The variables the team defines; nullopt skips the unknown-variable rule.
  std::optional<std::set<std::string>> variables;
};

// The findings for `analysis`, ordered by line. Never fails.
std::vector<Finding> Lint(const Analysis& analysis, const LintOptions& options);

// True when `key` is a legacy (pre-FLIP-95) option: connector.*, format.*, schema.*, update-mode.
bool IsLegacyOptionKey(std::string_view key);

}  // namespace sluice::sql
