// What a build produced: the jars Maven left in each module's target/ folder, with the main class
// their manifest names (read with libzip).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace sluice::projects {

struct Artifact {
  std::string module;      // the module's folder relative to the checkout, "." for the root
  std::string jar;         // the file name, e.g. "jobs-1.0.jar"
  std::string path;        // where Sluice keeps it (never shown in answers)
  std::string main_class;  // Main-Class of META-INF/MANIFEST.MF, "" when none
  int64_t size = 0;
};

// The Main-Class of a manifest's text ("" when absent); continuation lines are joined.
std::string ManifestMainClass(std::string_view manifest);
// Reads the jar's manifest. "" when the jar has none or no Main-Class; INTERNAL when the file is
// not a zip archive.
Result<std::string> JarMainClass(const std::string& jar_path);

// The jars under <checkout>/**/target/ (folders holding a pom.xml, at most 6 levels deep, .git
// skipped), except sources, javadoc, tests and the shade plugin's original-*.jar. `path` is the
// file in the checkout.
std::vector<Artifact> ScanArtifacts(const std::string& checkout);

// {"module","jar","main_class","size"} (no path).
Json ArtifactJson(const Artifact& artifact);

}  // namespace sluice::projects
