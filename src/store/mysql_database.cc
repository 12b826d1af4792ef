#include "store/mysql_database.h"

namespace sluice::store {

// Placeholder until the backend lands.
Result<std::unique_ptr<Database>> OpenMysqlDatabase(const DatabaseUrl&, const DatabaseOptions&) {
  return Error(ErrorCode::STORE_BAD_URL, "this database kind is not supported yet", "db");
}

}  // namespace sluice::store
