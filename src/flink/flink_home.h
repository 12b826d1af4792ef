// What a Flink home (a Flink distribution's folder) is, read from disk: its exact version, which
// configuration file its processes read, and that file's content. Flink environments are
// registered by path and validated here, before anything is stored.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice::flink {

// A Flink version as "major.minor.patch" plus an optional suffix ("1.20.5", "2.0.2",
// "2.1-SNAPSHOT").
struct FlinkVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string text;  // as found, e.g. "1.20.5"

  // "1.20" for "1.20.5".
  std::string MajorMinor() const;
  bool AtLeast(int major_wanted, int minor_wanted) const {
    return major > major_wanted || (major == major_wanted && minor >= minor_wanted);
  }
};

// Parses "1.20.5", "2.0", "1.19-SNAPSHOT". nullopt when it is not a version.
std::optional<FlinkVersion> ParseFlinkVersion(std::string_view text);

// The file a Flink version's processes read in conf/: 1.19 and 1.20 read flink-conf.yaml when it
// exists and config.yaml otherwise; 2.x reads only config.yaml; older versions only
// flink-conf.yaml.
inline constexpr std::string_view kLegacyConfigFile = "flink-conf.yaml";
inline constexpr std::string_view kStandardConfigFile = "config.yaml";

struct FlinkHome {
  std::string home;         // absolute, symlinks resolved
  FlinkVersion version;     // from lib/flink-dist*.jar
  std::string dist_jar;     // file name of the dist jar
  std::string config_file;  // "config.yaml" or "flink-conf.yaml": the one its processes read
  std::string config_text;  // that file's content
};

// Oldest Flink version Sluice accepts.
inline constexpr int kOldestMajor = 1;
inline constexpr int kOldestMinor = 15;

// Reads and validates the Flink home at `path` (absolute). FLINK_HOME_INVALID (field "home") with
// a message that names what is wrong: not absolute, no such folder, no bin/flink, no or two
// lib/flink-dist*.jar, a version older than 1.15, no config file (or a 2.x home with only
// flink-conf.yaml), a config file that cannot be read or is larger than 1 MiB.
Result<FlinkHome> InspectFlinkHome(std::string_view path);

// Flink configuration as flat "key: value" pairs, the form every version accepts.
using FlatConfig = std::map<std::string, std::string>;

// Reads a configuration file's text. `config_file` picks the dialect: flink-conf.yaml is Flink's
// legacy "key: value" line format (comments with '#'); config.yaml is standard YAML whose nested
// maps are flattened with '.' and whose lists become "a;b" (Flink's list syntax).
// INVALID_ARGUMENT when config.yaml is not valid YAML or not a mapping.
Result<FlatConfig> ParseFlinkConfig(std::string_view text, std::string_view config_file);

// Writes `config` in the dialect of `config_file`, one flat key per line, sorted. config.yaml
// values are double-quoted YAML strings (Flink converts them to the option's type).
std::string RenderFlinkConfig(const FlatConfig& config, std::string_view config_file);

// Checks a user-supplied configuration key and value: keys are dotted names of letters, digits,
// '.', '-' and '_'; neither holds a line break or other control characters.
Status ValidateConfigEntry(std::string_view key, std::string_view value);

}  // namespace sluice::flink
