#include "resources/maven_resolver.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/json.h"
#include "resources/file_hash.h"

namespace sluice::resources {

namespace fs = std::filesystem;

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

bool IdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// The character rule of maven_resolver.h for one part; `wildcard` allows "*".
Status CheckPart(std::string_view value, std::string_view part, std::string_view field,
                 bool wildcard = false) {
  if (wildcard && value == "*") return Status::Ok();
  if (value.empty()) {
    return Error(ErrorCode::INVALID_ARGUMENT, fmt::format("the {} is empty", part),
                 std::string(field));
  }
  if (value.size() > 200) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("the {} is longer than 200 characters", part), std::string(field));
  }
  for (char c : value) {
    if (!IdChar(c)) {
      std::string shown = std::isprint(static_cast<unsigned char>(c))
                              ? fmt::format("'{}'", c)
                              : fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
      return Error(ErrorCode::INVALID_ARGUMENT,
                   fmt::format("the {} '{}' holds {}, which is not allowed (letters, digits, "
                               "'_', '.' and '-' are)",
                               part, value.substr(0, 60), shown),
                   std::string(field));
    }
  }
  if (value.front() == '.') {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("the {} '{}' starts with '.'", part, value.substr(0, 60)),
                 std::string(field));
  }
  return Status::Ok();
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string Hex(const unsigned char* bytes, size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) out += fmt::format("{:02x}", bytes[i]);
  return out;
}

Error Invalid(std::string message, std::string field) {
  return Error(ErrorCode::DEPENDENCY_INVALID, std::move(message), std::move(field));
}

// A coordinate as Resolve works with it: sorted exclusions, effective transitivity.
struct Normalized {
  MavenCoordinate coordinate;
  bool transitive = true;
};

std::string CanonicalText(const std::vector<MavenCoordinate>& coordinates,
                          const ResolveOptions& options) {
  std::string text = "sluice-resolve-v1\nrepository=" + options.repository_url + "\nscopes=";
  std::vector<std::string> scopes = options.scopes;
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  for (const auto& scope : scopes) text += scope + ",";
  text += "\n";
  for (const auto& c : coordinates) {
    text += c.ToString();
    text += c.transitive.value_or(options.transitive) ? " transitive" : " direct-only";
    auto exclusions = c.exclusions;
    std::sort(exclusions.begin(), exclusions.end());
    exclusions.erase(std::unique(exclusions.begin(), exclusions.end()), exclusions.end());
    for (const auto& [g, a] : exclusions) text += " -" + g + ":" + a;
    text += "\n";
  }
  return text;
}

std::string StripAnsi(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b') {
      // CSI: ESC [ parameters final-byte(0x40-0x7e)
      if (i + 1 < text.size() && text[i + 1] == '[') {
        size_t j = i + 2;
        while (j < text.size() && !(text[j] >= 0x40 && text[j] <= 0x7e)) ++j;
        i = j;
        continue;
      }
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

bool ArtifactTokenChar(char c) { return IdChar(c) || c == ':'; }

// The artifact named right after `at` (e.g. after "Could not find artifact ").
std::string TokenAfter(std::string_view line, size_t at) {
  size_t end = at;
  while (end < line.size() && ArtifactTokenChar(line[end])) ++end;
  std::string token(line.substr(at, end - at));
  while (!token.empty() && (token.back() == ':' || token.back() == '.')) token.pop_back();
  return std::count(token.begin(), token.end(), ':') >= 2 ? token : std::string();
}

std::string TokenBefore(std::string_view line, size_t end) {
  size_t start = end;
  while (start > 0 && ArtifactTokenChar(line[start - 1])) --start;
  std::string token(line.substr(start, end - start));
  return std::count(token.begin(), token.end(), ':') >= 2 ? token : std::string();
}

void AddUnique(std::vector<std::string>& list, std::string item) {
  if (!item.empty() && std::find(list.begin(), list.end(), item) == list.end()) {
    list.push_back(std::move(item));
  }
}

std::string Clip(std::string text, size_t max) {
  if (text.size() > max) text = text.substr(0, max) + "...";
  return text;
}

std::string JoinArtifacts(const std::vector<std::string>& artifacts) {
  std::string out;
  for (const auto& a : artifacts) out += (out.empty() ? "" : ", ") + a;
  return out;
}

bool IsVersionWord(std::string_view segment) {
  // Qualifiers seen in released versions: "-jre", "-beta-5", "-rc1", "-M2", "-SNAPSHOT", ...
  static const char* kWords[] = {"alpha",    "beta",       "rc",  "cr",      "m",   "milestone",
                                 "snapshot", "final",      "ga",  "release", "sp",  "jre",
                                 "android",  "incubating", "b",   "patch",   "jdk", "java",
                                 "preview",  "pre",        "dev", "hotfix",  "u",   "r"};
  std::string word;
  size_t i = 0;
  while (i < segment.size() && std::isalpha(static_cast<unsigned char>(segment[i]))) {
    word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(segment[i]))));
    ++i;
  }
  for (; i < segment.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(segment[i])) && segment[i] != '.') return false;
  }
  for (const char* known : kWords) {
    if (word == known) return true;
  }
  return false;
}

bool LooksLikeVersion(std::string_view text) {
  auto segments = Split(text, '-');
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string_view segment = segments[i];
    if (segment.empty()) return false;
    bool digit_first = std::isdigit(static_cast<unsigned char>(segment.front()));
    if (i == 0 && !digit_first) return false;
    if (digit_first) {
      for (char c : segment) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_') return false;
      }
    } else if (!IsVersionWord(segment)) {
      return false;
    }
  }
  return true;
}

std::string LocalRepositoryFor(const ResolveOptions& options) {
  if (!options.local_repository.empty()) return options.local_repository;
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') return std::string(home) + "/.m2/repository";
  return (fs::path(options.cache_dir) / ".m2-repository").string();
}

Status WriteFile(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    return Error(ErrorCode::INTERNAL, "cannot write the dependency cache", "",
                 "cannot write " + path.string());
  }
  return Status::Ok();
}

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Json ArtifactJson(const ResolvedArtifact& a) {
  Json out = {{"group", a.coordinate.group},
              {"artifact", a.coordinate.artifact},
              {"version", a.coordinate.version},
              {"extension", a.coordinate.extension},
              {"scope", a.scope},
              {"direct", a.direct},
              {"file", fs::path(a.path).filename().string()},
              {"size", a.size},
              {"sha256", a.sha256}};
  if (a.coordinate.classifier) out["classifier"] = *a.coordinate.classifier;
  return out;
}

// Reads a cached folder's manifest; nullopt when it is missing, unreadable or a file is gone
// (then the request is resolved again).
std::optional<Resolution> ReadCached(const fs::path& folder, const std::string& key) {
  auto text = ReadFile(folder / "manifest.json");
  if (!text) return std::nullopt;
  Json manifest = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!manifest.is_object() || !manifest.contains("artifacts") ||
      !manifest["artifacts"].is_array()) {
    return std::nullopt;
  }
  Resolution resolution;
  resolution.cache_key = key;
  resolution.folder = folder.string();
  resolution.from_cache = true;
  try {
    for (const Json& a : manifest["artifacts"]) {
      ResolvedArtifact artifact;
      artifact.coordinate.group = a.at("group").get<std::string>();
      artifact.coordinate.artifact = a.at("artifact").get<std::string>();
      artifact.coordinate.version = a.at("version").get<std::string>();
      artifact.coordinate.extension = a.at("extension").get<std::string>();
      if (a.contains("classifier"))
        artifact.coordinate.classifier = a["classifier"].get<std::string>();
      artifact.scope = a.at("scope").get<std::string>();
      artifact.direct = a.at("direct").get<bool>();
      std::string file = a.at("file").get<std::string>();
      if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..") {
        return std::nullopt;
      }
      artifact.path = (folder / file).string();
      artifact.size = a.at("size").get<uint64_t>();
      artifact.sha256 = a.at("sha256").get<std::string>();
      std::error_code ec;
      if (fs::file_size(artifact.path, ec) != artifact.size || ec) return std::nullopt;
      resolution.artifacts.push_back(std::move(artifact));
    }
  } catch (const Json::exception&) {
    return std::nullopt;
  }
  return resolution;
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  randombytes_buf(buffer.data(), buffer.size());
  return Hex(buffer.data(), buffer.size());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Coordinates

std::string MavenCoordinate::ToString() const {
  if (classifier)
    return fmt::format("{}:{}:{}:{}:{}", group, artifact, extension, *classifier, version);
  if (extension != "jar") return fmt::format("{}:{}:{}:{}", group, artifact, extension, version);
  return fmt::format("{}:{}:{}", group, artifact, version);
}

Result<MavenCoordinate> ParseCoordinate(std::string_view text) {
  text = Trim(text);
  auto parts = Split(text, ':');
  MavenCoordinate c;
  if (parts.size() == 3) {
    c.group = parts[0];
    c.artifact = parts[1];
    c.version = parts[2];
  } else if (parts.size() == 4) {
    if (!parts[2].empty() && std::isdigit(static_cast<unsigned char>(parts[2].front()))) {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   fmt::format("'{}': four parts are group:artifact:extension:version; for a "
                               "classifier write g:a:jar:classifier:v",
                               text.substr(0, 120)),
                   "coordinate");
    }
    c.group = parts[0];
    c.artifact = parts[1];
    c.extension = parts[2];
    c.version = parts[3];
  } else if (parts.size() == 5) {
    c.group = parts[0];
    c.artifact = parts[1];
    c.extension = parts[2];
    c.classifier = std::string(parts[3]);
    c.version = parts[4];
  } else {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("'{}' has {} part(s); write group:artifact:version, "
                             "group:artifact:extension:version or "
                             "group:artifact:extension:classifier:version",
                             text.substr(0, 120), parts.size()),
                 "coordinate");
  }
  SLUICE_RETURN_IF_ERROR(ValidateCoordinate(c));
  return c;
}

Result<std::pair<std::string, std::string>> ParseExclusion(std::string_view text) {
  text = Trim(text);
  auto parts = Split(text, ':');
  if (parts.size() != 2) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("exclusion '{}' must be group:artifact", text.substr(0, 120)),
                 "exclusion");
  }
  SLUICE_RETURN_IF_ERROR(CheckPart(parts[0], "exclusion's group", "exclusion", true));
  SLUICE_RETURN_IF_ERROR(CheckPart(parts[1], "exclusion's artifact", "exclusion", true));
  return std::make_pair(std::string(parts[0]), std::string(parts[1]));
}

Status ValidateCoordinate(const MavenCoordinate& c) {
  SLUICE_RETURN_IF_ERROR(CheckPart(c.group, "group", "coordinate"));
  SLUICE_RETURN_IF_ERROR(CheckPart(c.artifact, "artifact", "coordinate"));
  SLUICE_RETURN_IF_ERROR(CheckPart(c.version, "version", "coordinate"));
  SLUICE_RETURN_IF_ERROR(CheckPart(c.extension, "extension", "coordinate"));
  if (c.classifier) SLUICE_RETURN_IF_ERROR(CheckPart(*c.classifier, "classifier", "coordinate"));
  for (const auto& [g, a] : c.exclusions) {
    SLUICE_RETURN_IF_ERROR(CheckPart(g, "exclusion's group", "exclusion", true));
    SLUICE_RETURN_IF_ERROR(CheckPart(a, "exclusion's artifact", "exclusion", true));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Building blocks

std::string BuildPom(const std::vector<MavenCoordinate>& coordinates,
                     const ResolveOptions& options) {
  std::string pom =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n"
      "  <modelVersion>4.0.0</modelVersion>\n"
      "  <groupId>dev.sluice.resolve</groupId>\n"
      "  <artifactId>resolve</artifactId>\n"
      "  <version>1</version>\n"
      "  <packaging>pom</packaging>\n"
      "  <repositories>\n"
      "    <repository>\n"
      "      <id>sluice</id>\n"
      "      <url>" +
      XmlEscape(options.repository_url) +
      "</url>\n"
      "    </repository>\n"
      "  </repositories>\n"
      "  <dependencies>\n";
  for (const auto& c : coordinates) {
    pom += "    <dependency>\n";
    pom += "      <groupId>" + XmlEscape(c.group) + "</groupId>\n";
    pom += "      <artifactId>" + XmlEscape(c.artifact) + "</artifactId>\n";
    pom += "      <version>" + XmlEscape(c.version) + "</version>\n";
    pom += "      <type>" + XmlEscape(c.extension) + "</type>\n";
    if (c.classifier) pom += "      <classifier>" + XmlEscape(*c.classifier) + "</classifier>\n";
    auto exclusions = c.exclusions;
    if (!c.transitive.value_or(options.transitive)) exclusions.emplace_back("*", "*");
    if (!exclusions.empty()) {
      pom += "      <exclusions>\n";
      for (const auto& [g, a] : exclusions) {
        pom += "        <exclusion><groupId>" + XmlEscape(g) + "</groupId><artifactId>" +
               XmlEscape(a) + "</artifactId></exclusion>\n";
      }
      pom += "      </exclusions>\n";
    }
    pom += "    </dependency>\n";
  }
  pom += "  </dependencies>\n</project>\n";
  return pom;
}

std::string BuildSettings(const ResolveOptions& options, const std::string& local_repository) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<settings xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\">\n"
         "  <localRepository>" +
         XmlEscape(local_repository) +
         "</localRepository>\n"
         "  <offline>false</offline>\n"
         "  <mirrors>\n"
         "    <mirror>\n"
         "      <id>sluice</id>\n"
         "      <mirrorOf>*</mirrorOf>\n"
         "      <url>" +
         XmlEscape(options.repository_url) +
         "</url>\n"
         "    </mirror>\n"
         "  </mirrors>\n"
         "</settings>\n";
}

std::string CacheKey(const std::vector<MavenCoordinate>& coordinates,
                     const ResolveOptions& options) {
  std::string text = CanonicalText(coordinates, options);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return Hex(digest, sizeof digest);
}

Result<std::vector<ListedArtifact>> ParseDependencyList(std::string_view text) {
  std::vector<ListedArtifact> out;
  for (std::string_view raw : Split(text, '\n')) {
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (raw.empty() || !std::isspace(static_cast<unsigned char>(raw.front()))) continue;
    std::string_view line = Trim(raw);
    if (line.empty() || line == "none") continue;
    auto bad = [&] {
      return Error(ErrorCode::DEPENDENCY_RESOLVE_FAILED,
                   "Maven's dependency list holds a line Sluice cannot read", "",
                   std::string(line.substr(0, 500)));
    };
    if (size_t module = line.find(" -- "); module != std::string_view::npos) {
      line = Trim(line.substr(0, module));
    }
    constexpr std::string_view kOptional = " (optional)";
    if (line.size() > kOptional.size() &&
        line.substr(line.size() - kOptional.size()) == kOptional) {
      line.remove_suffix(kOptional.size());
    }
    size_t path_at = line.find(":/");
    if (path_at == std::string_view::npos) return bad();
    ListedArtifact listed;
    listed.path = std::string(line.substr(path_at + 1));
    auto parts = Split(line.substr(0, path_at), ':');
    MavenCoordinate& c = listed.coordinate;
    if (parts.size() == 5) {
      c.group = parts[0];
      c.artifact = parts[1];
      c.extension = parts[2];
      c.version = parts[3];
      listed.scope = parts[4];
    } else if (parts.size() == 6) {
      c.group = parts[0];
      c.artifact = parts[1];
      c.extension = parts[2];
      c.classifier = std::string(parts[3]);
      c.version = parts[4];
      listed.scope = parts[5];
    } else {
      return bad();
    }
    if (!ValidateCoordinate(c).ok() || listed.scope.empty()) return bad();
    out.push_back(std::move(listed));
  }
  return out;
}

Error MavenFailureError(std::string_view output, int exit_code, std::string_view repository_url) {
  std::string clean = StripAnsi(output);
  std::vector<std::string> missing;
  std::string telling;
  for (std::string_view raw : Split(clean, '\n')) {
    std::string_view line = Trim(raw);
    for (std::string_view marker : {"Could not find artifact ", "Failure to find "}) {
      for (size_t at = line.find(marker); at != std::string_view::npos;
           at = line.find(marker, at + 1)) {
        AddUnique(missing, TokenAfter(line, at + marker.size()));
      }
    }
    constexpr std::string_view kWasNotFound = " was not found in";
    for (size_t at = line.find(kWasNotFound); at != std::string_view::npos;
         at = line.find(kWasNotFound, at + 1)) {
      AddUnique(missing, TokenBefore(line, at));
    }
    // "The following artifacts could not be resolved: X, Y: <reason>" lists transfer failures
    // too; its names count as missing only when the reason says they are absent.
    constexpr std::string_view kFollowing = "The following artifacts could not be resolved: ";
    if (size_t at = line.find(kFollowing); at != std::string_view::npos) {
      bool absent = line.find("Could not find artifact") != std::string_view::npos ||
                    line.find("(absent)") != std::string_view::npos ||
                    line.find("was not found in") != std::string_view::npos;
      if (absent) {
        size_t pos = at + kFollowing.size();
        while (pos < line.size()) {
          std::string token = TokenAfter(line, pos);
          if (token.empty()) break;
          pos += token.size();
          // Maven 3.9 tags each one: "X (absent)" / "X (present, but unavailable)".
          if (line.substr(pos).rfind(" (present", 0) == 0) {
            token.clear();
          }
          AddUnique(missing, token);
          size_t comma = line.find(", ", pos);
          size_t colon = line.find(": ", pos);
          if (comma == std::string_view::npos ||
              (colon != std::string_view::npos && colon < comma)) {
            break;
          }
          pos = comma + 2;
        }
      }
    }
    if (telling.empty() && line.rfind("[ERROR]", 0) == 0) {
      std::string_view body = Trim(line.substr(7));
      bool boilerplate = body.empty() || body.rfind("To see the full stack trace", 0) == 0 ||
                         body.rfind("Re-run Maven", 0) == 0 ||
                         body.rfind("For more information about the errors", 0) == 0 ||
                         body.rfind("[Help", 0) == 0 || body.rfind("->", 0) == 0;
      if (!boilerplate) {
        std::string text(body);
        if (size_t help = text.find(" -> [Help"); help != std::string::npos) text.resize(help);
        // "Failed to execute goal <plugin> (default-cli) on project resolve: " says nothing.
        constexpr std::string_view kProject = " on project resolve: ";
        if (text.rfind("Failed to execute goal", 0) == 0) {
          if (size_t p = text.find(kProject); p != std::string::npos) {
            text = text.substr(p + kProject.size());
          }
        }
        telling = Trim(text);
      }
    }
  }
  if (!missing.empty()) {
    return Error(ErrorCode::DEPENDENCY_NOT_FOUND,
                 Clip(fmt::format("not found in the repository {}: {}", repository_url,
                                  JoinArtifacts(missing)),
                      1000),
                 "dependencies", std::string(output));
  }
  if (telling.empty()) {
    for (std::string_view raw : Split(clean, '\n')) {
      if (!Trim(raw).empty()) telling = Trim(raw);
    }
  }
  std::string message =
      telling.empty() ? fmt::format("Maven failed (exit code {}) without saying why", exit_code)
                      : fmt::format("Maven failed: {}", Clip(telling, 500));
  return Error(ErrorCode::DEPENDENCY_RESOLVE_FAILED, message, "", std::string(output));
}

// ---------------------------------------------------------------------------------------------
// The resolver

MvnResolver::MvnResolver(std::string mvn, ProcessRunner runner)
    : mvn_(std::move(mvn)), runner_(std::move(runner)) {
  if (!runner_) {
    runner_ = [](const flink::SpawnSpec& spec, std::chrono::milliseconds timeout,
                 const std::atomic<bool>* cancel) {
      return flink::RunToCompletion(spec, timeout, cancel);
    };
  }
}

Result<Resolution> MvnResolver::Resolve(const std::vector<MavenCoordinate>& coordinates,
                                        const ResolveOptions& options) {
  if (sodium_init() < 0) return Error(ErrorCode::INTERNAL, "libsodium cannot start");
  // ---- validation
  if (coordinates.empty()) return Invalid("no Maven coordinates to resolve", "coordinates");
  for (const auto& c : coordinates) {
    Status valid = ValidateCoordinate(c);
    if (!valid.ok()) {
      return Invalid(fmt::format("Maven coordinate {}:{}: {}", c.group.substr(0, 80),
                                 c.artifact.substr(0, 80), valid.error().message),
                     "coordinates");
    }
  }
  {
    const std::string& url = options.repository_url;
    bool scheme = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0 ||
                  url.rfind("file:/", 0) == 0;
    bool plain = !url.empty() && url.size() < 2000;
    for (char c : url) {
      // A plain URL: no spaces, quotes, angle brackets, '$' (Maven interpolation) or '@'
      // (user:password@host).
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f ||
          std::string_view("\"'<>\\`${}@^|").find(c) != std::string_view::npos) {
        plain = false;
      }
    }
    if (!scheme || !plain) {
      return Invalid(
          "the Maven repository must be an http, https or file URL without user:password or "
          "special characters",
          "repository_url");
    }
  }
  if (options.cache_dir.empty()) return Invalid("no cache folder given", "cache_dir");
  if (options.scopes.empty()) return Invalid("no scopes given", "scopes");
  for (const auto& scope : options.scopes) {
    if (scope != "compile" && scope != "runtime") {
      return Invalid(fmt::format("scope '{}' is neither compile nor runtime", scope.substr(0, 40)),
                     "scopes");
    }
  }
  if (options.timeout.count() <= 0) return Invalid("the timeout must be positive", "timeout");

  // ---- normalization: sorted, duplicates removed, one entry per library
  std::vector<MavenCoordinate> request;
  for (MavenCoordinate c : coordinates) {
    std::sort(c.exclusions.begin(), c.exclusions.end());
    c.exclusions.erase(std::unique(c.exclusions.begin(), c.exclusions.end()), c.exclusions.end());
    c.transitive = c.transitive.value_or(options.transitive);
    request.push_back(std::move(c));
  }
  auto library = [](const MavenCoordinate& c) {
    return std::make_tuple(c.group, c.artifact, c.extension, c.classifier.value_or(""));
  };
  std::sort(request.begin(), request.end(), [&](const auto& a, const auto& b) {
    return std::make_tuple(library(a), a.version, a.exclusions, *a.transitive) <
           std::make_tuple(library(b), b.version, b.exclusions, *b.transitive);
  });
  request.erase(std::unique(request.begin(), request.end()), request.end());
  for (size_t i = 1; i < request.size(); ++i) {
    if (library(request[i - 1]) == library(request[i])) {
      const auto& a = request[i - 1];
      const auto& b = request[i];
      std::string what = a.version != b.version
                             ? fmt::format("versions {} and {}", a.version, b.version)
                             : "different exclusions or transitivity";
      return Error(ErrorCode::DEPENDENCY_CONFLICT,
                   fmt::format("{}:{} is requested twice with {}", a.group, a.artifact, what),
                   "coordinates");
    }
  }

  std::error_code ec;
  fs::path cache_dir = fs::absolute(options.cache_dir, ec);
  if (ec)
    return Error(ErrorCode::INTERNAL, "the dependency cache folder cannot be used", "",
                 options.cache_dir + ": " + ec.message());
  std::string key = CacheKey(request, options);
  fs::path folder = cache_dir / key;
  bool snapshot = std::any_of(request.begin(), request.end(), [](const MavenCoordinate& c) {
    return c.version.size() >= 9 && c.version.substr(c.version.size() - 9) == "-SNAPSHOT";
  });
  bool fresh = options.refresh || snapshot;
  if (!fresh) {
    if (auto cached = ReadCached(folder, key)) return *cached;
  }

  std::lock_guard lock(run_mutex_);
  // Another caller may have resolved the same request while this one waited.
  if (!fresh) {
    if (auto cached = ReadCached(folder, key)) return *cached;
  }
  fs::create_directories(cache_dir, ec);
  fs::path work = cache_dir / (".tmp-" + key.substr(0, 16) + "-" + RandomHex(8));
  fs::create_directories(work, ec);
  if (ec) {
    return Error(ErrorCode::INTERNAL, "the dependency cache folder cannot be written", "",
                 work.string() + ": " + ec.message());
  }
  // The work folder goes whatever happens below; once renamed, there is nothing left to remove.
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{work};

  std::string local_repository = LocalRepositoryFor(options);
  SLUICE_RETURN_IF_ERROR(WriteFile(work / "pom.xml", BuildPom(request, options)));
  SLUICE_RETURN_IF_ERROR(
      WriteFile(work / "settings.xml", BuildSettings(options, local_repository)));

  flink::SpawnSpec spec;
  spec.argv = {mvn_,
               "-B",
               "-q",
               "-U",
               "-C",
               "-Dstyle.color=never",
               "-s",
               (work / "settings.xml").string(),
               "-f",
               (work / "pom.xml").string(),
               std::string(kDependencyPlugin) + ":list",
               "-DoutputFile=" + (work / "deps.txt").string(),
               "-DoutputAbsoluteArtifactFilename=true",
               "-DincludeScope=runtime",
               "-Dsort=true"};
  spec.working_dir = work.string();
  auto run = runner_(spec, options.timeout, options.cancel);
  if (!run.ok()) {
    return Error(ErrorCode::DEPENDENCY_RESOLVE_FAILED,
                 fmt::format("Maven ({}) cannot be started", mvn_.substr(0, 200)), "",
                 run.error().message + "; " + run.error().internal_detail);
  }
  if (run->timed_out) {
    return Error(
        ErrorCode::DEPENDENCY_TIMEOUT,
        fmt::format("Maven did not finish resolving within {} s; it was stopped",
                    std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count()),
        "", run->output);
  }
  if (run->cancelled) {
    return Error(ErrorCode::DEPENDENCY_RESOLVE_FAILED, "dependency resolution was cancelled", "",
                 run->output);
  }
  if (run->exit_code != 0) {
    return MavenFailureError(run->output, run->exit_code, options.repository_url);
  }
  auto listed_text = ReadFile(work / "deps.txt");
  if (!listed_text) {
    return Error(ErrorCode::DEPENDENCY_RESOLVE_FAILED,
                 "Maven finished without writing its dependency list", "", run->output);
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<ListedArtifact> listed, ParseDependencyList(*listed_text));

  // ---- copy the wanted files into the new folder
  fs::path staged = work / "jars";
  fs::create_directories(staged, ec);
  std::map<std::string, int> name_count;
  for (const auto& l : listed) ++name_count[fs::path(l.path).filename().string()];
  Resolution resolution;
  resolution.cache_key = key;
  resolution.folder = folder.string();
  for (const auto& l : listed) {
    if (std::find(options.scopes.begin(), options.scopes.end(), l.scope) == options.scopes.end()) {
      continue;
    }
    ResolvedArtifact artifact;
    artifact.coordinate = l.coordinate;
    artifact.scope = l.scope;
    artifact.direct = std::any_of(request.begin(), request.end(), [&](const MavenCoordinate& c) {
      return library(c) == library(l.coordinate);
    });
    std::string name = fs::path(l.path).filename().string();
    if (name_count[name] > 1) name = l.coordinate.group + "-" + name;
    fs::copy_file(l.path, staged / name, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      return Error(ErrorCode::INTERNAL, "a resolved jar cannot be copied into the cache", "",
                   l.path + ": " + ec.message());
    }
    SLUICE_ASSIGN_OR_RETURN(FileDigest digest, Sha256OfFile((staged / name).string()));
    artifact.size = digest.size;
    artifact.sha256 = digest.sha256;
    artifact.path = (folder / name).string();
    resolution.artifacts.push_back(std::move(artifact));
  }
  std::sort(resolution.artifacts.begin(), resolution.artifacts.end(),
            [](const ResolvedArtifact& a, const ResolvedArtifact& b) {
              return std::make_tuple(a.coordinate.group, a.coordinate.artifact,
                                     a.coordinate.classifier.value_or("")) <
                     std::make_tuple(b.coordinate.group, b.coordinate.artifact,
                                     b.coordinate.classifier.value_or(""));
            });
  Json manifest = {{"request", CanonicalText(request, options)}, {"artifacts", Json::array()}};
  for (const auto& a : resolution.artifacts) manifest["artifacts"].push_back(ArtifactJson(a));
  SLUICE_RETURN_IF_ERROR(WriteFile(staged / "manifest.json", manifest.dump(2)));

  // Into place in one rename, so a reader sees the whole folder or none of it.
  fs::path old = cache_dir / (".old-" + key.substr(0, 16) + "-" + RandomHex(8));
  if (fs::exists(folder, ec)) fs::rename(folder, old, ec);
  fs::rename(staged, folder, ec);
  if (ec) {
    return Error(ErrorCode::INTERNAL, "the dependency cache folder cannot be written", "",
                 folder.string() + ": " + ec.message());
  }
  fs::remove_all(old, ec);
  return resolution;
}

// ---------------------------------------------------------------------------------------------
// Conflicts

std::vector<JarIdentity> IdentitiesOf(const Resolution& resolution) {
  std::vector<JarIdentity> out;
  for (const auto& a : resolution.artifacts) {
    out.push_back({a.coordinate.group, a.coordinate.artifact, a.coordinate.version,
                   fmt::format("Maven: {}:{}:{} ({})", a.coordinate.group, a.coordinate.artifact,
                               a.coordinate.version, a.direct ? "requested" : "transitive")});
  }
  return out;
}

std::optional<JarIdentity> IdentifyJarByFileName(std::string_view file_name, std::string source) {
  if (size_t slash = file_name.rfind('/'); slash != std::string_view::npos) {
    file_name.remove_prefix(slash + 1);
  }
  std::string name(file_name);
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower.size() > 4 && lower.substr(lower.size() - 4) == ".jar") name.resize(name.size() - 4);
  for (size_t i = 1; i + 1 < name.size(); ++i) {
    if (name[i] == '-' && std::isdigit(static_cast<unsigned char>(name[i + 1]))) {
      std::string_view version = std::string_view(name).substr(i + 1);
      if (LooksLikeVersion(version)) {
        return JarIdentity{"", name.substr(0, i), std::string(version), std::move(source)};
      }
    }
  }
  return std::nullopt;
}

std::optional<JarIdentity> ParsePomProperties(std::string_view text, std::string source) {
  JarIdentity identity;
  identity.source = std::move(source);
  for (std::string_view raw : Split(text, '\n')) {
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = Trim(line.substr(0, eq));
    std::string value(Trim(line.substr(eq + 1)));
    if (key == "groupId") identity.group = value;
    if (key == "artifactId") identity.artifact = value;
    if (key == "version") identity.version = value;
  }
  if (identity.group.empty() || identity.artifact.empty() || identity.version.empty()) {
    return std::nullopt;
  }
  return identity;
}

std::vector<Conflict> FindConflicts(const std::vector<JarIdentity>& jars) {
  std::vector<Conflict> out;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> reported;
  for (size_t i = 0; i < jars.size(); ++i) {
    for (size_t j = i + 1; j < jars.size(); ++j) {
      const JarIdentity& a = jars[i];
      const JarIdentity& b = jars[j];
      if (a.artifact != b.artifact || a.version == b.version) continue;
      if (!a.group.empty() && !b.group.empty() && a.group != b.group) continue;
      std::string group = a.group.empty() ? b.group : a.group;
      auto versions = std::minmax(a.version, b.version);
      if (!reported.insert({group, a.artifact, versions.first, versions.second}).second) continue;
      Conflict conflict;
      conflict.group = group;
      conflict.artifact = a.artifact;
      conflict.first = a;
      conflict.second = b;
      std::string library = group.empty() ? a.artifact : group + ":" + a.artifact;
      conflict.message = fmt::format("two versions of {}: {} ({}) and {} ({})", library, a.version,
                                     a.source, b.version, b.source);
      out.push_back(std::move(conflict));
    }
  }
  return out;
}

Error ConflictError(const std::vector<Conflict>& conflicts) {
  std::string message;
  for (const auto& c : conflicts) message += (message.empty() ? "" : "; ") + c.message;
  return Error(ErrorCode::DEPENDENCY_CONFLICT, Clip(message, 2000), "dependencies");
}

}  // namespace sluice::resources
