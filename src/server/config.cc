#include "server/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <functional>
#include <vector>

extern char** environ;

namespace sluice::server {
namespace {

struct Setting {
  const char* name;
  std::function<Status(ServeConfig&, const std::string&)> apply;
};

Status ParseInt(const std::string& text, int64_t min, int64_t max, int64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || out < min ||
      out > max) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("must be an integer from {} to {}", min, max));
  }
  return Status::Ok();
}

template <typename T>
Setting IntSetting(const char* name, T ServeConfig::*member, int64_t min, int64_t max) {
  return {name, [member, min, max](ServeConfig& config, const std::string& text) -> Status {
            int64_t value = 0;
            SLUICE_RETURN_IF_ERROR(ParseInt(text, min, max, value));
            config.*member = static_cast<T>(value);
            return Status::Ok();
          }};
}

Setting StringSetting(const char* name, std::string ServeConfig::*member) {
  return {name, [member](ServeConfig& config, const std::string& text) -> Status {
            config.*member = text;
            return Status::Ok();
          }};
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> kSettings = {
      {"listen",
       [](ServeConfig& config, const std::string& text) -> Status {
         auto colon = text.rfind(':');
         int64_t port = 0;
         if (colon == std::string::npos || colon == 0 ||
             !ParseInt(text.substr(colon + 1), 0, 65535, port).ok()) {
           return Error(ErrorCode::INVALID_ARGUMENT, "must be HOST:PORT, e.g. 127.0.0.1:8765");
         }
         config.listen = text;
         return Status::Ok();
       }},
      StringSetting("data_dir", &ServeConfig::data_dir),
      StringSetting("db", &ServeConfig::db),
      {"log_level",
       [](ServeConfig& config, const std::string& text) -> Status {
         static const std::vector<std::string> kLevels = {"trace", "debug", "info",
                                                          "warn",  "error", "off"};
         if (std::find(kLevels.begin(), kLevels.end(), text) == kLevels.end()) {
           return Error(ErrorCode::INVALID_ARGUMENT,
                        "must be one of trace, debug, info, warn, error, off");
         }
         config.log_level = text;
         return Status::Ok();
       }},
      {"log_json",
       [](ServeConfig& config, const std::string& text) -> Status {
         if (text == "true" || text == "1" || text == "yes") {
           config.log_json = true;
         } else if (text == "false" || text == "0" || text == "no") {
           config.log_json = false;
         } else {
           return Error(ErrorCode::INVALID_ARGUMENT, "must be true or false");
         }
         return Status::Ok();
       }},
      IntSetting("http_threads", &ServeConfig::http_threads, 0, 256),
      IntSetting("max_body_bytes", &ServeConfig::max_body_bytes, 1024, int64_t{1} << 32),
      IntSetting("read_timeout_seconds", &ServeConfig::read_timeout_seconds, 1, 3600),
      IntSetting("db_pool_size", &ServeConfig::db_pool_size, 1, 256),
      IntSetting("session_ttl_hours", &ServeConfig::session_ttl_hours, 1, 24 * 365),
      IntSetting("login_max_failures", &ServeConfig::login_max_failures, 1, 1000),
      IntSetting("login_window_seconds", &ServeConfig::login_window_seconds, 1, 86400),
      IntSetting("login_lockout_seconds", &ServeConfig::login_lockout_seconds, 1, 86400),
      StringSetting("public_url", &ServeConfig::public_url),
      StringSetting("bootstrap_flink_home", &ServeConfig::bootstrap_flink_home),
      IntSetting("cluster_health_seconds", &ServeConfig::cluster_health_seconds, 1, 3600),
      IntSetting("cluster_start_timeout_seconds", &ServeConfig::cluster_start_timeout_seconds, 5,
                 3600),
      IntSetting("cluster_stop_grace_seconds", &ServeConfig::cluster_stop_grace_seconds, 1, 600),
      StringSetting("runner_jar", &ServeConfig::runner_jar),
      StringSetting("savepoint_dir", &ServeConfig::savepoint_dir),
      IntSetting("tracking_interval_ms", &ServeConfig::tracking_interval_ms, 100, 60000),
      IntSetting("job_lost_seconds", &ServeConfig::job_lost_seconds, 1, 3600),
      IntSetting("submit_timeout_seconds", &ServeConfig::submit_timeout_seconds, 5, 3600),
      IntSetting("operation_threads", &ServeConfig::operation_threads, 1, 64),
      {"maven_repository",
       [](ServeConfig& config, const std::string& text) -> Status {
         // The resolver checks it fully; refusing the obvious mistakes here stops the start
         // instead of failing every resolution later.
         bool scheme = text.rfind("https://", 0) == 0 || text.rfind("http://", 0) == 0 ||
                       text.rfind("file:/", 0) == 0;
         if (!scheme || text.find('@') != std::string::npos ||
             text.find_first_of(" \t\"'<>${}") != std::string::npos) {
           return Error(ErrorCode::INVALID_ARGUMENT,
                        "must be an http, https or file URL without user:password (use a "
                        "mirror that needs no credentials)");
         }
         config.maven_repository = text;
         return Status::Ok();
       }},
      StringSetting("maven_local_repository", &ServeConfig::maven_local_repository),
      IntSetting("resolve_timeout_seconds", &ServeConfig::resolve_timeout_seconds, 1, 3600),
      IntSetting("max_upload_bytes", &ServeConfig::max_upload_bytes, 1024, int64_t{1} << 32),
      IntSetting("build_threads", &ServeConfig::build_threads, 1, 64),
      IntSetting("build_timeout_seconds", &ServeConfig::build_timeout_seconds, 10, 86400),
      StringSetting("web_dir", &ServeConfig::web_dir),
      IntSetting("alert_quiet_minutes", &ServeConfig::alert_quiet_minutes, 0, 10080),
      IntSetting("restart_backoff_ms", &ServeConfig::restart_backoff_ms, 0, 3600000),
      IntSetting("restart_backoff_max_ms", &ServeConfig::restart_backoff_max_ms, 0, 86400000),
      IntSetting("alert_retry_first_ms", &ServeConfig::alert_retry_first_ms, 10, 3600000),
      IntSetting("alert_retry_max_ms", &ServeConfig::alert_retry_max_ms, 10, 86400000),
      IntSetting("alert_give_up_hours", &ServeConfig::alert_give_up_hours, 1, 24 * 30),
      IntSetting("alert_watch_ms", &ServeConfig::alert_watch_ms, 200, 3600000),
  };
  return kSettings;
}

const Setting* FindSetting(const std::string& name) {
  for (const Setting& setting : Settings()) {
    if (name == setting.name) return &setting;
  }
  return nullptr;
}

Status Apply(ServeConfig& config, const std::string& name, const std::string& value,
             const std::string& source) {
  const Setting* setting = FindSetting(name);
  if (setting == nullptr) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("unknown setting '{}' in {}", name, source), name);
  }
  Status status = setting->apply(config, value);
  if (!status.ok()) {
    return Error(ErrorCode::INVALID_ARGUMENT,
                 fmt::format("setting '{}' from {} {}", name, source, status.error().message),
                 name);
  }
  return Status::Ok();
}

}  // namespace

std::string ServeConfig::host() const { return listen.substr(0, listen.rfind(':')); }

uint16_t ServeConfig::port() const {
  return static_cast<uint16_t>(std::stoi(listen.substr(listen.rfind(':') + 1)));
}

std::string ServeConfig::database_url() const {
  if (!db.empty()) return db;
  return "sqlite://" + data_dir + "/sluice.db";
}

Result<ServeConfig> LoadServeConfig(const ServeFlags& flags,
                                    const std::map<std::string, std::string>& environment) {
  ServeConfig config;
  std::optional<std::string> file = flags.config_file;
  if (!file) {
    if (auto it = environment.find("SLUICE_CONFIG"); it != environment.end()) file = it->second;
  }
  if (file) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(*file);
    } catch (const YAML::Exception& e) {
      return Error(ErrorCode::INVALID_ARGUMENT,
                   fmt::format("cannot read config file {}: {}", *file, e.what()), "config");
    }
    if (root && !root.IsNull()) {
      if (!root.IsMap()) {
        return Error(ErrorCode::INVALID_ARGUMENT,
                     fmt::format("config file {} must be a YAML mapping of settings", *file),
                     "config");
      }
      for (const auto& entry : root) {
        std::string name = entry.first.as<std::string>();
        if (!entry.second.IsScalar()) {
          return Error(ErrorCode::INVALID_ARGUMENT,
                       fmt::format("setting '{}' in {} must be a single value", name, *file), name);
        }
        SLUICE_RETURN_IF_ERROR(
            Apply(config, name, entry.second.as<std::string>(), "config file " + *file));
      }
    }
  }
  for (const Setting& setting : Settings()) {
    std::string env_name = "SLUICE_";
    for (const char* c = setting.name; *c; ++c) {
      env_name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(*c))));
    }
    if (auto it = environment.find(env_name); it != environment.end()) {
      SLUICE_RETURN_IF_ERROR(Apply(config, setting.name, it->second, "environment " + env_name));
    }
  }
  for (const auto& [name, value] : flags.values) {
    SLUICE_RETURN_IF_ERROR(Apply(config, name, value, "flag --" + name));
  }
  return config;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text(*entry);
    auto eq = text.find('=');
    if (eq != std::string::npos) out[text.substr(0, eq)] = text.substr(eq + 1);
  }
  return out;
}

}  // namespace sluice::server
