#include "sql/splitter.h"

#include <strings.h>

#include <cctype>

namespace sluice::sql {

namespace {

bool IsWordStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool IsWordChar(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

class Tokenizer {
 public:
  explicit Tokenizer(Script& script) : s_(script), text_(script.text) {}

  void Run() {
    while (pos_ < text_.size()) {
      unsigned char c = text_[pos_];
      if (c == '\n') {
        Advance();
      } else if (std::isspace(c)) {
        Advance();
      } else if (c == '-' && Peek(1) == '-') {
        while (pos_ < text_.size() && text_[pos_] != '\n') Advance();
      } else if (c == '/' && Peek(1) == '*') {
        Comment();
      } else if (c == '\'') {
        Quoted('\'', TokenKind::kString, "string");
      } else if (c == '`' || c == '"') {
        Quoted(static_cast<char>(c), TokenKind::kQuoted, "identifier");
      } else if (c == '$' && Peek(1) == '{') {
        Variable();
      } else if (IsWordStart(c)) {
        Begin(TokenKind::kWord);
        while (pos_ < text_.size() && IsWordChar(text_[pos_]) &&
               !(text_[pos_] == '$' && Peek(1) == '{'))
          Advance();
        Finish();
      } else if (std::isdigit(c) ||
                 (c == '.' && std::isdigit(static_cast<unsigned char>(Peek(1))))) {
        Begin(TokenKind::kNumber);
        while (pos_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.' ||
                ((text_[pos_] == '+' || text_[pos_] == '-') &&
                 (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E'))))
          Advance();
        Finish();
      } else {
        Begin(TokenKind::kSymbol);
        char n = Peek(1);
        bool two = (c == '<' && (n == '=' || n == '>')) || (c == '>' && n == '=') ||
                   (c == '!' && n == '=') || (c == '|' && n == '|') || (c == ':' && n == ':');
        Advance();
        if (two) Advance();
        Finish();
      }
    }
  }

 private:
  char Peek(size_t ahead) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  void Advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }
  void Begin(TokenKind kind) {
    current_ = Token{};
    current_.kind = kind;
    current_.offset = pos_;
    current_.line = line_;
    current_.column = static_cast<int>(pos_ - line_start_) + 1;
  }
  void Finish() {
    current_.raw = text_.substr(current_.offset, pos_ - current_.offset);
    current_.end_line = line_;
    if (current_.kind == TokenKind::kWord || current_.kind == TokenKind::kNumber ||
        current_.kind == TokenKind::kSymbol)
      current_.text = std::string(current_.raw);
    s_.tokens.push_back(std::move(current_));
  }
  void Comment() {
    int line = line_;
    int column = static_cast<int>(pos_ - line_start_) + 1;
    Advance();
    Advance();
    while (pos_ < text_.size() && !(text_[pos_] == '*' && Peek(1) == '/')) Advance();
    if (pos_ >= text_.size()) {
      s_.errors.push_back({"unterminated comment: the /* opened on line " + std::to_string(line) +
                               " is never closed",
                           line, column});
      return;
    }
    Advance();
    Advance();
  }
  void Quoted(char quote, TokenKind kind, const char* what) {
    Begin(kind);
    Advance();
    std::string value;
    while (true) {
      if (pos_ >= text_.size()) {
        s_.errors.push_back({std::string("unterminated ") + what + ": the " + quote +
                                 " opened on line " + std::to_string(current_.line) +
                                 " is never closed",
                             current_.line, current_.column});
        break;
      }
      char c = text_[pos_];
      if (c == quote) {
        if (Peek(1) == quote) {
          value.push_back(quote);
          Advance();
          Advance();
          continue;
        }
        Advance();
        break;
      }
      value.push_back(c);
      Advance();
    }
    current_.text = std::move(value);
    Finish();
  }
  void Variable() {
    Begin(TokenKind::kVariable);
    Advance();
    Advance();
    size_t name_start = pos_;
    while (pos_ < text_.size() && text_[pos_] != '}' && text_[pos_] != '\n') Advance();
    std::string name(text_.substr(name_start, pos_ - name_start));
    if (pos_ < text_.size() && text_[pos_] == '}') {
      Advance();
    } else {
      s_.errors.push_back(
          {"unterminated variable: ${ without its }", current_.line, current_.column});
    }
    current_.text = std::move(name);
    Finish();
  }

  Script& s_;
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
  Token current_;
};

StatementKind KindOf(const Token* t, size_t n) {
  if (n == 0) return StatementKind::kOther;
  auto at = [&](size_t i, std::string_view word) { return i < n && t[i].Is(word); };
  if (at(0, "CREATE")) {
    size_t i = 1;
    if (at(i, "OR") && at(i + 1, "REPLACE")) i += 2;
    if (at(i, "TEMPORARY")) ++i;
    if (at(i, "SYSTEM")) ++i;
    if (at(i, "TABLE")) return StatementKind::kCreateTable;
    if (at(i, "VIEW")) return StatementKind::kCreateView;
    return StatementKind::kCreateOther;
  }
  if (at(0, "INSERT") || (at(0, "EXECUTE") && at(1, "INSERT"))) return StatementKind::kInsert;
  if (at(0, "WITH")) {
    // WITH x AS (...) INSERT INTO ...: an INSERT when one follows at depth 0.
    int depth = 0;
    for (size_t i = 1; i < n; ++i) {
      if (t[i].IsSymbol('(')) ++depth;
      if (t[i].IsSymbol(')')) --depth;
      if (depth == 0 && t[i].Is("INSERT")) return StatementKind::kInsert;
    }
    return StatementKind::kSelect;
  }
  if (at(0, "SELECT") || at(0, "VALUES")) return StatementKind::kSelect;
  if (at(0, "SET")) return StatementKind::kSet;
  if (at(0, "BEGIN") && at(1, "STATEMENT") && at(2, "SET")) return StatementKind::kBeginSet;
  if (at(0, "END") && n == 1) return StatementKind::kEndSet;
  if (at(0, "DROP")) return StatementKind::kDrop;
  return StatementKind::kOther;
}

}  // namespace

bool Token::Is(std::string_view keyword) const {
  return kind == TokenKind::kWord && raw.size() == keyword.size() &&
         strncasecmp(raw.data(), keyword.data(), keyword.size()) == 0;
}

Script Split(std::string_view text) {
  Script script;
  script.text = text;
  script.tokens.reserve(text.size() / 4 + 4);
  Tokenizer(script).Run();

  bool in_set = false;
  int set_line = 0;
  size_t start = 0;
  auto emit = [&](size_t end_token, bool terminated) {
    // EXECUTE STATEMENT SET BEGIN <first insert>: the marker, then the INSERT as its own statement.
    while (start < end_token) {
      const Token* t = script.tokens.data() + start;
      size_t n = end_token - start;
      size_t marker = 0;
      if (n >= 4 && t[0].Is("EXECUTE") && t[1].Is("STATEMENT") && t[2].Is("SET") &&
          t[3].Is("BEGIN"))
        marker = 4;
      Statement st;
      st.first_token = start;
      st.token_count = marker ? marker : n;
      const Token& first = t[0];
      const Token& last = t[st.token_count - 1];
      st.begin = first.offset;
      st.end = last.offset + last.raw.size();
      st.first_line = first.line;
      st.column = first.column;
      st.last_line = last.end_line;
      st.kind = marker ? StatementKind::kBeginSet : KindOf(t, st.token_count);
      st.terminated = marker ? true : terminated;
      if (st.kind == StatementKind::kBeginSet) {
        if (in_set)
          script.errors.push_back({"a statement set cannot be nested in the one begun on line " +
                                       std::to_string(set_line),
                                   st.first_line, st.column});
        in_set = true;
        set_line = st.first_line;
      } else if (st.kind == StatementKind::kEndSet) {
        if (!in_set)
          script.errors.push_back({"END without BEGIN STATEMENT SET", st.first_line, st.column});
        in_set = false;
      } else {
        st.in_statement_set = in_set;
      }
      script.statements.push_back(st);
      start += st.token_count;
    }
  };
  for (size_t i = 0; i < script.tokens.size(); ++i) {
    if (script.tokens[i].IsSymbol(';')) {
      emit(i, true);
      start = i + 1;
    }
  }
  emit(script.tokens.size(), false);
  if (in_set)
    script.errors.push_back(
        {"the statement set begun on line " + std::to_string(set_line) + " has no END", set_line,
         1});
  return script;
}

std::string_view StatementKindName(StatementKind kind) {
  switch (kind) {
    case StatementKind::kCreateTable:
      return "create_table";
    case StatementKind::kCreateView:
      return "create_view";
    case StatementKind::kCreateOther:
      return "create";
    case StatementKind::kInsert:
      return "insert";
    case StatementKind::kSelect:
      return "select";
    case StatementKind::kSet:
      return "set";
    case StatementKind::kBeginSet:
      return "begin_statement_set";
    case StatementKind::kEndSet:
      return "end_statement_set";
    case StatementKind::kDrop:
      return "drop";
    case StatementKind::kOther:
      return "other";
  }
  return "other";
}

}  // namespace sluice::sql
