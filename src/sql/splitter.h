// Flink SQL scripts cut into tokens and statements, with each statement's line range.
//
// The tokenizer understands `--` and `/* */` comments, 'strings' with '' escapes, `identifiers`
// and "identifiers" with doubled-quote escapes, and ${variables}; a ';' inside any of them does not
// end a statement. `BEGIN STATEMENT SET;` ... `END;` and `EXECUTE STATEMENT SET BEGIN ... END;`
// are understood: the statements inside are marked `in_statement_set`, and the markers themselves
// are statements of their own kind. Nothing here allocates per character; a 5,000-line script
// splits in well under a millisecond (bench/sql_bench.cc).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sql {

enum class TokenKind {
  kWord,      // keyword or plain identifier: letters, digits, '_', '$' (not starting "${")
  kString,    // '...' (text() is the unquoted value, '' turned into ')
  kQuoted,    // `...` or "..." identifier (text() unquoted)
  kNumber,    // 12, 1.5, 1e3
  kVariable,  // ${name} (text() is the name)
  kSymbol,    // one punctuation character, or one of <= >= <> != || ::
};

struct Token {
  TokenKind kind = TokenKind::kWord;
  std::string_view raw;  // the token as written, quotes included (a view into the script)
  std::string text;      // the value: unquoted and unescaped for strings and quoted names
  size_t offset = 0;     // byte offset of the first character in the script
  int line = 1;          // 1-based
  int column = 1;        // 1-based, in bytes
  int end_line = 1;      // line of the last character
  bool Is(std::string_view keyword) const;  // a kWord equal to `keyword`, ignoring case
  bool IsSymbol(char c) const {
    return kind == TokenKind::kSymbol && raw.size() == 1 && raw[0] == c;
  }
  bool IsName() const { return kind == TokenKind::kWord || kind == TokenKind::kQuoted; }
};

// A problem the splitter finds on its own (an unterminated string or comment, an unbalanced
// statement set).
struct SplitError {
  std::string message;
  int line = 1;
  int column = 1;
};

enum class StatementKind {
  kOther,  // anything the lint does not look into (SET, USE, SHOW, ...)
  kCreateTable,
  kCreateView,
  kCreateOther,  // CREATE FUNCTION / CATALOG / DATABASE ...
  kInsert,       // INSERT INTO / OVERWRITE, EXECUTE INSERT
  kSelect,       // SELECT, WITH, VALUES
  kSet,
  kBeginSet,  // BEGIN STATEMENT SET / EXECUTE STATEMENT SET BEGIN
  kEndSet,    // END
  kDrop,
};

struct Statement {
  StatementKind kind = StatementKind::kOther;
  size_t begin = 0;        // byte offset of the first token
  size_t end = 0;          // byte offset just past the last token (the ';' excluded)
  int first_line = 1;      // line of the first token
  int last_line = 1;       // line of the last token
  int column = 1;          // column of the first token
  size_t first_token = 0;  // index into Script::tokens
  size_t token_count = 0;  // the ';' excluded
  bool in_statement_set = false;
  bool terminated = false;  // ended by ';'
};

struct Script {
  std::string_view text;  // the script (the caller keeps it alive)
  std::vector<Token> tokens;
  std::vector<Statement> statements;
  std::vector<SplitError> errors;

  std::string_view StatementText(const Statement& s) const {
    return text.substr(s.begin, s.end - s.begin);
  }
  const Token* StatementTokens(const Statement& s) const { return tokens.data() + s.first_token; }
};

// Tokenizes and splits `text`. Never fails: problems go to Script::errors and the rest is split
// as well as possible. The returned Script refers to `text`, which must outlive it.
Script Split(std::string_view text);

// Statement kinds as the API writes them ("create_table", "insert", ...).
std::string_view StatementKindName(StatementKind kind);

}  // namespace sluice::sql
