// Completion at a position of a script: keywords, the script's tables and their columns, the
// connectors' identifiers and option names (from the connector catalog when there is one, else
// from the options Sluice knows for Kafka, JDBC, Elasticsearch, HBase and filesystem).
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "sql/connectors.h"

namespace sluice::sql {

struct Completion {
  std::string label;   // the text to insert
  std::string kind;    // "keyword" | "table" | "column" | "connector" | "format" | "option"
  std::string detail;  // e.g. a column's type, the table an option belongs to
};

struct CompletionResult {
  std::string prefix;  // the partial word before the position (what the labels replace)
  std::vector<Completion> items;
};

// Completions at `line` / `column` (1-based; column is the byte position the cursor is before).
// At most `limit` items, best first.
CompletionResult Complete(std::string_view sql, int line, int column,
                          const ConnectorCatalog* catalog, size_t limit = 50);

Json CompletionToJson(const CompletionResult& r);

// The catalog Sluice falls back on without the app's jars: the common connectors' options.
const ConnectorCatalog& BuiltinCatalog();

}  // namespace sluice::sql
