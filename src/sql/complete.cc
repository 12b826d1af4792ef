#include "sql/complete.h"

#include <strings.h>

#include <algorithm>

#include "sql/analysis.h"

namespace sluice::sql {

namespace {

constexpr std::string_view kKeywords[] = {"SELECT",
                                          "FROM",
                                          "WHERE",
                                          "INSERT",
                                          "INTO",
                                          "OVERWRITE",
                                          "VALUES",
                                          "CREATE",
                                          "TABLE",
                                          "VIEW",
                                          "TEMPORARY",
                                          "IF",
                                          "NOT",
                                          "EXISTS",
                                          "WITH",
                                          "AS",
                                          "PRIMARY",
                                          "KEY",
                                          "ENFORCED",
                                          "WATERMARK",
                                          "FOR",
                                          "PROCTIME()",
                                          "GROUP",
                                          "BY",
                                          "ORDER",
                                          "HAVING",
                                          "LIMIT",
                                          "JOIN",
                                          "LEFT",
                                          "RIGHT",
                                          "INNER",
                                          "FULL",
                                          "OUTER",
                                          "ON",
                                          "UNION",
                                          "ALL",
                                          "DISTINCT",
                                          "CASE",
                                          "WHEN",
                                          "THEN",
                                          "ELSE",
                                          "END",
                                          "AND",
                                          "OR",
                                          "IS",
                                          "NULL",
                                          "LIKE",
                                          "IN",
                                          "BETWEEN",
                                          "CAST",
                                          "INTERVAL",
                                          "SET",
                                          "RESET",
                                          "BEGIN",
                                          "STATEMENT",
                                          "EXECUTE",
                                          "DROP",
                                          "ALTER",
                                          "USE",
                                          "CATALOG",
                                          "DATABASE",
                                          "FUNCTION",
                                          "TUMBLE",
                                          "HOP",
                                          "CUMULATE",
                                          "DESCRIPTOR",
                                          "SYSTEM_TIME",
                                          "OF",
                                          "PARTITIONED",
                                          "COMMENT",
                                          "STRING",
                                          "VARCHAR",
                                          "CHAR",
                                          "BOOLEAN",
                                          "TINYINT",
                                          "SMALLINT",
                                          "INT",
                                          "INTEGER",
                                          "BIGINT",
                                          "FLOAT",
                                          "DOUBLE",
                                          "DECIMAL",
                                          "DATE",
                                          "TIME",
                                          "TIMESTAMP",
                                          "TIMESTAMP_LTZ",
                                          "ARRAY",
                                          "MAP",
                                          "ROW",
                                          "BYTES",
                                          "COUNT",
                                          "SUM",
                                          "MIN",
                                          "MAX",
                                          "AVG",
                                          "COALESCE",
                                          "CURRENT_TIMESTAMP",
                                          "EXPLAIN",
                                          "SHOW",
                                          "TABLES",
                                          "DESCRIBE"};

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

size_t OffsetOf(std::string_view sql, int line, int column) {
  size_t pos = 0;
  for (int l = 1; l < line && pos < sql.size(); ++l) {
    size_t nl = sql.find('\n', pos);
    if (nl == std::string_view::npos) return sql.size();
    pos = nl + 1;
  }
  size_t line_end = sql.find('\n', pos);
  if (line_end == std::string_view::npos) line_end = sql.size();
  return std::min(pos + static_cast<size_t>(std::max(column, 1) - 1), line_end);
}

FactoryInfo Factory(std::string id, std::vector<std::string> kinds,
                    std::vector<std::string> required, std::vector<std::string> optional) {
  return {std::move(id), std::move(kinds), std::move(required), std::move(optional)};
}

}  // namespace

const ConnectorCatalog& BuiltinCatalog() {
  static const ConnectorCatalog catalog = [] {
    ConnectorCatalog c;
    c.Add(Factory(
        "kafka", {"source", "sink"}, {},
        {"topic", "topic-pattern", "properties.bootstrap.servers", "properties.group.id", "format",
         "key.format", "key.fields", "key.fields-prefix", "value.format", "value.fields-include",
         "scan.startup.mode", "scan.startup.specific-offsets", "scan.startup.timestamp-millis",
         "scan.bounded.mode", "scan.topic-partition-discovery.interval", "sink.partitioner",
         "sink.delivery-guarantee", "sink.transactional-id-prefix", "sink.parallelism"}));
    c.Add(
        Factory("upsert-kafka", {"source", "sink"}, {"topic", "key.format", "value.format"},
                {"properties.bootstrap.servers", "key.fields-prefix", "value.fields-include",
                 "sink.buffer-flush.max-rows", "sink.buffer-flush.interval", "sink.parallelism"}));
    c.Add(Factory(
        "jdbc", {"source", "sink"}, {"url", "table-name"},
        {"driver", "username", "password", "connection.max-retry-timeout", "scan.partition.column",
         "scan.partition.num", "scan.partition.lower-bound", "scan.partition.upper-bound",
         "scan.fetch-size", "scan.auto-commit", "lookup.cache", "lookup.partial-cache.max-rows",
         "lookup.partial-cache.expire-after-write", "lookup.max-retries",
         "sink.buffer-flush.max-rows", "sink.buffer-flush.interval", "sink.max-retries",
         "sink.parallelism"}));
    for (const char* es : {"elasticsearch-6", "elasticsearch-7"})
      c.Add(Factory(es, {"sink"}, {"hosts", "index"},
                    {"document-type", "document-id.key-delimiter", "username", "password",
                     "sink.delivery-guarantee", "sink.bulk-flush.max-actions",
                     "sink.bulk-flush.max-size", "sink.bulk-flush.interval",
                     "sink.bulk-flush.backoff.strategy", "sink.bulk-flush.backoff.max-retries",
                     "sink.bulk-flush.backoff.delay", "connection.path-prefix", "format"}));
    c.Add(Factory("hbase-2.2", {"source", "sink"}, {"table-name"},
                  {"zookeeper.quorum", "zookeeper.znode.parent", "null-string-literal",
                   "sink.buffer-flush.max-size", "sink.buffer-flush.max-rows",
                   "sink.buffer-flush.interval", "sink.parallelism", "lookup.async"}));
    c.Add(Factory("filesystem", {"source", "sink"}, {"path", "format"},
                  {"partition.default-name", "sink.rolling-policy.file-size",
                   "sink.rolling-policy.rollover-interval", "sink.partition-commit.trigger",
                   "sink.partition-commit.policy.kind", "source.monitor-interval",
                   "auto-compaction", "sink.parallelism"}));
    c.Add(Factory("datagen", {"source"}, {}, {"rows-per-second", "number-of-rows"}));
    c.Add(
        Factory("print", {"sink"}, {}, {"print-identifier", "standard-error", "sink.parallelism"}));
    c.Add(Factory("blackhole", {"sink"}, {}, {}));
    c.Add(Factory("json", {"format"}, {},
                  {"fail-on-missing-field", "ignore-parse-errors", "timestamp-format.standard",
                   "map-null-key.mode", "encode.decimal-as-plain-number"}));
    c.Add(Factory(
        "csv", {"format"}, {},
        {"field-delimiter", "quote-character", "disable-quote-character", "allow-comments",
         "ignore-parse-errors", "array-element-delimiter", "escape-character", "null-literal"}));
    c.Add(Factory("raw", {"format"}, {}, {"charset", "endianness"}));
    c.Add(Factory("debezium-json", {"format"}, {}, {"schema-include", "ignore-parse-errors"}));
    c.Add(Factory("canal-json", {"format"}, {}, {"ignore-parse-errors"}));
    return c;
  }();
  return catalog;
}

CompletionResult Complete(std::string_view sql, int line, int column,
                          const ConnectorCatalog* catalog, size_t limit) {
  CompletionResult r;
  const ConnectorCatalog& cat = catalog && !catalog->empty() ? *catalog : BuiltinCatalog();
  size_t cursor = OffsetOf(sql, line, column);
  Analysis a = Analyze(sql);
  const Script& s = a.script;

  // The token the cursor is in or right after.
  long at = -1;
  for (size_t i = 0; i < s.tokens.size() && s.tokens[i].offset < cursor; ++i)
    at = static_cast<long>(i);
  const Token* cur = at >= 0 ? &s.tokens[at] : nullptr;
  bool inside = cur && cursor <= cur->offset + cur->raw.size();
  bool in_string =
      inside && cur->kind == TokenKind::kString &&
      (cursor < cur->offset + cur->raw.size() || cur->raw.size() == 1 || cur->raw.back() != '\'');
  if (inside && (cur->kind == TokenKind::kWord || cur->kind == TokenKind::kQuoted))
    r.prefix = std::string(sql.substr(cur->offset + (cur->kind == TokenKind::kQuoted),
                                      cursor - cur->offset - (cur->kind == TokenKind::kQuoted)));
  if (in_string) r.prefix = std::string(sql.substr(cur->offset + 1, cursor - cur->offset - 1));
  long before = inside ? at - 1 : at;  // the token before the word being typed

  auto add = [&](std::string label, const char* kind, std::string detail) {
    if (!StartsWithNoCase(label, r.prefix)) return;
    for (const auto& i : r.items)
      if (i.label == label && i.kind == kind) return;
    r.items.push_back({std::move(label), kind, std::move(detail)});
  };

  // Inside a WITH ( ... ) of a CREATE TABLE: option names and connector / format identifiers.
  for (const TableDef& t : a.tables) {
    if (!t.has_with) continue;
    size_t open = s.tokens[t.with_open].offset;
    size_t close = t.with_close < s.tokens.size() ? s.tokens[t.with_close].offset : sql.size();
    if (cursor <= open || cursor > close) continue;
    // Value position: the previous token is '='.
    if (before >= 0 && s.tokens[before].IsSymbol('=')) {
      std::string key = before > 0 ? s.tokens[before - 1].text : "";
      if (key == "connector") {
        for (const auto& id : cat.ConnectorIds()) add(id, "connector", "");
      } else if (key == "format" || key == "key.format" || key == "value.format") {
        for (const auto& id : cat.FormatIds()) add(id, "format", "");
      }
      return r;
    }
    const TableOption* connector = t.Option("connector");
    const FactoryInfo* f = connector ? cat.Connector(connector->value) : nullptr;
    if (!f) {
      add("connector", "option", "required");
      for (const auto& id : cat.ConnectorIds())
        if (const FactoryInfo* c = cat.Connector(id))
          for (const auto& o : c->optional) add(o, "option", id);
    } else {
      for (const auto& o : f->required) add(o, "option", f->identifier + ", required");
      for (const auto& o : f->optional) add(o, "option", f->identifier);
      for (const char* which : {"format", "key.format", "value.format"}) {
        const TableOption* fo = t.Option(which);
        const FactoryInfo* format = fo ? cat.Format(fo->value) : nullptr;
        if (!format) continue;
        std::string prefix = std::string(which) == "format"
                                 ? ""
                                 : std::string(which).substr(0, std::string(which).find('.') + 1);
        for (const auto& o : format->optional)
          add(prefix + format->identifier + "." + o, "option", format->identifier);
      }
    }
    if (r.items.size() > limit) r.items.resize(limit);
    return r;
  }
  if (in_string) return r;

  // table.column, or alias.column.
  if (before >= 0 && s.tokens[before].IsSymbol('.') && before > 0 &&
      s.tokens[before - 1].IsName()) {
    std::string qualifier = s.tokens[before - 1].kind == TokenKind::kQuoted
                                ? s.tokens[before - 1].text
                                : std::string(s.tokens[before - 1].raw);
    std::string table = qualifier;
    // An alias: `name [AS] qualifier` in the statement.
    for (size_t i = 2; i < s.tokens.size(); ++i) {
      const Token& t = s.tokens[i];
      if (t.IsName() &&
          std::string(t.kind == TokenKind::kQuoted ? t.text : std::string(t.raw)) == qualifier) {
        size_t j = s.tokens[i - 1].Is("AS") ? i - 2 : i - 1;
        if (j < s.tokens.size() && s.tokens[j].IsName()) {
          std::string cand = NormalizeTableName(s.tokens[j].kind == TokenKind::kQuoted
                                                    ? s.tokens[j].text
                                                    : std::string(s.tokens[j].raw));
          for (const auto& d : a.tables)
            if (d.name == cand) table = cand;
        }
      }
    }
    for (const auto& d : a.tables)
      if (d.name == table)
        for (const auto& c : d.columns) add(c.name, "column", d.name + " " + c.type);
    return r;
  }

  bool wants_table = before >= 0 && (s.tokens[before].Is("FROM") || s.tokens[before].Is("JOIN") ||
                                     s.tokens[before].Is("INTO") || s.tokens[before].Is("TABLE") ||
                                     s.tokens[before].Is("OVERWRITE"));
  for (const auto& d : a.tables) add(d.name, "table", d.is_view ? "view" : "table");
  if (!wants_table) {
    for (const auto& d : a.tables)
      for (const auto& c : d.columns) add(c.name, "column", d.name + " " + c.type);
    for (auto k : kKeywords) add(std::string(k), "keyword", "");
  }
  if (r.items.size() > limit) r.items.resize(limit);
  return r;
}

Json CompletionToJson(const CompletionResult& r) {
  Json items = Json::array();
  for (const auto& i : r.items) {
    Json j = {{"label", i.label}, {"kind", i.kind}};
    if (!i.detail.empty()) j["detail"] = i.detail;
    items.push_back(std::move(j));
  }
  return {{"prefix", r.prefix}, {"items", items}};
}

}  // namespace sluice::sql
