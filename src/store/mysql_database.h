// MySQL-protocol backend (MariaDB Connector/C) behind the common Database interface. The server
// must be MariaDB >= 10.5 (portable SQL uses INSERT ... RETURNING, which MySQL lacks) with a
// utf8mb4 database; utf8mb4_bin collation gives the exact comparisons of PostgreSQL and SQLite.
//
// Statements are prepared once per connection (server-side prepared statements, `?` as is).
// Integer columns read as int64_t, FLOAT/DOUBLE/DECIMAL as double, everything else as text.
// Each session runs with time_zone '+00:00', READ COMMITTED, and sql_mode STRICT_ALL_TABLES,
// NO_BACKSLASH_ESCAPES ('\' is an ordinary character in literals) and PIPES_AS_CONCAT (`||`
// concatenates); ANSI_QUOTES stays off, so portable SQL puts no identifier in double quotes.
// UPDATE's `affected` counts matched rows (CLIENT_FOUND_ROWS), as on the other backends.
// ExecScript splits the script on top-level ';' and runs the statements one by one; DDL commits
// implicitly (see migrations.h). A cached SELECT whose result columns changed after a schema
// change is prepared again and rerun once; other statements then fail with STORE_QUERY_FAILED.
#pragma once

#include <memory>

#include "store/database.h"
#include "store/database_url.h"

namespace sluice::store {

// Connects to the server named by `url` (utf8mb4, connect timeout options.connect_timeout_s).
// One connection is opened now, to fail fast; the pool grows to options.pool_size.
// STORE_BAD_URL when the URL has query parameters (none are supported, so none is ignored);
// STORE_UNAVAILABLE when it cannot connect or log in (the message names host, port and user,
// never the password), when the server is not MariaDB >= 10.5, or when the database's character
// set is not utf8mb4.
Result<std::unique_ptr<Database>> OpenMysqlDatabase(const DatabaseUrl& url,
                                                    const DatabaseOptions& options);

}  // namespace sluice::store
