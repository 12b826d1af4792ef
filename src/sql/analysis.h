// What the lint, the migration and the completion need to know about a split script: the tables
// it creates (columns, primary key, WITH options with their positions), the tables it reads and
// writes, and the ${variables} it uses. A light reading of the tokens, not a SQL parser: Flink's
// own parser is the validator's job (validator.h).
#pragma once

#include <string>
#include <vector>

#include "sql/splitter.h"

namespace sluice::sql {

struct TableOption {
  std::string key;
  std::string value;
  size_t key_token = 0;    // index into Script::tokens
  size_t value_token = 0;  // index into Script::tokens (== key_token when the value is missing)
  int line = 1;
  int column = 1;
  bool value_is_string = true;
};

struct Column {
  std::string name;
  std::string type;  // as written, e.g. "DECIMAL(10, 2)"
  int line = 1;
};

struct TableDef {
  std::string name;  // as written, dotted parts joined with '.' (default catalog parts dropped)
  int line = 1;
  int column = 1;
  size_t statement = 0;  // index into Script::statements
  bool is_view = false;
  bool if_not_exists = false;
  bool or_replace = false;
  bool has_like = false;       // CREATE TABLE ... LIKE other
  bool has_as_select = false;  // CREATE TABLE ... AS SELECT
  bool has_primary_key = false;
  std::vector<Column> columns;
  std::vector<TableOption> options;
  bool has_with = false;
  size_t with_open = 0;   // token index of the '(' after WITH (has_with)
  size_t with_close = 0;  // token index of the matching ')'
  const TableOption* Option(std::string_view key) const;
};

struct TableUse {
  std::string name;
  int line = 1;
  int column = 1;
  size_t statement = 0;
  bool is_sink = false;  // INSERT INTO name
};

struct VariableUse {
  std::string name;
  int line = 1;
  int column = 1;
};

struct Analysis {
  Script script;
  std::vector<TableDef> tables;
  std::vector<TableUse> uses;
  std::vector<VariableUse> variables;
  bool uses_catalogs = false;  // CREATE CATALOG / USE: tables may come from elsewhere
  int insert_count = 0;
};

// Splits and reads `text` (which must outlive the result).
Analysis Analyze(std::string_view text);

// The name of a table as the script refers to it: `default_catalog.default_database.t` and
// `default_database.t` are `t`.
std::string NormalizeTableName(std::string_view dotted);

}  // namespace sluice::sql
