#include "server/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace sluice::server {
namespace {

std::string WriteYaml(const std::string& name, const std::string& text) {
  std::string path = (std::filesystem::path(::testing::TempDir()) / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(ServeConfig, DefaultsAreTheNewcomersSetUp) {
  auto config = LoadServeConfig({}, {});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->listen, "127.0.0.1:8765");
  EXPECT_EQ(config->host(), "127.0.0.1");
  EXPECT_EQ(config->port(), 8765);
  EXPECT_EQ(config->data_dir, "./var");
  EXPECT_EQ(config->database_url(), "sqlite://./var/sluice.db");
}

TEST(ServeConfig, DependencySettings) {
  auto defaults = LoadServeConfig({}, {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->maven_repository, "https://repo.maven.apache.org/maven2");
  EXPECT_EQ(defaults->maven_local_repository, "");
  EXPECT_EQ(defaults->resolve_timeout_seconds, 300);
  EXPECT_EQ(defaults->max_upload_bytes, uint64_t{256} << 20);
  auto set = LoadServeConfig({}, {{"SLUICE_MAVEN_REPOSITORY", "https://nexus.internal/maven"},
                                  {"SLUICE_MAVEN_LOCAL_REPOSITORY", "/var/m2"},
                                  {"SLUICE_RESOLVE_TIMEOUT_SECONDS", "60"},
                                  {"SLUICE_MAX_UPLOAD_BYTES", "1048576"}});
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->maven_repository, "https://nexus.internal/maven");
  EXPECT_EQ(set->maven_local_repository, "/var/m2");
  EXPECT_EQ(set->resolve_timeout_seconds, 60);
  EXPECT_EQ(set->max_upload_bytes, 1048576u);
  for (const char* bad : {"ftp://x", "https://user:pw@nexus", "nexus.internal"}) {
    auto refused = LoadServeConfig({}, {{"SLUICE_MAVEN_REPOSITORY", bad}});
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().field, "maven_repository");
  }
  EXPECT_FALSE(LoadServeConfig({}, {{"SLUICE_RESOLVE_TIMEOUT_SECONDS", "0"}}).ok());
}

TEST(ServeConfig, FlagsWinOverEnvironmentWhichWinsOverTheFile) {
  std::string file = WriteYaml("precedence.yaml",
                               "listen: 0.0.0.0:1000\nlog_level: debug\ndata_dir: /from/file\n"
                               "db_pool_size: 3\n");
  ServeFlags flags;
  flags.config_file = file;
  flags.values["listen"] = "127.0.0.1:3000";
  std::map<std::string, std::string> env = {{"SLUICE_LISTEN", "127.0.0.1:2000"},
                                            {"SLUICE_LOG_LEVEL", "warn"}};
  auto config = LoadServeConfig(flags, env);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->listen, "127.0.0.1:3000");  // flag
  EXPECT_EQ(config->log_level, "warn");         // environment over file
  EXPECT_EQ(config->data_dir, "/from/file");    // file over default
  EXPECT_EQ(config->db_pool_size, 3);
}

TEST(ServeConfig, ConfigFileFromTheEnvironment) {
  std::string file = WriteYaml("env-file.yaml", "log_json: true\n");
  auto config = LoadServeConfig({}, {{"SLUICE_CONFIG", file}});
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->log_json);
}

TEST(ServeConfig, BadSettingsNameTheSettingAndTheSource) {
  struct Case {
    std::map<std::string, std::string> env;
    std::string yaml;
    std::string expected;
  };
  std::vector<Case> cases = {
      {{{"SLUICE_LISTEN", "nonsense"}}, "", "environment SLUICE_LISTEN"},
      {{{"SLUICE_LOG_LEVEL", "loud"}}, "", "log_level"},
      {{{"SLUICE_HTTP_THREADS", "-1"}}, "", "http_threads"},
      {{{"SLUICE_LOG_JSON", "maybe"}}, "", "log_json"},
      {{}, "no_such_setting: 1\n", "unknown setting 'no_such_setting'"},
      {{}, "listen: [1, 2]\n", "single value"},
      {{}, "- a list\n", "mapping"},
  };
  for (const auto& c : cases) {
    ServeFlags flags;
    if (!c.yaml.empty()) flags.config_file = WriteYaml("bad.yaml", c.yaml);
    auto config = LoadServeConfig(flags, c.env);
    ASSERT_FALSE(config.ok()) << c.expected;
    EXPECT_EQ(config.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(config.error().message.find(c.expected), std::string::npos) << config.error().message;
  }
  ServeFlags missing;
  missing.config_file = "/nonexistent/sluice.yaml";
  EXPECT_FALSE(LoadServeConfig(missing, {}).ok());
}

}  // namespace
}  // namespace sluice::server
