#include "apps/app_spec.h"

#include <fmt/format.h>

#include <regex>
#include <sstream>

#include "flink/flink_home.h"

namespace sluice::apps {

namespace {

constexpr size_t kMaxSqlBytes = 1u << 20;
constexpr size_t kMaxConfigYamlBytes = 256u << 10;
constexpr size_t kMaxDynamicPropertiesBytes = 64u << 10;

Error Invalid(std::string_view field, std::string message) {
  return Error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::string(field));
}

// Maven's own characters for group, artifact, version and classifier: nothing that could escape
// into the generated pom.
bool MavenPart(const std::string& text) {
  static const std::regex kPart(R"(^[A-Za-z0-9_.\-]{1,128}$)");
  return std::regex_match(text, kPart);
}

Result<Json> ReadMaven(const Json& list) {
  if (!list.is_array() || list.size() > 200) {
    return Invalid("dependencies", "'dependencies.maven' must be an array of at most 200 entries");
  }
  Json out = Json::array();
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& entry = list[i];
    std::string where = fmt::format("dependencies.maven[{}]", i);
    if (!entry.is_object()) return Invalid("dependencies", where + " must be an object");
    for (const auto& [key, value] : entry.items()) {
      if (key != "group" && key != "artifact" && key != "version" && key != "classifier" &&
          key != "exclusions") {
        return Invalid("dependencies",
                       fmt::format("{} has an unknown field '{}'", where, key.substr(0, 40)));
      }
    }
    Json dependency = Json::object();
    for (const char* key : {"group", "artifact", "version", "classifier"}) {
      bool required = std::string_view(key) != "classifier";
      if (!entry.contains(key)) {
        if (required) return Invalid("dependencies", fmt::format("{} needs '{}'", where, key));
        continue;
      }
      if (!entry[key].is_string() || !MavenPart(entry[key].get<std::string>())) {
        return Invalid(
            "dependencies",
            fmt::format("{}.{} must be 1 to 128 letters, digits, '.', '_' or '-'", where, key));
      }
      dependency[key] = entry[key];
    }
    Json exclusions = Json::array();
    if (entry.contains("exclusions")) {
      if (!entry["exclusions"].is_array()) {
        return Invalid("dependencies",
                       where + ".exclusions must be an array of \"group:artifact\"");
      }
      for (const Json& exclusion : entry["exclusions"]) {
        std::string text = exclusion.is_string() ? exclusion.get<std::string>() : "";
        auto colon = text.find(':');
        bool ok = colon != std::string::npos &&
                  (MavenPart(text.substr(0, colon)) || text.substr(0, colon) == "*") &&
                  (MavenPart(text.substr(colon + 1)) || text.substr(colon + 1) == "*");
        if (!ok) {
          return Invalid(
              "dependencies",
              fmt::format("{}.exclusions: each is \"group:artifact\" ('*' allowed)", where));
        }
        exclusions.push_back(text);
      }
    }
    dependency["exclusions"] = exclusions;
    out.push_back(dependency);
  }
  return out;
}

Result<Json> ReadDependencies(const Json& value) {
  if (!value.is_object()) {
    return Invalid("dependencies",
                   "'dependencies' must be an object: {\"maven\": [...], \"resources\": [...]}");
  }
  for (const auto& [key, ignored] : value.items()) {
    if (key != "maven" && key != "resources") {
      return Invalid("dependencies",
                     fmt::format("'dependencies' has an unknown field '{}'", key.substr(0, 40)));
    }
  }
  Json out = {{"maven", Json::array()}, {"resources", Json::array()}};
  if (value.contains("maven")) {
    SLUICE_ASSIGN_OR_RETURN(out["maven"], ReadMaven(value["maven"]));
  }
  if (value.contains("resources")) {
    const Json& resources = value["resources"];
    if (!resources.is_array() || resources.size() > 200) {
      return Invalid("dependencies", "'dependencies.resources' must be an array of resource ids");
    }
    for (const Json& id : resources) {
      if (!id.is_number_integer() || id.get<int64_t>() <= 0) {
        return Invalid("dependencies", "'dependencies.resources' must hold resource ids");
      }
      out["resources"].push_back(id);
    }
  }
  return out;
}

Result<Json> ReadJar(const Json& value) {
  if (!value.is_object()) {
    return Invalid("jar",
                   "'jar' must be an object: {\"resource_id\": N, \"main_class\": ..., "
                   "\"args\": [...]}");
  }
  Json out = {{"main_class", ""}, {"args", Json::array()}};
  for (const auto& [key, item] : value.items()) {
    if (key == "resource_id") {
      if (!item.is_number_integer() || item.get<int64_t>() <= 0) {
        return Invalid("jar", "'jar.resource_id' must be a resource id");
      }
      out["resource_id"] = item;
    } else if (key == "project_artifact") {
      const char* kShape =
          "'jar.project_artifact' must be {\"project_id\": N, \"module\": \"jobs\", \"jar\": "
          "\"jobs-1.0.jar\", \"rebuild\"?: bool} (see GET /api/v1/projects/{id}/artifacts)";
      if (!item.is_object()) return Invalid("jar", kShape);
      Json artifact = {{"module", "."}, {"rebuild", false}};
      for (const auto& [field, part] : item.items()) {
        if (field == "project_id") {
          if (!part.is_number_integer() || part.get<int64_t>() <= 0) {
            return Invalid("jar", "'jar.project_artifact.project_id' must be a project id");
          }
        } else if (field == "module" || field == "jar") {
          if (!part.is_string() || part.get<std::string>().empty() ||
              part.get<std::string>().size() > 255) {
            return Invalid("jar", fmt::format("'jar.project_artifact.{}' must be a non-empty "
                                              "name of at most 255 characters",
                                              field));
          }
        } else if (field == "rebuild") {
          if (!part.is_boolean()) {
            return Invalid("jar", "'jar.project_artifact.rebuild' must be true or false");
          }
        } else {
          return Invalid("jar", fmt::format("'jar.project_artifact' has an unknown field '{}'",
                                            field.substr(0, 40)));
        }
        artifact[field] = part;
      }
      if (!artifact.contains("project_id") || !artifact.contains("jar")) {
        return Invalid("jar", kShape);
      }
      if (artifact["jar"].get<std::string>().size() < 5 ||
          artifact["jar"].get<std::string>().rfind(".jar") !=
              artifact["jar"].get<std::string>().size() - 4) {
        return Invalid("jar", "'jar.project_artifact.jar' must name a .jar file");
      }
      out["project_artifact"] = artifact;
    } else if (key == "main_class") {
      static const std::regex kClass(R"(^([A-Za-z_$][A-Za-z0-9_$]*\.)*[A-Za-z_$][A-Za-z0-9_$]*$)");
      if (!item.is_string() || (!item.get<std::string>().empty() &&
                                !std::regex_match(item.get<std::string>(), kClass))) {
        return Invalid("jar", "'jar.main_class' must be a Java class name, e.g. com.acme.Job");
      }
      out["main_class"] = item;
    } else if (key == "args") {
      if (!item.is_array() || item.size() > 500) {
        return Invalid("jar", "'jar.args' must be an array of strings");
      }
      for (const Json& arg : item) {
        if (!arg.is_string() || arg.get<std::string>().size() > 8192) {
          return Invalid("jar", "'jar.args' must be an array of strings");
        }
      }
      out["args"] = item;
    } else {
      return Invalid("jar", fmt::format("'jar' has an unknown field '{}'", key.substr(0, 40)));
    }
  }
  if (out.contains("resource_id") == out.contains("project_artifact")) {
    return Invalid("jar", "'jar' needs exactly one of 'resource_id' and 'project_artifact'");
  }
  return out;
}

Result<Json> ReadTarget(const Json& value, const SpecContext& context) {
  if (!value.is_object() || !value.contains("mode") || !value["mode"].is_string()) {
    return Invalid("target",
                   "'target' must be {\"mode\": \"session\", \"cluster_id\": N} or "
                   "{\"mode\": \"application\"}");
  }
  for (const auto& [key, ignored] : value.items()) {
    if (key != "mode" && key != "cluster_id") {
      return Invalid("target",
                     fmt::format("'target' has an unknown field '{}'", key.substr(0, 40)));
    }
  }
  std::string mode = value["mode"];
  if (mode == "session") {
    if (!value.contains("cluster_id") || !value["cluster_id"].is_number_integer()) {
      return Invalid("target", "session mode needs 'target.cluster_id'");
    }
    int64_t cluster = value["cluster_id"];
    if (!context.cluster_exists || !context.cluster_exists(cluster)) {
      return Invalid("target", fmt::format("no cluster with id {}", cluster));
    }
    return Json{{"mode", "session"}, {"cluster_id", cluster}};
  }
  if (mode == "application") {
    if (value.contains("cluster_id")) {
      return Invalid("target",
                     "application mode starts its own cluster for the job: no 'cluster_id'");
    }
    return Json{{"mode", "application"}};
  }
  return Invalid("target", fmt::format("target mode '{}' is not known: use \"session\" or "
                                       "\"application\"",
                                       mode.substr(0, 40)));
}

Result<Json> ReadOptions(const Json& value) {
  if (!value.is_object() || value.size() > 500) {
    return Invalid("options", "'options' must be an object of Flink settings");
  }
  Json out = Json::object();
  for (const auto& [key, item] : value.items()) {
    std::string text;
    if (item.is_string()) {
      text = item.get<std::string>();
    } else if (item.is_number() || item.is_boolean()) {
      text = item.dump();
    } else {
      return Invalid("options", fmt::format("option '{}' must be a string, number or boolean",
                                            key.substr(0, 40)));
    }
    Status valid = flink::ValidateConfigEntry(key, text);
    if (!valid.ok()) return Invalid("options", valid.error().message);
    out[key] = text;
  }
  return out;
}

Status CheckConfigYaml(const std::string& text) {
  if (text.size() > kMaxConfigYamlBytes) {
    return Invalid("config_yaml", "'config_yaml' is larger than 256 KiB");
  }
  auto parsed = flink::ParseFlinkConfig(text, flink::kStandardConfigFile);
  if (!parsed.ok()) {
    return Invalid("config_yaml", "'config_yaml' is not valid: " + parsed.error().message);
  }
  return Status::Ok();
}

Status CheckDynamicProperties(const std::string& text) {
  if (text.size() > kMaxDynamicPropertiesBytes) {
    return Invalid("dynamic_properties", "'dynamic_properties' is larger than 64 KiB");
  }
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#') continue;
    size_t end = line.find_last_not_of(" \t\r");
    std::string_view entry(line.data() + begin, end - begin + 1);
    auto equals = entry.find('=');
    if (entry.substr(0, 2) != "-D" || equals == std::string_view::npos || equals == 2) {
      return Invalid(
          "dynamic_properties",
          fmt::format("dynamic_properties line {}: write one -Dkey=value a line", number));
    }
    Status valid =
        flink::ValidateConfigEntry(entry.substr(2, equals - 2), entry.substr(equals + 1));
    if (!valid.ok()) {
      return Invalid("dynamic_properties",
                     fmt::format("dynamic_properties line {}: {}", number, valid.error().message));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Json> CanonicalSpec(const Json& input, const Json& base, std::string_view kind,
                           const SpecContext& context) {
  auto given = [&](const char* key) -> const Json* {
    if (input.is_object() && input.contains(key)) return &input[key];
    return nullptr;
  };
  auto previous = [&](const char* key) -> const Json* {
    if (base.is_object() && base.contains(key)) return &base[key];
    return nullptr;
  };
  Json spec = Json::object();

  // flink_env_id
  if (const Json* env = given("flink_env_id")) {
    if (!env->is_number_integer() || !context.env_exists ||
        !context.env_exists(env->get<int64_t>())) {
      return Invalid("flink_env_id", fmt::format("no Flink environment with id {}", env->dump()));
    }
    spec["flink_env_id"] = *env;
  } else if (const Json* env_before = previous("flink_env_id")) {
    spec["flink_env_id"] = *env_before;
  } else {
    int64_t fallback = context.default_env_id ? context.default_env_id() : 0;
    if (fallback == 0) {
      return Invalid("flink_env_id",
                     "no Flink environment is registered: an administrator registers one first");
    }
    spec["flink_env_id"] = fallback;
  }

  // target
  if (const Json* target = given("target")) {
    SLUICE_ASSIGN_OR_RETURN(spec["target"], ReadTarget(*target, context));
  } else if (const Json* target_before = previous("target")) {
    spec["target"] = *target_before;
  } else {
    return Invalid("target",
                   "'target' is required: {\"mode\": \"session\", \"cluster_id\": N} or "
                   "{\"mode\": \"application\"}");
  }

  // sql / jar by kind
  if (kind == "sql") {
    if (given("jar") && !given("jar")->is_null()) {
      return Invalid("jar", "a sql app has no 'jar'");
    }
    const Json* sql = given("sql") ? given("sql") : previous("sql");
    if (sql == nullptr || !sql->is_string() || sql->get<std::string>().empty()) {
      return Invalid("sql", "a sql app needs 'sql': the Flink SQL script");
    }
    if (sql->get<std::string>().size() > kMaxSqlBytes) {
      return Invalid("sql", "'sql' is larger than 1 MiB");
    }
    spec["sql"] = *sql;
    spec["jar"] = nullptr;
  } else {
    if (given("sql") && !given("sql")->is_null()) return Invalid("sql", "a jar app has no 'sql'");
    if (const Json* jar = given("jar")) {
      SLUICE_ASSIGN_OR_RETURN(spec["jar"], ReadJar(*jar));
    } else if (const Json* jar_before = previous("jar")) {
      spec["jar"] = *jar_before;
    } else {
      return Invalid("jar", "a jar app needs 'jar': {\"resource_id\": N, \"main_class\": ...}");
    }
    spec["sql"] = nullptr;
  }

  // dependencies
  if (const Json* dependencies = given("dependencies")) {
    SLUICE_ASSIGN_OR_RETURN(spec["dependencies"], ReadDependencies(*dependencies));
  } else {
    const Json* before = previous("dependencies");
    spec["dependencies"] =
        before ? *before : Json{{"maven", Json::array()}, {"resources", Json::array()}};
  }

  // sql_auto_migrate (the SQL workbench's opt-in; see sql/deploy_check.h)
  if (const Json* migrate = given("sql_auto_migrate")) {
    if (!migrate->is_boolean())
      return Invalid("sql_auto_migrate", "'sql_auto_migrate' must be true or false");
    spec["sql_auto_migrate"] = *migrate;
  } else {
    const Json* before = previous("sql_auto_migrate");
    spec["sql_auto_migrate"] = before && before->is_boolean() ? *before : Json(false);
  }

  // parallelism
  if (const Json* parallelism = given("parallelism")) {
    if (!parallelism->is_number_integer() || parallelism->get<int64_t>() < 1 ||
        parallelism->get<int64_t>() > 100000) {
      return Invalid("parallelism", "'parallelism' must be 1 to 100000");
    }
    spec["parallelism"] = *parallelism;
  } else {
    const Json* before = previous("parallelism");
    spec["parallelism"] = before ? *before : Json(1);
  }

  // options
  if (const Json* options = given("options")) {
    SLUICE_ASSIGN_OR_RETURN(spec["options"], ReadOptions(*options));
  } else {
    const Json* before = previous("options");
    spec["options"] = before ? *before : Json::object();
  }

  // config_yaml and dynamic_properties: text
  for (const char* key : {"config_yaml", "dynamic_properties"}) {
    if (const Json* text = given(key)) {
      if (!text->is_string()) return Invalid(key, fmt::format("'{}' must be text", key));
      SLUICE_RETURN_IF_ERROR(std::string_view(key) == "config_yaml"
                                 ? CheckConfigYaml(text->get<std::string>())
                                 : CheckDynamicProperties(text->get<std::string>()));
      spec[key] = *text;
    } else {
      const Json* before = previous(key);
      spec[key] = before ? *before : Json("");
    }
  }
  return spec;
}

std::vector<std::pair<std::string, std::string>> DynamicProperties(const Json& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream lines(spec.value("dynamic_properties", ""));
  std::string line;
  while (std::getline(lines, line)) {
    size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#') continue;
    size_t end = line.find_last_not_of(" \t\r");
    std::string entry = line.substr(begin, end - begin + 1);
    auto equals = entry.find('=');
    if (entry.rfind("-D", 0) != 0 || equals == std::string::npos) continue;
    out.emplace_back(entry.substr(2, equals - 2), entry.substr(equals + 1));
  }
  return out;
}

Result<Json> LoadVersionSpec(store::Database& database, int64_t app_id, int64_t version) {
  SLUICE_ASSIGN_OR_RETURN(
      store::Rows rows,
      database.Query("SELECT spec FROM app_versions WHERE app_id = ? AND version = ?",
                     {app_id, version}));
  if (rows.empty()) {
    return Error(ErrorCode::APP_VERSION_NOT_FOUND,
                 fmt::format("application {} has no version {}", app_id, version));
  }
  Json spec = Json::parse(rows.Text(0, "spec"), nullptr, false);
  if (!spec.is_object()) {
    return Error(ErrorCode::INTERNAL, "an application version cannot be read", "",
                 fmt::format("app {} version {}: spec is not a JSON object", app_id, version));
  }
  return spec;
}

}  // namespace sluice::apps
