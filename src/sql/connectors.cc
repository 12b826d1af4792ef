#include "sql/connectors.h"

#include <algorithm>

namespace sluice::sql {

namespace {

bool Has(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Result<std::vector<std::string>> Strings(const Json& object, const char* field) {
  std::vector<std::string> out;
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_array())
    return Error(ErrorCode::INVALID_ARGUMENT, std::string("'") + field + "' must be a list", field);
  for (const Json& v : *it) {
    if (!v.is_string())
      return Error(ErrorCode::INVALID_ARGUMENT, std::string("'") + field + "' must hold strings",
                   field);
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

bool FactoryInfo::IsFormat() const { return Has(kinds, "format"); }
bool FactoryInfo::IsConnector() const { return Has(kinds, "source") || Has(kinds, "sink"); }
bool FactoryInfo::Knows(std::string_view key) const {
  return Has(required, key) || Has(optional, key);
}

Result<ConnectorCatalog> ConnectorCatalog::FromJson(const Json& json) {
  if (!json.is_object() || !json.contains("factories") || !json["factories"].is_array())
    return Error(ErrorCode::INVALID_ARGUMENT, "expected {\"factories\": [...]}", "factories");
  ConnectorCatalog catalog;
  for (const Json& f : json["factories"]) {
    if (!f.is_object() || !f.contains("identifier") || !f["identifier"].is_string())
      return Error(ErrorCode::INVALID_ARGUMENT, "each factory needs a string 'identifier'",
                   "factories");
    FactoryInfo info;
    info.identifier = f["identifier"].get<std::string>();
    SLUICE_ASSIGN_OR_RETURN(info.kinds, Strings(f, "kinds"));
    SLUICE_ASSIGN_OR_RETURN(info.required, Strings(f, "required"));
    SLUICE_ASSIGN_OR_RETURN(info.optional, Strings(f, "optional"));
    catalog.Add(std::move(info));
  }
  return catalog;
}

Json ConnectorCatalog::ToJson() const {
  Json list = Json::array();
  auto put = [&](const FactoryInfo& f) {
    list.push_back({{"identifier", f.identifier},
                    {"kinds", f.kinds},
                    {"required", f.required},
                    {"optional", f.optional}});
  };
  for (const auto& [id, f] : connectors_) put(f);
  for (const auto& [id, f] : formats_) {
    if (!f.IsConnector()) put(f);
  }
  return {{"factories", list}};
}

void ConnectorCatalog::Add(FactoryInfo info) {
  // One identifier may be both a connector and a format (rare); keep the union of what is known.
  auto merge = [](std::map<std::string, FactoryInfo, std::less<>>& into, const FactoryInfo& f) {
    auto [it, inserted] = into.emplace(f.identifier, f);
    if (inserted) return;
    for (const auto& k : f.kinds)
      if (!Has(it->second.kinds, k)) it->second.kinds.push_back(k);
    for (const auto& k : f.required)
      if (!Has(it->second.required, k)) it->second.required.push_back(k);
    for (const auto& k : f.optional)
      if (!Has(it->second.optional, k)) it->second.optional.push_back(k);
  };
  if (info.IsFormat()) merge(formats_, info);
  if (info.IsConnector()) merge(connectors_, info);
}

const FactoryInfo* ConnectorCatalog::Connector(std::string_view identifier) const {
  auto it = connectors_.find(identifier);
  return it == connectors_.end() ? nullptr : &it->second;
}

const FactoryInfo* ConnectorCatalog::Format(std::string_view identifier) const {
  auto it = formats_.find(identifier);
  return it == formats_.end() ? nullptr : &it->second;
}

std::vector<std::string> ConnectorCatalog::ConnectorIds() const {
  std::vector<std::string> out;
  for (const auto& [id, f] : connectors_) out.push_back(id);
  return out;
}

std::vector<std::string> ConnectorCatalog::FormatIds() const {
  std::vector<std::string> out;
  for (const auto& [id, f] : formats_) out.push_back(id);
  return out;
}

}  // namespace sluice::sql
