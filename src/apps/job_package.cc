#include "apps/job_package.h"

#include <fmt/format.h>
#include <sodium.h>
#include <zip.h>

#include <filesystem>
#include <set>

#include "apps/app_spec.h"
#include "flink/flink_home.h"

namespace sluice::apps {

namespace fs = std::filesystem;

namespace {

std::string OptionText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump();
}

std::string ZipMessage(zip_t* archive) {
  const char* text = archive ? zip_strerror(archive) : "unknown error";
  return text ? text : "unknown error";
}

}  // namespace

Result<std::map<std::string, std::string>> ComposeJobProperties(
    const Json& spec, const std::map<std::string, std::string>& sluice_set,
    const std::map<std::string, std::string>& defaults) {
  std::map<std::string, std::string> out;
  const std::string yaml = spec.value("config_yaml", "");
  if (!yaml.empty()) {
    auto parsed = flink::ParseFlinkConfig(yaml, "config.yaml");
    if (!parsed.ok()) {
      Error error = parsed.error();
      error.code = ErrorCode::INVALID_ARGUMENT;
      error.field = "config_yaml";
      return error;
    }
    for (auto& [key, value] : *parsed) out[key] = value;
  }
  if (spec.contains("options") && spec["options"].is_object()) {
    for (const auto& [key, value] : spec["options"].items()) out[key] = OptionText(value);
  }
  for (auto& [key, value] : DynamicProperties(spec)) out[key] = value;
  for (const auto& [key, value] : sluice_set) out[key] = value;
  for (const auto& [key, value] : defaults) out.emplace(key, value);
  return out;
}

Status PackageJobJar(const std::string& main_jar, const std::vector<std::string>& dependency_jars,
                     const std::string& out_path) {
  std::error_code ec;
  fs::create_directories(fs::path(out_path).parent_path(), ec);
  fs::copy_file(main_jar, out_path, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    return Error(ErrorCode::INTERNAL, fmt::format("cannot copy the job jar {}", main_jar), "",
                 ec.message());
  }
  if (dependency_jars.empty()) return Status::Ok();
  int zip_error = 0;
  zip_t* archive = zip_open(out_path.c_str(), 0, &zip_error);
  if (!archive) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("{} is not a jar (zip) file", fs::path(main_jar).filename().string()),
                 "jar");
  }
  std::set<std::string> names;
  int index = 0;
  for (const std::string& jar : dependency_jars) {
    std::string name = fs::path(jar).filename().string();
    if (!names.insert(name).second) {
      name = fmt::format("{}-{}", ++index, name);
      names.insert(name);
    }
    zip_source_t* source = zip_source_file(archive, jar.c_str(), 0, -1);
    if (!source) {
      std::string why = ZipMessage(archive);
      zip_discard(archive);
      return Error(ErrorCode::INTERNAL, fmt::format("cannot read dependency jar {}", name), "",
                   why);
    }
    std::string entry = "lib/" + name;
    zip_int64_t added =
        zip_file_add(archive, entry.c_str(), source, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
    if (added < 0) {
      std::string why = ZipMessage(archive);
      zip_source_free(source);
      zip_discard(archive);
      return Error(ErrorCode::INTERNAL, fmt::format("cannot add {} to the job jar", name), "", why);
    }
    // A jar is compressed already: stored as it is, deflating it again would only cost time.
    if (zip_set_file_compression(archive, static_cast<zip_uint64_t>(added), ZIP_CM_STORE, 0) < 0) {
      std::string why = ZipMessage(archive);
      zip_discard(archive);
      return Error(ErrorCode::INTERNAL, fmt::format("cannot add {} to the job jar", name), "", why);
    }
  }
  if (zip_close(archive) < 0) {
    std::string why = ZipMessage(archive);
    zip_discard(archive);
    return Error(ErrorCode::INTERNAL, "cannot write the job jar", "", why);
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ZipEntries(const std::string& path) {
  int zip_error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &zip_error);
  if (!archive) {
    return Error(ErrorCode::INVALID_ARGUMENT, fmt::format("{} is not a zip archive", path));
  }
  std::vector<std::string> names;
  zip_int64_t count = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* name = zip_get_name(archive, i, 0);
    if (name) names.emplace_back(name);
  }
  zip_discard(archive);
  return names;
}

std::string NewJobId() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return std::string(hex, 32);
}

}  // namespace sluice::apps
