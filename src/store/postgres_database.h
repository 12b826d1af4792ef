// PostgreSQL backend (libpq) behind the common Database interface.
//
// Statements are prepared once per connection (`?` rewritten to $1, $2, ...) and executed with
// text-format parameters; the server infers each parameter's type from the statement. Columns of
// type int2/int4/int8/oid read as int64_t, bool as 0/1, float4/float8/numeric as double,
// everything else as text. ExecScript runs the whole script in one PQexec (several statements;
// inside Transaction they share its transaction) and forgets the connection's cached statements.
// A cached statement whose result columns changed (e.g. SELECT * after ALTER TABLE elsewhere) is
// prepared again and retried once when no transaction is open; inside a transaction the error
// (STORE_QUERY_FAILED) aborts it.
#pragma once

#include <memory>

#include "store/database.h"
#include "store/database_url.h"

namespace sluice::store {

// Connects to the server named by `url` with PQconnectdbParams: host, port, dbname, user,
// password, connect_timeout = options.connect_timeout_s, application_name=sluice,
// client_encoding=UTF8, then every URL query parameter as a libpq keyword (e.g. sslmode; a later
// value overrides an earlier one). One connection is opened now, to fail fast; the pool grows to
// options.pool_size. STORE_BAD_URL for a query parameter that is no libpq keyword;
// STORE_UNAVAILABLE when it cannot connect or log in (the message names host, port and user,
// never the password) or when the database's encoding is not UTF8.
Result<std::unique_ptr<Database>> OpenPostgresDatabase(const DatabaseUrl& url,
                                                       const DatabaseOptions& options);

}  // namespace sluice::store
