// The Flink homes a test run provisioned: SLUICE_TEST_FLINK_HOMES, colon-separated, 1.20.5
// first (`make test` sets it). Tests that need Flink fail when it is unset; they never skip.
#pragma once

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "flink/flink_home.h"

namespace sluice::testing {

inline std::vector<std::string> FlinkHomes() {
  std::vector<std::string> homes;
  const char* env = std::getenv("SLUICE_TEST_FLINK_HOMES");
  if (env == nullptr) return homes;
  std::stringstream list(env);
  std::string home;
  while (std::getline(list, home, ':')) {
    if (!home.empty()) homes.push_back(home);
  }
  return homes;
}

// The provisioned home of Flink `version` ("1.20.5"); "" when there is none.
inline std::string FlinkHomeOfVersion(const std::string& version) {
  for (const std::string& home : FlinkHomes()) {
    auto inspected = flink::InspectFlinkHome(home);
    if (inspected.ok() && inspected->version.text == version) return home;
  }
  return "";
}

}  // namespace sluice::testing
