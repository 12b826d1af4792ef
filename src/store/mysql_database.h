// Mysql backend (libpq / MariaDB Connector/C) behind the common Database interface.
#pragma once

#include <memory>

#include "store/database.h"
#include "store/database_url.h"

namespace sluice::store {

// Connects to the server named by `url` (one connection at once, to fail fast), with a pool of
// at most options.pool_size connections. STORE_UNAVAILABLE when it cannot connect or log in.
Result<std::unique_ptr<Database>> OpenMysqlDatabase(const DatabaseUrl& url,
                                                      const DatabaseOptions& options);

}  // namespace sluice::store
