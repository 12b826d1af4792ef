#include "store/database_url.h"

#include <charconv>

namespace sluice::store {
namespace {

Error BadUrl(std::string message) {
  return Error(ErrorCode::STORE_BAD_URL, std::move(message), "db");
}

bool PercentDecode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int value = 0;
    auto [ptr, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16);
    if (ec != std::errc() || ptr != in.data() + i + 3) return false;
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return true;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url) {
  DatabaseUrl out;
  if (url.empty()) return BadUrl("the database URL is empty");
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    if (EndsWith(url, ".db") || EndsWith(url, ".sqlite") || EndsWith(url, ".sqlite3")) {
      out.dialect = Dialect::kSqlite;
      out.path = std::string(url);
      return out;
    }
    return BadUrl(
        "the database URL has no scheme; use sqlite:///path/file.db, postgresql://... or "
        "mysql://...");
  }
  std::string_view scheme = url.substr(0, scheme_end);
  std::string_view rest = url.substr(scheme_end + 3);
  if (scheme == "sqlite" || scheme == "sqlite3") {
    out.dialect = Dialect::kSqlite;
    if (rest.empty()) return BadUrl("the SQLite URL names no file");
    out.path = std::string(rest);
    return out;
  }
  if (scheme == "postgresql" || scheme == "postgres") {
    out.dialect = Dialect::kPostgres;
    out.port = 5432;
  } else if (scheme == "mysql" || scheme == "mariadb") {
    out.dialect = Dialect::kMysql;
    out.port = 3306;
  } else {
    return BadUrl("unknown database URL scheme '" + std::string(scheme.substr(0, 32)) +
                  "' (use sqlite, postgresql or mysql)");
  }
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  std::string_view db;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    db = rest.substr(slash + 1);
  }
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    std::string_view user = userinfo;
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      user = userinfo.substr(0, colon);
      if (!PercentDecode(userinfo.substr(colon + 1), out.password)) {
        return BadUrl("the database URL's password has a bad percent-escape");
      }
    }
    if (!PercentDecode(user, out.user)) return BadUrl("the database URL's user has a bad escape");
  }
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl("the database URL has a bad IPv6 host");
    host = authority.substr(1, close - 1);
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority.front() == ':') {
      authority.remove_prefix(1);
    } else {
      authority = {};
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    authority = authority.substr(colon + 1);
  } else {
    authority = {};
  }
  if (!authority.empty()) {
    int port = 0;
    auto [ptr, ec] = std::from_chars(authority.data(), authority.data() + authority.size(), port);
    if (ec != std::errc() || ptr != authority.data() + authority.size() || port <= 0 ||
        port > 65535) {
      return BadUrl("the database URL's port is not a number from 1 to 65535");
    }
    out.port = port;
  }
  if (host.empty()) return BadUrl("the database URL names no host");
  out.host = std::string(host);
  if (!PercentDecode(db, out.database) || out.database.empty()) {
    return BadUrl("the database URL names no database (…/DBNAME)");
  }
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    std::string key, value;
    if (!PercentDecode(pair.substr(0, eq), key) ||
        (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), value))) {
      return BadUrl("the database URL's query string has a bad percent-escape");
    }
    if (!key.empty()) out.params[key] = value;
  }
  return out;
}

}  // namespace sluice::store
