// Legacy `connector.type` options rewritten to the current ones (FLIP-95/122), for Kafka, JDBC,
// Elasticsearch, HBase and filesystem/CSV. The mapping is ../shared/research/flink-runtime.md
// section 5 (and docs/sql-workbench.md). Only the WITH clauses of CREATE TABLE statements that
// hold legacy keys change; everything else (comments, layout, other statements) stays byte for
// byte. Where no exact equivalent exists the change carries a note (e.g. `update-mode` =
// 'upsert' becoming a PRIMARY KEY or `upsert-kafka`), and options without any equivalent are
// dropped with a note saying so.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"

namespace sluice::sql {

struct MigrationChange {
  int line = 1;  // the line of the option in the original script
  std::string table;
  std::string from;  // the option as written, e.g. 'connector.topic' = 'orders'
  std::string to;    // the new option(s), "" when dropped
  std::string note;  // "" when the rewrite is exact
};

struct Migration {
  std::string sql;  // the rewritten script (== the input when nothing is legacy)
  std::vector<MigrationChange> changes;
  std::string diff;  // unified diff from the input to `sql` ("" when unchanged)
  bool changed() const { return !changes.empty(); }
};

// Rewrites the legacy options of `sql`. Never fails: a table it cannot read is left alone.
Migration Migrate(std::string_view sql);

Json MigrationToJson(const Migration& m);

// A unified diff ("--- a/label", "+++ b/label", @@ hunks with 2 lines of context).
std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view label);

}  // namespace sluice::sql
