// Logging: spdlog with levels, and optionally one JSON object a line.
//
// Never log a password, token or other secret: pass URLs through MaskUrlCredentials and free text
// that may hold secrets through RedactSecrets before logging it.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice {

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, off
  bool json = false;           // one JSON object a line instead of plain text
};

// Configures the default spdlog logger (to stderr). INVALID_ARGUMENT for an unknown level.
Status InitLogging(const LogOptions& options);

// "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db". Other text is unchanged.
std::string MaskUrlCredentials(std::string_view url);

// Masks values that look secret in free text: URL credentials, "Bearer <token>", Sluice tokens
// (sls_/slt_ prefixes) and `password=`/`secret=`/`token=` style assignments.
std::string RedactSecrets(std::string_view text);

}  // namespace sluice
