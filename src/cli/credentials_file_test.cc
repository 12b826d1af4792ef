#include "cli/credentials_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

EnvLookup EnvOf(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

int ModeOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<int>(st.st_mode & 0777);
}

class CliCredentialsFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sluice-cli-creds-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(CliCredentialsPath, PrefersSluiceConfigDirThenXdgThenHome) {
  EXPECT_EQ(*CredentialsPath(
                EnvOf({{"SLUICE_CONFIG_DIR", "/a"}, {"XDG_CONFIG_HOME", "/b"}, {"HOME", "/c"}})),
            fs::path("/a/credentials.json"));
  EXPECT_EQ(*CredentialsPath(
                EnvOf({{"SLUICE_CONFIG_DIR", ""}, {"XDG_CONFIG_HOME", "/b"}, {"HOME", "/c"}})),
            fs::path("/b/sluice/credentials.json"));
  EXPECT_EQ(*CredentialsPath(EnvOf({{"HOME", "/c"}})),
            fs::path("/c/.config/sluice/credentials.json"));
  EXPECT_EQ(CredentialsPath(EnvOf({})).error().kind, ApiError::Kind::kLocal);
}

TEST_F(CliCredentialsFile, SaveCreatesOwnerOnlyFileAndFoldersEvenWithAPermissiveUmask) {
  mode_t old_umask = ::umask(0);
  fs::path path = dir_ / "config" / "sluice" / "credentials.json";
  auto saved =
      SaveCredentials(path, {"http://h:1", "tok-secret", "admin", "2026-11-25T12:00:00.000Z"});
  ::umask(old_umask);
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  EXPECT_EQ(ModeOf(path), 0600);
  EXPECT_EQ(ModeOf(path.parent_path()), 0700);
  EXPECT_EQ(ModeOf(path.parent_path().parent_path()), 0700);

  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(Json::parse(text.str()), Json({{"server", "http://h:1"},
                                           {"token", "tok-secret"},
                                           {"username", "admin"},
                                           {"expires_at", "2026-11-25T12:00:00.000Z"}}));
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator()), 1);
}

TEST_F(CliCredentialsFile, LoadRoundTripsAndRemoveDeletes) {
  fs::path path = dir_ / "credentials.json";
  auto nothing = LoadCredentials(path);
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value());

  ASSERT_TRUE(SaveCredentials(path, {"http://h:1", "tok", "u", ""}).ok());
  auto loaded = LoadCredentials(path);
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->server, "http://h:1");
  EXPECT_EQ((*loaded)->token, "tok");
  EXPECT_EQ((*loaded)->username, "u");
  EXPECT_FALSE((*loaded)->readable_by_others);

  EXPECT_TRUE(*RemoveCredentials(path));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(*RemoveCredentials(path));
}

TEST_F(CliCredentialsFile, ReplacingAnOpenFileMakesItOwnerOnly) {
  fs::path path = dir_ / "credentials.json";
  { std::ofstream(path) << "{}"; }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto loaded = LoadCredentials(path);  // "{}" lacks server and token
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("damaged"), std::string::npos);

  ASSERT_TRUE(SaveCredentials(path, {"http://h", "tok", "u", ""}).ok());
  EXPECT_EQ(ModeOf(path), 0600);
}

TEST_F(CliCredentialsFile, LoadFlagsAFileOthersCanRead) {
  fs::path path = dir_ / "credentials.json";
  ASSERT_TRUE(SaveCredentials(path, {"http://h", "tok", "u", ""}).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto loaded = LoadCredentials(path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE((*loaded)->readable_by_others);
}

TEST_F(CliCredentialsFile, DamagedFileErrorDoesNotQuoteTheContent) {
  fs::path path = dir_ / "credentials.json";
  { std::ofstream(path) << "not json tok-123-secret"; }
  auto loaded = LoadCredentials(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ApiError::Kind::kLocal);
  EXPECT_EQ(loaded.error().message.find("tok-123"), std::string::npos);
}

}  // namespace
}  // namespace sluice::cli
