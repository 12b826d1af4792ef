// SQLite backend: the embedded default. Each pooled connection opens the same file; WAL mode lets
// readers run beside the one writer, and the busy timeout makes writers queue instead of failing.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace sluice::store {

// Opens (creating when missing) the SQLite file at `path` with WAL, foreign keys, synchronous=FULL
// and the busy timeout from `options`. STORE_UNAVAILABLE when the file cannot be opened.
Result<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path,
                                                     const DatabaseOptions& options);

}  // namespace sluice::store
