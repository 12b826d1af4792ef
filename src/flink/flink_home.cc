#include "flink/flink_home.h"

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

namespace sluice::flink {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxConfigBytes = 1u << 20;

Error Invalid(std::string message) {
  return Error(ErrorCode::FLINK_HOME_INVALID, std::move(message), "home");
}

// Clips a path echoed in a message.
std::string Shown(std::string_view path) {
  std::string out(path.substr(0, 200));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return path.size() > 200 ? out + "..." : out;
}

bool ParseInt(std::string_view text, int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::optional<std::string> ReadSmallFile(const fs::path& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) return std::nullopt;
  }
  return text;
}

void Flatten(const YAML::Node& node, const std::string& prefix, FlatConfig& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      std::string key = entry.first.as<std::string>();
      Flatten(entry.second, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else if (node.IsSequence()) {
    std::string joined;
    for (const auto& item : node) {
      if (!joined.empty()) joined += ";";
      joined += item.IsScalar() ? item.as<std::string>() : YAML::Dump(item);
    }
    out[prefix] = joined;
  } else if (node.IsScalar()) {
    out[prefix] = node.as<std::string>();
  } else if (node.IsNull()) {
    out[prefix] = "";
  }
}

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

std::string FlinkVersion::MajorMinor() const { return fmt::format("{}.{}", major, minor); }

std::optional<FlinkVersion> ParseFlinkVersion(std::string_view text) {
  static const std::regex kVersion(R"(^(\d+)\.(\d+)(?:\.(\d+))?(-[A-Za-z0-9.]+)?$)");
  std::string s(text);
  std::smatch m;
  if (!std::regex_match(s, m, kVersion)) return std::nullopt;
  FlinkVersion v;
  v.text = s;
  if (!ParseInt(m.str(1), v.major) || !ParseInt(m.str(2), v.minor)) return std::nullopt;
  if (m[3].matched && !ParseInt(m.str(3), v.patch)) return std::nullopt;
  return v;
}

Result<FlinkHome> InspectFlinkHome(std::string_view path) {
  if (path.empty()) return Invalid("field 'home' is empty: give the absolute path of a Flink home");
  if (path.front() != '/') {
    return Invalid(fmt::format("'{}' is not an absolute path", Shown(path)));
  }
  std::error_code ec;
  fs::path home = fs::canonical(fs::path(path), ec);
  if (ec || !fs::is_directory(home, ec)) {
    return Invalid(fmt::format("'{}' is not a folder on this machine", Shown(path)));
  }
  fs::path flink_cli = home / "bin" / "flink";
  if (!fs::is_regular_file(flink_cli, ec) || ::access(flink_cli.c_str(), X_OK) != 0) {
    return Invalid(fmt::format("'{}' is not a Flink home: it has no executable bin/flink",
                               Shown(home.string())));
  }
  if (!fs::is_directory(home / "lib", ec)) {
    return Invalid(
        fmt::format("'{}' is not a Flink home: it has no lib/ folder", Shown(home.string())));
  }

  static const std::regex kDistJar(R"(^flink-dist(?:_2\.1[0-9])?-(.+)\.jar$)");
  std::vector<std::pair<std::string, std::string>> dist_jars;  // file name, version text
  for (const auto& entry : fs::directory_iterator(home / "lib", ec)) {
    std::string name = entry.path().filename().string();
    std::smatch m;
    if (std::regex_match(name, m, kDistJar)) dist_jars.emplace_back(name, m.str(1));
  }
  std::sort(dist_jars.begin(), dist_jars.end());
  if (dist_jars.empty()) {
    return Invalid(
        fmt::format("'{}' is not a Flink home: lib/ has no flink-dist jar", Shown(home.string())));
  }
  if (dist_jars.size() > 1) {
    return Invalid(fmt::format(
        "'{}' has {} flink-dist jars in lib/ ({}, {}): keep exactly one, or Flink's classpath is "
        "ambiguous",
        Shown(home.string()), dist_jars.size(), dist_jars[0].first, dist_jars[1].first));
  }
  auto version = ParseFlinkVersion(dist_jars[0].second);
  if (!version) {
    return Invalid(fmt::format("cannot read a Flink version from lib/{}", dist_jars[0].first));
  }
  if (!version->AtLeast(kOldestMajor, kOldestMinor)) {
    return Invalid(fmt::format("Flink {} is too old: Sluice supports {}.{} and newer",
                               version->text, kOldestMajor, kOldestMinor));
  }

  fs::path conf = home / "conf";
  bool has_legacy = fs::is_regular_file(conf / kLegacyConfigFile, ec);
  bool has_standard = fs::is_regular_file(conf / kStandardConfigFile, ec);
  std::string config_file;
  if (version->major >= 2) {
    if (!has_standard) {
      return Invalid(fmt::format(
          "Flink {} reads only conf/config.yaml, and '{}' has none{}", version->text,
          Shown(home.string()),
          has_legacy ? " (it has a flink-conf.yaml: migrate it with bin/migrate-config-file.sh)"
                     : ""));
    }
    config_file = kStandardConfigFile;
  } else if (version->AtLeast(1, 19)) {
    if (has_legacy) {
      config_file = kLegacyConfigFile;
    } else if (has_standard) {
      config_file = kStandardConfigFile;
    }
  } else if (has_legacy) {
    config_file = kLegacyConfigFile;
  }
  if (config_file.empty()) {
    return Invalid(fmt::format("'{}' has no configuration file in conf/ (Flink {} reads {})",
                               Shown(home.string()), version->text,
                               version->AtLeast(1, 19) ? "config.yaml" : "flink-conf.yaml"));
  }
  auto text = ReadSmallFile(conf / config_file, kMaxConfigBytes);
  if (!text) {
    return Invalid(fmt::format("cannot read conf/{} in '{}' (unreadable, or over 1 MiB)",
                               config_file, Shown(home.string())));
  }
  auto parsed = ParseFlinkConfig(*text, config_file);
  if (!parsed.ok()) {
    return Invalid(fmt::format("conf/{} in '{}' is not valid: {}", config_file,
                               Shown(home.string()), parsed.error().message));
  }
  FlinkHome result;
  result.home = home.string();
  result.version = *version;
  result.dist_jar = dist_jars[0].first;
  result.config_file = config_file;
  result.config_text = std::move(*text);
  return result;
}

Result<FlatConfig> ParseFlinkConfig(std::string_view text, std::string_view config_file) {
  FlatConfig out;
  if (config_file == kLegacyConfigFile) {
    // Flink's legacy reader: "key: value" per line, '#' starts a comment, lines without ": "
    // are ignored.
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
      if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      auto colon = line.find(": ");
      if (colon == std::string::npos) continue;
      std::string key = Trim(std::string_view(line).substr(0, colon));
      std::string value = Trim(std::string_view(line).substr(colon + 2));
      if (!key.empty()) out[key] = value;
    }
    return out;
  }
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) return out;
    if (!root.IsMap()) {
      return Error(ErrorCode::INVALID_ARGUMENT, "the configuration is not a YAML mapping");
    }
    Flatten(root, "", out);
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("YAML error at line {}: {}", e.mark.line + 1, e.msg));
  }
  return out;
}

std::string RenderFlinkConfig(const FlatConfig& config, std::string_view config_file) {
  std::string out = "# Written by Sluice. Changes here are replaced at the next start.\n";
  for (const auto& [key, value] : config) {
    if (config_file == kLegacyConfigFile) {
      out += fmt::format("{}: {}\n", key, value);
    } else {
      YAML::Emitter emitter;
      emitter << YAML::DoubleQuoted << value;
      out += fmt::format("{}: {}\n", key, emitter.c_str());
    }
  }
  return out;
}

Status ValidateConfigEntry(std::string_view key, std::string_view value) {
  bool key_ok = !key.empty() && key.size() <= 256;
  for (char c : key) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '-' || c == '_';
    key_ok = key_ok && allowed;
  }
  if (!key_ok) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("configuration key '{}' is not valid: use letters, digits, '.', "
                             "'-' and '_'",
                             Shown(key)),
                 "config");
  }
  if (value.size() > 8192) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("the value of '{}' is longer than 8192 characters", key), "config");
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   fmt::format("the value of '{}' contains a line break or control character", key),
                   "config");
    }
  }
  return Status::Ok();
}

}  // namespace sluice::flink
