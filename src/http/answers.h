// Small builders shared by the areas' API handlers: success answers that carry their audit
// target, and the JSON-schema fragments the OpenAPI document is made of.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "http/message.h"

namespace sluice::http {

// 201 with `body`; `target` names the changed object in the audit log.
inline Response Created(const Json& body, std::string target,
                        std::optional<int64_t> team_id = std::nullopt) {
  Response response = JsonResponse(201, body);
  response.audit_target = std::move(target);
  response.audit_team_id = team_id;
  return response;
}

inline Response Ok(const Json& body, std::string target = {},
                   std::optional<int64_t> team_id = std::nullopt, int status = 200) {
  Response response = JsonResponse(status, body);
  response.audit_target = std::move(target);
  response.audit_team_id = team_id;
  return response;
}

inline Response NoContent(std::string target, std::optional<int64_t> team_id = std::nullopt) {
  Response response;
  response.status = 204;
  response.content_type = "application/json";
  response.audit_target = std::move(target);
  response.audit_team_id = team_id;
  return response;
}

// Clips user input echoed in messages to 40 characters and blanks control characters.
inline std::string Echo(std::string_view text) {
  std::string out(text.substr(0, 40));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return text.size() > 40 ? out + "..." : out;
}

// Schema of a list answer {"items": [item...], "total": N}.
inline Json ListOf(const Json& item) {
  return {{"type", "object"},
          {"properties",
           {{"items", {{"type", "array"}, {"items", item}}}, {"total", {{"type", "integer"}}}}}};
}

// Schema of an object with the given (name, JSON type) fields and no others.
inline Json ObjectWith(std::initializer_list<std::pair<const char*, const char*>> fields,
                       std::vector<std::string> required = {}) {
  Json properties = Json::object();
  for (const auto& [name, type] : fields) properties[name] = {{"type", type}};
  Json schema = {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
  if (!required.empty()) schema["required"] = required;
  return schema;
}

}  // namespace sluice::http
