#include "sql/migrate.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "sql/analysis.h"
#include "sql/lint.h"

namespace sluice::sql {

namespace {

struct NewOption {
  std::string key;
  std::string value;
};

// What becomes of one legacy option.
struct Action {
  bool drop = false;
  std::vector<NewOption> to;  // replacements (usually one), when not dropped
  std::string note;
};

std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  return out + "'";
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

const std::map<std::string, std::string, std::less<>>& KafkaKeys() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"connector.topic", "topic"},
      {"connector.startup-mode", "scan.startup.mode"},
      {"connector.specific-offsets", "scan.startup.specific-offsets"},
      {"connector.startup-timestamp-millis", "scan.startup.timestamp-millis"},
  };
  return m;
}

const std::map<std::string, std::string, std::less<>>& JdbcKeys() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"connector.url", "url"},
      {"connector.table", "table-name"},
      {"connector.driver", "driver"},
      {"connector.username", "username"},
      {"connector.password", "password"},
      {"connector.connection.max-retry-timeout", "connection.max-retry-timeout"},
      {"connector.read.partition.column", "scan.partition.column"},
      {"connector.read.partition.num", "scan.partition.num"},
      {"connector.read.partition.lower-bound", "scan.partition.lower-bound"},
      {"connector.read.partition.upper-bound", "scan.partition.upper-bound"},
      {"connector.read.fetch-size", "scan.fetch-size"},
      {"connector.lookup.cache.max-rows", "lookup.partial-cache.max-rows"},
      {"connector.lookup.cache.ttl", "lookup.partial-cache.expire-after-write"},
      {"connector.lookup.max-retries", "lookup.max-retries"},
      {"connector.write.flush.max-rows", "sink.buffer-flush.max-rows"},
      {"connector.write.flush.interval", "sink.buffer-flush.interval"},
      {"connector.write.max-retries", "sink.max-retries"},
  };
  return m;
}

const std::map<std::string, std::string, std::less<>>& ElasticsearchKeys() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"connector.hosts", "hosts"},
      {"connector.index", "index"},
      {"connector.document-type", "document-type"},
      {"connector.key-delimiter", "document-id.key-delimiter"},
      {"connector.bulk-flush.max-actions", "sink.bulk-flush.max-actions"},
      {"connector.bulk-flush.max-size", "sink.bulk-flush.max-size"},
      {"connector.bulk-flush.interval", "sink.bulk-flush.interval"},
      {"connector.bulk-flush.backoff.max-retries", "sink.bulk-flush.backoff.max-retries"},
      {"connector.bulk-flush.backoff.delay", "sink.bulk-flush.backoff.delay"},
      {"connector.connection-path-prefix", "connection.path-prefix"},
  };
  return m;
}

const std::map<std::string, std::string, std::less<>>& HbaseKeys() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"connector.table-name", "table-name"},
      {"connector.zookeeper.quorum", "zookeeper.quorum"},
      {"connector.zookeeper.znode.parent", "zookeeper.znode.parent"},
      {"connector.write.buffer-flush.max-size", "sink.buffer-flush.max-size"},
      {"connector.write.buffer-flush.max-rows", "sink.buffer-flush.max-rows"},
      {"connector.write.buffer-flush.interval", "sink.buffer-flush.interval"},
  };
  return m;
}

// The rewrite of one table's options.
class TableMigration {
 public:
  explicit TableMigration(const TableDef& t) : t_(t) {
    for (const auto& o : t.options) values_[o.key] = o.value;
    type_ = Lower(Get("connector.type"));
    format_ = Lower(Get("format.type"));
    update_mode_ = Lower(Get("update-mode"));
    upsert_kafka_ = type_ == "kafka" && update_mode_ == "upsert";
  }

  Action Map(const TableOption& o) {
    const std::string& k = o.key;
    const std::string& v = o.value;
    Action a;
    if (!IsLegacyOptionKey(k)) return a;  // kept as it is
    if (k == "connector.type") return ConnectorType();
    if (k == "connector.property-version" || k == "format.property-version") return Drop("");
    if (k == "connector.version") return Version(v);
    if (k == "update-mode") return UpdateMode(v);
    if (k.starts_with("schema."))
      return Drop(
          "the schema is the DDL's column list: declare time attributes there "
          "(`WATERMARK FOR ts AS ts - INTERVAL '5' SECOND`, `pt AS PROCTIME()`)");
    if (k.starts_with("format.")) return Format(k.substr(7), v);
    if (type_ == "kafka") return Kafka(k, v);
    if (type_ == "jdbc") return Rename(JdbcKeys(), k, v, JdbcNote(k));
    if (type_ == "elasticsearch") return Elasticsearch(k, v);
    if (type_ == "hbase") {
      if (k.starts_with("connector.properties.")) return To("properties." + k.substr(21), v);
      return Rename(HbaseKeys(), k, v, "");
    }
    if (type_ == "filesystem") {
      if (k == "connector.path") return To("path", v);
    }
    return Drop("no current equivalent is known for " + k +
                "; dropped: check the connector's "
                "documentation");
  }

  // Options to add once after the table's last option.
  std::vector<NewOption> Additions() const {
    std::vector<NewOption> out;
    if (values_.count("connector.lookup.cache.max-rows") ||
        values_.count("connector.lookup.cache.ttl"))
      out.push_back({"lookup.cache", "PARTIAL"});
    if (upsert_kafka_ && !format_.empty()) out.push_back({"key.format", format_});
    std::string hosts = IndexedHosts();
    if (!hosts.empty()) out.push_back({"hosts", hosts});
    return out;
  }

  // A note for the table as a whole (e.g. a PRIMARY KEY to declare), "" when none.
  std::string TableNote() const {
    if (update_mode_ == "upsert" && !t_.has_primary_key)
      return "declare the key the rows are upserted by: PRIMARY KEY (...) NOT ENFORCED in the "
             "column list (update-mode = 'upsert' has no option of its own any more)";
    return "";
  }

 private:
  std::string Get(std::string_view key) const {
    auto it = values_.find(std::string(key));
    return it == values_.end() ? "" : it->second;
  }
  static Action Drop(std::string note) {
    Action a;
    a.drop = true;
    a.note = std::move(note);
    return a;
  }
  static Action To(std::string key, std::string value, std::string note = "") {
    Action a;
    a.to.push_back({std::move(key), std::move(value)});
    a.note = std::move(note);
    return a;
  }
  Action Rename(const std::map<std::string, std::string, std::less<>>& keys, const std::string& k,
                const std::string& v, std::string note) {
    auto it = keys.find(k);
    if (it == keys.end())
      return Drop("no current equivalent is known for " + k +
                  "; dropped: check the connector's "
                  "documentation");
    return To(it->second, v, std::move(note));
  }

  std::string ConnectorId() const {
    if (type_ == "kafka") return upsert_kafka_ ? "upsert-kafka" : "kafka";
    if (type_ == "elasticsearch") {
      std::string version = Get("connector.version");
      return "elasticsearch-" + (version.empty() ? std::string("7") : version.substr(0, 1));
    }
    if (type_ == "hbase") {
      std::string version = Get("connector.version");
      return version.starts_with("1.") ? "hbase-1.4" : "hbase-2.2";
    }
    return type_;
  }

  Action ConnectorType() {
    std::string note;
    if (upsert_kafka_)
      note =
          "update-mode 'upsert' on Kafka: the 'upsert-kafka' connector, which needs a PRIMARY "
          "KEY (...) NOT ENFORCED and 'key.format' / 'value.format'";
    if (type_ == "elasticsearch" && Get("connector.version").empty())
      note = "no connector.version given: elasticsearch-7 assumed";
    if (type_ == "hbase" && Get("connector.version").starts_with("1."))
      note =
          "hbase-1.4 is not in the current HBase connector (4.x has hbase-2.2 only); consider "
          "'hbase-2.2'";
    if (type_ != "kafka" && type_ != "jdbc" && type_ != "elasticsearch" && type_ != "hbase" &&
        type_ != "filesystem")
      note = "connector '" + type_ + "' is not one the migration knows: only the key was renamed";
    return To("connector", ConnectorId(), note);
  }

  Action Version(const std::string& v) {
    if (type_ == "kafka" && v != "universal")
      return Drop("only the universal Kafka client remains (brokers 0.10 and later); version '" +
                  v + "' dropped");
    return Drop("");  // encoded in the connector identifier
  }

  Action UpdateMode(const std::string& v) {
    std::string mode = Lower(v);
    if (mode == "append") return Drop("");
    if (mode == "upsert") {
      if (type_ == "kafka") return Drop("upserts go through the 'upsert-kafka' connector");
      if (t_.has_primary_key) return Drop("upserts follow the table's PRIMARY KEY");
      return Drop("upserts need PRIMARY KEY (...) NOT ENFORCED in the column list");
    }
    if (mode == "retract")
      return Drop(
          "no retract mode any more: a sink takes updates through a PRIMARY KEY, or on "
          "Kafka through a changelog format such as 'debezium-json'");
    return Drop("update-mode '" + v + "' has no equivalent");
  }

  std::string FormatPrefix() const {
    return (upsert_kafka_ ? "value." : "") + (format_.empty() ? std::string("json") : format_) +
           ".";
  }

  Action Format(const std::string& rest, const std::string& v) {
    if (rest == "type") {
      if (type_ == "jdbc" || type_ == "hbase")
        return Drop("the " + type_ + " connector takes no format");
      return To(upsert_kafka_ ? "value.format" : "format", Lower(v));
    }
    if (rest == "derive-schema")
      return Drop("the format's schema is the DDL's column list (derived always)");
    if (rest == "schema" || rest == "json-schema" || rest == "avro-schema" ||
        rest.starts_with("fields."))
      return Drop("the format's schema is the DDL's column list");
    if (rest == "record-class")
      return Drop("the Avro schema is derived from the DDL's column list");
    if (rest == "comment-prefix")
      return To(FormatPrefix() + "allow-comments", "true",
                "approximate: lines starting with '#' are skipped; other prefixes are not "
                "supported");
    if (rest == "line-delimiter" || rest == "ignore-first-line")
      return Drop("the current CSV format has no equivalent of format." + rest);
    if (rest == "write-mode")
      return Drop("use INSERT OVERWRITE (batch) instead of format.write-mode");
    if (rest == "num-files")
      return To("sink.parallelism", v, "approximate: the number of writers, not of files");
    return To(FormatPrefix() + rest, v);
  }

  Action Kafka(const std::string& k, const std::string& v) {
    if (k.starts_with("connector.properties.")) {
      std::string rest = k.substr(21);
      // The older indexed form: connector.properties.N.key / .N.value.
      size_t dot = rest.find('.');
      if (dot != std::string::npos && std::all_of(rest.begin(), rest.begin() + dot, ::isdigit) &&
          dot > 0) {
        std::string n = rest.substr(0, dot), field = rest.substr(dot + 1);
        if (field == "key") {
          std::string value = Get("connector.properties." + n + ".value");
          return To("properties." + v, value);
        }
        if (field == "value") return Drop("");  // joined with its .key
      }
      if (rest == "zookeeper.connect")
        return Drop("the Kafka client does not use ZooKeeper: zookeeper.connect dropped");
      return To("properties." + rest, v);
    }
    if (upsert_kafka_ && (k == "connector.startup-mode" || k == "connector.specific-offsets" ||
                          k == "connector.startup-timestamp-millis"))
      return Drop("upsert-kafka always reads a topic from the earliest offset");
    if (k == "connector.sink-partitioner") {
      if (Lower(v) == "custom")
        return To("sink.partitioner", Get("connector.sink-partitioner-class"));
      return To("sink.partitioner", Lower(v));
    }
    if (k == "connector.sink-partitioner-class") {
      if (Lower(Get("connector.sink-partitioner")) == "custom") return Drop("");
      return To("sink.partitioner", v);
    }
    return Rename(KafkaKeys(), k, v, "");
  }

  static std::string JdbcNote(const std::string& k) {
    if (k == "connector.lookup.cache.max-rows" || k == "connector.lookup.cache.ttl")
      return "the lookup cache is now 'lookup.cache' = 'PARTIAL' with lookup.partial-cache.*";
    if (k == "connector.read.query")
      return "no equivalent: read a view or a table-name instead of a query";
    return "";
  }

  Action Elasticsearch(const std::string& k, const std::string& v) {
    if (k.starts_with("connector.hosts.")) return Drop("");  // joined into 'hosts' (Additions)
    if (k == "connector.flush-on-checkpoint")
      return To("sink.delivery-guarantee", Lower(v) == "false" ? "none" : "at-least-once",
                "flush-on-checkpoint became the sink's delivery guarantee");
    if (k == "connector.bulk-flush.backoff.type") {
      std::string s = Upper(v);
      return To("sink.bulk-flush.backoff.strategy", s == "DISABLED" ? "NONE" : s);
    }
    if (k == "connector.failure-handler" || k == "connector.failure-handler-class")
      return Drop(
          "the current Elasticsearch connector has no failure handler: a failed request "
          "fails the job");
    if (k == "connector.key-null-literal")
      return Drop("no equivalent of key-null-literal in the current Elasticsearch connector");
    if (k == "connector.connection-max-retry-timeout")
      return Drop("now connection.request-timeout / connection.timeout / socket.timeout");
    return Rename(ElasticsearchKeys(), k, v, "");
  }

  // connector.hosts.N.hostname / port / protocol joined into 'http://h:9200;...'.
  std::string IndexedHosts() const {
    if (type_ != "elasticsearch") return "";
    std::map<int, std::map<std::string, std::string>> hosts;
    for (const auto& [key, value] : values_) {
      if (!key.starts_with("connector.hosts.")) continue;
      std::string rest = key.substr(16);
      size_t dot = rest.find('.');
      if (dot == std::string::npos) continue;
      try {
        hosts[std::stoi(rest.substr(0, dot))][rest.substr(dot + 1)] = value;
      } catch (...) {
      }
    }
    std::string out;
    for (auto& [n, h] : hosts) {
      if (!out.empty()) out += ";";
      out += (h.count("protocol") ? h["protocol"] : "http") + "://" + h["hostname"] +
             (h.count("port") ? ":" + h["port"] : "");
    }
    return out;
  }

  const TableDef& t_;
  std::map<std::string, std::string> values_;
  std::string type_, format_, update_mode_;
  bool upsert_kafka_ = false;
};

struct Edit {
  size_t begin, end;
  std::string text;
};

bool OnlySpace(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      if (start < text.size()) out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace

Migration Migrate(std::string_view sql) {
  Migration m;
  Analysis a = Analyze(sql);
  const Script& s = a.script;
  std::vector<Edit> edits;
  for (const TableDef& t : a.tables) {
    if (!t.has_with || t.with_close >= s.tokens.size()) continue;
    bool legacy = std::any_of(t.options.begin(), t.options.end(),
                              [](const TableOption& o) { return IsLegacyOptionKey(o.key); });
    if (!legacy) continue;
    TableMigration tm(t);
    // The kept options' last token, to put additions after and to drop a dangling comma.
    long last_kept = -1;
    std::string indent = "  ";
    std::vector<bool> dropped(t.options.size(), false);
    size_t last_edit_end = 0;
    for (size_t i = 0; i < t.options.size(); ++i) {
      const TableOption& o = t.options[i];
      const Token& key = s.tokens[o.key_token];
      const Token& value = s.tokens[o.value_token];
      size_t begin = key.offset, end = value.offset + value.raw.size();
      std::string from(sql.substr(begin, end - begin));
      {
        size_t line_start = sql.rfind('\n', begin);
        line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
        if (OnlySpace(sql.substr(line_start, begin - line_start)))
          indent = std::string(sql.substr(line_start, begin - line_start));
      }
      size_t inline_begin = std::string_view::npos;
      Action action = tm.Map(o);
      bool is_legacy = IsLegacyOptionKey(o.key);
      if (!is_legacy) {
        last_kept = static_cast<long>(i);
        continue;
      }
      if (action.drop) {
        dropped[i] = true;
        // The option and its following comma; the whole line when it is alone on it.
        size_t drop_end = end;
        size_t next = o.value_token + 1;
        if (next < t.with_close && s.tokens[next].IsSymbol(',')) {
          drop_end = s.tokens[next].offset + 1;
          while (drop_end < sql.size() && (sql[drop_end] == ' ' || sql[drop_end] == '\t'))
            ++drop_end;
        } else {
          // The last option: the whitespace before it goes too (the comma before it is the
          // dangling one, removed below).
          size_t b = begin;
          while (b > last_edit_end && std::isspace(static_cast<unsigned char>(sql[b - 1]))) --b;
          inline_begin = b;
        }
        size_t line_start = sql.rfind('\n', begin == 0 ? 0 : begin - 1);
        line_start = (line_start == std::string_view::npos || begin == 0) ? 0 : line_start + 1;
        size_t line_end = sql.find('\n', drop_end);
        if (line_end != std::string_view::npos &&
            OnlySpace(sql.substr(line_start, begin - line_start)) &&
            OnlySpace(sql.substr(drop_end, line_end - drop_end))) {
          begin = line_start;
          drop_end = line_end + 1;
        } else if (inline_begin != std::string_view::npos) {
          begin = inline_begin;
        }
        edits.push_back({begin, drop_end, ""});
        last_edit_end = drop_end;
        m.changes.push_back({o.line, t.name, from, "", action.note});
      } else {
        std::string to;
        for (size_t j = 0; j < action.to.size(); ++j) {
          if (j) to += ",\n" + indent;
          to += Quote(action.to[j].key) + " = " + Quote(action.to[j].value);
        }
        edits.push_back({begin, end, to});
        last_edit_end = end;
        m.changes.push_back({o.line, t.name, from, to, action.note});
        last_kept = static_cast<long>(i);
      }
    }
    // A comma after the last kept option, left dangling by dropped options after it.
    std::vector<NewOption> additions = tm.Additions();
    if (last_kept >= 0) {
      const TableOption& o = t.options[last_kept];
      size_t next = o.value_token + 1;
      bool any_after = false;
      for (size_t i = last_kept + 1; i < t.options.size(); ++i) any_after |= !dropped[i];
      const Token& value = s.tokens[o.value_token];
      size_t after = value.offset + value.raw.size();
      std::string add;
      for (const auto& n : additions) add += ",\n" + indent + Quote(n.key) + " = " + Quote(n.value);
      if (!add.empty()) {
        edits.push_back({after, after, add});
        for (const auto& n : additions)
          m.changes.push_back(
              {o.line, t.name, "", Quote(n.key) + " = " + Quote(n.value),
               "added: " + std::string(n.key == "lookup.cache" ? "the lookup cache is partial"
                                       : n.key == "hosts"      ? "the hosts joined into one option"
                                                          : "upsert-kafka needs a key format")});
      }
      if (!any_after && next < t.with_close && s.tokens[next].IsSymbol(',')) {
        // Only when that comma is not already removed with a dropped line.
        size_t c = s.tokens[next].offset;
        bool covered = std::any_of(edits.begin(), edits.end(),
                                   [&](const Edit& e) { return e.begin <= c && c < e.end; });
        if (!covered) edits.push_back({c, c + 1, ""});
      }
    }
    std::string note = tm.TableNote();
    if (!note.empty()) m.changes.push_back({t.line, t.name, "", "", note});
  }
  std::sort(edits.begin(), edits.end(), [](const Edit& x, const Edit& y) {
    return x.begin != y.begin ? x.begin < y.begin : x.end < y.end;
  });
  std::string out;
  out.reserve(sql.size());
  size_t pos = 0;
  for (const Edit& e : edits) {
    if (e.begin < pos) continue;  // overlapping (should not happen): keep the first
    out.append(sql.substr(pos, e.begin - pos));
    out += e.text;
    pos = e.end;
  }
  out.append(sql.substr(pos));
  m.sql = std::move(out);
  std::stable_sort(
      m.changes.begin(), m.changes.end(),
      [](const MigrationChange& x, const MigrationChange& y) { return x.line < y.line; });
  if (m.sql != sql) m.diff = UnifiedDiff(sql, m.sql, "script.sql");
  return m;
}

Json MigrationToJson(const Migration& m) {
  Json changes = Json::array();
  for (const auto& c : m.changes) {
    Json j = {{"line", c.line}, {"table", c.table}, {"from", c.from}, {"to", c.to}};
    if (!c.note.empty()) j["note"] = c.note;
    changes.push_back(std::move(j));
  }
  return {{"sql", m.sql}, {"changes", changes}, {"diff", m.diff}, {"changed", m.changed()}};
}

std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view label) {
  std::vector<std::string_view> a = Lines(before), b = Lines(after);
  // Common prefix and suffix, then the middle line by line.
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre &&
         a[a.size() - 1 - suf] == b[b.size() - 1 - suf])
    ++suf;
  size_t n = a.size() - pre - suf, k = b.size() - pre - suf;
  if (n == 0 && k == 0) return "";
  // One line per entry: ' ', '-' or '+'. A migration's changes are local, so a greedy walk that
  // resynchronises within a window is exact enough and takes no quadratic memory (a 5,000-line
  // script diffs in milliseconds).
  struct Row {
    char op;
    std::string_view text;
  };
  std::vector<Row> rows;
  constexpr size_t kWindow = 64;
  size_t i = 0, j = 0;
  while (i < n || j < k) {
    if (i < n && j < k && a[pre + i] == b[pre + j]) {
      rows.push_back({' ', a[pre + i]});
      ++i;
      ++j;
      continue;
    }
    // The nearest (di, dj) where the two sides meet again.
    size_t best_i = n - i, best_j = k - j;
    for (size_t sum = 1; sum <= 2 * kWindow && sum < best_i + best_j; ++sum) {
      bool found = false;
      for (size_t di = 0; di <= sum; ++di) {
        size_t dj = sum - di;
        if (i + di < n && j + dj < k && a[pre + i + di] == b[pre + j + dj]) {
          best_i = di;
          best_j = dj;
          found = true;
          break;
        }
      }
      if (found) break;
    }
    for (size_t d = 0; d < best_i; ++d) rows.push_back({'-', a[pre + i + d]});
    for (size_t d = 0; d < best_j; ++d) rows.push_back({'+', b[pre + j + d]});
    i += best_i;
    j += best_j;
  }
  // One hunk around the middle, with up to 2 lines of context.
  size_t ctx_before = std::min<size_t>(2, pre), ctx_after = std::min<size_t>(2, suf);
  size_t old_count = ctx_before + n + ctx_after, new_count = ctx_before + k + ctx_after;
  std::string out = "--- a/" + std::string(label) + "\n+++ b/" + std::string(label) + "\n";
  out += "@@ -" + std::to_string(pre - ctx_before + 1) + "," + std::to_string(old_count) + " +" +
         std::to_string(pre - ctx_before + 1) + "," + std::to_string(new_count) + " @@\n";
  for (size_t c = pre - ctx_before; c < pre; ++c) out += " " + std::string(a[c]) + "\n";
  for (const Row& r : rows) out += std::string(1, r.op) + std::string(r.text) + "\n";
  for (size_t c = a.size() - suf; c < a.size() - suf + ctx_after; ++c)
    out += " " + std::string(a[c]) + "\n";
  return out;
}

}  // namespace sluice::sql
