#include "flink/flink_home.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "flink/flink_test_homes.h"

namespace sluice::flink {
namespace {

namespace fs = std::filesystem;
using testing::FakeFlinkHome;

TEST(FlinkVersionTest, ParsesReleasesAndSnapshots) {
  auto v = ParseFlinkVersion("1.20.5");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 1);
  EXPECT_EQ(v->minor, 20);
  EXPECT_EQ(v->patch, 5);
  EXPECT_EQ(v->MajorMinor(), "1.20");
  auto snapshot = ParseFlinkVersion("2.1-SNAPSHOT");
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->minor, 1);
  EXPECT_TRUE(snapshot->AtLeast(2, 0));
  EXPECT_FALSE(snapshot->AtLeast(2, 2));
  EXPECT_FALSE(ParseFlinkVersion("latest"));
  EXPECT_FALSE(ParseFlinkVersion("1"));
  EXPECT_FALSE(ParseFlinkVersion("1.x.2"));
}

TEST(InspectFlinkHomeTest, ReadsVersionAndConfigFile) {
  FakeFlinkHome home("1.20.5", "config.yaml", "jobmanager:\n  memory:\n    process.size: 1600m\n");
  auto inspected = InspectFlinkHome(home.path());
  ASSERT_TRUE(inspected.ok()) << inspected.error().message;
  EXPECT_EQ(inspected->version.text, "1.20.5");
  EXPECT_EQ(inspected->config_file, "config.yaml");
  EXPECT_EQ(inspected->dist_jar, "flink-dist-1.20.5.jar");
  EXPECT_NE(inspected->config_text.find("process.size"), std::string::npos);
}

TEST(InspectFlinkHomeTest, OneNineteenAndLaterPreferFlinkConfYamlWhenPresent) {
  FakeFlinkHome home("1.19.1", "config.yaml", "a: 1\n");
  home.Write("conf/flink-conf.yaml", "b: 2\n");
  auto inspected = InspectFlinkHome(home.path());
  ASSERT_TRUE(inspected.ok()) << inspected.error().message;
  EXPECT_EQ(inspected->config_file, "flink-conf.yaml");
}

TEST(InspectFlinkHomeTest, TwoPointXNeedsConfigYaml) {
  FakeFlinkHome home("2.0.2", "flink-conf.yaml", "a: 1\n");
  auto inspected = InspectFlinkHome(home.path());
  ASSERT_FALSE(inspected.ok());
  EXPECT_EQ(inspected.error().code, ErrorCode::FLINK_HOME_INVALID);
  EXPECT_NE(inspected.error().message.find("config.yaml"), std::string::npos);
  EXPECT_NE(inspected.error().message.find("migrate"), std::string::npos);
}

TEST(InspectFlinkHomeTest, NamesWhatIsWrong) {
  auto relative = InspectFlinkHome("opt/flink");
  ASSERT_FALSE(relative.ok());
  EXPECT_NE(relative.error().message.find("absolute"), std::string::npos);
  EXPECT_EQ(relative.error().field, "home");

  auto missing = InspectFlinkHome("/no/such/flink/home");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("not a folder"), std::string::npos);

  FakeFlinkHome no_cli("1.20.5", "config.yaml", "");
  fs::remove(fs::path(no_cli.path()) / "bin" / "flink");
  auto without_cli = InspectFlinkHome(no_cli.path());
  ASSERT_FALSE(without_cli.ok());
  EXPECT_NE(without_cli.error().message.find("bin/flink"), std::string::npos);

  FakeFlinkHome two("1.20.5", "config.yaml", "");
  two.Write("lib/flink-dist-1.19.0.jar", "");
  auto two_jars = InspectFlinkHome(two.path());
  ASSERT_FALSE(two_jars.ok());
  EXPECT_NE(two_jars.error().message.find("2 flink-dist jars"), std::string::npos);
  EXPECT_NE(two_jars.error().message.find("flink-dist-1.19.0.jar"), std::string::npos);

  FakeFlinkHome none("1.20.5", "config.yaml", "");
  fs::remove(fs::path(none.path()) / "lib" / "flink-dist-1.20.5.jar");
  auto no_jar = InspectFlinkHome(none.path());
  ASSERT_FALSE(no_jar.ok());
  EXPECT_NE(no_jar.error().message.find("no flink-dist jar"), std::string::npos);

  FakeFlinkHome old("1.12.7", "flink-conf.yaml", "");
  auto too_old = InspectFlinkHome(old.path());
  ASSERT_FALSE(too_old.ok());
  EXPECT_NE(too_old.error().message.find("too old"), std::string::npos);

  FakeFlinkHome broken("1.20.5", "config.yaml", "a: [unclosed\n");
  auto bad_yaml = InspectFlinkHome(broken.path());
  ASSERT_FALSE(bad_yaml.ok());
  EXPECT_NE(bad_yaml.error().message.find("not valid"), std::string::npos);
}

TEST(FlinkConfigTest, FlattensStandardYaml) {
  auto config = ParseFlinkConfig(
      "jobmanager:\n  rpc:\n    address: localhost\n    port: 6123\n"
      "taskmanager.numberOfTaskSlots: 2\n"
      "env.java.opts.all: -XX:+UseG1GC\n"
      "pipeline.jars:\n  - a.jar\n  - b.jar\n",
      "config.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->at("jobmanager.rpc.address"), "localhost");
  EXPECT_EQ(config->at("jobmanager.rpc.port"), "6123");
  EXPECT_EQ(config->at("taskmanager.numberOfTaskSlots"), "2");
  EXPECT_EQ(config->at("env.java.opts.all"), "-XX:+UseG1GC");
  EXPECT_EQ(config->at("pipeline.jars"), "a.jar;b.jar");
}

TEST(FlinkConfigTest, ReadsLegacyLines) {
  auto config = ParseFlinkConfig(
      "# comment\njobmanager.rpc.address: localhost\nrest.port: 8081 # trailing\nnot a pair\n",
      "flink-conf.yaml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->size(), 2u);
  EXPECT_EQ(config->at("rest.port"), "8081");
}

TEST(FlinkConfigTest, RenderedStandardYamlReadsBackTheSame) {
  FlatConfig config = {{"a.b", "1600m"},
                       {"env.java.opts.all", "-Dx=\"quoted\" --add-opens=java.base/java.lang=ALL"},
                       {"empty", ""},
                       {"colon", "http://x:1/y"}};
  std::string text = RenderFlinkConfig(config, "config.yaml");
  auto back = ParseFlinkConfig(text, "config.yaml");
  ASSERT_TRUE(back.ok()) << back.error().message << "\n" << text;
  EXPECT_EQ(*back, config);
  std::string legacy = RenderFlinkConfig({{"a.b", "1600m"}}, "flink-conf.yaml");
  EXPECT_NE(legacy.find("a.b: 1600m\n"), std::string::npos);
}

TEST(FlinkConfigTest, ValidatesUserEntries) {
  EXPECT_TRUE(ValidateConfigEntry("taskmanager.numberOfTaskSlots", "4").ok());
  EXPECT_FALSE(ValidateConfigEntry("", "4").ok());
  EXPECT_FALSE(ValidateConfigEntry("a b", "4").ok());
  EXPECT_FALSE(ValidateConfigEntry("a:b", "4").ok());
  auto newline = ValidateConfigEntry("a", "x\nrest.port: 1");
  ASSERT_FALSE(newline.ok());
  EXPECT_EQ(newline.error().field, "config");
}

}  // namespace
}  // namespace sluice::flink
