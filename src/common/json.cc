#include "common/json.h"

#include <fmt/format.h>

namespace sluice {

Result<Json> ParseJsonObject(std::string_view body) {
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Error(ErrorCode::BAD_JSON, "the request body is not valid JSON");
  }
  if (!parsed.is_object()) {
    return Error(ErrorCode::BAD_JSON, "the request body must be a JSON object");
  }
  return parsed;
}

namespace {
const Json* Find(const Json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}
Error WrongType(std::string_view field, std::string_view type) {
  return Error(ErrorCode::INVALID_ARGUMENT, fmt::format("field '{}' must be {}", field, type),
               std::string(field));
}
Error Missing(std::string_view field) {
  return Error(ErrorCode::INVALID_ARGUMENT, fmt::format("field '{}' is required", field),
               std::string(field));
}
}  // namespace

Result<std::string> RequireString(const Json& object, std::string_view field) {
  const Json* value = Find(object, field);
  if (value == nullptr) return Missing(field);
  if (!value->is_string()) return WrongType(field, "a string");
  return value->get<std::string>();
}

Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view field) {
  const Json* value = Find(object, field);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return WrongType(field, "a string");
  return std::optional<std::string>(value->get<std::string>());
}

Result<int64_t> RequireInt(const Json& object, std::string_view field) {
  const Json* value = Find(object, field);
  if (value == nullptr) return Missing(field);
  if (value->is_number_integer()) return value->get<int64_t>();
  return WrongType(field, "an integer");
}

Result<std::optional<int64_t>> OptionalInt(const Json& object, std::string_view field) {
  const Json* value = Find(object, field);
  if (value == nullptr) return std::optional<int64_t>();
  if (value->is_number_integer()) return std::optional<int64_t>(value->get<int64_t>());
  return WrongType(field, "an integer");
}

Result<std::optional<bool>> OptionalBool(const Json& object, std::string_view field) {
  const Json* value = Find(object, field);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_boolean()) return WrongType(field, "true or false");
  return std::optional<bool>(value->get<bool>());
}

Status RejectUnknownFields(const Json& object, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, unused] : object.items()) {
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (!known) {
      return Error(ErrorCode::INVALID_ARGUMENT, fmt::format("unknown field '{}'", key), key);
    }
  }
  return Status::Ok();
}

}  // namespace sluice
