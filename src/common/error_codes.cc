#include "common/error_codes.h"

namespace sluice {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
#define SLUICE_ERROR_NAME(name, number, status) \
  case ErrorCode::name:                         \
    return #name;
    SLUICE_ERROR_CODES(SLUICE_ERROR_NAME)
#undef SLUICE_ERROR_NAME
  }
  return "INTERNAL";
}

int ErrorCodeHttpStatus(ErrorCode code) {
  switch (code) {
#define SLUICE_ERROR_STATUS(name, number, status) \
  case ErrorCode::name:                           \
    return status;
    SLUICE_ERROR_CODES(SLUICE_ERROR_STATUS)
#undef SLUICE_ERROR_STATUS
  }
  return 500;
}

std::optional<ErrorCode> ErrorCodeFromName(std::string_view name) {
#define SLUICE_ERROR_LOOKUP(ident, number, status) \
  if (name == #ident) return ErrorCode::ident;
  SLUICE_ERROR_CODES(SLUICE_ERROR_LOOKUP)
#undef SLUICE_ERROR_LOOKUP
  return std::nullopt;
}

}  // namespace sluice
