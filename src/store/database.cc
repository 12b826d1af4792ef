#include "store/database.h"

#include <charconv>

namespace sluice::store {

std::string_view DialectName(Dialect dialect) {
  switch (dialect) {
    case Dialect::kSqlite:
      return "sqlite";
    case Dialect::kPostgres:
      return "postgresql";
    case Dialect::kMysql:
      return "mysql";
  }
  return "unknown";
}

int Rows::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

namespace {
const Value* Cell(const Rows& rows, size_t row, std::string_view name) {
  int index = rows.ColumnIndex(name);
  if (index < 0 || row >= rows.rows.size()) return nullptr;
  return &rows.rows[row][static_cast<size_t>(index)];
}
}  // namespace

std::optional<int64_t> Rows::OptionalInt(size_t row, std::string_view name) const {
  const Value* v = Cell(*this, row, name);
  if (v == nullptr) return std::nullopt;
  if (const auto* i = std::get_if<int64_t>(v)) return *i;
  if (const auto* d = std::get_if<double>(v)) return static_cast<int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(v)) {
    int64_t out = 0;
    auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc() && ptr == s->data() + s->size()) return out;
  }
  return std::nullopt;
}

int64_t Rows::Int(size_t row, std::string_view name) const {
  return OptionalInt(row, name).value_or(0);
}

std::string Rows::Text(size_t row, std::string_view name) const {
  const Value* v = Cell(*this, row, name);
  if (v == nullptr) return {};
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  if (const auto* i = std::get_if<int64_t>(v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(v)) return std::to_string(*d);
  return {};
}

bool Rows::IsNull(size_t row, std::string_view name) const {
  const Value* v = Cell(*this, row, name);
  return v == nullptr || std::holds_alternative<std::monostate>(*v);
}

}  // namespace sluice::store

#include "store/database_url.h"
#include "store/mysql_database.h"
#include "store/postgres_database.h"
#include "store/sqlite_database.h"

namespace sluice::store {

Result<std::unique_ptr<Database>> OpenDatabase(std::string_view url,
                                               const DatabaseOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(DatabaseUrl parsed, ParseDatabaseUrl(url));
  switch (parsed.dialect) {
    case Dialect::kSqlite:
      return OpenSqliteDatabase(parsed.path, options);
    case Dialect::kPostgres:
      return OpenPostgresDatabase(parsed, options);
    case Dialect::kMysql:
      return OpenMysqlDatabase(parsed, options);
  }
  return Error(ErrorCode::STORE_BAD_URL, "unknown database kind", "db");
}

}  // namespace sluice::store
