// Helpers for reading request bodies: typed field access that answers a clear INVALID_ARGUMENT
// naming the field, instead of nlohmann's exceptions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice {

using Json = nlohmann::json;

// Parses a request body that must be a JSON object. BAD_JSON when it is not JSON or not an object.
Result<Json> ParseJsonObject(std::string_view body);

// Reads a required string field. INVALID_ARGUMENT (field set) when missing, null or not a string.
Result<std::string> RequireString(const Json& object, std::string_view field);
// Reads an optional string field: nullopt when absent or null; error when of another type.
Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view field);
// Reads a required integer field (JSON number without fraction that fits in int64).
Result<int64_t> RequireInt(const Json& object, std::string_view field);
Result<std::optional<int64_t>> OptionalInt(const Json& object, std::string_view field);
Result<std::optional<bool>> OptionalBool(const Json& object, std::string_view field);

// Rejects fields not in `allowed`, so typos are reported instead of silently ignored.
Status RejectUnknownFields(const Json& object, std::initializer_list<std::string_view> allowed);

}  // namespace sluice
