#include "projects/artifacts.h"

#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace sluice::projects {

namespace fs = std::filesystem;

namespace {

bool EndsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void Scan(const fs::path& root, const fs::path& dir, int depth, std::vector<Artifact>& out) {
  std::error_code ec;
  if (depth > 6 || !fs::exists(dir / "pom.xml", ec)) return;
  fs::path target = dir / "target";
  if (fs::is_directory(target, ec)) {
    for (const auto& entry : fs::directory_iterator(target, ec)) {
      std::string name = entry.path().filename().string();
      if (!entry.is_regular_file(ec) || !EndsWith(name, ".jar")) continue;
      if (EndsWith(name, "-sources.jar") || EndsWith(name, "-javadoc.jar") ||
          EndsWith(name, "-tests.jar") || name.rfind("original-", 0) == 0) {
        continue;
      }
      Artifact artifact;
      fs::path relative = dir.lexically_relative(root);
      artifact.module = relative.empty() || relative == "." ? "." : relative.string();
      artifact.jar = name;
      artifact.path = entry.path().string();
      artifact.size = static_cast<int64_t>(entry.file_size(ec));
      auto main_class = JarMainClass(artifact.path);
      if (main_class.ok()) artifact.main_class = *main_class;
      out.push_back(std::move(artifact));
    }
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_directory(ec) || name == "target" || name == ".git" || name == "src" ||
        name.front() == '.') {
      continue;
    }
    Scan(root, entry.path(), depth + 1, out);
  }
}

}  // namespace

std::string ManifestMainClass(std::string_view manifest) {
  // Join continuation lines (a line starting with one space continues the previous one).
  std::istringstream lines{std::string(manifest)};
  std::vector<std::string> joined;
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.front() == ' ' && !joined.empty()) {
      joined.back() += line.substr(1);
    } else {
      joined.push_back(line);
    }
  }
  for (const std::string& entry : joined) {
    if (entry.rfind("Main-Class:", 0) == 0) {
      std::string value = entry.substr(11);
      size_t start = value.find_first_not_of(' ');
      return start == std::string::npos ? "" : value.substr(start);
    }
  }
  return "";
}

Result<std::string> JarMainClass(const std::string& jar_path) {
  int zip_error = 0;
  zip_t* archive = zip_open(jar_path.c_str(), ZIP_RDONLY, &zip_error);
  if (archive == nullptr) {
    return Error(ErrorCode::INTERNAL, "not a jar", "", jar_path);
  }
  std::string manifest;
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat(archive, "META-INF/MANIFEST.MF", 0, &stat) == 0 && stat.size < (1 << 20)) {
    zip_file_t* file = zip_fopen(archive, "META-INF/MANIFEST.MF", 0);
    if (file != nullptr) {
      manifest.resize(stat.size);
      zip_int64_t n = zip_fread(file, manifest.data(), stat.size);
      manifest.resize(n > 0 ? static_cast<size_t>(n) : 0);
      zip_fclose(file);
    }
  }
  zip_discard(archive);
  return ManifestMainClass(manifest);
}

std::vector<Artifact> ScanArtifacts(const std::string& checkout) {
  std::vector<Artifact> out;
  fs::path root(checkout);
  Scan(root, root, 0, out);
  std::sort(out.begin(), out.end(), [](const Artifact& a, const Artifact& b) {
    return std::tie(a.module, a.jar) < std::tie(b.module, b.jar);
  });
  return out;
}

Json ArtifactJson(const Artifact& artifact) {
  return {{"module", artifact.module},
          {"jar", artifact.jar},
          {"main_class", artifact.main_class.empty() ? Json() : Json(artifact.main_class)},
          {"size", artifact.size}};
}

}  // namespace sluice::projects
