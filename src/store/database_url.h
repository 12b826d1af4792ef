// Parsing of database URLs (see OpenDatabase for the accepted forms).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/database.h"

namespace sluice::store {

struct DatabaseUrl {
  Dialect dialect = Dialect::kSqlite;
  std::string path;  // SQLite: file path
  std::string host;
  int port = 0;  // 0: the driver's default
  std::string user;
  std::string password;  // percent-decoded; never log it
  std::string database;
  std::map<std::string, std::string> params;  // query string, percent-decoded
};

// STORE_BAD_URL with a message naming the problem (the password is never echoed).
Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url);

}  // namespace sluice::store
