// What the connectors and formats on a classpath accept: each table factory's identifier and its
// required and optional option keys, as the SQL runner reads them from the jars
// (`SqlRunner --serve`, request `factories`; runner/README.md). The lint judges a table's WITH
// options against it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace sluice::sql {

struct FactoryInfo {
  std::string identifier;          // 'connector' = ... or 'format' = ...
  std::vector<std::string> kinds;  // "source", "sink", "format" (several for one factory)
  std::vector<std::string> required;
  std::vector<std::string> optional;  // fallback (deprecated) keys included
  bool IsFormat() const;
  bool IsConnector() const;
  bool Knows(std::string_view key) const;
};

class ConnectorCatalog {
 public:
  ConnectorCatalog() = default;
  // From the runner's answer {"factories": [{"identifier","kinds","required","optional"}]}.
  // INVALID_ARGUMENT when it is not of that shape.
  static Result<ConnectorCatalog> FromJson(const Json& json);
  Json ToJson() const;

  void Add(FactoryInfo info);
  // nullptr when no factory has the identifier (a connector when `format` is false).
  const FactoryInfo* Connector(std::string_view identifier) const;
  const FactoryInfo* Format(std::string_view identifier) const;
  std::vector<std::string> ConnectorIds() const;
  std::vector<std::string> FormatIds() const;
  bool empty() const { return connectors_.empty() && formats_.empty(); }

 private:
  std::map<std::string, FactoryInfo, std::less<>> connectors_;
  std::map<std::string, FactoryInfo, std::less<>> formats_;
};

}  // namespace sluice::sql
