#include "store/sql_text.h"

namespace sluice::store {
namespace {

// Copies a quoted run or comment starting at `i` into `out`; returns the index after it, or `i`
// when nothing special starts there.
size_t CopySpecial(std::string_view sql, size_t i, std::string& out) {
  char c = sql[i];
  if (c == '\'' || c == '"' || c == '`') {
    size_t j = i + 1;
    while (j < sql.size()) {
      if (sql[j] == c) {
        if (j + 1 < sql.size() && sql[j + 1] == c) {
          j += 2;  // doubled quote inside the literal
          continue;
        }
        break;
      }
      ++j;
    }
    size_t end = j < sql.size() ? j + 1 : sql.size();
    out.append(sql.substr(i, end - i));
    return end;
  }
  if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
    size_t end = sql.find('\n', i);
    end = end == std::string_view::npos ? sql.size() : end;
    out.append(sql.substr(i, end - i));
    return end;
  }
  return i;
}

}  // namespace

std::string NumberPlaceholders(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (size_t i = 0; i < sql.size();) {
    size_t next = CopySpecial(sql, i, out);
    if (next != i) {
      i = next;
      continue;
    }
    if (sql[i] == '?') {
      out.push_back('$');
      out.append(std::to_string(++n));
    } else {
      out.push_back(sql[i]);
    }
    ++i;
  }
  if (count != nullptr) *count = n;
  return out;
}

std::vector<std::string> SplitStatements(std::string_view script) {
  std::vector<std::string> statements;
  std::string current;
  auto flush = [&] {
    if (current.find_first_not_of(" \t\r\n") != std::string::npos) statements.push_back(current);
    current.clear();
  };
  for (size_t i = 0; i < script.size();) {
    size_t next = CopySpecial(script, i, current);
    if (next != i) {
      i = next;
      continue;
    }
    if (script[i] == ';') {
      flush();
    } else {
      current.push_back(script[i]);
    }
    ++i;
  }
  flush();
  return statements;
}

}  // namespace sluice::store
