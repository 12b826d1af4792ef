#include "sql/analysis.h"

#include <cctype>

namespace sluice::sql {

namespace {

// Reads a dotted name at tokens[i...]: a.b.`c`. Returns the count of tokens taken (0: none).
size_t ReadName(const Script& s, size_t i, size_t end, std::string& out) {
  out.clear();
  size_t j = i;
  while (j < end && s.tokens[j].IsName()) {
    out += s.tokens[j].kind == TokenKind::kQuoted ? s.tokens[j].text : std::string(s.tokens[j].raw);
    ++j;
    if (j + 1 < end && s.tokens[j].IsSymbol('.') && s.tokens[j + 1].IsName()) {
      out.push_back('.');
      ++j;
    } else {
      break;
    }
  }
  return j - i;
}

// The index of the ')' matching the '(' at `open`, or `end` when there is none.
size_t Matching(const Script& s, size_t open, size_t end) {
  int depth = 0;
  for (size_t j = open; j < end; ++j) {
    if (s.tokens[j].IsSymbol('(')) ++depth;
    if (s.tokens[j].IsSymbol(')') && --depth == 0) return j;
  }
  return end;
}

bool IsClauseKeyword(const Token& t) {
  static constexpr std::string_view kWords[] = {
      "WHERE",           "GROUP", "ORDER",       "HAVING", "LIMIT",  "UNION",  "JOIN",  "LEFT",
      "RIGHT",           "INNER", "FULL",        "CROSS",  "ON",     "WINDOW", "FOR",   "EXCEPT",
      "INTERSECT",       "MINUS", "LATERAL",     "AS",     "SELECT", "FROM",   "OUTER", "NATURAL",
      "MATCH_RECOGNIZE", "USING", "TABLESAMPLE", "VALUES"};
  for (auto w : kWords)
    if (t.Is(w)) return true;
  return false;
}

void ReadCreateTable(Analysis& a, size_t statement_index) {
  const Script& s = a.script;
  const Statement& st = s.statements[statement_index];
  size_t i = st.first_token + 1, end = st.first_token + st.token_count;
  TableDef def;
  def.statement = statement_index;
  if (i + 1 < end && s.tokens[i].Is("OR") && s.tokens[i + 1].Is("REPLACE")) {
    def.or_replace = true;
    i += 2;
  }
  while (i < end && (s.tokens[i].Is("TEMPORARY") || s.tokens[i].Is("SYSTEM"))) ++i;
  if (i < end && s.tokens[i].Is("VIEW")) def.is_view = true;
  ++i;  // TABLE / VIEW
  if (i + 2 < end && s.tokens[i].Is("IF") && s.tokens[i + 1].Is("NOT") &&
      s.tokens[i + 2].Is("EXISTS")) {
    def.if_not_exists = true;
    i += 3;
  }
  if (i >= end) return;
  def.line = s.tokens[i].line;
  def.column = s.tokens[i].column;
  std::string name;
  size_t taken = ReadName(s, i, end, name);
  if (taken == 0) return;
  def.name = NormalizeTableName(name);
  i += taken;
  if (def.is_view) {
    // The view's body reads tables: recorded by the caller's FROM scan.
    a.tables.push_back(std::move(def));
    return;
  }
  if (i < end && s.tokens[i].IsSymbol('(')) {
    size_t close = Matching(s, i, end);
    size_t j = i + 1;
    while (j < close) {
      // One element: up to the next ',' at depth 0.
      size_t k = j;
      int depth = 0;
      while (k < close && !(depth == 0 && s.tokens[k].IsSymbol(','))) {
        if (s.tokens[k].IsSymbol('(')) ++depth;
        if (s.tokens[k].IsSymbol(')')) --depth;
        ++k;
      }
      if (k > j) {
        const Token& first = s.tokens[j];
        if (first.Is("PRIMARY") || (first.Is("CONSTRAINT"))) {
          for (size_t m = j; m < k; ++m)
            if (s.tokens[m].Is("PRIMARY")) def.has_primary_key = true;
        } else if (first.Is("WATERMARK") || first.Is("PERIOD") || first.Is("LIKE")) {
        } else if (first.IsName()) {
          Column c;
          c.name = first.kind == TokenKind::kQuoted ? first.text : std::string(first.raw);
          c.line = first.line;
          if (j + 1 < k) {
            size_t b = s.tokens[j + 1].offset;
            size_t e = s.tokens[k - 1].offset + s.tokens[k - 1].raw.size();
            c.type = std::string(s.text.substr(b, e - b));
          }
          for (size_t m = j + 1; m < k; ++m)
            if (s.tokens[m].Is("PRIMARY")) def.has_primary_key = true;
          def.columns.push_back(std::move(c));
        }
      }
      j = k + 1;
    }
    i = close + 1;
  }
  for (; i < end; ++i) {
    const Token& t = s.tokens[i];
    if (t.Is("LIKE")) def.has_like = true;
    if (t.Is("AS")) {
      def.has_as_select = true;
      break;
    }
    if (t.Is("WITH") && i + 1 < end && s.tokens[i + 1].IsSymbol('(') && !def.has_with) {
      def.has_with = true;
      def.with_open = i + 1;
      def.with_close = Matching(s, i + 1, end);
      size_t j = i + 2;
      while (j < def.with_close) {
        const Token& key = s.tokens[j];
        if (key.IsSymbol(',')) {
          ++j;
          continue;
        }
        TableOption option;
        option.key = key.kind == TokenKind::kWord ? std::string(key.raw) : key.text;
        option.key_token = option.value_token = j;
        option.line = key.line;
        option.column = key.column;
        ++j;
        if (j < def.with_close && s.tokens[j].IsSymbol('=')) {
          ++j;
          if (j < def.with_close) {
            option.value_token = j;
            option.value_is_string = s.tokens[j].kind == TokenKind::kString;
            option.value =
                s.tokens[j].kind == TokenKind::kString || s.tokens[j].kind == TokenKind::kQuoted
                    ? s.tokens[j].text
                    : std::string(s.tokens[j].raw);
            ++j;
          }
        }
        def.options.push_back(std::move(option));
        while (j < def.with_close && !s.tokens[j].IsSymbol(',')) ++j;
      }
      i = def.with_close;
    }
  }
  a.tables.push_back(std::move(def));
}

// Records the tables a statement reads (FROM, JOIN, TABLE x) and writes (INSERT INTO x).
void ReadUses(Analysis& a, size_t statement_index) {
  const Script& s = a.script;
  const Statement& st = s.statements[statement_index];
  size_t begin = st.first_token, end = st.first_token + st.token_count;
  // Names a WITH clause defines (common table expressions) are not tables.
  std::vector<std::string> ctes;
  for (size_t i = begin; i + 2 < end; ++i) {
    if ((s.tokens[i].Is("WITH") || s.tokens[i].IsSymbol(',')) && s.tokens[i + 1].IsName() &&
        s.tokens[i + 2].Is("AS") && i + 3 < end && s.tokens[i + 3].IsSymbol('('))
      ctes.push_back(s.tokens[i + 1].kind == TokenKind::kQuoted ? s.tokens[i + 1].text
                                                                : std::string(s.tokens[i + 1].raw));
  }
  auto record = [&](size_t i, bool sink) -> size_t {
    std::string name;
    size_t taken = ReadName(s, i, end, name);
    if (taken == 0) return 0;
    if (s.tokens[i].kind == TokenKind::kWord && IsClauseKeyword(s.tokens[i])) return 0;
    for (const auto& c : ctes)
      if (c == name) return taken;
    a.uses.push_back(
        {NormalizeTableName(name), s.tokens[i].line, s.tokens[i].column, statement_index, sink});
    return taken;
  };
  for (size_t i = begin; i < end; ++i) {
    const Token& t = s.tokens[i];
    if ((t.Is("INTO") || t.Is("OVERWRITE")) && i > begin &&
        (s.tokens[i - 1].Is("INSERT") || t.Is("OVERWRITE"))) {
      size_t j = i + 1;
      record(j, true);
    } else if (t.Is("FROM") || t.Is("JOIN")) {
      size_t j = i + 1;
      // FROM a, b: each item up to a ',' at this depth.
      while (j < end) {
        if (s.tokens[j].IsSymbol('(') || s.tokens[j].Is("LATERAL") || s.tokens[j].Is("UNNEST") ||
            s.tokens[j].Is("TABLE"))
          break;
        size_t taken = record(j, false);
        if (taken == 0) break;
        j += taken;
        // [AS] alias, FOR SYSTEM_TIME AS OF ..., then ',' for the next item.
        if (j < end && s.tokens[j].Is("AS")) ++j;
        if (j < end && s.tokens[j].IsName() && !IsClauseKeyword(s.tokens[j])) ++j;
        if (j < end && s.tokens[j].IsSymbol(',') && t.Is("FROM")) {
          ++j;
          continue;
        }
        break;
      }
    } else if (t.Is("TABLE") && i + 1 < end && s.tokens[i + 1].IsName() && i > begin &&
               (s.tokens[i - 1].IsSymbol('(') || s.tokens[i - 1].IsSymbol(','))) {
      record(i + 1, false);  // window functions: TUMBLE(TABLE t, ...)
    }
  }
}

void ReadVariables(Analysis& a) {
  std::string_view text = a.script.text;
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
    } else if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      if (i > 0 && text[i - 1] == '$') continue;  // $${x}: a literal ${x}
      size_t close = text.find('}', i + 2);
      size_t newline = text.find('\n', i + 2);
      if (close == std::string_view::npos || (newline != std::string_view::npos && newline < close))
        continue;
      a.variables.push_back({std::string(text.substr(i + 2, close - i - 2)), line,
                             static_cast<int>(i - line_start) + 1});
      i = close;
    }
  }
}

}  // namespace

const TableOption* TableDef::Option(std::string_view key) const {
  for (const auto& o : options)
    if (o.key == key) return &o;
  return nullptr;
}

std::string NormalizeTableName(std::string_view dotted) {
  std::string_view rest = dotted;
  if (rest.starts_with("default_catalog.")) rest.remove_prefix(16);
  if (rest.starts_with("default_database.")) rest.remove_prefix(17);
  return std::string(rest);
}

Analysis Analyze(std::string_view text) {
  Analysis a;
  a.script = Split(text);
  for (size_t i = 0; i < a.script.statements.size(); ++i) {
    const Statement& st = a.script.statements[i];
    const Token* t = a.script.StatementTokens(st);
    switch (st.kind) {
      case StatementKind::kCreateTable:
        ReadCreateTable(a, i);
        ReadUses(a, i);  // CREATE TABLE ... AS SELECT ... FROM
        for (const auto& d : a.tables)
          if (d.statement == i && d.has_as_select) ++a.insert_count;
        break;
      case StatementKind::kCreateView:
        ReadCreateTable(a, i);
        ReadUses(a, i);
        break;
      case StatementKind::kInsert:
        ++a.insert_count;
        ReadUses(a, i);
        break;
      case StatementKind::kSelect:
        ReadUses(a, i);
        break;
      case StatementKind::kCreateOther:
        if (st.token_count > 1 && (t[1].Is("CATALOG") || t[1].Is("DATABASE")))
          a.uses_catalogs = true;
        break;
      default:
        if (st.token_count > 0 && t[0].Is("USE")) a.uses_catalogs = true;
        break;
    }
  }
  ReadVariables(a);
  return a;
}

}  // namespace sluice::sql
