// Small helpers for adapting portable SQL text to a backend.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::store {

// Rewrites `?` placeholders to $1, $2, ... (PostgreSQL), leaving '...' literals, "..."
// identifiers and -- comments alone. `count` receives the number of placeholders.
std::string NumberPlaceholders(std::string_view sql, int* count);

// Splits a script on top-level ';' (outside quotes and comments); blank statements are dropped.
std::vector<std::string> SplitStatements(std::string_view script);

}  // namespace sluice::store
