#include "sql/lint.h"

#include <algorithm>
#include <map>

namespace sluice::sql {

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// " (did you mean 'x'?)" for the closest candidate within a third of the word's length.
std::string Suggest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

std::string Join(const std::vector<std::string>& items, size_t max = 12) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < max; ++i) {
    if (i) out += ", ";
    out += items[i];
  }
  if (items.size() > max) out += ", ...";
  return out.empty() ? "none" : out;
}

void Add(std::vector<Finding>& out, std::string severity, std::string code, int line, int column,
         std::string message) {
  out.push_back({std::move(severity), std::move(message), line, column, std::move(code)});
}

// Options every connector takes through FactoryUtil, whatever its factory lists.
bool IsGenericOption(std::string_view key) {
  return key == "connector" || key == "property-version" || key.starts_with("properties.");
}

void LintOptionsOf(const TableDef& t, const ConnectorCatalog& catalog, std::vector<Finding>& out) {
  const TableOption* connector = t.Option("connector");
  if (!connector) return;
  const FactoryInfo* factory = catalog.Connector(connector->value);
  if (!factory) {
    Add(out, "error", "unknown-connector", connector->line, connector->column,
        "table '" + t.name + "': no connector '" + connector->value +
            "' among the app's dependencies" + Suggest(connector->value, catalog.ConnectorIds()) +
            "; available: " + Join(catalog.ConnectorIds()) +
            ". Add the connector's jar to the app's dependencies");
    return;
  }
  // The formats the table names, with the prefix their options carry.
  std::vector<std::pair<std::string, const FactoryInfo*>> formats;
  for (const char* which : {"format", "key.format", "value.format"}) {
    const TableOption* f = t.Option(which);
    if (!f) continue;
    const FactoryInfo* format = catalog.Format(f->value);
    if (!format) {
      Add(out, "error", "unknown-connector", f->line, f->column,
          "table '" + t.name + "': no format '" + f->value + "' among the app's dependencies" +
              Suggest(f->value, catalog.FormatIds()) + "; available: " + Join(catalog.FormatIds()));
      continue;
    }
    std::string prefix = std::string(which) == "format"
                             ? ""
                             : std::string(which).substr(0, std::string(which).find('.') + 1);
    formats.emplace_back(prefix + f->value + ".", format);
  }
  std::vector<std::string> known = factory->required;
  known.insert(known.end(), factory->optional.begin(), factory->optional.end());
  for (const auto& o : t.options) {
    if (IsGenericOption(o.key) || factory->Knows(o.key)) continue;
    bool handled = false;
    for (const auto& [prefix, format] : formats) {
      if (!o.key.starts_with(prefix)) continue;
      handled = true;
      std::string rest = o.key.substr(prefix.size());
      if (!format->Knows(rest)) {
        std::vector<std::string> format_keys;
        for (const auto& k : format->required) format_keys.push_back(prefix + k);
        for (const auto& k : format->optional) format_keys.push_back(prefix + k);
        Add(out, "error", "unknown-option", o.line, o.column,
            "table '" + t.name + "': format '" + format->identifier + "' has no option '" + rest +
                "'" + Suggest(o.key, format_keys));
      }
      break;
    }
    if (handled) continue;
    Add(out, "error", "unknown-option", o.line, o.column,
        "table '" + t.name + "': connector '" + factory->identifier + "' has no option '" + o.key +
            "'" + Suggest(o.key, known));
  }
  if (t.has_like || t.has_as_select) return;
  for (const auto& r : factory->required) {
    if (r == "connector" || t.Option(r)) continue;
    Add(out, "error", "missing-option", t.line, t.column,
        "table '" + t.name + "': connector '" + factory->identifier + "' needs the option '" + r +
            "'");
  }
  for (const auto& [prefix, format] : formats) {
    for (const auto& r : format->required) {
      if (!t.Option(prefix + r))
        Add(out, "error", "missing-option", t.line, t.column,
            "table '" + t.name + "': format '" + format->identifier + "' needs the option '" +
                prefix + r + "'");
    }
  }
}

}  // namespace

bool IsLegacyOptionKey(std::string_view key) {
  return key.starts_with("connector.") || key.starts_with("format.") ||
         key.starts_with("schema.") || key == "update-mode";
}

Json FindingToJson(const Finding& f) {
  Json j = {{"severity", f.severity}, {"message", f.message}, {"line", f.line}, {"code", f.code}};
  if (f.column > 0) j["column"] = f.column;
  return j;
}

bool HasErrors(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == "error"; });
}

std::vector<Finding> Lint(const Analysis& a, const LintOptions& options) {
  std::vector<Finding> out;
  const Script& s = a.script;
  for (const auto& e : s.errors) Add(out, "error", "syntax", e.line, e.column, e.message);

  bool any_statement = false;
  for (const auto& st : s.statements) {
    any_statement = true;
    if (st.kind == StatementKind::kSelect && !st.in_statement_set)
      Add(out, "error", "query-statement", st.first_line, st.column,
          "a query at the top level would run as a job of its own; a deployed script is exactly "
          "one job: INSERT its rows into a table instead");
    if (st.in_statement_set && st.kind != StatementKind::kInsert)
      Add(out, "error", "syntax", st.first_line, st.column,
          "only INSERT statements may be inside a statement set");
  }
  if (a.insert_count == 0)
    Add(out, "error", "no-insert", any_statement ? s.statements.back().first_line : 1, 0,
        "the script has no INSERT statement, so it would start no job");

  if (options.variables) {
    for (const auto& v : a.variables) {
      if (!options.variables->count(v.name))
        Add(out, "error", "unknown-variable", v.line, v.column,
            "unknown variable ${" + v.name + "}: the team defines no variable of that name" +
                Suggest(v.name, std::vector<std::string>(options.variables->begin(),
                                                         options.variables->end())));
    }
  }

  // Created twice; and what exists at each statement.
  std::map<std::string, const TableDef*, std::less<>> created;
  std::vector<std::string> names;
  for (const auto& t : a.tables) {
    auto it = created.find(t.name);
    if (it != created.end() && !t.if_not_exists && !t.or_replace)
      Add(out, "error", "duplicate-table", t.line, t.column,
          "table '" + t.name + "' is created twice (first on line " +
              std::to_string(it->second->line) + ")");
    if (it == created.end()) {
      created.emplace(t.name, &t);
      names.push_back(t.name);
    }
  }
  for (const auto& u : a.uses) {
    auto it = created.find(u.name);
    if (it != created.end()) {
      if (it->second->statement > u.statement)
        Add(out, "error", "unknown-table", u.line, u.column,
            "table '" + u.name + "' is used before it is created (on line " +
                std::to_string(it->second->line) + ")");
      continue;
    }
    if (a.uses_catalogs || u.name.find('.') != std::string::npos) {
      Add(out, "warning", "unknown-table", u.line, u.column,
          "table '" + u.name + "' is not created in this script (it must exist in a catalog)");
    } else {
      Add(out, "error", "unknown-table", u.line, u.column,
          "table '" + u.name + "' is used but never created" + Suggest(u.name, names));
    }
  }

  for (const auto& t : a.tables) {
    if (t.is_view) continue;
    std::vector<std::string> legacy;
    const TableOption* first = nullptr;
    for (const auto& o : t.options) {
      if (!IsLegacyOptionKey(o.key)) continue;
      if (!first) first = &o;
      legacy.push_back(o.key);
    }
    if (first) {
      Add(out, "error", "legacy-options", first->line, first->column,
          "table '" + t.name + "' uses legacy options (" + Join(legacy, 4) +
              ") that Flink 1.14 and later reject; `sluice sql migrate` (POST /api/v1/sql/migrate) "
              "rewrites them");
      continue;
    }
    if (t.has_with && !t.Option("connector") && !t.has_like && !t.has_as_select && !a.uses_catalogs)
      Add(out, "error", "missing-connector", t.line, t.column,
          "table '" + t.name + "' has no 'connector' option");
    if (options.catalog) LintOptionsOf(t, *options.catalog, out);
  }
  std::stable_sort(out.begin(), out.end(), [](const Finding& x, const Finding& y) {
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  return out;
}

}  // namespace sluice::sql
